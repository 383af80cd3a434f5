// `npm run --silent burst [-- --messages 10000 --residents 2000 --concurrency 200 --url URL]`:
// a flood of residents' messages posted to the simulator at once, as after a fire or a flood. Starts
// the service in this process (temporary DATA_DIR, a free port) unless --url names a running one;
// posts every message (at most --concurrency in flight), waits until the outbox has sent everything,
// checks that every resident received the acknowledgement of their ticket, and prints one JSON object:
// {messages, residents, seconds_to_2xx, seconds_to_all_acks, per_s, p50_ms, p99_ms, errors}.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parseEnv } from '../config/env.ts';
import { startService, type Service } from './service.ts';

export interface BurstOptions {
  messages: number;
  residents: number;
  concurrency: number;
  /** A running service; when absent one is started in this process and stopped afterwards. */
  url?: string;
  /** How long to wait for the outbox to send every acknowledgement. */
  drainTimeoutMs?: number;
}

export interface BurstReport {
  messages: number;
  residents: number;
  seconds_to_2xx: number;
  seconds_to_all_acks: number;
  per_s: number;
  p50_ms: number;
  p99_ms: number;
  /** Posts not answered 2xx, plus residents whose acknowledgement never arrived. */
  errors: number;
}

/** Details for tests and for a failing run: who got no acknowledgement, and why posts failed. */
export interface BurstResult {
  report: BurstReport;
  /** resident -> the ticket code their first message was given. */
  tickets: Map<string, string>;
  unacknowledged: string[];
  failures: string[];
}

const COMPLAINTS = [
  'Air sungai meluap masuk ke rumah warga di RT 02, mohon bantuan perahu dan makanan',
  'Kebakaran di dekat pasar, api sudah merambat ke dua rumah, kami butuh mobil pemadam',
  'Jalan ke dusun tertutup longsor, anak-anak tidak bisa berangkat sekolah',
  'Listrik padam sejak semalam dan tiang PLN roboh di depan mushola',
  'Pengungsi di balai desa kekurangan selimut dan air bersih',
  'Saluran air tersumbat sampah sehingga banjir makin tinggi di gang kami',
  'Ada warga lansia sakit di rumah yang terendam, mohon dijemput ambulans',
];

export const residentId = (index: number): string => `burst-warga-${index}`;

/** Message k comes from resident k mod R: every resident writes all through the burst. */
function burstMessage(k: number, residents: number): { id: string; user: string; text: string } {
  const resident = k % residents;
  const template = COMPLAINTS[(k * 7 + resident) % COMPLAINTS.length] ?? '';
  return { id: `burst-${k}`, user: residentId(resident), text: `${template} (pesan ${Math.floor(k / residents) + 1})` };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? 0;
}

const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `work` over 0..count-1 with at most `concurrency` at a time. */
async function pool(count: number, concurrency: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next;
      next += 1;
      await work(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/**
 * Rows the outbox has still to send now (not officers' notifications held through quiet hours);
 * undefined when /healthz did not answer in time (a busy service).
 */
async function outboxBusy(base: string): Promise<number | undefined> {
  try {
    const response = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(30_000) });
    const health = (await response.json()) as { outbox?: Record<string, number>; outboxLater?: number };
    return (health.outbox?.pending ?? 0) + (health.outbox?.sending ?? 0) - (health.outboxLater ?? 0);
  } catch {
    return undefined;
  }
}

/** Posts the burst to the simulator at `base`, waits for the outbox, and checks each resident's acknowledgement. */
export async function runBurst(base: string, options: BurstOptions): Promise<BurstResult> {
  const latencies: number[] = [];
  const failures: string[] = [];
  const tickets = new Map<string, string>();
  const started = performance.now();
  await pool(options.messages, options.concurrency, async (k) => {
    const message = burstMessage(k, options.residents);
    const sent = performance.now();
    try {
      const response = await fetch(`${base}/simulator/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(60_000),
      });
      const body = (await response.json()) as { ticket?: string; outcome?: string };
      latencies.push(performance.now() - sent);
      if (response.status < 200 || response.status >= 300) failures.push(`${message.id}: HTTP ${response.status} ${JSON.stringify(body)}`);
      else if (body.outcome === 'new_ticket' && body.ticket) tickets.set(message.user, body.ticket);
    } catch (error) {
      failures.push(`${message.id}: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  const answered = performance.now();

  const deadline = Date.now() + (options.drainTimeoutMs ?? 600_000);
  while ((await outboxBusy(base)) !== 0) {
    if (Date.now() > deadline) {
      failures.push('outbox not drained in time');
      break;
    }
    await sleep(100);
  }
  const drained = performance.now();

  // Each resident's acknowledgement, as the resident sees it in the simulator.
  const unacknowledged: string[] = [];
  await pool(options.residents, options.concurrency, async (index) => {
    const user = residentId(index);
    const code = tickets.get(user);
    try {
      const response = await fetch(`${base}/simulator/messages?user=${encodeURIComponent(user)}`, { signal: AbortSignal.timeout(60_000) });
      const seen = (await response.json()) as Array<{ text: string }>;
      if (!code || !seen.some((message) => message.text.includes(code))) unacknowledged.push(user);
    } catch (error) {
      failures.push(`messages of ${user}: ${error instanceof Error ? error.message : String(error)}`);
    }
  });

  latencies.sort((a, b) => a - b);
  const secondsTo2xx = (answered - started) / 1000;
  return {
    report: {
      messages: options.messages,
      residents: options.residents,
      seconds_to_2xx: round(secondsTo2xx, 2),
      seconds_to_all_acks: round((drained - started) / 1000, 2),
      per_s: round(options.messages / secondsTo2xx, 0),
      p50_ms: round(percentile(latencies, 0.5)),
      p99_ms: round(percentile(latencies, 0.99)),
      errors: failures.length + unacknowledged.length,
    },
    tickets,
    unacknowledged,
    failures,
  };
}

/**
 * The service on a temporary data directory and a free port of 127.0.0.1, as `npm start` runs it
 * (with the village profile at `profilePath`, else the demo village's).
 */
export async function startBurstService(dataDir: string, profilePath?: string): Promise<{ service: Service; base: string }> {
  const env = parseEnv(
    {
      ASPIRASI_CONFIG: profilePath,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      SIMULATOR_ENABLED: 'true',
      // FULL (the default) unless the caller measures NORMAL.
      SQLITE_SYNCHRONOUS: process.env.SQLITE_SYNCHRONOUS,
    },
    false,
  );
  const service = await startService(env);
  return { service, base: `http://127.0.0.1:${service.port}` };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string', default: '10000' },
      residents: { type: 'string', default: '2000' },
      concurrency: { type: 'string', default: '200' },
      url: { type: 'string' },
    },
  });
  const options: BurstOptions = {
    messages: Number(values.messages),
    residents: Number(values.residents),
    concurrency: Number(values.concurrency),
  };
  for (const [name, value] of Object.entries(options)) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive whole number`);
  }
  let dataDir: string | undefined;
  let service: Service | undefined;
  let base = values.url?.replace(/\/+$/, '');
  if (!base) {
    dataDir = mkdtempSync(join(tmpdir(), 'aspirasi-burst-'));
    ({ service, base } = await startBurstService(dataDir));
  }
  try {
    const result = await runBurst(base, options);
    for (const failure of result.failures.slice(0, 10)) console.error(failure);
    if (result.unacknowledged.length > 0) console.error(`no acknowledgement for ${result.unacknowledged.length} residents, e.g. ${result.unacknowledged.slice(0, 5).join(', ')}`);
    console.log(JSON.stringify(result.report));
    process.exitCode = result.report.errors === 0 ? 0 : 1;
  } finally {
    await service?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
