// Whether a ticket was past a deadline at a given moment, for the weekly summary's "still open past
// the deadline". Deadlines are stored on the ticket (core/deadlines/sla.ts); a ticket stored before
// deadlines existed gets them computed from the profile and calendar here.
import type { CoreContext } from '../context.ts';
import { computeDeadlines, missedDeadlines } from '../deadlines/sla.ts';
import type { TicketAt } from '../../storage/repositories/index.ts';

/** What a deadline depends on; times as they stood at `now` (null when not yet reached then). */
export type DeadlineTicket = Omit<TicketAt, 'id' | 'urgent'>;

/**
 * True when, at `now`, the ticket has missed a deadline it has not met yet: no first response by
 * its response deadline, or not resolved by its resolution deadline. The caller decides whether the
 * ticket was still open at `now`.
 */
export function isOverdue(ticket: DeadlineTicket, now: number, ctx: Pick<CoreContext, 'profile' | 'calendar'>): boolean {
  const stored = ticket.responseDueAt !== null && ticket.resolutionDueAt !== null;
  const deadlines = stored ? ticket : { ...ticket, ...computeDeadlines(ctx.profile, ctx.calendar, ticket) };
  return missedDeadlines(deadlines, now).length > 0;
}
