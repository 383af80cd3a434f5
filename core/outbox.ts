// The outbox worker: sends queued rows through their channel's adapter, in order per chat,
// with capped exponential backoff, the platform's retry-after, and a per-channel rate limit.
import {
  claimOutboxRow,
  findOutboxByPlatformMessage,
  getOutboxRow,
  getTicket,
  insertOutboundMessage,
  listDueOutbox,
  markContactUnreachable,
  markOutboxFailed,
  markOutboxRetry,
  markOutboxSent,
  nextOutboxDueByChannel,
  recordOutboxParts,
  requeueInterruptedOutbox,
  type OutboxRow,
} from '../storage/repositories/index.ts';
import type { CoreContext } from './context.ts';
import { classifySendError } from './errors.ts';
import { officerText } from './messages.ts';
import { queueToOfficer } from './notify.ts';
import type { ChannelAdapter } from './types.ts';

export interface OutboxOptions {
  /** Delay before the first retry; doubles each attempt. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** After this many failed attempts a row is marked failed for good. */
  maxAttempts: number;
  batchSize: number;
  /** Longest sleep between checks, a safety net besides wake(). */
  pollMs: number;
  /** How long to wait before trying a channel that has no running adapter. */
  missingChannelDelayMs: number;
}

export const DEFAULT_OUTBOX_OPTIONS: OutboxOptions = {
  baseDelayMs: 2_000,
  maxDelayMs: 10 * 60_000,
  maxAttempts: 12,
  batchSize: 100,
  pollMs: 5_000,
  missingChannelDelayMs: 60_000,
};

export function backoffDelay(attempts: number, options: Pick<OutboxOptions, 'baseDelayMs' | 'maxDelayMs'>): number {
  return Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attempts - 1));
}

export class OutboxWorker {
  private readonly options: OutboxOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  /** Timers and wake() run only between start() and stop(); runOnce() works without them. */
  private active = false;
  private stopping = false;
  /** Per channel: earliest time of the next send (rate limit and channel-wide retry-after). */
  private readonly channelReadyAt = new Map<string, number>();

  constructor(
    private readonly ctx: CoreContext,
    private readonly adapters: ReadonlyMap<string, ChannelAdapter>,
    options: Partial<OutboxOptions> = {},
  ) {
    this.options = { ...DEFAULT_OUTBOX_OPTIONS, ...options };
  }

  start(): void {
    this.active = true;
    this.stopping = false;
    const requeued = this.ctx.store.transaction(() => requeueInterruptedOutbox(this.ctx.store.db, this.ctx.now()));
    if (requeued > 0) this.ctx.logger.warn({ rows: requeued }, 'outbox rows interrupted by a restart will be sent again');
    this.wake();
  }

  /** Asks for a pass soon (after new rows were committed). */
  wake(): void {
    if (!this.active) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.clearTimer();
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.active = false;
    this.stopping = true;
    this.clearTimer();
    await this.running;
  }

  /** Runs passes until nothing is due, then sleeps until the next due row (or pollMs). */
  private async loop(): Promise<void> {
    try {
      do {
        this.again = false;
        await this.runOnce();
      } while (this.again && this.active);
    } catch (error) {
      this.ctx.logger.error({ err: error }, 'outbox pass failed');
    } finally {
      this.running = undefined;
      this.scheduleNext();
    }
  }

  private scheduleNext(): void {
    if (!this.active) return;
    const now = this.ctx.now();
    // Sleep until a row can actually go out: its chat's turn has come and its channel is not paused.
    // (Counting rows held back by their chat or channel as due made the loop poll every few ms.)
    let next = now + this.options.pollMs;
    for (const [channel, due] of nextOutboxDueByChannel(this.ctx.store.db)) {
      next = Math.min(next, Math.max(due, this.channelReadyAt.get(channel) ?? 0));
    }
    this.clearTimer();
    this.timer = setTimeout(() => this.wake(), Math.max(next - now, 5));
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One pass over the rows due now; channels are served concurrently, each one row at a time. */
  async runOnce(): Promise<number> {
    const due = listDueOutbox(this.ctx.store.db, this.ctx.now(), this.options.batchSize);
    const byChannel = new Map<string, OutboxRow[]>();
    for (const row of due) byChannel.set(row.channel, [...(byChannel.get(row.channel) ?? []), row]);
    const counts = await Promise.all([...byChannel].map(([channel, rows]) => this.sendChannel(channel, rows)));
    const sent = counts.reduce((sum, n) => sum + n, 0);
    if (due.length === this.options.batchSize) this.again = true;
    return sent;
  }

  private async sendChannel(channel: string, rows: OutboxRow[]): Promise<number> {
    const adapter = this.adapters.get(channel);
    // A channel that is not running, or is disconnected (WhatsApp logged out, a refused token), keeps
    // its rows waiting without spending their attempts: they go out once it is back.
    const health = adapter?.health();
    if (!adapter || health?.state === 'disconnected') {
      const state = adapter ? `is disconnected${health?.detail ? ` (${health.detail})` : ''}` : 'is not running';
      const later = this.ctx.now() + this.options.missingChannelDelayMs;
      for (const row of rows) markOutboxRetry(this.ctx.store.db, row.id, later, `channel ${channel} ${state}`);
      return 0;
    }
    const blockedChats = new Set<string>();
    let sent = 0;
    for (const row of rows) {
      if (this.stopping) break;
      // A failure earlier in this pass holds back later rows of the same chat (order per chat).
      if (blockedChats.has(row.chatId)) continue;
      const readyAt = this.channelReadyAt.get(channel) ?? 0;
      const now = this.ctx.now();
      if (readyAt > now) {
        // The channel is paused (rate limit or retry-after): leave the rest for a later pass.
        break;
      }
      const ok = await this.sendRow(adapter, row);
      if (ok) sent += 1;
      else blockedChats.add(row.chatId);
      // An adapter that answers at once (the simulator) never lets I/O in: without this, a backlog
      // kept the loop in microtasks, and HTTP requests (webhooks, the simulator) waited minutes.
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
    }
    return sent;
  }

  private async sendRow(adapter: ChannelAdapter, row: OutboxRow): Promise<boolean> {
    const { store } = this.ctx;
    if (!store.transaction(() => claimOutboxRow(store.db, row.id))) return false;
    const rateGap = adapter.sendsPerSecond ? 1000 / adapter.sendsPerSecond : 0;
    try {
      const result = await adapter.send({
        channel: row.channel,
        chatId: row.chatId,
        text: row.text,
        ...(row.replyToExternalId ? { replyTo: row.replyToExternalId } : {}),
        ...(row.actions ? { actions: row.actions } : {}),
        ...(row.attachment ? { attachment: row.attachment } : {}),
        // Committed as each part goes out: a retry, even after a crash, sends only the rest.
        parts: { sent: row.sentParts ?? undefined, delivered: (sent) => store.transaction(() => recordOutboxParts(store.db, row.id, sent)) },
      });
      const now = this.ctx.now();
      this.channelReadyAt.set(row.channel, now + rateGap);
      store.transaction(() => {
        markOutboxSent(store.db, row.id, result.platformMessageId, now);
        // Every part of a split message is recorded, so a reply to any part finds its ticket.
        for (const externalId of [result.platformMessageId, ...(result.extraPlatformMessageIds ?? [])]) {
          insertOutboundMessage(store.db, {
            channel: row.channel,
            externalId,
            chatId: row.chatId,
            contactId: row.contactId,
            ticketId: row.ticketId,
            purpose: row.purpose,
            text: row.text,
            replyToExternalId: row.replyToExternalId,
            at: now,
          });
        }
      });
      return true;
    } catch (error) {
      this.recordFailure(row, error, rateGap);
      return false;
    }
  }

  private recordFailure(row: OutboxRow, error: unknown, rateGap: number): void {
    const { store, logger } = this.ctx;
    const decision = classifySendError(error);
    const now = this.ctx.now();
    const attempts = getOutboxRow(store.db, row.id)?.attempts ?? row.attempts + 1;
    if (decision.retryAfterMs !== undefined) {
      // The platform asked the whole channel to slow down.
      this.channelReadyAt.set(row.channel, now + decision.retryAfterMs);
    } else {
      this.channelReadyAt.set(row.channel, now + rateGap);
    }
    store.transaction(() => {
      if (decision.recipientUnreachable) {
        markOutboxFailed(store.db, row.id, decision.reason);
        if (row.contactId !== null) markContactUnreachable(store.db, row.contactId, decision.reason);
        tellHandler(this.ctx, row, decision.reason);
      } else if (decision.retry && attempts < this.options.maxAttempts) {
        const delay = Math.max(decision.retryAfterMs ?? 0, backoffDelay(attempts, this.options));
        markOutboxRetry(store.db, row.id, now + delay, decision.reason);
      } else {
        const reason = decision.retry ? `gave up after ${attempts} attempts: ${decision.reason}` : decision.reason;
        markOutboxFailed(store.db, row.id, reason);
        tellHandler(this.ctx, row, reason);
      }
    });
    logger.warn(
      { outboxId: row.id, channel: row.channel, attempts, retry: decision.retry, unreachable: decision.recipientUnreachable, reason: decision.reason },
      'outbox send failed',
    );
  }
}

/**
 * A message for a resident about a ticket that will never arrive: whoever handles the ticket (or
 * sorts the triage queue) is told, so the resident is not left waiting in silence. Messages to
 * officers carry no contact, so this never loops. Runs inside the caller's transaction.
 */
function tellHandler(ctx: CoreContext, row: OutboxRow, reason: string): void {
  if (row.contactId === null || row.ticketId === null) return;
  const ticket = getTicket(ctx.store.db, row.ticketId);
  if (!ticket) return;
  const excerpt = row.text.length > 160 ? `${row.text.slice(0, 157)}...` : row.text;
  const text = officerText.deliveryFailed(ticket.code, excerpt, reason);
  const assignee = ticket.assignee ? ctx.officers.byId(ticket.assignee) : undefined;
  const recipients = assignee ? [assignee] : ctx.profile.triage.queue_roles.flatMap((role) => ctx.officers.withRole(role));
  for (const officer of recipients) queueToOfficer(ctx, officer, text, 'notify_delivery_failed', { ticketId: ticket.id });
}

/**
 * The platform accepted a message and later reported that it was not delivered (WhatsApp's failed
 * status): the row is marked failed and the ticket's officer told, as for a send refused at once.
 * Returns false when the message is unknown or was already marked.
 */
export function recordLateDeliveryFailure(ctx: CoreContext, channel: string, platformMessageId: string, reason: string): boolean {
  return ctx.store.transaction(() => {
    const row = findOutboxByPlatformMessage(ctx.store.db, channel, platformMessageId);
    if (!row || row.state !== 'sent') return false;
    markOutboxFailed(ctx.store.db, row.id, `not delivered: ${reason}`);
    tellHandler(ctx, row, reason);
    return true;
  });
}
