// The weekly summary against a seeded database with known answers: its figures, its texts (which
// must carry no personal data or resident text), one posting per week across restarts, and the
// schedule with its made-up run.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { and, asc, eq, isNull } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { countTweetLength, splitThread } from '../../../bots/x/outbound.ts';
import { createCoreContext } from '../../../core/context.ts';
import { buildSummary, postSummary, publicScrubber, scheduleWeeklySummary, SUMMARY_PURPOSE } from '../../../core/summary/run.ts';
import { computeDeadlines } from '../../../core/deadlines/sla.ts';
import { computeWeeklyStats } from '../../../core/summary/stats.ts';
import { parseWeek } from '../../../core/summary/week.ts';
import { openStore } from '../../../storage/db.ts';
import { getSummaryRecord, updateTicket } from '../../../storage/repositories/index.ts';
import { outbox, summaries, tickets } from '../../../storage/schema.ts';
import { createTestCore, demoProfileWith, silentLogger, tempDir, type TestCore } from '../../helpers.ts';
import { EXPECTED, RESIDENT_NAMES, RESIDENT_TEXT, seedWeek, WEEK } from './seed.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const HOUR = 3_600_000;
/** Monday 23 November 2026 08:00 WIB: when the default schedule posts 2026-W47. */
const MONDAY_0800 = Date.UTC(2026, 10, 23, 1, 0);

const profile = demoProfileWith((raw) => {
  raw.summary = {
    targets: [
      { channel: 'telegram', chat: '@desasukamaju' },
      { channel: 'whatsapp', chat: 'warga@g.us' },
      { channel: 'x', chat: 'timeline' },
      { channel: 'web', chat: 'papan-publik', format: 'whatsapp' },
    ],
  };
});
const targets = profile.summary.targets;

let core: TestCore;
let images: ReturnType<typeof tempDir>;
beforeEach(() => {
  core = createTestCore({ profile, start: MONDAY_0800 + HOUR });
  images = tempDir('aspirasi-summary-');
  seedWeek(core.ctx.store.db);
});
afterEach(() => {
  vi.useRealTimers();
  core.close();
  images.cleanup();
});

const summaryRows = (db = core.ctx.store.db) => db.select().from(outbox).where(eq(outbox.purpose, SUMMARY_PURPOSE)).all();

describe('weekly figures', () => {
  it('match the seeded week', () => {
    const stats = computeWeeklyStats(core.ctx, WEEK);
    expect(stats).toMatchObject({ week: '2026-W47', from: '2026-11-15T17:00:00.000Z', to: '2026-11-22T17:00:00.000Z', ...EXPECTED });
  });

  it('count nothing in an empty week', () => {
    const stats = computeWeeklyStats(core.ctx, parseWeek('2026-W30'));
    expect(stats).toMatchObject({ received: { total: 0 }, resolved: { total: 0 }, medianFirstResponseHours: null, rating: { average: null, count: 0 }, highlights: [] });
  });

  it('for the running week, count what is overdue as of now', () => {
    // Tuesday 17 November 12:00 WIB: only the old t13 is overdue; t6's resolution is due after its 8th
    // working day (Wednesday 00:00), t8 is 1.5 working days old, t4 not yet received.
    core.clock.now = WEEK.start + 36 * HOUR;
    expect(computeWeeklyStats(core.ctx, WEEK).overdue).toBe(1);
  });
});

describe('overdue tickets with their deadlines stored', () => {
  // The seed's tickets store no deadlines (as tickets from before deadlines existed), so the figures
  // above are checked against the profile's rules in JavaScript. Tickets the intake stores carry
  // their deadlines and are counted in SQL: the same tickets must give the same counts either way,
  // and mixed.
  const storeDeadlines = (which: (id: number) => boolean) => {
    const db = core.ctx.store.db;
    for (const ticket of db.select().from(tickets).all()) {
      if (!which(ticket.id)) continue;
      updateTicket(db, ticket.id, computeDeadlines(core.ctx.profile, core.ctx.calendar, ticket));
    }
  };

  it('count the same as the profile rules give, all stored or half of them', () => {
    storeDeadlines((id) => id % 2 === 0);
    expect(computeWeeklyStats(core.ctx, WEEK).overdue).toBe(EXPECTED.overdue);
    storeDeadlines(() => true);
    expect(core.ctx.store.db.select().from(tickets).where(isNull(tickets.responseDueAt)).all()).toEqual([]);
    expect(computeWeeklyStats(core.ctx, WEEK).overdue).toBe(EXPECTED.overdue);
    core.clock.now = WEEK.start + 36 * HOUR;
    expect(computeWeeklyStats(core.ctx, WEEK).overdue).toBe(1);
  });
});

describe('the summary texts', () => {
  it('pass the scrubber, say the week in words and carry no resident text or names', async () => {
    // Names of residents written through the real intake too.
    core.send('6281298765432', 'Tolong lampu di gang mawar mati, hubungi 0812-9876-5432', { name: 'Ratna Kumalasari' });
    const summary = await buildSummary(core.ctx, WEEK, { imageDir: images.dir });
    const scrubber = publicScrubber(core.ctx);
    const texts = [summary.text, summary.variants.telegram, summary.variants.whatsapp, summary.variants.xPost, ...summary.variants.x];
    for (const text of [summary.text, summary.variants.whatsapp, summary.variants.x.join('\n')]) {
      expect(text).toContain('Senin 16 – Minggu 22 November 2026');
    }
    for (const text of texts) {
      expect(scrubber.findings(text), text).toEqual([]);
      for (const word of ['gang', 'mawar', 'Budi', 'Santoso', 'Ratna', '0812', '3201', 'gmail', 'Hartono', 'Slamet']) {
        expect(text.toLowerCase(), text).not.toContain(word.toLowerCase());
      }
    }
    expect(RESIDENT_TEXT).toContain('mawar');
    expect(RESIDENT_NAMES).toContain('Budi Santoso');
    expect(summary.text).toContain('Laporan masuk: 7');
    expect(summary.text).toContain('3 laporan listrik dan lampu jalan di Dusun Krajan selesai ditangani');
    expect(summary.text).toContain('Rata-rata penilaian warga: 4 dari 5 (2 penilaian)');
    expect(summary.variants.whatsapp).toContain('*Sorotan:*');
    // The confidential complaint about an officer is counted but never a highlight.
    expect(summary.text).not.toMatch(/pelayanan aparat .*selesai/i);
  });

  it('fit X: one post of at most 280, or a numbered thread', async () => {
    const summary = await buildSummary(core.ctx, WEEK, { imageDir: images.dir });
    for (const post of summary.variants.x) expect(countTweetLength(post)).toBeLessThanOrEqual(280);
    // What is queued for X is threaded by the X adapter into exactly these posts.
    expect(splitThread(summary.variants.xPost)).toEqual(summary.variants.x);
    if (summary.variants.x.length > 1) expect(summary.variants.x[0]).toMatch(/\(1\/\d\)$/);
  });

  it('come with a PNG chart written under the image directory', async () => {
    const summary = await buildSummary(core.ctx, WEEK, { imageDir: images.dir });
    expect(summary.image.path).toBe(join(images.dir, '2026-W47.png'));
    expect(readFileSync(summary.image.path).subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect(summary.image.png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
  });
});

describe('posting', () => {
  it('queues one text per target with the variant its channel reads, and records the week', async () => {
    const summary = await buildSummary(core.ctx, WEEK, { imageDir: images.dir });
    expect(postSummary(core.ctx, summary, targets)).toEqual({ posted: true, queued: 4 });
    const rows = summaryRows();
    expect(rows.map((row) => [row.channel, row.chatId])).toEqual(targets.map((target) => [target.channel, target.chat]));
    expect(rows[0]?.text).toBe(summary.variants.telegram);
    expect(rows[1]?.text).toBe(summary.variants.whatsapp);
    expect(rows[2]?.text).toBe(summary.variants.xPost);
    expect(rows[3]?.text).toBe(summary.variants.whatsapp);
    expect(getSummaryRecord(core.ctx.store.db, '2026-W47')).toMatchObject({ text: summary.text, imagePath: summary.image.path, stats: { overdue: 3 } });
  });

  it('posts a week once, also after a restart on the same database file', async () => {
    const summary = await buildSummary(core.ctx, WEEK, { imageDir: images.dir });
    postSummary(core.ctx, summary, targets);
    expect(postSummary(core.ctx, summary, targets)).toEqual({ posted: false, queued: 0 });

    const store = openStore(core.ctx.store.sqlite.name);
    try {
      const restarted = createCoreContext({ store, profile, logger: silentLogger, now: () => MONDAY_0800 + 2 * HOUR });
      const again = await buildSummary(restarted, WEEK, { imageDir: images.dir });
      expect(postSummary(restarted, again, targets)).toEqual({ posted: false, queued: 0 });
      expect(summaryRows(store.db)).toHaveLength(4);
    } finally {
      store.close();
    }
  });
});

describe('the schedule', () => {
  it('on start makes up the previous week when its Monday 08:00 WIB run was missed', async () => {
    const wake = vi.fn();
    const cancel = scheduleWeeklySummary(core.ctx, profile, { imageDir: images.dir, wake });
    await cancel.pending;
    cancel();
    expect(summaryRows()).toHaveLength(4);
    expect(wake).toHaveBeenCalledTimes(1);
    expect(existsSync(join(images.dir, '2026-W47.png'))).toBe(true);
    // A second start the same day posts nothing more.
    const second = scheduleWeeklySummary(core.ctx, profile, { imageDir: images.dir, wake });
    await second.pending;
    second();
    expect(summaryRows()).toHaveLength(4);
  });

  it('makes up every week missed since the last one posted, oldest first, at most four', async () => {
    const weeksPosted = () => core.ctx.store.db.select().from(summaries).orderBy(asc(summaries.postedAt)).all().map((row) => row.week);
    // W47 posted on time; the service was then down for three weeks (started Monday 14 December 09:00).
    let cancel = scheduleWeeklySummary(core.ctx, profile, { imageDir: images.dir });
    await cancel.pending;
    cancel();
    core.clock.now = MONDAY_0800 + 3 * 7 * 24 * HOUR + HOUR;
    cancel = scheduleWeeklySummary(core.ctx, profile, { imageDir: images.dir });
    await cancel.pending;
    cancel();
    expect(weeksPosted()).toEqual(['2026-W47', '2026-W48', '2026-W49', '2026-W50']);
    // Down for ten more weeks (started Monday 22 February 2027): only the last four are made up.
    core.clock.now += 10 * 7 * 24 * HOUR;
    cancel = scheduleWeeklySummary(core.ctx, profile, { imageDir: images.dir });
    await cancel.pending;
    cancel();
    expect(weeksPosted().slice(4)).toEqual(['2027-W04', '2027-W05', '2027-W06', '2027-W07']);
  });

  it('makes nothing up before the scheduled time of the week', async () => {
    core.clock.now = MONDAY_0800 - 60_000;
    const cancel = scheduleWeeklySummary(core.ctx, profile, { imageDir: images.dir });
    await cancel.pending;
    cancel();
    expect(summaryRows()).toHaveLength(0);
  });

  it('posts the previous week when the cron fires at Monday 08:00 WIB (01:00 UTC)', async () => {
    vi.useFakeTimers({ now: MONDAY_0800 - 90_000, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const ctx = { ...core.ctx, now: () => Date.now() };
    const cancel = scheduleWeeklySummary(ctx, profile, { imageDir: images.dir });
    await cancel.pending;
    expect(summaryRows()).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(summaryRows()).toHaveLength(0);
    for (let i = 0; i < 200 && summaryRows().length === 0; i += 1) await vi.advanceTimersByTimeAsync(1_000);
    cancel();
    expect(summaryRows()).toHaveLength(4);
    expect(getSummaryRecord(core.ctx.store.db, '2026-W47')?.postedAt).toBeGreaterThanOrEqual(MONDAY_0800);
  });

  it('is not scheduled without targets', async () => {
    const cancel = scheduleWeeklySummary(core.ctx, demoProfileWith(() => undefined), { imageDir: images.dir });
    await cancel.pending;
    cancel();
    expect(summaryRows()).toHaveLength(0);
    expect(core.ctx.store.db.select().from(outbox).where(and(eq(outbox.purpose, SUMMARY_PURPOSE))).all()).toEqual([]);
  });
});
