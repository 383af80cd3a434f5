// The public statistics page (/publik) and its data (/publik.json): no login, no personal data.
// Built only from aggregate counts and medians (core/summary/stats.ts); every text goes through the
// public scrubber before it is rendered, and charts are server-made SVG (vega-lite), no scripts.
import type { FastifyInstance } from 'fastify';
import type { TopLevelSpec } from 'vega-lite';
import type { CoreContext } from '../core/context.ts';
import { recentMonths } from '../core/summary/month.ts';
import { chartSpec, formatHours, formatNumber, receivedResolvedBars, renderSpecSvg } from '../core/summary/render.ts';
import { publicScrubber } from '../core/summary/run.ts';
import type { Scrubber } from '../core/summary/scrub.ts';
import { categoryShortLabel, computeWeeklyStats, dusunLabel, NO_DUSUN, type StatsPeriod, type WeeklyStats } from '../core/summary/stats.ts';
import { previousWeek, weekInWords, weekOf } from '../core/summary/week.ts';
import { html, raw, type Html } from './html.ts';
import { registerStylesheet, renderPage, sendPage } from './layout.ts';

/** Below this many tickets in a period, the per-dusun split is not published (see suppression note). */
export const MIN_PUBLISHED_CELL = 3;
const MONTHS_SHOWN = 6;
const CHART_WIDTH = 320;

export interface PublicPeriod {
  key: string;
  label: string;
  from: string;
  to: string;
  received: { total: number; byCategory: Record<string, number>; byDusun: Record<string, number> | null };
  resolved: { total: number; byCategory: Record<string, number> };
  overdue: number;
  medianFirstResponseHours: number | null;
  medianResolutionHours: number | null;
  rating: { average: number | null; count: number };
  highlights: string[];
}

export interface PublicStats {
  village: string;
  generatedAt: string;
  /** How small numbers are protected, in words. */
  privacy: string;
  dusun: Record<string, string>;
  categories: Record<string, string>;
  thisWeek: PublicPeriod;
  lastWeek: PublicPeriod;
  /** The current month first, then the months before it. */
  months: PublicPeriod[];
}

const PRIVACY_NOTE =
  'Halaman ini hanya memuat jumlah dan median, tanpa nama, nomor, atau isi laporan. Jumlah per dusun tidak ditampilkan ' +
  `untuk periode dengan kurang dari ${MIN_PUBLISHED_CELL} laporan, dan sorotan per dusun dan kategori hanya untuk ` +
  `${MIN_PUBLISHED_CELL} laporan atau lebih, agar tidak ada warga yang bisa dikenali.`;

function toPublic(stats: WeeklyStats, label: string): PublicPeriod {
  return {
    key: stats.week,
    label,
    from: stats.from,
    to: stats.to,
    received: {
      total: stats.received.total,
      byCategory: stats.received.byCategory,
      // With one or two reports, "Dusun X" plus the category could point at the person who wrote.
      byDusun: stats.received.total >= MIN_PUBLISHED_CELL ? stats.received.byDusun : null,
    },
    resolved: stats.resolved,
    overdue: stats.overdue,
    medianFirstResponseHours: stats.medianFirstResponseHours,
    medianResolutionHours: stats.medianResolutionHours,
    rating: stats.rating,
    // Highlights name a dusun and a category together; each starts with its count ("3 laporan ...").
    highlights: stats.highlights.filter((highlight) => Number.parseInt(highlight, 10) >= MIN_PUBLISHED_CELL),
  };
}

/** Every string in a JSON-like value passed through the scrubber (keys are slugs and ids). */
function scrubDeep<T>(value: T, scrubber: Scrubber): T {
  if (typeof value === 'string') return scrubber.scrub(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => scrubDeep(item, scrubber)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrubDeep(item as unknown, scrubber)])) as T;
  }
  return value;
}

/**
 * How long the figures of a period that has ended are reused. They change only when an officer
 * re-files or merges an old ticket or a resident's data is deleted, and computing them is what makes
 * the page expensive: at a million stored tickets, the five past months and last week took about
 * 11 of the 12 seconds the page's figures cost, on the thread that also takes in messages.
 */
export const ENDED_PERIOD_TTL_MS = 60 * 60_000;

/** Figures of ended periods, by period, with when they were computed (see ENDED_PERIOD_TTL_MS). */
export type EndedPeriods = Map<string, { at: number; period: PublicPeriod }>;

/** The public figures; given `ended`, periods that have ended are taken from it while fresh enough. */
export function computePublicStats(ctx: CoreContext, ended?: EndedPeriods): PublicStats {
  const now = ctx.now();
  const fresh = (at: number) => now >= at && now - at < ENDED_PERIOD_TTL_MS;
  for (const [key, entry] of ended ?? []) if (!fresh(entry.at)) ended?.delete(key);
  const period = (range: StatsPeriod, label: string): PublicPeriod => {
    if (!ended || range.end > now) return toPublic(computeWeeklyStats(ctx, range), label);
    const key = `${range.key} ${label}`;
    const known = ended.get(key);
    if (known) return known.period;
    const computed = toPublic(computeWeeklyStats(ctx, range), label);
    ended.set(key, { at: now, period: computed });
    return computed;
  };
  const thisWeek = weekOf(now);
  const lastWeek = previousWeek(now);
  const stats: PublicStats = {
    village: ctx.profile.village.name,
    generatedAt: new Date(now).toISOString(),
    privacy: PRIVACY_NOTE,
    dusun: Object.fromEntries([
      ...ctx.profile.dusun.map((dusun): [string, string] => [dusun.id, dusunLabel(ctx.profile, dusun.id) ?? dusun.name]),
      [NO_DUSUN, 'Tanpa keterangan dusun'],
    ]),
    categories: {},
    thisWeek: period(thisWeek, weekInWords(thisWeek)),
    lastWeek: period(lastWeek, weekInWords(lastWeek)),
    months: recentMonths(now, MONTHS_SHOWN).map((month) => period(month, month.label)),
  };
  const slugs = new Set([stats.thisWeek, stats.lastWeek, ...stats.months].flatMap((p) => Object.keys(p.received.byCategory)));
  stats.categories = Object.fromEntries([...slugs].sort().map((slug) => [slug, categoryShortLabel(slug)]));
  return scrubDeep(stats, publicScrubber(ctx));
}

function trendSpec(months: PublicPeriod[], village: string): TopLevelSpec {
  const ordered = [...months].reverse();
  return receivedResolvedBars({
    title: `Laporan per bulan, ${village}`,
    subtitle: `${ordered[0]?.label ?? ''} – ${ordered.at(-1)?.label ?? ''}`,
    x: { field: 'bulan', title: null, keepOrder: true },
    values: ordered.flatMap((month) => [
      { bulan: month.label, jenis: 'Diterima', jumlah: month.received.total },
      { bulan: month.label, jenis: 'Selesai', jumlah: month.resolved.total },
    ]),
  });
}

function statCards(period: PublicPeriod): Html {
  return html`<div class="stats">
<div class="stat"><b>${period.received.total}</b>laporan masuk</div>
<div class="stat"><b>${period.resolved.total}</b>selesai ditangani</div>
<div class="stat"><b>${formatHours(period.medianFirstResponseHours)}</b>median tanggapan pertama</div>
<div class="stat"><b>${formatHours(period.medianResolutionHours)}</b>median penyelesaian</div>
</div>`;
}

function countTable(title: string, rows: Array<[string, number, number | undefined]>, withResolved: boolean): Html {
  if (rows.length === 0) return html`<p class="muted">${title}: belum ada laporan.</p>`;
  return html`<div class="table-wrap"><table><caption class="muted">${title}</caption><thead><tr><th>${title.startsWith('Per dusun') ? 'Dusun' : 'Kategori'}</th><th class="num">Masuk</th>${withResolved ? html`<th class="num">Selesai</th>` : ''}</tr></thead><tbody>${rows.map(
    ([label, received, resolved]) => html`<tr><td>${label}</td><td class="num">${received}</td>${withResolved ? html`<td class="num">${resolved ?? 0}</td>` : ''}</tr>`,
  )}</tbody></table></div>`;
}

function categoryRows(stats: PublicStats, period: PublicPeriod): Array<[string, number, number | undefined]> {
  const slugs = [...new Set([...Object.keys(period.received.byCategory), ...Object.keys(period.resolved.byCategory)])];
  return slugs
    .map((slug): [string, number, number | undefined] => [stats.categories[slug] ?? categoryShortLabel(slug), period.received.byCategory[slug] ?? 0, period.resolved.byCategory[slug] ?? 0])
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function dusunSection(stats: PublicStats, period: PublicPeriod): Html {
  if (period.received.byDusun === null) {
    return html`<p class="muted">Per dusun: tidak ditampilkan karena laporan ${period.label} kurang dari ${MIN_PUBLISHED_CELL}.</p>`;
  }
  const rows = Object.entries(period.received.byDusun)
    .map(([id, n]): [string, number, undefined] => [stats.dusun[id] ?? 'Dusun lain', n, undefined])
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return countTable(`Per dusun, ${period.label}`, rows, false);
}

export async function renderPublicPage(ctx: CoreContext, stats: PublicStats): Promise<string> {
  const month = stats.months[0];
  // A fixed width that reads well on a phone; the SVG's viewBox lets CSS scale it to the screen.
  const sized = (spec: TopLevelSpec) => ({ ...spec, width: CHART_WIDTH }) as TopLevelSpec;
  const [weekChart, monthChart, trendChart] = await Promise.all([
    renderSpecSvg(sized(chartSpec({ profile: ctx.profile, stats: stats.thisWeek, periodLabel: stats.thisWeek.label }))),
    month ? renderSpecSvg(sized(chartSpec({ profile: ctx.profile, stats: month, periodLabel: month.label }))) : Promise.resolve(''),
    renderSpecSvg(sized(trendSpec(stats.months, stats.village))),
  ]);
  const body = html`<h1>Aspirasi warga ${stats.village}: bagaimana desa menanggapi</h1>
<p class="muted">${stats.privacy}</p>
<section>
<h2>Minggu ini <small>(${stats.thisWeek.label})</small></h2>
${statCards(stats.thisWeek)}
<figure class="chart card" aria-label="Grafik laporan minggu ini per kategori">${raw(weekChart)}</figure>
${stats.thisWeek.highlights.length > 0 ? html`<ul>${stats.thisWeek.highlights.map((highlight) => html`<li>${highlight}</li>`)}</ul>` : ''}
</section>
<section>
<h2>Minggu lalu <small>(${stats.lastWeek.label})</small></h2>
${statCards(stats.lastWeek)}
${stats.lastWeek.highlights.length > 0 ? html`<ul>${stats.lastWeek.highlights.map((highlight) => html`<li>${highlight}</li>`)}</ul>` : ''}
</section>
<section>
<h2>Per bulan</h2>
<div class="table-wrap"><table><thead><tr><th>Bulan</th><th class="num">Masuk</th><th class="num">Selesai</th><th class="num">Median tanggapan</th><th class="num">Median penyelesaian</th><th class="num">Nilai warga</th></tr></thead><tbody>
${stats.months.map(
    (period) => html`<tr><td>${period.label}</td><td class="num">${period.received.total}</td><td class="num">${period.resolved.total}</td><td class="num">${formatHours(period.medianFirstResponseHours)}</td><td class="num">${formatHours(period.medianResolutionHours)}</td><td class="num">${period.rating.average === null ? '-' : `${formatNumber(period.rating.average)}/5`}</td></tr>`,
  )}
</tbody></table></div>
<figure class="chart card" aria-label="Grafik laporan per bulan">${raw(trendChart)}</figure>
</section>
${month
    ? html`<section>
<h2>${month.label}: per kategori dan dusun</h2>
<figure class="chart card" aria-label="Grafik laporan bulan ini per kategori">${raw(monthChart)}</figure>
${countTable(`Per kategori, ${month.label}`, categoryRows(stats, month), true)}
${dusunSection(stats, month)}
</section>`
    : ''}
<p class="muted">Data juga tersedia sebagai <a href="/publik.json">JSON</a>. Diperbarui ${stats.generatedAt.slice(0, 16).replace('T', ' ')} UTC.</p>`;
  return renderPage({ title: 'Statistik aspirasi warga', villageName: stats.village, body });
}

export interface PublicPagesDeps {
  ctx: CoreContext;
  /** How long a computed page is reused (the page is public: it must stay cheap under load). */
  cacheMs?: number;
}

export function registerPublicPages(app: FastifyInstance, deps: PublicPagesDeps): void {
  const { ctx } = deps;
  const cacheMs = deps.cacheMs ?? 60_000;
  registerStylesheet(app);
  let cached: { at: number; stats: PublicStats; page?: Promise<string> } | undefined;
  const ended: EndedPeriods = new Map();
  const current = () => {
    const now = ctx.now();
    if (!cached || now - cached.at >= cacheMs || now < cached.at) cached = { at: now, stats: computePublicStats(ctx, ended) };
    return cached;
  };

  // Without the simulator (production), the site's root shows the public page.
  if (!app.hasRoute({ method: 'GET', url: '/' })) app.get('/', (_request, reply) => reply.redirect('/publik'));

  app.get('/publik.json', (_request, reply) =>
    reply.header('cache-control', `public, max-age=${Math.round(cacheMs / 1000)}`).header('access-control-allow-origin', '*').send(current().stats),
  );

  app.get('/publik', async (_request, reply) => {
    const entry = current();
    entry.page ??= renderPublicPage(ctx, entry.stats);
    let page: string;
    try {
      page = await entry.page;
    } catch (error) {
      entry.page = undefined;
      throw error;
    }
    return sendPage(reply.header('cache-control', `public, max-age=${Math.round(cacheMs / 1000)}`), page);
  });
}
