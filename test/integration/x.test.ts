// The X channel end to end: the real adapter and twitter-api-v2 client, a real core on SQLite and the
// outbox worker, against a fake X API that msw serves in place of api.x.com (and api.twitter.com).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http, HttpResponse, type JsonBodyType } from 'msw';
import { setupServer } from 'msw/node';
import pino from 'pino';
import { TwitterApi } from 'twitter-api-v2';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { XAdapter, type XDeps } from '../../bots/x/adapter.ts';
import type { XConfig } from '../../bots/x/config.ts';
import { countTweetLength } from '../../bots/x/outbound.ts';
import { ingest } from '../../core/intake.ts';
import { OutboxWorker } from '../../core/outbox.ts';
import type { SentParts } from '../../core/types.ts';
import { getCursor, setCursor } from '../../storage/repositories/index.ts';
import { tickets } from '../../storage/schema.ts';
import { createTestCore, type TestCore } from '../helpers.ts';

const VILLAGE = { id: '100', name: 'Desa Sukamaju', username: 'DesaSukamaju' };
const RESIDENT = { id: '555', name: 'Warsini', username: 'warsini_s' };
const OTHER = { id: '556', name: 'Darto', username: 'darto' };
const THIRD = { id: '557', name: 'Sumarni', username: 'sumarni' };
const LAMP = 'lampu jalan di depan masjid Dusun Krajan mati sudah seminggu, rumah saya no 12, hp 081234567890';
const POLL_MS = 120_000;

interface StoredTweet {
  id: string;
  text: string;
  author_id: string;
  created_at: string;
  in_reply_to_user_id?: string;
  referenced_tweets?: Array<{ type: 'retweeted' | 'quoted' | 'replied_to'; id: string }>;
}
interface Posted {
  id: string;
  text: string;
  reply?: { in_reply_to_tweet_id: string };
  media?: { media_ids: string[] };
}
interface Failure {
  status: number;
  body: JsonBodyType;
  headers?: Record<string, string>;
}

/** The fake X API's state: what residents wrote, what the village sent, and failures to serve next. */
const fake = {
  clock: { now: 0 },
  mentions: [] as StoredTweet[],
  dmEvents: [] as Array<{ id: string; event_type: 'MessageCreate'; text: string; sender_id: string; created_at: string; dm_conversation_id: string }>,
  posted: [] as Posted[],
  dmsSent: [] as Array<{ to: string; text: string; eventId: string }>,
  uploads: [] as Array<{ mediaType: string; totalBytes: number; appended: number; finalized: boolean }>,
  requests: [] as Array<{ method: string; path: string; query: URLSearchParams; at: number }>,
  /** Answers for the next calls, in order: a failure, or 'pass' to serve the call normally. */
  fail: { me: [] as Failure[], mentions: [] as Failure[], dms: [] as Failure[], tweets: [] as Array<Failure | 'pass'>, sendDm: [] as Failure[] },
  /** Headers of successful reads; `remaining` 0 makes the adapter wait for the reset. */
  remaining: { mentions: 10, dms: 15 },
  nextId: 5000,
  reset() {
    this.mentions = [];
    this.dmEvents = [];
    this.posted = [];
    this.dmsSent = [];
    this.uploads = [];
    this.requests = [];
    this.fail = { me: [], mentions: [], dms: [], tweets: [], sendDm: [] };
    this.remaining = { mentions: 10, dms: 15 };
  },
  id(): string {
    this.nextId += 1;
    return String(this.nextId);
  },
  requested(path: RegExp): Array<{ query: URLSearchParams; at: number }> {
    return this.requests.filter((request) => path.test(request.path));
  },
};

function rateHeaders(remaining: number): Record<string, string> {
  return { 'x-rate-limit-limit': '15', 'x-rate-limit-remaining': String(remaining), 'x-rate-limit-reset': String(Math.floor(fake.clock.now / 1000) + 900) };
}

function failure(queue: Array<Failure | 'pass'>): Response | undefined {
  const next = queue.shift();
  return next && next !== 'pass' ? HttpResponse.json(next.body, { status: next.status, headers: next.headers ?? {} }) : undefined;
}

const userOf = (id: string) => [VILLAGE, RESIDENT, OTHER, THIRD].find((user) => user.id === id);

function handlers(base: string) {
  const log = (request: Request) => {
    const url = new URL(request.url);
    fake.requests.push({ method: request.method, path: url.pathname, query: url.searchParams, at: fake.clock.now });
    return url;
  };
  return [
    http.get(`${base}/2/users/me`, ({ request }) => {
      log(request);
      return failure(fake.fail.me) ?? HttpResponse.json({ data: VILLAGE });
    }),
    http.get(`${base}/2/users/:id/mentions`, ({ request }) => {
      const url = log(request);
      const failed = failure(fake.fail.mentions);
      if (failed) return failed;
      const since = url.searchParams.get('since_id');
      const max = Number(url.searchParams.get('max_results') ?? '10');
      const found = fake.mentions
        .filter((tweet) => !since || BigInt(tweet.id) > BigInt(since))
        .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1))
        .slice(0, max);
      const users = [...new Set(found.map((tweet) => tweet.author_id))].flatMap((id) => userOf(id) ?? []);
      const body = found.length > 0
        ? { data: found, includes: { users }, meta: { result_count: found.length, newest_id: found[0]?.id, oldest_id: found[found.length - 1]?.id } }
        : { meta: { result_count: 0 } };
      return HttpResponse.json(body, { headers: rateHeaders(fake.remaining.mentions) });
    }),
    http.get(`${base}/2/dm_events`, ({ request }) => {
      log(request);
      const failed = failure(fake.fail.dms);
      if (failed) return failed;
      const events = [...fake.dmEvents].sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
      const users = [...new Set(events.map((event) => event.sender_id))].flatMap((id) => userOf(id) ?? []);
      return HttpResponse.json(
        events.length > 0 ? { data: events, includes: { users }, meta: { result_count: events.length } } : { meta: { result_count: 0 } },
        { headers: rateHeaders(fake.remaining.dms) },
      );
    }),
    http.post(`${base}/2/tweets`, async ({ request }) => {
      log(request);
      const failed = failure(fake.fail.tweets);
      if (failed) return failed;
      const body = (await request.json()) as Omit<Posted, 'id'>;
      const id = fake.id();
      fake.posted.push({ id, ...body });
      return HttpResponse.json({ data: { id, text: body.text } }, { status: 201 });
    }),
    http.post(`${base}/2/dm_conversations/with/:participant/messages`, async ({ request, params }) => {
      log(request);
      const failed = failure(fake.fail.sendDm);
      if (failed) return failed;
      const body = (await request.json()) as { text: string };
      const eventId = fake.id();
      fake.dmsSent.push({ to: String(params.participant), text: body.text, eventId });
      return HttpResponse.json({ data: { dm_conversation_id: `100-${String(params.participant)}`, dm_event_id: eventId } }, { status: 201 });
    }),
    http.post(`${base}/2/media/upload/initialize`, async ({ request }) => {
      log(request);
      const body = (await request.json()) as { media_type: string; total_bytes: number };
      fake.uploads.push({ mediaType: body.media_type, totalBytes: body.total_bytes, appended: 0, finalized: false });
      return HttpResponse.json({ data: { id: '777', media_key: '3_777', expires_after_secs: 86400 } });
    }),
    http.post(`${base}/2/media/upload/:id/append`, ({ request }) => {
      log(request);
      const upload = fake.uploads[fake.uploads.length - 1];
      if (upload) upload.appended += 1;
      return HttpResponse.json({});
    }),
    http.post(`${base}/2/media/upload/:id/finalize`, ({ request }) => {
      log(request);
      const upload = fake.uploads[fake.uploads.length - 1];
      if (upload) upload.finalized = true;
      return HttpResponse.json({ data: { id: '777', media_key: '3_777', size: upload?.totalBytes ?? 0 } });
    }),
  ];
}

const server = setupServer(...handlers('https://api.x.com'), ...handlers('https://api.twitter.com'));

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

/** The adapter's sleeps, resolved by the test: each wake advances the shared clock by the time asked for. */
function manualSleep(clock: { now: number; advance(ms: number): void }) {
  const waiting: Array<{ ms: number; resolve: () => void }> = [];
  const asked: number[] = [];
  /** Waits until the adapter has finished a round and sleeps; returns how long it asked to sleep. */
  const idle = async (): Promise<number> => {
    await expect.poll(() => waiting.length, { timeout: 3000, interval: 5 }).toBeGreaterThan(0);
    return waiting[0]?.ms ?? 0;
  };
  return {
    asked,
    sleep: (ms: number) =>
      new Promise<void>((resolve) => {
        asked.push(ms);
        waiting.push({ ms, resolve });
      }),
    idle,
    /** Lets the sleeping adapter go on (the clock jumps by the time it asked for), then waits for its next sleep. */
    round: async (): Promise<void> => {
      await idle();
      const next = waiting.shift();
      if (!next) return;
      clock.advance(next.ms);
      fake.clock.now = clock.now;
      next.resolve();
      await idle();
    },
  };
}

const config: XConfig = { appKey: 'k', appSecret: 's', accessToken: 't', accessSecret: 'a', pollIntervalSeconds: POLL_MS / 1000, accountHandle: 'DesaSukamaju' };

let core: TestCore;
let adapters: XAdapter[];
let logLines: Array<{ level: number; msg: string; capability?: string }>;

beforeEach(() => {
  fake.reset();
  core = createTestCore();
  fake.clock.now = core.clock.now;
  adapters = [];
  logLines = [];
});

afterEach(async () => {
  for (const adapter of adapters) await adapter.stop();
  core.close();
});

function startAdapter(overrides: Partial<XDeps> = {}) {
  const { ctx, clock } = core;
  const sleeper = manualSleep(clock);
  const logger = pino({ level: 'debug' }, { write: (line: string) => logLines.push(JSON.parse(line) as { level: number; msg: string }) });
  const adapter = new XAdapter(config, {
    receive: (message) => ingest(ctx, message),
    logger,
    cursor: { read: (key) => getCursor(ctx.store.db, key), write: (key, value) => setCursor(ctx.store.db, key, value, ctx.now()) },
    client: new TwitterApi({ appKey: 'k', appSecret: 's', accessToken: 't', accessSecret: 'a' }),
    now: () => clock.now,
    sleep: sleeper.sleep,
    ...overrides,
  });
  adapters.push(adapter);
  const worker = new OutboxWorker(ctx, new Map([['x', adapter]]), { baseDelayMs: 100 });
  return {
    adapter,
    sleeper,
    /** Sends everything due (one row a second on X: the clock moves on between passes). */
    flush: async () => {
      for (let pass = 0; pass < 6; pass += 1) {
        await worker.runOnce();
        clock.advance(1100);
        fake.clock.now = clock.now;
      }
    },
  };
}

/** A started adapter and a directory holding the week's chart (2026-W47.png); the caller removes the directory. */
async function startWithChart() {
  const { adapter, sleeper } = startAdapter();
  await adapter.start();
  await sleeper.idle();
  const dir = mkdtempSync(join(tmpdir(), 'x-chart-'));
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
  writeFileSync(join(dir, '2026-W47.png'), png);
  return { adapter, dir, png };
}

function mention(id: string, text: string, fields: Partial<StoredTweet> = {}): StoredTweet {
  return { id, text, author_id: RESIDENT.id, created_at: new Date(core.clock.now - 60_000).toISOString(), ...fields };
}

const ticketCount = () => core.ctx.store.db.select().from(tickets).all().length;
const warnings = (capability: string) => logLines.filter((line) => line.level === 40 && line.capability === capability);

describe('X channel', () => {
  it('turns a mention into a ticket, answers publicly with the code only, and ignores retweets and its own tweets', async () => {
    fake.mentions.push(
      mention('2001', `@DesaSukamaju ${LAMP}`),
      mention('2002', 'RT @DesaSukamaju: Jadwal posyandu bulan ini', { referenced_tweets: [{ type: 'retweeted', id: '1900' }], author_id: OTHER.id }),
      mention('2003', '@DesaSukamaju pengumuman kerja bakti Minggu pagi', { author_id: VILLAGE.id }),
    );
    const { adapter, sleeper, flush } = startAdapter();
    await adapter.start();
    await sleeper.idle();
    expect(adapter.health()).toEqual({ state: 'connected', detail: '@DesaSukamaju: baca mention, baca DM, kirim' });
    expect(adapter.capabilities()).toEqual({ readMentions: true, readDms: true, post: true, sendDms: true });
    expect(ticketCount()).toBe(1);

    await flush();
    expect(fake.posted).toHaveLength(1);
    const reply = fake.posted[0];
    expect(reply?.reply).toEqual({ in_reply_to_tweet_id: '2001' });
    expect(reply?.text).toMatch(/^Terima kasih, laporan Anda tercatat dengan nomor SKM-1\. .*DM.*WhatsApp/);
    for (const secret of ['lampu', 'masjid', 'Krajan', 'rumah', '0812', 'Warsini', 'warsini_s']) expect(reply?.text).not.toContain(secret);
    expect(core.rows('mention:2001:555')[0]?.state).toBe('sent');
    expect(getCursor(core.ctx.store.db, 'x:mentions')).toBe('2003');
  });

  it('advances since_id, and a restarted adapter asks from where it stopped without filing anything twice', async () => {
    fake.mentions.push(mention('2001', `@DesaSukamaju ${LAMP}`));
    const first = startAdapter();
    await first.adapter.start();
    await first.sleeper.idle();
    expect(ticketCount()).toBe(1);
    fake.mentions.push(mention('2004', '@DesaSukamaju sampah menumpuk di pinggir sungai dekat jembatan', { author_id: OTHER.id }));
    await first.sleeper.round();
    expect(ticketCount()).toBe(2);
    const polls = fake.requested(/\/mentions$/).filter((request) => request.query.get('max_results') === '100');
    expect(polls.map((request) => request.query.get('since_id'))).toEqual([null, '2001']);
    expect(getCursor(core.ctx.store.db, 'x:mentions')).toBe('2004');
    await first.adapter.stop();

    fake.requests = [];
    fake.mentions.push(mention('2005', '@DesaSukamaju jalan ke sawah di RT 2 berlubang besar', { author_id: THIRD.id }));
    const second = startAdapter();
    await second.adapter.start();
    await second.sleeper.idle();
    const afterRestart = fake.requested(/\/mentions$/).filter((request) => request.query.get('max_results') === '100');
    expect(afterRestart[0]?.query.get('since_id')).toBe('2004');
    expect(ticketCount()).toBe(3);
  });

  it('files a DM as a ticket and answers by DM, handling each DM event once', async () => {
    fake.dmEvents.push({ id: '9001', event_type: 'MessageCreate', text: 'Pak, sampah di RT 2 belum diangkut seminggu', sender_id: RESIDENT.id, created_at: new Date(core.clock.now - 30_000).toISOString(), dm_conversation_id: '100-555' });
    const { adapter, sleeper, flush } = startAdapter();
    await adapter.start();
    await sleeper.idle();
    expect(ticketCount()).toBe(1);
    await flush();
    expect(fake.dmsSent).toHaveLength(1);
    expect(fake.dmsSent[0]?.to).toBe(RESIDENT.id);
    expect(fake.dmsSent[0]?.text).toMatch(/SKM-1/);
    expect(fake.posted).toHaveLength(0);
    expect(core.rows('dm:555')[0]?.platformMessageId).toBe(`dm:${fake.dmsSent[0]?.eventId ?? ''}`);
    expect(getCursor(core.ctx.store.db, 'x:dms')).toBe('9001');

    // Our own DM now shows in the list too; nothing is filed again.
    await sleeper.round();
    expect(ticketCount()).toBe(1);
  });

  it('sends later messages about a mention by DM, and publicly with the code only when DMs are refused', async () => {
    const { adapter, sleeper } = startAdapter();
    await adapter.start();
    await sleeper.idle();
    const dm = await adapter.send({ channel: 'x', chatId: 'mention:2001:555', text: 'SKM-1: lampu sudah diganti oleh Pak Bambang.' });
    expect(dm.platformMessageId).toMatch(/^dm:/);
    expect(fake.dmsSent[0]).toMatchObject({ to: '555', text: 'SKM-1: lampu sudah diganti oleh Pak Bambang.' });
    expect(fake.posted).toHaveLength(0);

    // The plan refuses sending DMs: the news goes out as a public reply carrying only the code.
    fake.fail.sendDm.push({ status: 403, body: { title: 'Client Forbidden', reason: 'client-not-enrolled', detail: 'not enrolled', type: 'https://api.twitter.com/2/problems/client-forbidden' } });
    const publicNote = await adapter.send({ channel: 'x', chatId: 'mention:2001:555', text: 'SKM-1: lampu sudah diganti oleh Pak Bambang (0813 1111 2222).' });
    expect(publicNote.platformMessageId).toBe(`tweet:${fake.posted[0]?.id ?? ''}`);
    expect(fake.posted[0]?.reply).toEqual({ in_reply_to_tweet_id: '2001' });
    expect(fake.posted[0]?.text).toContain('SKM-1');
    expect(fake.posted[0]?.text).not.toMatch(/lampu|Bambang|0813/);
    expect(adapter.capabilities().sendDms).toBe(false);
    await expect(adapter.send({ channel: 'x', chatId: 'dm:555', text: 'Halo' })).rejects.toMatchObject({ code: 403, retryable: false });
  });

  it('waits until the rate-limit window resets after a 429, then goes on', async () => {
    fake.fail.dms.push({ status: 403, body: { title: 'Forbidden', detail: 'not permitted', type: 'about:blank' } });
    const { adapter, sleeper } = startAdapter();
    await adapter.start();
    await sleeper.idle();
    const reset = Math.floor(core.clock.now / 1000) + 900;
    fake.fail.mentions.push({ status: 429, body: { title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank' }, headers: { 'x-rate-limit-limit': '10', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(reset) } });
    fake.mentions.push(mention('2010', `@DesaSukamaju ${LAMP}`));
    await sleeper.round();
    expect(ticketCount()).toBe(0);
    // The next sleep lasts until the reset, not one poll interval.
    expect(await sleeper.idle()).toBe(reset * 1000 - core.clock.now);
    const before = fake.requested(/\/mentions$/).length;
    await sleeper.round();
    expect(core.clock.now).toBeGreaterThanOrEqual(reset * 1000);
    expect(fake.requested(/\/mentions$/).length).toBe(before + 1);
    expect(ticketCount()).toBe(1);
  });

  it('waits for the reset when a response says no calls remain', async () => {
    fake.fail.dms.push({ status: 403, body: { title: 'Forbidden', detail: 'not permitted', type: 'about:blank' } });
    fake.remaining.mentions = 0;
    const { adapter, sleeper } = startAdapter();
    await adapter.start();
    expect(await sleeper.idle()).toBe(900_000);
  });

  it('runs post-only when the plan refuses reading mentions: health degraded, logged once, posting still works', async () => {
    const refusal: Failure = { status: 403, body: { title: 'Client Forbidden', detail: 'This request must be made using an approved developer account that is enrolled in the requested endpoint.', reason: 'client-not-enrolled', type: 'https://api.twitter.com/2/problems/client-forbidden' } };
    fake.fail.mentions.push(refusal, refusal, refusal);
    fake.fail.dms.push(refusal, refusal, refusal);
    const { adapter, sleeper } = startAdapter();
    await adapter.start();
    const sleep = await sleeper.idle();
    expect(adapter.health()).toEqual({ state: 'degraded', detail: 'hanya kirim: paket X tidak mengizinkan membaca mention (403)' });
    expect(adapter.capabilities()).toEqual({ readMentions: false, readDms: false, post: true, sendDms: true });
    // Nothing to poll: it sleeps until the hourly re-probe, which is refused again without a new warning.
    expect(sleep).toBe(60 * 60_000);
    await sleeper.round();
    await sleeper.round();
    expect(warnings('readMentions')).toHaveLength(1);
    expect(warnings('readDms')).toHaveLength(1);
    expect(fake.requested(/\/mentions$/).length).toBe(3);

    const ids = await adapter.postThread('Ringkasan aspirasi minggu ini: 12 laporan masuk, 9 selesai ditangani.');
    expect(ids).toEqual([fake.posted[0]?.id]);
    expect(adapter.health().state).toBe('degraded');

    // Once the plan allows it again, reading resumes.
    await sleeper.round();
    expect(adapter.capabilities().readMentions).toBe(true);
    expect(adapter.health().state).toBe('connected');
  });

  it('posts a long summary as a numbered thread within 280 characters each, with the chart on the first post', async () => {
    const { adapter, sleeper } = startAdapter();
    await adapter.start();
    await sleeper.idle();
    const line = 'Minggu ini warga Desa Sukamaju mengirim 12 laporan tentang jalan, lampu, dan sampah; 9 sudah selesai ditangani 🙏 https://sukamaju.desa.id/statistik';
    const summary = [line, line, line, line].join('\n\n');
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const ids = await adapter.postThread(summary, { data: png, mimeType: 'image/png' });
    expect(ids.length).toBeGreaterThan(1);
    expect(fake.posted.map((post) => post.id)).toEqual(ids);
    fake.posted.forEach((post, index) => {
      expect(countTweetLength(post.text)).toBeLessThanOrEqual(280);
      expect(post.text.endsWith(`(${index + 1}/${ids.length})`)).toBe(true);
      if (index === 0) {
        expect(post.media).toEqual({ media_ids: ['777'] });
        expect(post.reply).toBeUndefined();
      } else {
        expect(post.media).toBeUndefined();
        expect(post.reply).toEqual({ in_reply_to_tweet_id: ids[index - 1] });
      }
    });
    expect(fake.uploads).toEqual([{ mediaType: 'image/png', totalBytes: png.length, appended: 1, finalized: true }]);
  });

  it('sends an outbox row for the timeline with its chart file (the weekly summary) as a thread with the image', async () => {
    const { adapter, dir, png } = await startWithChart();
    try {
      const result = await adapter.send({
        channel: 'x',
        chatId: 'timeline',
        text: '📊 Ringkasan Aspirasi Warga Desa Sukamaju: 7 laporan masuk, 5 selesai.',
        attachment: { kind: 'photo', path: join(dir, '2026-W47.png'), mimeType: 'image/png' },
      });
      expect(fake.posted).toHaveLength(1);
      expect(fake.posted[0]?.media).toEqual({ media_ids: ['777'] });
      expect(result.platformMessageId).toContain(String(fake.posted[0]?.id));
      expect(fake.uploads).toEqual([{ mediaType: 'image/png', totalBytes: png.length, appended: 1, finalized: true }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('goes on with a thread from its last post when a later post failed, posting each part and the chart once', async () => {
    const { adapter, dir } = await startWithChart();
    const line = 'Minggu ini warga Desa Sukamaju mengirim 12 laporan tentang jalan, lampu, dan sampah; 9 sudah selesai ditangani.';
    const message = {
      channel: 'x',
      chatId: 'timeline',
      text: [line, line, line, line, line, line].join('\n\n'),
      attachment: { kind: 'photo' as const, path: join(dir, '2026-W47.png'), mimeType: 'image/png' },
    };
    let sent: SentParts | undefined;
    const parts = () => ({ sent, delivered: (progress: SentParts) => void (sent = progress) });
    try {
      fake.fail.tweets.push('pass', { status: 503, body: { title: 'Service Unavailable', detail: 'Service Unavailable', type: 'about:blank' } });
      await expect(adapter.send({ ...message, parts: parts() })).rejects.toThrow();
      expect(fake.posted).toHaveLength(1);
      expect(sent).toEqual({ count: 1, ids: [fake.posted[0]?.id] });
      const result = await adapter.send({ ...message, parts: parts() });
      const ids = fake.posted.map((post) => post.id);
      expect(ids.length).toBeGreaterThan(2);
      expect(new Set(fake.posted.map((post) => post.text)).size).toBe(ids.length);
      fake.posted.forEach((post, index) => expect(post.reply).toEqual(index === 0 ? undefined : { in_reply_to_tweet_id: ids[index - 1] }));
      expect(fake.uploads).toHaveLength(1);
      expect(result.platformMessageId).toContain(String(ids[0]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shows refused credentials as disconnected and stops cleanly', async () => {
    fake.fail.me.push({ status: 401, body: { title: 'Unauthorized', detail: 'Unauthorized', type: 'about:blank' } });
    const { adapter, sleeper } = startAdapter();
    await adapter.start();
    await sleeper.idle();
    expect(adapter.health().state).toBe('disconnected');
    expect(adapter.health().detail).toMatch(/kredensial ditolak X \(401\)/);
    await adapter.stop();
    expect(adapter.health().state).toBe('disconnected');
  });
});
