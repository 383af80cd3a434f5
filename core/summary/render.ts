// The weekly summary as people read it: one text per kind of target (X post or thread, Telegram
// post, WhatsApp group message) and a bar chart as PNG. Every text passes the scrubber last.
import type { TopLevelSpec } from 'vega-lite';
// X counts length its own way (weighted code points, links as 23); the X channel module knows how.
import { countTweetLength, splitThread, TWEET_LIMIT } from '../post-length.ts';
import type { VillageProfile } from '../../config/profile.ts';
import type { Scrubber } from './scrub.ts';
import { categoryShortLabel, dusunLabel, NO_DUSUN, type WeeklyStats } from './stats.ts';
import { weekInWords, type Week } from './week.ts';

export interface SummaryVariants {
  /** Telegram channel post (plain text). */
  telegram: string;
  /** WhatsApp group message (WhatsApp's *bold*). */
  whatsapp: string;
  /** One X post when it fits in 280 as X counts, otherwise a thread. */
  x: string[];
  /** The X text before splitting: what is queued, since the X adapter splits it into the same thread. */
  xPost: string;
}

export interface RenderInput {
  profile: Pick<VillageProfile, 'village' | 'dusun'>;
  week: Week;
  stats: WeeklyStats;
  scrubber: Scrubber;
}

/** Indonesian number: decimal comma, one decimal at most ("4,5", "12"). */
export function formatNumber(value: number): string {
  return new Intl.NumberFormat('id-ID', { maximumFractionDigits: 1 }).format(value);
}

/** "5,2 jam", or "60 jam (2,5 hari)" from two days on. */
export function formatHours(hours: number | null): string {
  if (hours === null) return 'belum ada';
  return hours >= 48 ? `${formatNumber(hours)} jam (${formatNumber(hours / 24)} hari)` : `${formatNumber(hours)} jam`;
}

function sortedEntries(record: Record<string, number>): Array<[string, number]> {
  return Object.entries(record).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function dusunName(profile: RenderInput['profile'], key: string): string {
  if (key === NO_DUSUN) return 'tanpa keterangan dusun';
  return dusunLabel(profile, key) ?? 'dusun lain';
}

/** The lines shared by the Telegram and WhatsApp texts; `bold` marks a heading where the channel can. */
function longText(input: RenderInput, bold: (text: string) => string): string {
  const { stats, profile } = input;
  const lines: string[] = [
    bold(`📊 Ringkasan Aspirasi Warga ${profile.village.name}`),
    weekInWords(input.week),
    '',
  ];
  if (stats.received.total === 0) {
    lines.push('📥 Minggu ini tidak ada laporan baru yang masuk.');
  } else {
    lines.push(`📥 Laporan masuk: ${stats.received.total}`);
    for (const [category, n] of sortedEntries(stats.received.byCategory)) lines.push(`   • ${categoryShortLabel(category)}: ${n}`);
    const byDusun = sortedEntries(stats.received.byDusun).map(([key, n]) => `${dusunName(profile, key)} ${n}`);
    lines.push(`📍 Per dusun: ${byDusun.join(', ')}`);
  }
  lines.push(
    `✅ Selesai ditangani: ${stats.resolved.total}`,
    `⏰ Masih terbuka melewati batas waktu: ${stats.overdue}`,
    `⏱️ Median waktu tanggapan pertama: ${formatHours(stats.medianFirstResponseHours)}`,
    `⏱️ Median waktu penyelesaian: ${formatHours(stats.medianResolutionHours)}`,
    stats.rating.average === null
      ? '⭐ Belum ada penilaian dari warga minggu ini.'
      : `⭐ Rata-rata penilaian warga: ${formatNumber(stats.rating.average)} dari 5 (${stats.rating.count} penilaian)`,
  );
  if (stats.highlights.length > 0) {
    lines.push('', bold('Sorotan:'), ...stats.highlights.map((highlight) => `• ${highlight}.`));
  }
  lines.push('', 'Terima kasih kepada warga yang telah menyampaikan aspirasi. Laporan tetap bisa dikirim kapan saja lewat WhatsApp atau Telegram desa.');
  return lines.join('\n');
}

function xText(input: RenderInput): string {
  const { stats, profile } = input;
  const parts = [
    `Ringkasan aspirasi warga ${profile.village.name}, ${weekInWords(input.week)}:`,
    `${stats.received.total} laporan masuk, ${stats.resolved.total} selesai ditangani, ${stats.overdue} masih terbuka melewati batas waktu.`,
    `Median tanggapan pertama ${formatHours(stats.medianFirstResponseHours)}; penyelesaian ${formatHours(stats.medianResolutionHours)}.`,
  ];
  if (stats.rating.average !== null) parts.push(`Nilai dari warga ${formatNumber(stats.rating.average)}/5 (${stats.rating.count} penilaian).`);
  let text = parts.join(' ');
  if (stats.highlights.length > 0) text += `\n\nSorotan: ${stats.highlights.join('; ')}.`;
  return text;
}

/** All text variants, each passed through the scrubber as the last step. */
export function renderVariants(input: RenderInput): SummaryVariants {
  const { scrubber } = input;
  const x = scrubber.scrub(xText(input));
  const posts = countTweetLength(x) <= TWEET_LIMIT ? [x] : splitThread(x);
  return {
    telegram: scrubber.scrub(longText(input, (text) => text)),
    whatsapp: scrubber.scrub(longText(input, (text) => `*${text}*`)),
    // Scrubbed before splitting, so no post is cut inside a redaction, and again as the final guard.
    x: posts.map((post) => scrubber.scrub(post)),
    xPost: x,
  };
}

export interface ChartInput extends Pick<RenderInput, 'profile'> {
  /** Only the per-category counts are drawn. */
  stats: { received: Pick<WeeklyStats['received'], 'byCategory'>; resolved: Pick<WeeklyStats['resolved'], 'byCategory'> };
  week?: Week;
  /** The subtitle's period in words, for periods other than a week ("November 2026"). */
  periodLabel?: string;
}

/** The vega-lite spec of the chart: received vs resolved per category, Indonesian labels. */
export function chartSpec(input: ChartInput): TopLevelSpec {
  const period = input.periodLabel ?? (input.week ? weekInWords(input.week) : '');
  const { stats } = input;
  const categories = [...new Set([...Object.keys(stats.received.byCategory), ...Object.keys(stats.resolved.byCategory)])].sort();
  const values = categories.flatMap((category) => [
    { kategori: categoryShortLabel(category), jenis: 'Diterima', jumlah: stats.received.byCategory[category] ?? 0 },
    { kategori: categoryShortLabel(category), jenis: 'Selesai', jumlah: stats.resolved.byCategory[category] ?? 0 },
  ]);
  return receivedResolvedBars({
    title: `Aspirasi warga ${input.profile.village.name}`,
    subtitle: values.length > 0 ? period : `${period} · tidak ada laporan`,
    x: { field: 'kategori', title: 'Kategori' },
    values,
  });
}

/** Bars of received ("Diterima") and resolved ("Selesai") side by side for each value of `x.field`. */
export function receivedResolvedBars(input: {
  title: string;
  subtitle: string;
  x: { field: string; title: string | null; keepOrder?: boolean };
  values: Array<Record<string, string | number>>;
}): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: input.title, subtitle: input.subtitle },
    width: { step: 22 },
    height: 260,
    background: 'white',
    padding: 16,
    data: { values: input.values },
    mark: { type: 'bar', tooltip: false },
    encoding: {
      x: { field: input.x.field, type: 'nominal', title: input.x.title, axis: { labelAngle: -35 }, ...(input.x.keepOrder ? { sort: null } : {}) },
      xOffset: { field: 'jenis', type: 'nominal', sort: ['Diterima', 'Selesai'] },
      y: { field: 'jumlah', type: 'quantitative', title: 'Jumlah laporan', axis: { tickMinStep: 1, format: 'd' } },
      color: {
        field: 'jenis',
        type: 'nominal',
        title: null,
        sort: ['Diterima', 'Selesai'],
        scale: { domain: ['Diterima', 'Selesai'], range: ['#4C78A8', '#54A24B'] },
        legend: { orient: 'top' },
      },
    },
    config: { font: 'DejaVu Sans' },
  };
}

interface ChartLibraries {
  vega: typeof import('vega');
  vegaLite: typeof import('vega-lite');
  resvg: typeof import('@resvg/resvg-js');
}

let chartLibrariesLoaded: Promise<ChartLibraries> | undefined;

/**
 * vega, vega-lite and resvg, loaded with the first chart rather than at start: they add about 50 MB
 * to the service's memory, which a chart needed once a week (or when the public page is visited)
 * would otherwise hold from the first minute.
 */
function chartLibraries(): Promise<ChartLibraries> {
  chartLibrariesLoaded ??= Promise.all([import('vega'), import('vega-lite'), import('@resvg/resvg-js')]).then(
    ([vega, vegaLite, resvg]) => ({ vega, vegaLite, resvg }),
    (error: unknown) => {
      chartLibrariesLoaded = undefined;
      throw error;
    },
  );
  return chartLibrariesLoaded;
}

/**
 * Renders a vega-lite spec to SVG markup (vega, no canvas). Coordinates are rounded to 2 decimals:
 * vega writes floats such as 87.99999999999999, which are long digit runs a privacy scrubber (and
 * a reader) would take for an ID number, and which only make the markup bigger.
 */
export async function renderSpecSvg(spec: TopLevelSpec): Promise<string> {
  const { vega, vegaLite } = await chartLibraries();
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return svg.replace(/\d+\.\d{3,}/g, (number) => String(Math.round(Number(number) * 100) / 100));
  } finally {
    view.finalize();
  }
}

/** Renders the chart to SVG and then to PNG (resvg). */
export async function renderChartPng(input: ChartInput): Promise<Buffer> {
  const svg = await renderSpecSvg(chartSpec(input));
  // Without any font on the machine resvg still draws bars and axes; only the text is missing.
  const { resvg: resvgModule } = await chartLibraries();
  const resvg = new resvgModule.Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, fitTo: { mode: 'zoom', value: 2 } });
  return resvg.render().asPng();
}
