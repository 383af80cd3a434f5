import { describe, expect, it } from 'vitest';
import { loadProfile, parseProfile } from '../../../config/profile.ts';
import { createCalendar, nationalHolidays } from '../../../core/deadlines/calendar.ts';
import { quietHoursEnd } from '../../../core/deadlines/quiet.ts';
import { computeDeadlines } from '../../../core/deadlines/sla.ts';

/** An instant given in village time (WIB, UTC+7). */
const wib = (iso: string) => Date.parse(`${iso}+07:00`);
const profile = loadProfile();
const calendar = createCalendar(profile);

describe('the working-day calendar', () => {
  it('ships the 2026 national holidays and cuti bersama of the SKB (17 + 8 days) and 2027', () => {
    const days2026 = nationalHolidays().filter((day) => day.date.startsWith('2026'));
    expect(days2026.filter((day) => !day.cutiBersama)).toHaveLength(17);
    expect(days2026.filter((day) => day.cutiBersama)).toHaveLength(8);
    expect(nationalHolidays().some((day) => day.date === '2027-08-17')).toBe(true);
  });

  it('knows weekends, holidays and cuti bersama, and names why a day is off', () => {
    expect(calendar.isWorkingDay(wib('2026-11-30T09:00'))).toBe(true);
    expect(calendar.dayOffReason(wib('2026-11-29T09:00'))).toBe('Minggu');
    expect(calendar.dayOffReason(wib('2026-08-17T09:00'))).toBe('Proklamasi Kemerdekaan RI');
    expect(calendar.dayOffReason(wib('2026-12-24T09:00'))).toBe('Cuti bersama Kelahiran Yesus Kristus');
  });

  it('puts the week boundary at Sunday 23:59 WIB, which is Sunday 16:59 UTC', () => {
    const lastMinute = Date.parse('2026-11-22T16:59:59.999Z');
    expect(calendar.dayKey(lastMinute)).toBe('2026-11-22');
    expect(calendar.isWorkingDay(lastMinute)).toBe(false);
    expect(calendar.dayKey(lastMinute + 1)).toBe('2026-11-23');
    expect(calendar.isWorkingDay(lastMinute + 1)).toBe(true);
    expect(calendar.startOfDay(lastMinute + 5 * 3_600_000)).toBe(lastMinute + 1);
  });

  it('counts working time only: Monday 10:00 + 3 working days is Thursday 10:00', () => {
    expect(calendar.addWorkingDays(wib('2026-11-30T10:00'), 3)).toBe(wib('2026-12-03T10:00'));
  });

  it('skips the weekend: Friday 10:00 + 3 working days is Wednesday 10:00', () => {
    expect(calendar.addWorkingDays(wib('2026-11-27T10:00'), 3)).toBe(wib('2026-12-02T10:00'));
  });

  it('counts a weekend report from Monday 00:00', () => {
    expect(calendar.addWorkingDays(wib('2026-11-28T15:30'), 3)).toBe(wib('2026-12-03T00:00'));
  });

  it('skips Nyepi and the Idul Fitri holidays of March 2026: Tuesday 17 March + 3 is Friday 27 March', () => {
    // Off: 18 (cuti), 19 (Nyepi), 20 (cuti), 21-22 (Idul Fitri, weekend), 23-24 (cuti).
    expect(calendar.addWorkingDays(wib('2026-03-17T10:00'), 3)).toBe(wib('2026-03-27T10:00'));
  });

  it('skips Christmas and the cuti bersama before it', () => {
    // Wednesday 23 December 16:00 + 1 working day: 24 and 25 off, weekend, so Monday 28 16:00.
    expect(calendar.addWorkingDays(wib('2026-12-23T16:00'), 1)).toBe(wib('2026-12-28T16:00'));
  });

  it("honours the village's own days off and work days", () => {
    const custom = createCalendar(
      parseProfile({ ...structuredClone(profileInput()), calendar: { work_days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'], days_off: ['2026-12-01'] } }, 'test'),
    );
    expect(custom.dayOffReason(wib('2026-12-01T09:00'))).toBe('hari libur desa');
    // Monday 10:00 + 3: Monday (14 h), Wednesday, Thursday, Friday 10:00; Saturday counts, Tuesday does not.
    expect(custom.addWorkingDays(wib('2026-11-30T10:00'), 3)).toBe(wib('2026-12-03T10:00') + 24 * 3_600_000);
    expect(custom.isWorkingDay(wib('2026-12-05T09:00'))).toBe(true);
  });

  it('measures elapsed working days the same way it adds them', () => {
    const from = wib('2026-12-23T16:00');
    expect(calendar.workingDaysBetween(from, calendar.addWorkingDays(from, 2.5))).toBeCloseTo(2.5, 9);
    expect(calendar.workingDaysBetween(wib('2026-11-28T00:00'), wib('2026-11-30T00:00'))).toBe(0);
  });

  it('finds the next working day after a long holiday', () => {
    expect(calendar.nextWorkingDayStart(wib('2026-03-17T10:00'))).toBe(wib('2026-03-25T00:00'));
  });
});

describe('deadlines', () => {
  it('default: first response after 3 working days, resolution after 8', () => {
    const due = computeDeadlines(profile, calendar, { category: 'listrik', createdAt: wib('2026-11-27T10:00') });
    expect(due).toEqual({ responseDueAt: wib('2026-12-02T10:00'), resolutionDueAt: wib('2026-12-09T10:00') });
  });

  it('bencana counts clock hours, also over weekends and holidays', () => {
    const due = computeDeadlines(profile, calendar, { category: 'bencana', createdAt: wib('2026-12-24T22:00') });
    expect(due).toEqual({ responseDueAt: wib('2026-12-25T00:00'), resolutionDueAt: wib('2026-12-25T22:00') });
  });
});

describe('quiet hours', () => {
  it('hold from 21:00 until 06:00 village time, over midnight', () => {
    expect(quietHoursEnd(profile, calendar, wib('2026-11-30T20:59'))).toBeUndefined();
    expect(quietHoursEnd(profile, calendar, wib('2026-11-30T21:00'))).toBe(wib('2026-12-01T06:00'));
    expect(quietHoursEnd(profile, calendar, wib('2026-12-01T05:59'))).toBe(wib('2026-12-01T06:00'));
    expect(quietHoursEnd(profile, calendar, wib('2026-12-01T06:00'))).toBeUndefined();
  });

  it('can be switched off', () => {
    const off = { reminders: { ...profile.reminders, quiet_hours: null } };
    expect(quietHoursEnd(off, calendar, wib('2026-11-30T23:00'))).toBeUndefined();
  });
});

function profileInput(): Record<string, unknown> {
  // The demo profile's parsed object is a valid input (defaults already filled in).
  const { source: _source, routing: _routing, ...rest } = profile;
  return rest;
}
