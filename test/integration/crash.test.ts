// Acceptance test of the reliability rules (DESIGN.md): the real service as a child process, killed
// with SIGKILL in the middle of a burst of 500 messages, restarted on the same data directory, and
// fed the same messages again as a platform redelivers unconfirmed updates. Nothing confirmed may be
// lost, redelivery may create no duplicate ticket, every ticket is acknowledged, and no reply goes
// out more than twice.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const USERS = 50;
const PER_USER = 10;
const TOTAL = USERS * PER_USER;
const CONCURRENCY = 20;
/**
 * One entry per kill/restart cycle: the service is SIGKILLed `delayMs` after `responses` requests
 * were answered with 2xx (a delay lets the kill land while the service is busy, not just after it
 * answered).
 */
const KILLS = [
  { responses: 200, delayMs: 0 },
  { responses: 350, delayMs: 8 },
];

const TEMPLATES = [
  'Jalan di gang dekat rumah saya berlubang besar, motor sering jatuh',
  'Lampu jalan di depan mushola mati sudah dua minggu, gelap sekali',
  'Air PAMSIMAS tidak mengalir sejak kemarin pagi',
  'Sampah menumpuk di pinggir sungai dan baunya menyengat',
  'Mohon info pendaftaran bantuan BLT Dana Desa untuk lansia',
];

interface Burst {
  id: string;
  user: string;
  text: string;
}

/** Each resident writes 10 messages in a row, so new tickets are opened all through the burst. */
const BURST: Burst[] = Array.from({ length: TOTAL }, (_, i) => {
  const user = `warga-${Math.floor(i / PER_USER)}`;
  const template = TEMPLATES[(i * 7) % TEMPLATES.length] ?? '';
  return { id: `burst-${i}`, user, text: `${template} (pesan ke-${i} dari ${user})` };
});

interface Running {
  child: ChildProcess;
  port: number;
  base: string;
  output: string[];
  exited: Promise<number | null>;
}

const data = tempDir('aspirasi-crash-');
const children = new Set<ChildProcess>();

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  data.cleanup();
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startChild(): Promise<Running> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: data.dir,
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      SIMULATOR_ENABLED: 'true',
      ASPIRASI_CONFIG: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString('utf8'));
    if (output.length > 200) output.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const running: Running = { child, port, base: `http://127.0.0.1:${port}`, output, exited };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`service exited during start (${child.exitCode ?? child.signalCode}):\n${output.join('')}`);
    }
    try {
      const response = await fetch(`${running.base}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return running;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`service did not become healthy:\n${output.join('')}`);
    await sleep(50);
  }
}

async function stopGracefully(running: Running): Promise<void> {
  running.child.kill('SIGTERM');
  const code = await Promise.race([running.exited, sleep(10_000).then(() => 'timeout' as const)]);
  if (code === 'timeout') {
    running.child.kill('SIGKILL');
    throw new Error('service did not stop on SIGTERM within 10 s');
  }
  expect(code).toBe(0);
}

/**
 * Posts every message, CONCURRENCY at a time. With `kill`, SIGKILLs the service once that many
 * requests were answered with 2xx (after the delay) and stops sending. Returns the ids answered with 2xx.
 */
async function burst(
  running: Running,
  messages: Burst[],
  kill?: { responses: number; delayMs: number },
): Promise<{ confirmed: Set<string>; failed: number }> {
  const confirmed = new Set<string>();
  let failed = 0;
  let next = 0;
  let killed = false;
  const worker = async () => {
    while (!killed && next < messages.length) {
      const message = messages[next];
      next += 1;
      if (!message) break;
      try {
        const response = await fetch(`${running.base}/simulator/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(message),
          signal: AbortSignal.timeout(10_000),
        });
        await response.arrayBuffer();
        if (response.status >= 200 && response.status < 300) confirmed.add(message.id);
        else failed += 1;
      } catch {
        failed += 1;
      }
      if (kill && !killed && confirmed.size >= kill.responses) {
        killed = true;
        setTimeout(() => running.child.kill('SIGKILL'), kill.delayMs);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  if (kill) {
    running.child.kill('SIGKILL');
    await running.exited;
  }
  return { confirmed, failed };
}

async function health(running: Running): Promise<{ status: string; outbox: Record<string, number> }> {
  const response = await fetch(`${running.base}/healthz`, { signal: AbortSignal.timeout(5000) });
  return (await response.json()) as { status: string; outbox: Record<string, number> };
}

async function waitDrained(running: Running, timeoutMs = 20_000): Promise<Record<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { outbox } = await health(running);
    if ((outbox.pending ?? 0) === 0 && (outbox.sending ?? 0) === 0) return outbox;
    if (Date.now() > deadline) throw new Error(`outbox not drained: ${JSON.stringify(outbox)}`);
    await sleep(100);
  }
}

function openDb(): Database.Database {
  return new Database(join(data.dir, 'aspirasi.sqlite'), { readonly: true, fileMustExist: true });
}

function storedInboundIds(db: Database.Database): Set<string> {
  const rows = db.prepare("select external_id from messages where channel = 'web' and direction = 'in'").all() as Array<{
    external_id: string;
  }>;
  return new Set(rows.map((row) => row.external_id));
}

describe('crash safety: SIGKILL in the middle of a burst of 500 messages', () => {
  const everConfirmed = new Set<string>();
  const log: string[] = [];

  it(
    'loses nothing confirmed, creates no duplicate ticket, acknowledges every ticket at most twice',
    async () => {
      // Kill/restart cycles: the first burst is cut short, then each restart redelivers everything.
      let running = await startChild();
      for (const [cycle, kill] of KILLS.entries()) {
        const { confirmed, failed } = await burst(running, BURST, kill);
        for (const id of confirmed) everConfirmed.add(id);
        log.push(`cycle ${cycle + 1}: ${confirmed.size} confirmed, ${failed} failed, then SIGKILL`);
        expect(confirmed.size).toBeGreaterThanOrEqual(kill.responses);
        expect(confirmed.size).toBeLessThan(TOTAL);

        running = await startChild();
        // Everything confirmed before any kill is still there after the restart.
        const db = openDb();
        try {
          const stored = storedInboundIds(db);
          const lost = [...everConfirmed].filter((id) => !stored.has(id));
          expect(lost, 'confirmed messages lost in the crash').toEqual([]);
          log.push(`after restart ${cycle + 1}: ${stored.size} stored (${stored.size - everConfirmed.size} never confirmed)`);
        } finally {
          db.close();
        }
      }

      // The last restart: the platform redelivers all 500; now every one is confirmed.
      const final = await burst(running, BURST);
      log.push(`final: ${final.confirmed.size} confirmed, ${final.failed} failed`);
      expect(final.failed).toBe(0);
      expect(final.confirmed.size).toBe(TOTAL);
      const outboxStates = await waitDrained(running);
      expect(outboxStates.failed ?? 0).toBe(0);

      // What each resident sees in the simulator.
      const seen = new Map<string, string[]>();
      for (let u = 0; u < USERS; u += 1) {
        const user = `warga-${u}`;
        const response = await fetch(`${running.base}/simulator/messages?user=${user}`, { signal: AbortSignal.timeout(5000) });
        expect(response.status).toBe(200);
        const list = (await response.json()) as Array<{ text: string; at: string }>;
        seen.set(user, list.map((message) => message.text));
      }
      await stopGracefully(running);
      const requeued = running.output.join('').match(/interrupted by a restart/g)?.length ?? 0;
      log.push(`outbox: ${JSON.stringify(outboxStates)}${requeued ? ', rows requeued at the last restart' : ''}`);

      const db = openDb();
      try {
        // Every message is stored once, and nothing confirmed was lost.
        const stored = storedInboundIds(db);
        expect([...everConfirmed].filter((id) => !stored.has(id))).toEqual([]);
        expect(stored.size).toBe(TOTAL);
        const inbound = db
          .prepare(
            `select m.external_id, m.text, m.ticket_id, m.contact_id, c.external_id as user
             from messages m join contacts c on c.id = m.contact_id
             where m.channel = 'web' and m.direction = 'in'`,
          )
          .all() as Array<{ external_id: string; text: string; ticket_id: number | null; contact_id: number; user: string }>;
        expect(inbound).toHaveLength(TOTAL);

        const tickets = db.prepare('select id, code, contact_id, summary from tickets').all() as Array<{
          id: number;
          code: string;
          contact_id: number;
          summary: string;
        }>;
        // No duplicate tickets: every resident wrote within the threading window, so one ticket each...
        const perContact = new Map<number, number>();
        for (const ticket of tickets) perContact.set(ticket.contact_id, (perContact.get(ticket.contact_id) ?? 0) + 1);
        expect([...perContact.values()].filter((n) => n > 1), 'residents with more than one ticket').toEqual([]);
        expect(tickets).toHaveLength(USERS);
        // ...each opened by a distinct message, which is linked to that ticket...
        const byText = new Map(inbound.map((message) => [message.text, message]));
        const creators = new Set<string>();
        for (const ticket of tickets) {
          const creator = byText.get(ticket.summary);
          expect(creator, `message that opened ${ticket.code}`).toBeDefined();
          expect(creator?.ticket_id).toBe(ticket.id);
          expect(creator?.contact_id).toBe(ticket.contact_id);
          creators.add(creator?.external_id ?? '');
        }
        expect(creators.size).toBe(tickets.length);
        // ...and every message belongs to its sender's one ticket.
        const ticketOf = new Map(tickets.map((ticket) => [ticket.contact_id, ticket.id]));
        expect(inbound.filter((message) => message.ticket_id !== ticketOf.get(message.contact_id))).toEqual([]);

        // Each ticket has exactly one acknowledgement row, and it was sent.
        const acks = db
          .prepare("select ticket_id, state, text, chat_id from outbox where purpose = 'ack'")
          .all() as Array<{ ticket_id: number; state: string; text: string; chat_id: string }>;
        expect(acks).toHaveLength(tickets.length);
        for (const ticket of tickets) {
          const rows = acks.filter((ack) => ack.ticket_id === ticket.id);
          expect(rows, `ack rows of ${ticket.code}`).toHaveLength(1);
          expect(rows[0]?.state).toBe('sent');
          expect(rows[0]?.text).toContain(ticket.code);
        }

        // Residents see each acknowledgement once, at most twice if it was in flight at a kill.
        const codeOwner = new Map(tickets.map((ticket) => [ticket.id, ticket]));
        for (const ack of acks) {
          const ticket = codeOwner.get(ack.ticket_id);
          const texts = seen.get(ack.chat_id) ?? [];
          const shown = texts.filter((text) => text === ack.text).length;
          expect(shown, `acknowledgements of ${ticket?.code} seen by ${ack.chat_id}`).toBeGreaterThanOrEqual(1);
          expect(shown, `acknowledgements of ${ticket?.code} seen by ${ack.chat_id}`).toBeLessThanOrEqual(2);
          const mentions = texts.filter((text) => text.startsWith('Terima kasih, laporan Anda') && text.includes(`${ticket?.code}.`));
          expect(mentions.length).toBeLessThanOrEqual(2);
        }

        // No reply at all went out more than once beyond one per row in flight at each kill.
        const sentRows = (db.prepare("select count(*) as n from outbox where state = 'sent'").get() as { n: number }).n;
        const outbound = (db.prepare("select count(*) as n from messages where direction = 'out'").get() as { n: number }).n;
        expect(outbound).toBeGreaterThanOrEqual(sentRows);
        expect(outbound).toBeLessThanOrEqual(sentRows + KILLS.length);
        const states = db.prepare('select state, count(*) as n from outbox group by state').all() as Array<{ state: string; n: number }>;
        expect(states.filter((row) => row.state !== 'sent')).toEqual([]);
      } finally {
        db.close();
        // Shown with the test's output; useful when a run is slow or fails.
        console.info(`crash test: ${log.join('; ')}`);
      }
    },
    120_000,
  );
});
