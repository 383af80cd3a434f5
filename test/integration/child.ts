// The real service as a child process (`scripts/start.ts`), for tests that kill, stop or run tools
// beside it: start on a free port and wait for /healthz, post bursts through the simulator, stop it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { daytimeProfilePath } from '../helpers.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface Running {
  child: ChildProcess;
  port: number;
  base: string;
  output: string[];
  exited: Promise<number | null>;
}

export interface BurstMessage {
  id: string;
  user: string;
  text: string;
}

const children = new Set<ChildProcess>();

/** SIGKILLs every child still running (for afterAll). */
export async function killChildren(): Promise<void> {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  await sleep(100);
}

export function freePort(): Promise<number> {
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

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Spawns `scripts/start.ts` (or another script) with the given environment; does not wait for it. */
export function spawnScript(
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; output: string[]; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', LOG_FORMAT: 'json', ASPIRASI_CONFIG: daytimeProfilePath(), ...env },
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
  return { child, output, exited };
}

/** Runs a command to its end (e.g. `npm run --silent backup`) and returns its exit code and output. */
export function runCommand(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ASPIRASI_CONFIG: daytimeProfilePath(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts the service on `dataDir` and a free port, and waits until /healthz answers. */
export async function startChild(dataDir: string, env: Record<string, string> = {}): Promise<Running> {
  const port = await freePort();
  const { child, output, exited } = spawnScript(['scripts/start.ts'], {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    SIMULATOR_ENABLED: 'true',
    ...env,
  });
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

export async function stopGracefully(running: Running): Promise<void> {
  running.child.kill('SIGTERM');
  const code = await Promise.race([running.exited, sleep(10_000).then(() => 'timeout' as const)]);
  if (code === 'timeout') {
    running.child.kill('SIGKILL');
    throw new Error('service did not stop on SIGTERM within 10 s');
  }
  expect(code).toBe(0);
}

export interface Interrupt {
  /** Send the signal once this many requests were answered with 2xx... */
  responses: number;
  /** ...this long after. */
  delayMs: number;
  /** SIGKILL (default): a crash; SIGTERM: a graceful stop, which the service finishes on its own. */
  signal?: 'SIGKILL' | 'SIGTERM';
}

/**
 * Posts every message, `concurrency` at a time. With `interrupt`, signals the service once that many
 * requests were answered with 2xx (after the delay), stops sending and waits until the service exited.
 * Returns the ids answered with 2xx (and, with `interrupt`, the time from the signal to the exit).
 */
export async function burst(
  running: Running,
  messages: BurstMessage[],
  options: {
    interrupt?: Interrupt | undefined;
    concurrency?: number;
    onConfirmed?: (id: string) => void;
    /** Stop sending once this returns true. */
    until?: () => boolean;
  } = {},
): Promise<{ confirmed: Set<string>; failed: number; stopMs?: number }> {
  const { interrupt, concurrency = 20 } = options;
  let signalledAt = 0;
  const signal = interrupt?.signal ?? 'SIGKILL';
  const confirmed = new Set<string>();
  let failed = 0;
  let next = 0;
  let interrupted = false;
  const worker = async () => {
    while (!interrupted && next < messages.length && !options.until?.()) {
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
        if (response.status >= 200 && response.status < 300) {
          confirmed.add(message.id);
          options.onConfirmed?.(message.id);
        } else {
          failed += 1;
        }
      } catch {
        failed += 1;
      }
      if (interrupt && !interrupted && confirmed.size >= interrupt.responses) {
        interrupted = true;
        setTimeout(() => {
          signalledAt = Date.now();
          running.child.kill(signal);
        }, interrupt.delayMs);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (interrupt) {
    if (signal === 'SIGKILL') running.child.kill('SIGKILL');
    await running.exited;
    // From the signal to the exit of the process.
    return { confirmed, failed, stopMs: Date.now() - signalledAt };
  }
  return { confirmed, failed };
}

export async function health(running: Running): Promise<{ status: string; outbox: Record<string, number> }> {
  const response = await fetch(`${running.base}/healthz`, { signal: AbortSignal.timeout(5000) });
  return (await response.json()) as { status: string; outbox: Record<string, number> };
}

export async function waitDrained(running: Running, timeoutMs = 20_000): Promise<Record<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { outbox } = await health(running);
    if ((outbox.pending ?? 0) === 0 && (outbox.sending ?? 0) === 0) return outbox;
    if (Date.now() > deadline) throw new Error(`outbox not drained: ${JSON.stringify(outbox)}`);
    await sleep(100);
  }
}

/** The service's database in `dataDir` (or another SQLite file), read-only. */
export function openDb(dataDirOrFile: string): Database.Database {
  const file = dataDirOrFile.endsWith('.sqlite') ? dataDirOrFile : join(dataDirOrFile, 'aspirasi.sqlite');
  return new Database(file, { readonly: true, fileMustExist: true });
}

export function storedInboundIds(db: Database.Database): Set<string> {
  const rows = db.prepare("select external_id from messages where channel = 'web' and direction = 'in'").all() as Array<{
    external_id: string;
  }>;
  return new Set(rows.map((row) => row.external_id));
}
