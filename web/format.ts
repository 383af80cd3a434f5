// Dates and labels as officers read them on the dashboard and in the CSV export.
import type { VillageProfile } from '../config/profile.ts';
import { isCategory } from '../core/domain.ts';
import { CATEGORY_LABELS, statusLabel } from '../core/messages.ts';

/** "2026-11-30 14:05" in the village's timezone. */
export function formatDateTime(profile: Pick<VillageProfile, 'village'>, at: number | null | undefined): string {
  if (at === null || at === undefined) return '';
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: profile.village.timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(at));
  const get = (type: string) => parts.find((part) => part.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

export function categoryLabel(slug: string): string {
  return isCategory(slug) ? CATEGORY_LABELS[slug] : slug;
}

export { statusLabel };
