// Shared test fixtures: a core on a fresh SQLite file with the demo profile and a controllable clock.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { parseDocument } from 'yaml';
import { DEMO_PROFILE_PATH, loadProfile, parseProfile, type VillageProfile } from '../config/profile.ts';
import type { Classifier } from '../core/classifier/types.ts';
import { createCoreContext, type CoreContext } from '../core/context.ts';
import { ingest } from '../core/intake.ts';
import type { Attachment, InboundMessage, IntakeResult } from '../core/types.ts';
import { openStore } from '../storage/db.ts';
import { outbox } from '../storage/schema.ts';
import { asc, eq } from 'drizzle-orm';

export const silentLogger = pino({ level: 'silent' });

export function tempDir(prefix = 'aspirasi-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestCore {
  ctx: CoreContext;
  clock: { now: number; advance(ms: number): void };
  /** Sends a message as `user` through the web channel; `id` defaults to a fresh one. */
  send(
    user: string,
    text: string,
    options?: { id?: string; chat?: string; replyTo?: string; attachments?: Attachment[]; name?: string },
  ): IntakeResult;
  /** Texts queued in the outbox for a chat, oldest first. */
  queued(chatId: string): string[];
  /** Outbox rows for a chat (all columns). */
  rows(chatId: string): Array<typeof outbox.$inferSelect>;
  close(): void;
}

let messageCounter = 0;

/** A private web-channel message from `user`, as the simulator would pass it to core. */
export function webMessage(user: string, text: string, id: string, receivedAt = new Date()): InboundMessage {
  return { channel: 'web', externalId: id, sender: { id: user }, chat: { id: user, isGroup: false }, text, attachments: [], receivedAt };
}

export function createTestCore(
  options: { profile?: VillageProfile; classifier?: Classifier; start?: number } = {},
): TestCore {
  const { dir, cleanup } = tempDir();
  const store = openStore(join(dir, 'test.sqlite'), { synchronous: 'NORMAL' });
  const clock = {
    now: options.start ?? Date.UTC(2026, 10, 2, 2, 0, 0),
    advance(ms: number) {
      this.now += ms;
    },
  };
  const ctx = createCoreContext({
    store,
    profile: options.profile ?? loadProfile(),
    logger: silentLogger,
    classifier: options.classifier,
    now: () => clock.now,
  });
  const rows = (chatId: string) =>
    store.db.select().from(outbox).where(eq(outbox.chatId, chatId)).orderBy(asc(outbox.id)).all();
  return {
    ctx,
    clock,
    send(user, text, opts = {}) {
      messageCounter += 1;
      const message: InboundMessage = {
        channel: 'web',
        externalId: opts.id ?? `test-${messageCounter}`,
        sender: { id: user, ...(opts.name ? { displayName: opts.name } : {}) },
        chat: opts.chat ? { id: opts.chat, isGroup: true } : { id: user, isGroup: false },
        text,
        attachments: opts.attachments ?? [],
        ...(opts.replyTo ? { replyTo: opts.replyTo } : {}),
        receivedAt: new Date(clock.now),
      };
      return ingest(ctx, message);
    },
    queued: (chatId) => rows(chatId).map((row) => row.text),
    rows,
    close() {
      store.close();
      cleanup();
    },
  };
}

/** The demo profile with changes applied to its raw YAML object. */
export function demoProfileWith(change: (raw: Record<string, unknown>) => void): VillageProfile {
  const base = loadProfile();
  const raw = JSON.parse(JSON.stringify({ ...base, source: undefined })) as Record<string, unknown>;
  delete raw.source;
  change(raw);
  return parseProfile(raw, 'test-profile.yaml');
}

let daytimeProfile: string | undefined;

/**
 * A file holding the demo village profile without quiet hours (ASPIRASI_CONFIG), for tests that run
 * the whole service or its scripts on the real clock: from 21:00 to 06:00 village time officers'
 * notifications wait for the morning, and a test waiting for them would time out in the evening.
 */
export function daytimeProfilePath(): string {
  if (!daytimeProfile) {
    const doc = parseDocument(readFileSync(DEMO_PROFILE_PATH, 'utf8'));
    doc.setIn(['reminders', 'quiet_hours'], null);
    const text = doc.toString();
    // One file per content, shared by the test workers and left for the next run: an exit handler
    // does not run when vitest ends a worker, and each run left a directory behind.
    const path = join(tmpdir(), `aspirasi-daytime-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.yaml`);
    if (!existsSync(path)) {
      const partial = `${path}.${process.pid}.${randomUUID()}`;
      writeFileSync(partial, text);
      renameSync(partial, path);
    }
    daytimeProfile = path;
  }
  return daytimeProfile;
}

/** Polls until `check` returns a value (not undefined), or fails naming what it waited for. */
export async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
