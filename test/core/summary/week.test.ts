// ISO weeks in WIB: the week turns at Monday 00:00 WIB, which is Sunday 17:00 UTC.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseWeek, previousWeek, WeekFormatError, weekInWords, weekOf } from '../../../core/summary/week.ts';

afterEach(() => vi.useRealTimers());

describe('ISO weeks in Asia/Jakarta', () => {
  it('2026-W47 runs from Monday 16 November 00:00 WIB to Monday 23 November 00:00 WIB', () => {
    const week = parseWeek('2026-W47');
    expect(new Date(week.start).toISOString()).toBe('2026-11-15T17:00:00.000Z');
    expect(new Date(week.end).toISOString()).toBe('2026-11-22T17:00:00.000Z');
    expect(weekInWords(week)).toBe('Senin 16 – Minggu 22 November 2026');
  });

  it('Sunday 23:59 WIB (16:59 UTC) is still the week; Monday 00:00 WIB is the next', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-11-22T16:59:00Z'));
    expect(weekOf(new Date()).key).toBe('2026-W47');
    expect(previousWeek(new Date()).key).toBe('2026-W46');
    vi.advanceTimersByTime(59_999);
    expect(weekOf(new Date()).key).toBe('2026-W47');
    vi.advanceTimersByTime(1);
    expect(weekOf(new Date()).key).toBe('2026-W48');
    expect(previousWeek(new Date()).key).toBe('2026-W47');
  });

  it('Monday 06:00 WIB is Sunday 23:00 UTC: already the new week in Jakarta', () => {
    expect(weekOf(new Date('2026-11-22T23:00:00Z')).key).toBe('2026-W48');
  });

  it('follows ISO years across New Year, with 53-week years', () => {
    expect(weekOf(new Date('2020-12-31T12:00:00Z')).key).toBe('2020-W53');
    expect(weekOf(new Date('2027-01-03T12:00:00Z')).key).toBe('2026-W53');
    expect(weekOf(new Date('2027-01-03T17:00:00Z')).key).toBe('2027-W01');
    expect(weekInWords(parseWeek('2026-W53'))).toBe('Senin 28 Desember 2026 – Minggu 3 Januari 2027');
    expect(weekInWords(parseWeek('2026-W44'))).toBe('Senin 26 Oktober – Minggu 1 November 2026');
  });

  it('parses week keys and explains bad ones', () => {
    expect(parseWeek('2026-w05').key).toBe('2026-W05');
    expect(() => parseWeek('2026-47')).toThrow(WeekFormatError);
    expect(() => parseWeek('2025-W53')).toThrow(/weeks 1 to 52/);
    expect(() => parseWeek('2026-W00')).toThrow(/not 0/);
  });

  it('every week round-trips: weekOf(start) and weekOf(end - 1) give the same key', () => {
    for (let w = 1; w <= 53; w += 1) {
      const week = parseWeek(`2026-W${w}`);
      expect(weekOf(week.start).key).toBe(week.key);
      expect(weekOf(week.end - 1).key).toBe(week.key);
      expect(weekOf(week.end).key).not.toBe(week.key);
    }
  });
});
