// The village's working-day calendar: which days the office is open (weekdays, minus national
// holidays, cuti bersama and the village's own days off), and arithmetic on working time in the
// village's time zone. Deadlines count working time only: a report made on Monday 10:00 with 3
// working days is due Thursday 10:00; one made on Saturday is counted from Monday 00:00.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import { WEEKDAYS, type VillageProfile } from '../../config/profile.ts';

export const HOLIDAYS_PATH = join(dirname(fileURLToPath(import.meta.url)), '../../config/holidays-id.yaml');

const DAY_MS = 24 * 3_600_000;
/** Longest run of days off the arithmetic will skip before giving up (a misconfigured calendar). */
const MAX_DAYS_SCANNED = 3 * 366;

const holidayFileSchema = z.record(
  z.string().regex(/^\d{4}$/),
  z.array(
    z.strictObject({
      date: z.union([z.string(), z.date()]).transform((d) => (typeof d === 'string' ? d : d.toISOString().slice(0, 10))),
      name: z.string().min(1),
      cuti_bersama: z.boolean().optional(),
      estimated: z.boolean().optional(),
    }),
  ),
);

export interface Holiday {
  date: string;
  name: string;
  cutiBersama: boolean;
  estimated: boolean;
}

let shipped: Holiday[] | undefined;

/** The shipped list of Indonesian national holidays and cuti bersama (config/holidays-id.yaml). */
export function nationalHolidays(): Holiday[] {
  shipped ??= Object.values(holidayFileSchema.parse(parse(readFileSync(HOLIDAYS_PATH, 'utf8')))).flatMap((days) =>
    days.map((day) => ({ date: day.date, name: day.name, cutiBersama: day.cuti_bersama ?? false, estimated: day.estimated ?? false })),
  );
  return shipped;
}

export interface WorkingCalendar {
  readonly timezone: string;
  /** The village-time date of an instant, "YYYY-MM-DD". */
  dayKey(at: number): string;
  /** The instant the village-time day containing `at` began. */
  startOfDay(at: number): number;
  isWorkingDay(at: number): boolean;
  /** Why the day is off ("Sabtu", a holiday's name, "hari libur desa"), or undefined on a working day. */
  dayOffReason(at: number): string | undefined;
  /** The instant `days` working days after `from`, counting only the time of working days. */
  addWorkingDays(from: number, days: number): number;
  /** Working days (fractional) elapsed from `from` to `to`; 0 when `to` is not later. */
  workingDaysBetween(from: number, to: number): number;
  /** The start of the first working day after the day containing `at`. */
  nextWorkingDayStart(at: number): number;
}

const WEEKDAY_NAMES_ID: Record<(typeof WEEKDAYS)[number], string> = {
  sun: 'Minggu',
  mon: 'Senin',
  tue: 'Selasa',
  wed: 'Rabu',
  thu: 'Kamis',
  fri: 'Jumat',
  sat: 'Sabtu',
};

export function createCalendar(
  profile: Pick<VillageProfile, 'calendar'> & { village: Pick<VillageProfile['village'], 'timezone'> },
  holidays: readonly Holiday[] = profile.calendar.national_holidays ? nationalHolidays() : [],
): WorkingCalendar {
  const timezone = profile.village.timezone;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const workDays = new Set<string>(profile.calendar.work_days);
  const daysOff = new Map<string, string>(holidays.map((holiday) => [holiday.date, holiday.name]));
  for (const date of profile.calendar.days_off) daysOff.set(date, 'hari libur desa');

  // The zone's offset from UTC, looked up once per hour (offsets change only on whole hours) and
  // cached: Intl formatting costs microseconds, and deadline arithmetic asks for dozens of days.
  const offsets = new Map<number, number>();
  function offsetAt(at: number): number {
    const hour = Math.floor(at / 3_600_000);
    let offset = offsets.get(hour);
    if (offset === undefined) {
      const fields = Object.fromEntries(parts.formatToParts(new Date(hour * 3_600_000)).map((part) => [part.type, part.value]));
      const asUtc = Date.UTC(Number(fields.year), Number(fields.month) - 1, Number(fields.day), Number(fields.hour), Number(fields.minute), Number(fields.second));
      offset = asUtc - hour * 3_600_000;
      if (offsets.size > 50_000) offsets.clear();
      offsets.set(hour, offset);
    }
    return offset;
  }

  // Day numbers (days since 1970-01-01 in village time) to "YYYY-MM-DD", cached.
  const keys = new Map<number, string>();
  function dayKeyOf(dayNumber: number): string {
    let key = keys.get(dayNumber);
    if (key === undefined) {
      key = new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
      if (keys.size > 50_000) keys.clear();
      keys.set(dayNumber, key);
    }
    return key;
  }
  // No object per call: deadline arithmetic asks these several times for every day it crosses.
  const dayNumberOf = (at: number) => Math.floor((at + offsetAt(at)) / DAY_MS);
  // 1970-01-01 was a Thursday.
  const weekdayOf = (dayNumber: number) => WEEKDAYS[(((dayNumber + 4) % 7) + 7) % 7] ?? 'sun';

  const startOfDay = (at: number) => {
    const shifted = at + offsetAt(at);
    return at - (shifted - Math.floor(shifted / DAY_MS) * DAY_MS);
  };
  const dayOffReason = (at: number): string | undefined => {
    const dayNumber = dayNumberOf(at);
    const weekday = weekdayOf(dayNumber);
    if (!workDays.has(weekday)) return WEEKDAY_NAMES_ID[weekday];
    return daysOff.size === 0 ? undefined : daysOff.get(dayKeyOf(dayNumber));
  };
  const isWorkingDay = (at: number) => dayOffReason(at) === undefined;
  // The next day's start, robust to days that are not 24 h long (daylight saving elsewhere).
  const nextDayStart = (dayStart: number) => startOfDay(dayStart + DAY_MS + 2 * 3_600_000);

  return {
    timezone,
    dayKey: (at) => dayKeyOf(dayNumberOf(at)),
    startOfDay,
    isWorkingDay,
    dayOffReason,
    addWorkingDays(from, days) {
      let remaining = days * DAY_MS;
      let cursor = from;
      for (let i = 0; i < MAX_DAYS_SCANNED; i++) {
        const dayStart = startOfDay(cursor);
        const dayEnd = nextDayStart(dayStart);
        if (isWorkingDay(dayStart)) {
          const available = dayEnd - cursor;
          if (remaining <= available) return cursor + remaining;
          remaining -= available;
        }
        cursor = dayEnd;
      }
      throw new Error(`no working day within ${MAX_DAYS_SCANNED} days of ${new Date(from).toISOString()}: check calendar.work_days`);
    },
    workingDaysBetween(from, to) {
      let elapsed = 0;
      let cursor = from;
      for (let i = 0; cursor < to && i < MAX_DAYS_SCANNED * 10; i++) {
        const dayEnd = nextDayStart(startOfDay(cursor));
        if (isWorkingDay(cursor)) elapsed += Math.min(dayEnd, to) - cursor;
        cursor = dayEnd;
      }
      return elapsed / DAY_MS;
    },
    nextWorkingDayStart(at) {
      let cursor = nextDayStart(startOfDay(at));
      for (let i = 0; i < MAX_DAYS_SCANNED && !isWorkingDay(cursor); i++) cursor = nextDayStart(cursor);
      return cursor;
    },
  };
}
