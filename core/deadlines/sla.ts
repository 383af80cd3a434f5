// A ticket's deadlines: when the first response and the resolution (or a plan) are due, from the
// profile's `sla` and the working-day calendar. Set when the ticket is created and recomputed when
// its category changes; the summary, reminders, escalation and the dashboard read the stored values.
import type { VillageProfile } from '../../config/profile.ts';
import type { Category } from '../domain.ts';
import type { WorkingCalendar } from './calendar.ts';

const HOUR_MS = 3_600_000;

export interface Deadlines {
  responseDueAt: number;
  resolutionDueAt: number;
}

/** The deadline rule of a category: working days, or clock hours where the profile says so. */
export interface SlaRule {
  firstResponse: { days: number } | { hours: number };
  resolution: { days: number } | { hours: number };
}

export function slaRule(profile: Pick<VillageProfile, 'sla'>, category: string): SlaRule {
  const override = profile.sla.categories[category as Category] ?? {};
  const pick = (days: number | undefined, hours: number | undefined, fallbackDays: number) =>
    hours !== undefined ? { hours } : { days: days ?? fallbackDays };
  return {
    firstResponse: pick(override.first_response_days, override.first_response_hours, profile.sla.first_response_days),
    resolution: pick(override.resolution_days, override.resolution_hours, profile.sla.resolution_days),
  };
}

function due(calendar: WorkingCalendar, from: number, span: { days: number } | { hours: number }): number {
  return 'hours' in span ? from + span.hours * HOUR_MS : calendar.addWorkingDays(from, span.days);
}

export function computeDeadlines(
  profile: Pick<VillageProfile, 'sla'>,
  calendar: WorkingCalendar,
  ticket: { category: string; createdAt: number },
): Deadlines {
  const rule = slaRule(profile, ticket.category);
  return {
    responseDueAt: due(calendar, ticket.createdAt, rule.firstResponse),
    resolutionDueAt: due(calendar, ticket.createdAt, rule.resolution),
  };
}

/** What a deadline check needs of a ticket; times as they stood at `now` (null when not yet reached). */
export interface DeadlineState {
  firstResponseAt: number | null;
  resolvedAt: number | null;
  responseDueAt: number | null;
  resolutionDueAt: number | null;
}

/** The deadlines a ticket has missed at `now` and not met since, earliest first. */
export function missedDeadlines(ticket: DeadlineState, now: number): Array<{ kind: 'response' | 'resolution'; dueAt: number }> {
  const missed: Array<{ kind: 'response' | 'resolution'; dueAt: number }> = [];
  if (ticket.firstResponseAt === null && ticket.responseDueAt !== null && now >= ticket.responseDueAt) {
    missed.push({ kind: 'response', dueAt: ticket.responseDueAt });
  }
  if (ticket.resolvedAt === null && ticket.resolutionDueAt !== null && now >= ticket.resolutionDueAt) {
    missed.push({ kind: 'resolution', dueAt: ticket.resolutionDueAt });
  }
  return missed;
}
