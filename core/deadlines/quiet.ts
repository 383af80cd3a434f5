// Quiet hours: officers' notifications that are not urgent are held from the evening (21:00) until
// the morning (06:00) in village time, so nobody is woken by a report of a broken street light.
import type { VillageProfile } from '../../config/profile.ts';
import type { WorkingCalendar } from './calendar.ts';

const MINUTE_MS = 60_000;

/** "21:00" as minutes after midnight; the profile has two such times, asked for with every notification. */
const parsedClocks = new Map<string, number>();
function minutes(clock: string): number {
  let parsed = parsedClocks.get(clock);
  if (parsed === undefined) {
    const [hours, mins] = clock.split(':').map(Number);
    parsed = (hours ?? 0) * 60 + (mins ?? 0);
    parsedClocks.set(clock, parsed);
  }
  return parsed;
}

/**
 * When quiet hours that contain `at` end, or undefined when `at` is outside quiet hours (or the
 * profile has none). A window may run over midnight (21:00-06:00) or not (13:00-14:00).
 */
export function quietHoursEnd(
  profile: Pick<VillageProfile, 'reminders'>,
  calendar: Pick<WorkingCalendar, 'startOfDay'>,
  at: number,
): number | undefined {
  const window = profile.reminders.quiet_hours;
  if (!window) return undefined;
  const start = minutes(window.start);
  const end = minutes(window.end);
  if (start === end) return undefined;
  const dayStart = calendar.startOfDay(at);
  const now = (at - dayStart) / MINUTE_MS;
  if (start < end) return now >= start && now < end ? dayStart + end * MINUTE_MS : undefined;
  // Over midnight: the evening part ends tomorrow morning, the early-morning part this morning.
  if (now >= start) return calendar.startOfDay(dayStart + 30 * 3_600_000) + end * MINUTE_MS;
  if (now < end) return dayStart + end * MINUTE_MS;
  return undefined;
}
