// `npm run --silent bench -- --json [--quick] [--concurrency N] [--rate R]`: speed on this machine,
// measured in one run.
// intake: messages/s through the whole intake (store, classify, route, queue the acknowledgement and
// notifications) against plain better-sqlite3 single-row insert transactions on the same disk; the
// classifier alone; the officers' open-ticket list and (when built) the weekly summary over many
// stored tickets; peak memory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pino from 'pino';
import { loadProfile } from '../config/profile.ts';
import { BackgroundClassifier } from '../core/classifier/background.ts';
import { loadClassifier } from '../core/classifier/load.ts';
import type { Classifier } from '../core/classifier/types.ts';
import { loadTrainingSet } from '../core/classifier/model.ts';
import { createCoreContext } from '../core/context.ts';
import { ingest, IntakeBatcher } from '../core/intake.ts';
import type { InboundMessage } from '../core/types.ts';
import { openStore, type Store } from '../storage/db.ts';
import { computeWeeklyStats } from '../core/summary/stats.ts';
import { createCalendar } from '../core/deadlines/calendar.ts';
import { computeDeadlines } from '../core/deadlines/sla.ts';
import { previousWeek } from '../core/summary/week.ts';
import { listOpenTickets } from '../storage/repositories/index.ts';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    messages: { type: 'string' },
    tickets: { type: 'string' },
    dir: { type: 'string' },
    concurrency: { type: 'string' },
    rate: { type: 'string' },
  },
});

const quick = values.quick;
const MESSAGES = Number(values.messages ?? (quick ? 2_000 : 10_000));
const CONCURRENCY = Number(values.concurrency ?? 64);
/** Offered load for the latency run, messages/s: a hundred times a flood's "hundreds of messages in minutes", half the intake's capacity. */
const RATE = Number(values.rate ?? 500);
const TICKETS = Number(values.tickets ?? (quick ? 20_000 : 1_000_000));
const baseDir = mkdtempSync(join(values.dir ?? tmpdir(), 'aspirasi-bench-'));
const silent = pino({ level: 'silent' });
const profile = loadProfile();
// Intake classifies on its worker thread, as the service does; the sequential run, the classifier's
// own figure and the summary use a copy on the main thread, loaded after the worker has gone.
const background = new BackgroundClassifier({ dataDir: undefined, logger: silent, profile });
let loaded: Classifier | undefined;
const mainThreadClassifier = () => (loaded ??= loadClassifier(undefined).classifier);
const texts = loadTrainingSet().map((example) => example.text);
let peakRss = 0;
/** Records peak memory; with BENCH_DEBUG set, prints each new peak and where it was reached (stderr). */
const sampleRss = (where = '') => {
  const rss = process.memoryUsage().rss;
  if (process.env.BENCH_DEBUG && rss > peakRss) process.stderr.write(`peak rss ${Math.round(rss / 1048576)} MB ${where}\n`);
  peakRss = Math.max(peakRss, rss);
};

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? 0;
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function benchMessage(i: number): InboundMessage {
  return {
    channel: 'web',
    externalId: `bench-${i}`,
    sender: { id: `warga-${i}` },
    chat: { id: `warga-${i}`, isGroup: false },
    text: texts[i % texts.length] ?? 'jalan rusak',
    attachments: [],
    receivedAt: new Date(),
  };
}

/**
 * The whole intake, one message per resident (each opens a ticket), as the service runs it under
 * load: `CONCURRENCY` messages in flight, as concurrent webhook requests are, through the group
 * commit (IntakeBatcher). Latency is from submission to the commit that stores the message.
 */
async function benchIntake(): Promise<{ perSecond: number; p50: number; p99: number }> {
  const store = openStore(join(baseDir, 'intake.sqlite'), { synchronous: 'FULL' });
  const ctx = createCoreContext({ store, profile, logger: silent, classifier: background });
  const batcher = new IntakeBatcher(ctx);
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < MESSAGES) {
      const i = next++;
      const before = performance.now();
      await batcher.submit(benchMessage(i));
      latencies.push(performance.now() - before);
      if (i % 500 === 0) sampleRss('intake');
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  store.close();
  latencies.sort((a, b) => a - b);
  return { perSecond: MESSAGES / seconds, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

/**
 * Latency as a resident sees it: messages arrive on a fixed schedule (`RATE` per second, open loop,
 * one new resident each) rather than as fast as the intake can take them, and each latency runs
 * from the message's scheduled arrival to the commit that stores it, so time spent waiting to be
 * submitted counts too. (At saturation, with `CONCURRENCY` in flight, latency is only queue length
 * over throughput; `saturated_p99_ms` reports it.)
 */
async function benchLatency(count: number): Promise<{ p50: number; p99: number; achieved: number }> {
  const store = openStore(join(baseDir, 'intake-latency.sqlite'), { synchronous: 'FULL' });
  const ctx = createCoreContext({ store, profile, logger: silent, classifier: background });
  const batcher = new IntakeBatcher(ctx);
  const interval = 1000 / RATE;
  const latencies: number[] = [];
  const stored: Array<Promise<void>> = [];
  const started = performance.now();
  let i = 0;
  while (i < count) {
    const now = performance.now();
    for (; i < count && started + i * interval <= now; i += 1) {
      const due = started + i * interval;
      stored.push(batcher.submit(benchMessage(MESSAGES + i)).then(() => void latencies.push(performance.now() - due)));
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(stored);
  const seconds = (performance.now() - started) / 1000;
  store.close();
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), achieved: count / seconds };
}

/** The same intake one message at a time, each in its own transaction (a quiet day). */
function benchIntakeSequential(): { perSecond: number; p50: number; p99: number } {
  const store = openStore(join(baseDir, 'intake-sequential.sqlite'), { synchronous: 'FULL' });
  const ctx = createCoreContext({ store, profile, logger: silent, classifier: mainThreadClassifier() });
  const count = Math.min(MESSAGES, 2_000);
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; i < count; i += 1) {
    const before = performance.now();
    ingest(ctx, benchMessage(i));
    latencies.push(performance.now() - before);
  }
  const seconds = (performance.now() - started) / 1000;
  store.close();
  latencies.sort((a, b) => a - b);
  return { perSecond: count / seconds, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

/** Plain better-sqlite3: one row per transaction, same pragmas and disk. */
function benchBaseline(): number {
  const sqlite = new Database(join(baseDir, 'baseline.sqlite'));
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.exec('CREATE TABLE rows (id INTEGER PRIMARY KEY, chat TEXT NOT NULL, text TEXT NOT NULL, at INTEGER NOT NULL)');
  const insert = sqlite.prepare('INSERT INTO rows (chat, text, at) VALUES (?, ?, ?)');
  const one = sqlite.transaction((i: number) => insert.run(`warga-${i}`, texts[i % texts.length] ?? '', Date.now()));
  const started = performance.now();
  for (let i = 0; i < MESSAGES; i += 1) one(i);
  const seconds = (performance.now() - started) / 1000;
  sqlite.close();
  return MESSAGES / seconds;
}

function benchClassify(): number {
  const classifier = mainThreadClassifier();
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < 2000) {
    for (let i = 0; i < 500; i += 1) classifier.classify(texts[(count + i) % texts.length] ?? '');
    count += 500;
  }
  return count / ((performance.now() - started) / 1000);
}

const CATEGORIES = ['infrastruktur', 'air_bersih', 'listrik', 'kesehatan', 'pendidikan', 'kependudukan', 'bansos', 'keamanan', 'lingkungan', 'bencana', 'pertanian', 'keuangan_desa', 'pelayanan_aparat', 'lainnya'];
const DUSUN = ['krajan', 'sukasari', 'karanganyar', 'cikoneng', null];
const OFFICERS = ['kaur_umum', 'kasi_kesejahteraan', 'kasi_pemerintahan', 'sekdes', null];

/**
 * Fills a database with `count` tickets over the past two years, as a village's history would look:
 * most closed, about 3% still open, spread over contacts, categories and dusun.
 */
function seedTickets(store: Store, count: number): void {
  const sqlite = store.sqlite;
  const now = Date.now();
  const span = 2 * 365 * 24 * 3_600_000;
  const contacts = Math.max(1, Math.floor(count / 20));
  const insertContact = sqlite.prepare('INSERT INTO contacts (channel, external_id, reachable, created_at, last_seen_at) VALUES (?, ?, 1, ?, ?)');
  const insertTicket = sqlite.prepare(
    `INSERT INTO tickets (code, contact_id, channel, chat_id, summary, category, kind, confidence, status, urgent, confidential,
       needs_triage, dusun, assignee, created_at, last_activity_at, first_response_at, resolved_at, closed_at, rating,
       response_due_at, resolution_due_at)
     VALUES (?, ?, 'web', ?, 'laporan', ?, 'pengaduan', 0.8, ?, 0, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  // Deadlines as intake stores them (working days, holidays).
  const calendar = createCalendar(profile);
  sqlite.transaction(() => {
    for (let c = 1; c <= contacts; c += 1) insertContact.run('web', `warga-${c}`, now - span, now);
    for (let i = 0; i < count; i += 1) {
      const createdAt = now - Math.floor(((i * 7919) % count) / count * span);
      const open = i % 33 === 0;
      const status = open ? (['new', 'assigned', 'in_progress'][i % 3] ?? 'new') : i % 10 === 0 ? 'rejected' : 'closed';
      const responded = open && i % 2 === 0 ? null : createdAt + 3_600_000 * (1 + (i % 72));
      const resolved = open ? null : createdAt + 3_600_000 * (24 + (i % 200));
      const category = CATEGORIES[i % CATEGORIES.length] ?? 'lainnya';
      const due = computeDeadlines(profile, calendar, { category, createdAt });
      insertTicket.run(
        `SKM-${i + 1}`,
        1 + (i % contacts),
        `warga-${1 + (i % contacts)}`,
        category,
        status,
        open && i % 5 === 0 ? 1 : 0,
        DUSUN[i % DUSUN.length],
        open && i % 5 === 0 ? null : OFFICERS[i % OFFICERS.length],
        createdAt,
        resolved ?? responded ?? createdAt,
        responded,
        resolved,
        open ? null : resolved,
        open || i % 4 === 0 ? null : 1 + (i % 5),
        due.responseDueAt,
        due.resolutionDueAt,
      );
    }
  })();
}

/** Median of several runs of `fn`, in ms. */
function timeIt(fn: () => unknown, runs = 5): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    fn();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return percentile(times, 0.5);
}

function benchAtScale(count: number): { listMs: number; summaryMs: number; seedSeconds: number } {
  const store = openStore(join(baseDir, `tickets-${count}.sqlite`), { synchronous: 'NORMAL' });
  const seedStarted = performance.now();
  seedTickets(store, count);
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  sampleRss(`seeded ${count}`);
  store.sqlite.pragma('optimize');
  const listMs = timeIt(() => {
    listOpenTickets(store.db, { limit: 21 });
    listOpenTickets(store.db, { assignee: 'kaur_umum', limit: 21 });
  });
  // The weekly summary's figures for last week, as the Monday job computes them (the chart aside).
  const ctx = createCoreContext({ store, profile, logger: silent });
  const week = previousWeek(Date.now());
  const summaryMs = timeIt(() => computeWeeklyStats(ctx, week), 3);
  sampleRss(`summary ${count}`);
  store.close();
  return { listMs, summaryMs, seedSeconds };
}

const sizeLabel = (count: number) => (count >= 1_000_000 ? `${Math.round(count / 1_000_000)}m` : `${Math.round(count / 1000)}k`);

try {
  // The model loaded on the worker before the clock starts, as at the service's start.
  await background.classifyAsync('');
  const intake = await benchIntake();
  const latency = await benchLatency(quick ? 2_000 : 5_000);
  await background.close();
  const sequential = benchIntakeSequential();
  const baseline = benchBaseline();
  const classifyPerSecond = benchClassify();
  const small = TICKETS > 100_000 ? benchAtScale(100_000) : undefined;
  const scale = benchAtScale(TICKETS);
  sampleRss();
  const result = {
    messages: MESSAGES,
    tickets: TICKETS,
    intake_per_s: Math.round(intake.perSecond),
    baseline_insert_per_s: Math.round(baseline),
    ratio: round(intake.perSecond / baseline, 3),
    intake_p50_ms: round(latency.p50, 2),
    intake_p99_ms: round(latency.p99, 2),
    latency_offered_per_s: RATE,
    intake_concurrency: CONCURRENCY,
    saturated_p50_ms: round(intake.p50, 2),
    saturated_p99_ms: round(intake.p99, 2),
    intake_sequential_per_s: Math.round(sequential.perSecond),
    intake_sequential_p99_ms: round(sequential.p99, 2),
    classify_per_s: Math.round(classifyPerSecond),
    ...(small ? { summary_ms_100k: round(small.summaryMs, 1) } : {}),
    [`summary_ms_${sizeLabel(TICKETS)}`]: round(scale.summaryMs, 1),
    [`list_ms_${sizeLabel(TICKETS)}`]: round(scale.listMs, 2),
    seed_s: round(scale.seedSeconds),
    peak_rss_mb: Math.round(peakRss / 1024 / 1024),
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    process.stdout.write(`${Object.entries(result).map(([key, value]) => `${key.padEnd(22)} ${value}`).join('\n')}\n`);
  }
} finally {
  rmSync(baseDir, { recursive: true, force: true });
}
