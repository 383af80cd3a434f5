// Calendar months in WIB (as weeks are, core/summary/week.ts): the public page's monthly figures.
import { WIB_OFFSET_MS } from './week.ts';

const MONTHS = ['Januari', 'Februari', 'Maret', 'April', 'Mei', 'Juni', 'Juli', 'Agustus', 'September', 'Oktober', 'November', 'Desember'];

export interface Month {
  /** "2026-11" */
  key: string;
  /** The 1st, 00:00 WIB, as UTC milliseconds (inclusive). */
  start: number;
  /** The next month's 1st, 00:00 WIB (exclusive). */
  end: number;
  /** "November 2026" */
  label: string;
}

function monthFrom(year: number, monthIndex: number): Month {
  const start = Date.UTC(year, monthIndex, 1) - WIB_OFFSET_MS;
  const end = Date.UTC(year, monthIndex + 1, 1) - WIB_OFFSET_MS;
  const first = new Date(Date.UTC(year, monthIndex, 1));
  return {
    key: `${first.getUTCFullYear()}-${String(first.getUTCMonth() + 1).padStart(2, '0')}`,
    start,
    end,
    label: `${MONTHS[first.getUTCMonth()] ?? ''} ${first.getUTCFullYear()}`,
  };
}

/** The month (in WIB) that contains the moment. */
export function monthOf(at: number): Month {
  const local = new Date(at + WIB_OFFSET_MS);
  return monthFrom(local.getUTCFullYear(), local.getUTCMonth());
}

/** The month containing `at` and the `count - 1` before it, newest first. */
export function recentMonths(at: number, count: number): Month[] {
  const local = new Date(at + WIB_OFFSET_MS);
  return Array.from({ length: count }, (_unused, back) => monthFrom(local.getUTCFullYear(), local.getUTCMonth() - back));
}
