// ISO weeks in Asia/Jakarta (WIB, UTC+7, no daylight saving): the weekly summary covers
// Monday 00:00 WIB up to (not including) the next Monday 00:00 WIB.

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** WIB is UTC+7 all year, so a fixed offset is exact. */
export const WIB_OFFSET_MS = 7 * HOUR_MS;

export interface Week {
  /** ISO week key, e.g. "2026-W47". */
  key: string;
  year: number;
  week: number;
  /** Monday 00:00 WIB, as UTC milliseconds (inclusive). */
  start: number;
  /** The next Monday 00:00 WIB, as UTC milliseconds (exclusive). */
  end: number;
}

export class WeekFormatError extends Error {
  override name = 'WeekFormatError';
}

/** Monday 00:00 WIB of ISO week 1 of an ISO year (the week that holds 4 January). */
function firstWeekStart(isoYear: number): number {
  const jan4 = Date.UTC(isoYear, 0, 4);
  const weekday = (new Date(jan4).getUTCDay() + 6) % 7; // Monday = 0
  return jan4 - weekday * DAY_MS - WIB_OFFSET_MS;
}

function weekFrom(isoYear: number, week: number): Week {
  const start = firstWeekStart(isoYear) + (week - 1) * 7 * DAY_MS;
  return { key: `${isoYear}-W${String(week).padStart(2, '0')}`, year: isoYear, week, start, end: start + 7 * DAY_MS };
}

/** The ISO week (in WIB) that contains the moment. */
export function weekOf(date: Date | number): Week {
  const ms = typeof date === 'number' ? date : date.getTime();
  // The wall-clock date in WIB, read with UTC getters.
  const local = new Date(ms + WIB_OFFSET_MS);
  const weekday = (local.getUTCDay() + 6) % 7;
  // The Thursday of this week decides the ISO year.
  const thursday = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()) + (3 - weekday) * DAY_MS);
  const isoYear = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() + WIB_OFFSET_MS - firstWeekStart(isoYear)) / (7 * DAY_MS)) + 1;
  return weekFrom(isoYear, week);
}

/** Number of ISO weeks (52 or 53) in an ISO year. */
export function weeksInYear(isoYear: number): number {
  return weekOf(firstWeekStart(isoYear + 1) - 1).week;
}

/** Parses "2026-W47" (also "2026-w47", "2026W47"); throws WeekFormatError with a clear reason. */
export function parseWeek(text: string): Week {
  const match = /^(\d{4})-?[Ww](\d{1,2})$/.exec(text.trim());
  if (!match) throw new WeekFormatError(`"${text}" is not an ISO week; write it as YYYY-Www, e.g. 2026-W47`);
  const year = Number(match[1]);
  const week = Number(match[2]);
  const max = weeksInYear(year);
  if (week < 1 || week > max) throw new WeekFormatError(`${year} has ISO weeks 1 to ${max}, not ${week}`);
  return weekFrom(year, week);
}

/** The last complete week before the one that contains `now`. */
export function previousWeek(now: Date | number): Week {
  return weekOf(weekOf(now).start - 1);
}

const MONTHS = ['Januari', 'Februari', 'Maret', 'April', 'Mei', 'Juni', 'Juli', 'Agustus', 'September', 'Oktober', 'November', 'Desember'];

/** The wall-clock date in WIB of a UTC moment. */
function wibDate(ms: number): { day: number; month: string; year: number } {
  const local = new Date(ms + WIB_OFFSET_MS);
  return { day: local.getUTCDate(), month: MONTHS[local.getUTCMonth()] ?? '', year: local.getUTCFullYear() };
}

/** "Senin 16 – Minggu 22 November 2026"; month and year are repeated only where they change. */
export function weekInWords(week: Week): string {
  const from = wibDate(week.start);
  const to = wibDate(week.end - 1);
  const fromTail = from.year !== to.year ? ` ${from.month} ${from.year}` : from.month !== to.month ? ` ${from.month}` : '';
  return `Senin ${from.day}${fromTail} – Minggu ${to.day} ${to.month} ${to.year}`;
}
