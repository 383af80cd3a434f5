// Retention (issue 10): personal data of finished tickets is kept `retention.personal_data_months`
// after the ticket ended, then anonymised by a daily job. Work goes in batches, one transaction
// each, with the event loop free in between, so a large village's first run does not hold up intake.
import { setImmediate as nextTurn } from 'node:timers/promises';
import cron from 'node-cron';
import {
  expireDataRequests,
  listClearMessagesOfAnonymousContacts,
  listClearOutboxOfAnonymousContacts,
  listContactsDueForRetention,
  listTicketsDueForRetention,
} from '../../storage/repositories/index.ts';
import type { CoreContext } from '../context.ts';
import { firedToday, runOncePerPeriod, villageDay } from '../jobs.ts';
import { Anonymizer, anonymizeContact, anonymizeMessage, anonymizeOutboxRow, anonymizeTicket, PersonalDataIndex } from './anonymize.ts';
import { DELETION_CONFIRMATION_MS } from './rights.ts';

export const RETENTION_JOB = 'retention';
const DEFAULT_BATCH = 500;
/** Wall-clock work per transaction: intake waits for at most about this long. */
const BATCH_BUDGET_MS = 100;
const PAGE = 25;

export interface RetentionResult extends Record<string, unknown> {
  /** Personal data kept until this time (ms); older finished tickets were anonymised. */
  cutoff: number;
  tickets: number;
  contacts: number;
  /** Rows sent to already anonymised contacts (the "data deleted" message) whose chat ids were hashed. */
  sentAfterDeletion: number;
  expiredRequests: number;
}

/** `months` calendar months before `at` (UTC calendar; a day's difference does not matter here). */
export function monthsBefore(at: number, months: number): number {
  const date = new Date(at);
  date.setUTCMonth(date.getUTCMonth() - months);
  return date.getTime();
}

export interface RetentionOptions {
  /** Rows per transaction at most (fewer when BATCH_BUDGET_MS is used up first). */
  batchSize?: number;
  /** Checked between batches: the service is stopping. */
  isCancelled?: () => boolean;
}

/** Anonymises everything due now. Safe to run again: what is anonymised is not touched twice. */
export async function runRetention(ctx: CoreContext, options: RetentionOptions = {}): Promise<RetentionResult> {
  const cancelled = options.isCancelled ?? (() => false);
  const now = ctx.now();
  const cutoff = monthsBefore(now, ctx.profile.retention.personal_data_months);
  const result: RetentionResult = { cutoff, tickets: 0, contacts: 0, sentAfterDeletion: 0, expiredRequests: 0 };
  const db = ctx.store.db;
  result.expiredRequests = ctx.store.transaction(() => expireDataRequests(db, now - DELETION_CONFIRMATION_MS, now));

  result.tickets = await inBatches(ctx, options, (afterId, limit) => listTicketsDueForRetention(db, cutoff, afterId, limit), (ticket, index) => {
    anonymizeTicket(ctx, index, ticket);
    return true;
  });
  result.contacts = await inBatches(ctx, options, (afterId, limit) => listContactsDueForRetention(db, cutoff, afterId, limit), (contact, index) => {
    // Officers' accounts are in the profile anyway; they are not residents' personal data.
    if (ctx.officers.byContact(contact.channel, contact.externalId)) return false;
    anonymizeContact(ctx, index, contact);
    return true;
  });

  if (!cancelled()) result.sentAfterDeletion = ctx.store.transaction(() => hashChatsSentAfterAnonymisation(ctx, options.batchSize ?? DEFAULT_BATCH));
  ctx.logger.info(
    { ...result, cutoff: new Date(cutoff).toISOString(), months: ctx.profile.retention.personal_data_months },
    'retention: personal data of old finished tickets anonymised',
  );
  return result;
}

/**
 * Works through what `list` returns (by id, after the last one done), one transaction per batch of at
 * most `batchSize` rows or BATCH_BUDGET_MS of work, whichever comes first, with the event loop free
 * in between so intake goes on. Returns how many rows `each` counted.
 */
async function inBatches<T extends { id: number }>(
  ctx: CoreContext,
  options: RetentionOptions,
  list: (afterId: number, limit: number) => T[],
  each: (row: T, index: PersonalDataIndex) => boolean,
): Promise<number> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  let counted = 0;
  let afterId = 0;
  for (let more = true; more && !options.isCancelled?.(); ) {
    more = ctx.store.transaction(() => {
      const index = new PersonalDataIndex(ctx, true);
      const started = performance.now();
      for (let done = 0; done < batchSize; ) {
        // Small pages: the time budget usually ends a batch long before batchSize rows.
        const limit = Math.min(PAGE, batchSize - done);
        const page = list(afterId, limit);
        for (const row of page) {
          if (each(row, index)) counted += 1;
          afterId = row.id;
          done += 1;
          if (performance.now() - started >= BATCH_BUDGET_MS) return true;
        }
        if (page.length < limit) return false;
      }
      return true;
    });
    if (more) await nextTurn();
  }
  return counted;
}

/**
 * The last message to a resident who had their data deleted is queued while their chat id is still
 * known (it is needed to deliver it); once it has gone out, its outbox and message rows get the
 * keyed hash here, on the next daily run.
 */
function hashChatsSentAfterAnonymisation(ctx: CoreContext, limit: number): number {
  // The key is read only when there is something to hash ("on first need").
  const forChat = (channel: string, chatId: string) => new Anonymizer(ctx.privacyKey(), [{ channel, id: chatId }], [], []);
  const rows = listClearOutboxOfAnonymousContacts(ctx.store.db, limit);
  for (const row of rows) anonymizeOutboxRow(forChat(row.channel, row.chatId), ctx, row);
  for (const message of listClearMessagesOfAnonymousContacts(ctx.store.db, limit)) {
    anonymizeMessage(forChat(message.channel, message.chatId), ctx, message);
  }
  return rows.length;
}

/** A cancel function; `pending` settles when the run in progress (if any) has stopped. */
export type CancelRetention = (() => void) & { readonly pending: Promise<void> };

/**
 * Runs retention once per village day on `retention.schedule` (cron, village time); at start, makes
 * up today's run when the schedule already fired today. Failures are logged; the next day tries again.
 */
export function scheduleRetention(ctx: CoreContext): CancelRetention {
  const { schedule } = ctx.profile.retention;
  const timezone = ctx.profile.village.timezone;
  let cancelled = false;
  let pending: Promise<void> = Promise.resolve();
  const run = (reason: 'scheduled' | 'missed') => {
    if (cancelled) return pending;
    pending = pending.then(async () => {
      try {
        const ran = await runOncePerPeriod(ctx, RETENTION_JOB, villageDay(ctx, ctx.now()), () =>
          runRetention(ctx, { isCancelled: () => cancelled }),
        );
        if (ran) ctx.logger.debug({ reason }, 'retention run finished');
      } catch (error) {
        ctx.logger.error({ err: error }, 'retention run failed');
      }
    });
    return pending;
  };
  const task = cron.schedule(schedule, () => run('scheduled'), { timezone, noOverlap: true, name: 'retention' });
  if (firedToday(ctx, task, ctx.now())) void run('missed');
  ctx.logger.info({ schedule, timezone, months: ctx.profile.retention.personal_data_months }, 'retention scheduled');
  const cancel = () => {
    cancelled = true;
    void task.destroy();
  };
  return Object.defineProperty(cancel, 'pending', { get: () => pending }) as CancelRetention;
}
