// The figures of one week's public summary. Built from counts, categories and dusun names only:
// nothing a resident wrote ever reaches them.
import type { VillageProfile } from '../../config/profile.ts';
import {
  countReceived,
  countResolved,
  overdueOpenAt,
  medianFirstResponseMs,
  medianResolutionMs,
  ratingInRange,
  resolvedGroups,
} from '../../storage/repositories/index.ts';
import type { CoreContext } from '../context.ts';
import { isCategory, type Category } from '../domain.ts';
import { isOverdue } from './deadline.ts';
import type { Week } from './week.ts';

/** Short lower-case names of categories for sentences ("3 laporan lampu jalan ..."). */
export const CATEGORY_PHRASES: Record<Category, string> = {
  infrastruktur: 'jalan, jembatan dan saluran',
  air_bersih: 'air bersih',
  listrik: 'listrik dan lampu jalan',
  kesehatan: 'kesehatan',
  pendidikan: 'pendidikan',
  kependudukan: 'administrasi kependudukan',
  bansos: 'bantuan sosial',
  keamanan: 'keamanan dan ketertiban',
  lingkungan: 'lingkungan dan kebersihan',
  bencana: 'bencana',
  pertanian: 'pertanian dan usaha',
  keuangan_desa: 'keuangan desa',
  pelayanan_aparat: 'pelayanan aparat',
  lainnya: 'lain-lain',
};

/** Short capitalised names for the chart's axis and the lists. */
export const CATEGORY_SHORT_LABELS: Record<Category, string> = {
  infrastruktur: 'Infrastruktur',
  air_bersih: 'Air bersih',
  listrik: 'Listrik & PJU',
  kesehatan: 'Kesehatan',
  pendidikan: 'Pendidikan',
  kependudukan: 'Kependudukan',
  bansos: 'Bansos',
  keamanan: 'Keamanan',
  lingkungan: 'Lingkungan',
  bencana: 'Bencana',
  pertanian: 'Pertanian',
  keuangan_desa: 'Keuangan desa',
  pelayanan_aparat: 'Pelayanan aparat',
  lainnya: 'Lainnya',
};

/** Key used in `byDusun` for tickets that named no dusun. */
export const NO_DUSUN = 'tanpa_dusun';

// Complaints about officers stay out of highlights even when not marked confidential: a dusun and a
// category could point at one person.
const NO_HIGHLIGHT: ReadonlySet<string> = new Set<Category>(['pelayanan_aparat']);
const MAX_HIGHLIGHTS = 3;
const HOUR_MS = 3_600_000;

export interface WeeklyStats {
  week: string;
  /** ISO timestamps (UTC) of the week's bounds: Monday 00:00 WIB inclusive, next Monday exclusive. */
  from: string;
  to: string;
  received: { total: number; byCategory: Record<string, number>; byDusun: Record<string, number> };
  resolved: { total: number; byCategory: Record<string, number> };
  /** Tickets still open past their deadline at the end of the week (or now, for the current week). */
  overdue: number;
  /** Median hours from receipt to first response, over first responses given this week. */
  medianFirstResponseHours: number | null;
  firstResponses: number;
  /** Median hours from receipt to resolution, over tickets resolved this week. */
  medianResolutionHours: number | null;
  rating: { average: number | null; count: number };
  /** Sentences about resolved matters, from category and dusun only. */
  highlights: string[];
}

function round1(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10) / 10;
}

export function categoryPhrase(slug: string): string {
  return isCategory(slug) ? CATEGORY_PHRASES[slug] : 'lain-lain';
}

export function categoryShortLabel(slug: string): string {
  return isCategory(slug) ? CATEGORY_SHORT_LABELS[slug] : 'Lainnya';
}

/** A dusun's display name from the profile ("Dusun Krajan"), or undefined for none or an unknown id. */
export function dusunLabel(profile: Pick<VillageProfile, 'dusun'>, id: string | null): string | undefined {
  if (id === null) return undefined;
  const dusun = profile.dusun.find((candidate) => candidate.id === id);
  return dusun ? `Dusun ${dusun.name}` : undefined;
}

/** A period of the statistics: an ISO week, or a month (core/summary/month.ts). */
export type StatsPeriod = Pick<Week, 'key' | 'start' | 'end'>;

/** The figures of one period; named for the weekly summary, also used for the public page's months. */
export function computeWeeklyStats(ctx: CoreContext, week: StatsPeriod): WeeklyStats {
  const { db } = ctx.store;
  const range = { start: week.start, end: week.end };
  const received = countReceived(db, range);
  const resolved = countResolved(db, range);
  // Past their deadline as the week ended; for the running week, as of now.
  const snapshotAt = Math.min(week.end, ctx.now());
  const open = overdueOpenAt(db, snapshotAt);
  const overdue = open.overdue + open.undated.filter((ticket) => isOverdue(ticket, snapshotAt, ctx)).length;
  const firstResponse = medianFirstResponseMs(db, range);
  const resolution = medianResolutionMs(db, range);
  const rating = ratingInRange(db, range);

  const highlights: string[] = [];
  for (const group of resolvedGroups(db, range)) {
    if (highlights.length >= MAX_HIGHLIGHTS) break;
    if (NO_HIGHLIGHT.has(group.category)) continue;
    const where = dusunLabel(ctx.profile, group.dusun);
    highlights.push(`${group.count} laporan ${categoryPhrase(group.category)}${where ? ` di ${where}` : ''} selesai ditangani`);
  }

  return {
    week: week.key,
    from: new Date(week.start).toISOString(),
    to: new Date(week.end).toISOString(),
    received: {
      total: received.total,
      byCategory: Object.fromEntries(received.byCategory.map((row) => [row.category, row.count])),
      byDusun: Object.fromEntries(received.byDusun.map((row) => [row.dusun ?? NO_DUSUN, row.count])),
    },
    resolved: {
      total: resolved.reduce((sum, row) => sum + row.count, 0),
      byCategory: Object.fromEntries(resolved.map((row) => [row.category, row.count])),
    },
    overdue,
    medianFirstResponseHours: round1(firstResponse.median === null ? null : firstResponse.median / HOUR_MS),
    firstResponses: firstResponse.count,
    medianResolutionHours: round1(resolution.median === null ? null : resolution.median / HOUR_MS),
    rating: { average: round1(rating.average), count: rating.count },
    highlights,
  };
}
