// The public statistics page and its JSON: aggregates only, charts as SVG, nothing a scrubber
// would catch, and no resident's name, number or words from the seeded data.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { publicScrubber } from '../../core/summary/run.ts';
import { recentMonths } from '../../core/summary/month.ts';
import type { PublicStats } from '../../web/public.ts';
import { registerPublicPages } from '../../web/public.ts';
import { getTicket } from '../../storage/repositories/index.ts';
import { createTestCore, type TestCore } from '../helpers.ts';

const HOUR = 3_600_000;
// Wednesday 18 November 2026, 09:00 WIB.
const START = Date.UTC(2026, 10, 18, 2, 0, 0);

const RESIDENTS = [
  { user: '6281234567890', name: 'Budi Santoso', text: 'Lampu jalan di depan rumah Pak Darmaji Dusun Krajan mati, hubungi 0812-3456-7890' },
  { user: '6289876543210', name: 'Wartini Suprapti', text: 'Lampu PJU di Dusun Krajan RT 02 padam, nama saya Wartini, NIK 3201012345670001' },
  { user: 'sutarjo@example.com', name: 'Sutarjo Kartawijaya', text: 'Lampu jalan gang mawar Dusun Krajan mati total sejak kemarin' },
  { user: 'tele-55501', name: 'Euis Komalasari', text: 'Air PAMSIMAS mati di dusun sukasari, kata Bu Euis sudah tiga hari' },
  { user: 'tele-55502', name: 'Pak Kades Tetangga', text: 'Pak kades tidak pernah ada di kantor, pelayanan lambat dan minta uang pelicin' },
];

let core: TestCore;
let app: FastifyInstance;

beforeEach(async () => {
  core = createTestCore({ start: START });
  app = Fastify();
  registerPublicPages(app, { ctx: core.ctx, cacheMs: 0 });
  await app.ready();
});

afterEach(async () => {
  await app.close();
  core.close();
});

function seed(): void {
  for (const resident of RESIDENTS) {
    core.send(resident.user, resident.text, { name: resident.name });
    core.clock.advance(HOUR);
  }
  // The lamps are fixed: three resolved listrik tickets in Dusun Krajan (a highlight may name them).
  for (const id of [1, 2, 3]) core.send('kaur_umum', `/selesai ${id} Lampu sudah diganti oleh Pak Darmaji`);
  core.send('kasi_kesejahteraan', '/balas 4 Petugas ke lokasi besok');
}

async function fetchBoth(): Promise<{ json: PublicStats; jsonText: string; page: string }> {
  const jsonResponse = await app.inject({ method: 'GET', url: '/publik.json' });
  const pageResponse = await app.inject({ method: 'GET', url: '/publik' });
  expect(jsonResponse.statusCode).toBe(200);
  expect(pageResponse.statusCode).toBe(200);
  return { json: jsonResponse.json<PublicStats>(), jsonText: jsonResponse.body, page: pageResponse.body };
}

describe('public statistics page', () => {
  it('shows this week, last week and past months, from counts only', async () => {
    seed();
    const { json, page } = await fetchBoth();
    expect(json.thisWeek.key).toBe('2026-W47');
    expect(json.thisWeek.received.total).toBe(5);
    expect(json.thisWeek.received.byCategory).toMatchObject({ listrik: 3, air_bersih: 1 });
    expect(json.thisWeek.resolved.total).toBe(3);
    expect(json.thisWeek.medianFirstResponseHours).not.toBeNull();
    expect(json.lastWeek.key).toBe('2026-W46');
    expect(json.lastWeek.received.total).toBe(0);
    expect(json.months.map((month) => month.key)).toEqual(recentMonths(START, 6).map((month) => month.key));
    expect(json.months[0]?.label).toBe('November 2026');
    expect(json.months[0]?.received.total).toBe(5);
    expect(json.thisWeek.received.byDusun).toMatchObject({ krajan: 3, sukasari: 1 });
    expect(json.thisWeek.highlights).toEqual(['3 laporan listrik dan lampu jalan di Dusun Krajan selesai ditangani']);

    expect(page).toContain('Minggu ini');
    expect(page).toContain('November 2026');
    expect(page).toContain('3 laporan listrik dan lampu jalan di Dusun Krajan selesai ditangani');
    // Three charts, drawn on the server as SVG with bars in them.
    const charts = [...page.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((match) => match[0]);
    expect(charts).toHaveLength(3);
    for (const chart of charts) expect(chart).toMatch(/<path[^>]+d="M[\d.,-]+/);
    expect(page).not.toContain('<script');
  });

  it('carries nothing the scrubber would catch, and no resident\'s name, number, id or words', async () => {
    seed();
    const { jsonText, page } = await fetchBoth();
    const scrubber = publicScrubber(core.ctx);
    for (const text of [jsonText, page]) {
      expect(scrubber.findings(text)).toEqual([]);
      expect(scrubber.scrub(text)).toBe(text);
      for (const resident of RESIDENTS) {
        expect(text).not.toContain(resident.user);
        for (const word of resident.name.split(' ').filter((part) => part.length > 3 && part !== 'Kades')) expect(text).not.toContain(word);
      }
      for (const secret of ['Darmaji', '0812', '3201012345670001', 'pelicin', 'gang mawar', 'Wartini', 'Euis']) expect(text).not.toContain(secret);
    }
  });

  it('hides the per-dusun split of a period with fewer than 3 reports, and highlights under 3', async () => {
    core.send('warga1', RESIDENTS[3]?.text ?? '', { name: 'Euis' });
    core.send('kasi_kesejahteraan', '/selesai 1 Pipa sudah diperbaiki');
    const { json, page } = await fetchBoth();
    expect(json.thisWeek.received.total).toBe(1);
    expect(json.thisWeek.received.byDusun).toBeNull();
    expect(json.thisWeek.highlights).toEqual([]);
    expect(page).toContain('Per dusun: tidak ditampilkan karena laporan November 2026 kurang dari 3.');
    expect(page).not.toContain('Sukasari: 1');
  });

  it('is where the site\'s root leads when the simulator is off', async () => {
    const response = await app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe('/publik');
  });

  it('reuses the figures of a period that has ended for an hour; the running week is always current', async () => {
    seed();
    // A week later: the seeded week is last week, and has ended.
    core.clock.advance(7 * 24 * HOUR);
    const before = (await fetchBoth()).json;
    expect(before.lastWeek.key).toBe('2026-W47');
    expect(before.lastWeek.received.byCategory).toMatchObject({ air_bersih: 1 });
    // An officer re-files last week's water report, and a resident reports this week.
    core.send('kasi_kesejahteraan', '/kategori 4 lainnya');
    expect(getTicket(core.ctx.store.db, 4)?.category).toBe('lainnya');
    core.send('warga-baru', 'Jembatan bambu di dusun cikoneng patah, anak sekolah tidak bisa lewat');
    core.clock.advance(HOUR - 60_000);
    const soon = (await fetchBoth()).json;
    expect(soon.thisWeek.received.total).toBe(1);
    expect(soon.lastWeek.received.byCategory).toEqual(before.lastWeek.received.byCategory);
    core.clock.advance(60_000);
    const later = (await fetchBoth()).json;
    expect(later.lastWeek.received.byCategory.air_bersih).toBeUndefined();
    expect(later.lastWeek.received.byCategory).toMatchObject({ lainnya: 1 });
  });

  it('works on an empty database', async () => {
    const { json, page } = await fetchBoth();
    expect(json.thisWeek.received.total).toBe(0);
    expect(page).toContain('<svg');
  });
});
