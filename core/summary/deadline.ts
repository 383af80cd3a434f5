// Whether a ticket is past its deadline. For now: the profile's `sla` days counted as calendar days.
// TODO(deadlines, issue 7 part 3): replace with working days, holidays and per-category deadlines;
// callers only rely on this signature.
import type { VillageProfile } from '../../config/profile.ts';
import type { Ticket } from '../../storage/repositories/index.ts';

const DAY_MS = 24 * 3_600_000;

/** What a deadline depends on; times as they stood at `now` (null when not yet reached then). */
export type DeadlineTicket = Pick<Ticket, 'category' | 'urgent' | 'createdAt' | 'firstResponseAt' | 'resolvedAt'>;

/**
 * True when, at `now`, the ticket has missed a deadline it has not met yet: no first response
 * within `sla.first_response_days`, or not resolved within `sla.resolution_days`. The caller
 * decides whether the ticket was still open at `now`.
 */
export function isOverdue(ticket: DeadlineTicket, now: number, profile: Pick<VillageProfile, 'sla'>): boolean {
  const responseMissed = ticket.firstResponseAt === null && now >= ticket.createdAt + profile.sla.first_response_days * DAY_MS;
  const resolutionMissed = ticket.resolvedAt === null && now >= ticket.createdAt + profile.sla.resolution_days * DAY_MS;
  return responseMissed || resolutionMissed;
}

