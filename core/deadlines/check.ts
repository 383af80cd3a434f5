// The deadline jobs: a daily reminder to each assignee of what is due today or overdue, and the
// escalation of overdue tickets up the profile's chain (sekdes, then kades, then the BPD chair),
// one step per working day (per the category's first-response hours for hour-based deadlines).
// Messages go through the outbox; those that are not urgent wait through quiet hours.
import cron from 'node-cron';
import type { Officer } from '../../config/profile.ts';
import {
  listOpenDueBefore,
  listOpenEscalated,
  listOpenWithoutDeadlines,
  setEscalation,
  setTicketDeadlines,
  type DeadlineRow,
} from '../../storage/repositories/index.ts';
import type { CoreContext } from '../context.ts';
import { firedToday, runOncePerPeriod, villageDay } from '../jobs.ts';
import { recordEvent } from '../lifecycle.ts';
import { deadlineText, ROLE_LABELS, ticketActions } from '../messages.ts';
import { placeLabel } from '../gazetteer.ts';
import { handlerLabel, queueToOfficer } from '../notify.ts';
import { truncate } from '../text.ts';
import { quietHoursEnd } from './quiet.ts';
import { computeDeadlines, missedDeadlines, slaRule } from './sla.ts';

const HOUR_MS = 3_600_000;
/** Tickets listed in one reminder; the rest are counted. */
const REMINDER_LINES = 15;

/** Village-time date and time for officers, e.g. "Kamis 26/11 10.00". */
export function formatDue(ctx: CoreContext, at: number): string {
  const parts = new Intl.DateTimeFormat('id-ID', {
    timeZone: ctx.profile.village.timezone,
    weekday: 'long',
    day: '2-digit',
    month: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(at));
  const get = (type: string) => parts.find((part) => part.type === type)?.value ?? '';
  return `${get('weekday')} ${get('day')}/${get('month')} ${get('hour')}.${get('minute')}`;
}

function formatDay(ctx: CoreContext, at: number): string {
  return new Intl.DateTimeFormat('id-ID', { timeZone: ctx.profile.village.timezone, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(
    new Date(at),
  );
}

/** Gives deadlines to open tickets stored before deadlines existed. Returns how many. */
export function backfillDeadlines(ctx: CoreContext): number {
  let total = 0;
  for (;;) {
    const batch = listOpenWithoutDeadlines(ctx.store.db, 500);
    if (batch.length === 0) return total;
    ctx.store.transaction(() => {
      for (const ticket of batch) {
        const due = computeDeadlines(ctx.profile, ctx.calendar, ticket);
        setTicketDeadlines(ctx.store.db, ticket.id, due.responseDueAt, due.resolutionDueAt);
      }
    });
    total += batch.length;
  }
}

/** A confidential complaint (about officials) is escalated within the BPD only: its chair, then deputy. */
const CONFIDENTIAL_CHAIN = ['bpd_ketua', 'bpd_wakil'] as const;

/** Who an overdue ticket reaches at each escalation step: the chain minus its assignee. */
function escalationChain(ctx: CoreContext, ticket: DeadlineRow): Officer[][] {
  const roles = ticket.confidential ? CONFIDENTIAL_CHAIN : ctx.profile.reminders.escalation;
  return roles
    .map((role) => ctx.officers.withRole(role).filter((officer) => officer.id !== ticket.assignee && officer.contacts.length > 0))
    .filter((step) => step.length > 0);
}

/** When escalation step `step` (1-based) falls due for a ticket overdue since `since`. */
function stepDueAt(ctx: CoreContext, ticket: DeadlineRow, since: number, step: number): number {
  const rule = slaRule(ctx.profile, ticket.category);
  if (step <= 1) return since;
  if ('hours' in rule.firstResponse) return since + (step - 1) * rule.firstResponse.hours * HOUR_MS;
  return ctx.calendar.addWorkingDays(since, (step - 1) * ctx.profile.reminders.escalation_step_days);
}

export interface EscalationResult {
  escalated: Array<{ code: string; level: number; to: string[] }>;
  reset: number;
}

/**
 * Escalates every overdue ticket whose next step has fallen due (jumping to the highest step due
 * when the service was down), and resets tickets whose missed deadline has since been met, so a
 * later missed resolution starts the chain again.
 */
export function escalateOverdue(ctx: CoreContext): EscalationResult {
  const now = ctx.now();
  const result: EscalationResult = { escalated: [], reset: 0 };
  ctx.store.transaction(() => {
    for (const ticket of listOpenEscalated(ctx.store.db)) {
      if (missedDeadlines(ticket, now).length === 0) {
        setEscalation(ctx.store.db, ticket.id, 0, null);
        result.reset++;
      }
    }
    for (const ticket of listOpenDueBefore(ctx.store.db, now)) {
      const missed = missedDeadlines(ticket, now);
      const first = missed[0];
      if (!first) continue;
      const chain = escalationChain(ctx, ticket);
      let level = ticket.escalationLevel;
      while (level < chain.length && stepDueAt(ctx, ticket, first.dueAt, level + 1) <= now) level++;
      if (level <= ticket.escalationLevel) continue;
      const recipients = chain[level - 1] ?? [];
      const text = deadlineText.escalation({
        code: ticket.code,
        step: `tahap ${level}: ${recipients.map((officer) => ROLE_LABELS[officer.role]).join(', ')}`,
        missed:
          first.kind === 'response'
            ? deadlineText.escalationMissedResponse(formatDue(ctx, first.dueAt))
            : deadlineText.escalationMissedResolution(formatDue(ctx, first.dueAt)),
        category: ticket.category,
        place: placeLabel(ctx.profile, { dusun: ticket.dusun ?? undefined }),
        handler: handlerLabel(ctx, ticket.assignee) ?? deadlineText.unassigned(),
        summary: truncate(ticket.summary, 200),
      });
      for (const officer of recipients) {
        queueToOfficer(ctx, officer, text, 'escalation', { ticketId: ticket.id, urgent: ticket.urgent, actions: ticketActions(ticket.code) });
      }
      setEscalation(ctx.store.db, ticket.id, level, now);
      recordEvent(ctx, ticket, 'escalated', 'system', {
        data: { level, to: recipients.map((officer) => officer.id), deadline: first.kind, dueAt: first.dueAt },
      });
      result.escalated.push({ code: ticket.code, level, to: recipients.map((officer) => officer.id) });
    }
  });
  for (const item of result.escalated) ctx.logger.info({ ticket: item.code, level: item.level, to: item.to }, 'overdue ticket escalated');
  return result;
}

/**
 * Queues each officer's reminder: their open tickets that are overdue or due before the end of
 * today; tickets nobody handles yet go to the triage sorters. Returns officer id -> tickets listed.
 */
export function sendReminders(ctx: CoreContext): Record<string, number> {
  const now = ctx.now();
  const endOfToday = ctx.calendar.startOfDay(now + 30 * HOUR_MS);
  const byOfficer = new Map<string, DeadlineRow[]>();
  for (const ticket of listOpenDueBefore(ctx.store.db, endOfToday)) {
    const owners = ticket.assignee
      ? [ticket.assignee]
      : ctx.profile.triage.queue_roles.flatMap((role) => ctx.officers.withRole(role).map((officer) => officer.id));
    for (const owner of owners) byOfficer.set(owner, [...(byOfficer.get(owner) ?? []), ticket]);
  }
  const counts: Record<string, number> = {};
  ctx.store.transaction(() => {
    for (const [officerId, tickets] of byOfficer) {
      const officer = ctx.officers.byId(officerId);
      if (!officer) continue;
      const overdue = tickets.filter((ticket) => missedDeadlines(ticket, now).length > 0);
      const dueToday = tickets.filter((ticket) => missedDeadlines(ticket, now).length === 0);
      const lines: string[] = [deadlineText.reminderTitle(formatDay(ctx, now))];
      let listed = 0;
      const describe = (ticket: DeadlineRow, what: string) => {
        if (listed >= REMINDER_LINES) return;
        listed++;
        lines.push(deadlineText.line(ticket.code, ticket.confidential ? '(rahasia)' : truncate(ticket.summary, 80), what));
      };
      if (overdue.length > 0) {
        lines.push('', deadlineText.overdueHeading(overdue.length));
        for (const ticket of overdue) {
          const missed = missedDeadlines(ticket, now)[0];
          if (!missed) continue;
          const since = formatDue(ctx, missed.dueAt);
          describe(ticket, missed.kind === 'response' ? deadlineText.responseMissed(since) : deadlineText.resolutionMissed(since));
        }
      }
      if (dueToday.length > 0) {
        lines.push('', deadlineText.dueTodayHeading(dueToday.length));
        for (const ticket of dueToday) {
          const response = ticket.firstResponseAt === null && ticket.responseDueAt !== null && ticket.responseDueAt <= endOfToday;
          const at = formatDue(ctx, (response ? ticket.responseDueAt : ticket.resolutionDueAt) ?? now);
          describe(ticket, response ? deadlineText.responseDue(at) : deadlineText.resolutionDue(at));
        }
      }
      if (tickets.length > listed) lines.push(deadlineText.more(tickets.length - listed));
      lines.push('', deadlineText.reminderFooter());
      const urgent = tickets.some((ticket) => ticket.urgent);
      queueToOfficer(ctx, officer, lines.join('\n'), 'reminder', { urgent });
      counts[officer.id] = tickets.length;
    }
  });
  ctx.logger.info({ officers: Object.keys(counts).length, tickets: Object.values(counts).reduce((a, b) => a + b, 0) }, 'deadline reminders queued');
  return counts;
}

/** The daily reminder, once per village day and on working days only. */
export async function runDailyReminder(ctx: CoreContext): Promise<Record<string, number> | undefined> {
  const now = ctx.now();
  if (!ctx.calendar.isWorkingDay(now)) return undefined;
  const ran = await runOncePerPeriod(ctx, 'reminders', villageDay(ctx, now), () => ({ officers: sendReminders(ctx) }));
  return ran?.result.officers;
}

/**
 * Schedules the deadline jobs: the reminder on the profile's schedule, escalation every 15 minutes
 * (hour-based deadlines need it), both once at start, so a reminder missed while the service was
 * down is sent on start (if today's scheduled time has passed) and tickets stored by an older
 * version get deadlines.
 */
export function scheduleDeadlines(ctx: CoreContext, options: { wake?: () => void } = {}): () => void {
  const timezone = ctx.profile.village.timezone;
  const wake = options.wake ?? (() => undefined);
  const guard = (what: string, work: () => unknown) => {
    try {
      const result = work();
      if (result instanceof Promise) {
        result.then(wake, (error: unknown) => ctx.logger.error({ err: error }, `${what} failed`));
      } else {
        wake();
      }
    } catch (error) {
      ctx.logger.error({ err: error }, `${what} failed`);
    }
  };
  guard('deadline backfill', () => backfillDeadlines(ctx));
  guard('escalation', () => escalateOverdue(ctx));
  const reminder = cron.schedule(ctx.profile.reminders.schedule, () => guard('deadline reminder', () => runDailyReminder(ctx)), { timezone });
  // Made up only the same day and before quiet hours: a late evening start waits for tomorrow's.
  const quiet = quietHoursEnd(ctx.profile, ctx.calendar, ctx.now()) !== undefined;
  if (firedToday(ctx, reminder, ctx.now()) && !quiet) guard('deadline reminder', () => runDailyReminder(ctx));
  const escalation = cron.schedule('*/15 * * * *', () => guard('escalation', () => escalateOverdue(ctx)), { timezone });
  return () => {
    void reminder.stop();
    void escalation.stop();
  };
}
