import { afterEach, describe, expect, it, vi } from 'vitest';
import { NetworkError, RemoteApiError } from '../../core/errors.ts';
import { queueMessage } from '../../core/notify.ts';
import { backoffDelay, OutboxWorker, type OutboxOptions } from '../../core/outbox.ts';
import type { ChannelAdapter, ChannelHealth, OutboundMessage, SendResult } from '../../core/types.ts';
import {
  claimOutboxRow,
  findContact,
  getOutboxRow,
  listOutboundToChat,
  requeueInterruptedOutbox,
} from '../../storage/repositories/index.ts';
import { createTestCore, type TestCore } from '../helpers.ts';

const OPTIONS: Partial<OutboxOptions> = { baseDelayMs: 1000, maxDelayMs: 8000, maxAttempts: 4 };
const LAMP = 'Lampu jalan di depan masjid Dusun Krajan mati sudah seminggu';

type Outcome = 'ok' | Error;

/** A channel whose sends are scripted: per chat, a queue of outcomes; anything unscripted succeeds. */
class FakeAdapter implements ChannelAdapter {
  readonly calls: OutboundMessage[] = [];
  readonly delivered: Array<OutboundMessage & { platformMessageId: string }> = [];
  private readonly scripts = new Map<string, Outcome[]>();
  private counter = 0;
  sendsPerSecond?: number;

  constructor(readonly name = 'web') {}

  /** The next sends to `chatId` have these outcomes, in order. */
  script(chatId: string, ...outcomes: Outcome[]): this {
    this.scripts.set(chatId, [...(this.scripts.get(chatId) ?? []), ...outcomes]);
    return this;
  }

  /** Every send to `chatId` fails with this error from now on. */
  alwaysFail(chatId: string, error: Error): this {
    this.scripts.set(chatId, Array.from({ length: 100 }, () => error));
    return this;
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  send(message: OutboundMessage): Promise<SendResult> {
    this.calls.push(message);
    const outcome = this.scripts.get(message.chatId)?.shift() ?? 'ok';
    if (outcome instanceof Error) return Promise.reject(outcome);
    this.counter += 1;
    const platformMessageId = `${this.name}-msg-${this.counter}`;
    this.delivered.push({ ...message, platformMessageId });
    return Promise.resolve({ platformMessageId });
  }

  state: ChannelHealth = { state: 'connected' };

  health(): ChannelHealth {
    return this.state;
  }

  textsTo(chatId: string): string[] {
    return this.calls.filter((call) => call.chatId === chatId).map((call) => call.text);
  }
}

let core: TestCore;
let worker: OutboxWorker | undefined;
const cores: TestCore[] = [];

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  vi.useRealTimers();
  for (const opened of cores.splice(0)) opened.close();
});

/** A fresh core on a temp SQLite file, closed after the test. */
function newCore(): TestCore {
  core = createTestCore();
  cores.push(core);
  return core;
}

function setup(options: Partial<OutboxOptions> = OPTIONS): { fake: FakeAdapter; worker: OutboxWorker } {
  newCore();
  const fake = new FakeAdapter();
  worker = new OutboxWorker(core.ctx, new Map([['web', fake]]), options);
  return { fake, worker };
}

/** Queues a message to a chat directly, as core does inside a transaction. */
function enqueue(chatId: string, text: string, extra: { channel?: string; contactId?: number } = {}): number {
  return queueMessage(core.ctx, {
    channel: extra.channel ?? 'web',
    chatId,
    text,
    purpose: 'test',
    ...(extra.contactId !== undefined ? { contactId: extra.contactId } : {}),
  });
}

function row(id: number) {
  const found = getOutboxRow(core.ctx.store.db, id);
  if (!found) throw new Error(`outbox row ${id} not found`);
  return found;
}

const serverError = () => new RemoteApiError('Internal Server Error', 500);
const tooManyRequests = () => new RemoteApiError('Too Many Requests', 429, { retryAfterMs: 30_000 });
const blocked = () => new RemoteApiError('Forbidden: bot was blocked by the user', 403, { recipientUnreachable: true });

describe('a disconnected channel', () => {
  it('keeps its rows waiting without spending attempts, and sends them once it is back', async () => {
    const { fake, worker } = setup();
    fake.state = { state: 'disconnected', detail: 'logout dari WhatsApp' };
    const id = enqueue('warga1', 'Laporan Anda diterima');
    for (let pass = 0; pass < 10; pass += 1) {
      await worker.runOnce();
      core.clock.advance(61_000);
    }
    expect(fake.calls).toHaveLength(0);
    expect(row(id)).toMatchObject({ state: 'pending', attempts: 0 });
    expect(row(id).lastError).toContain('logout dari WhatsApp');
    fake.state = { state: 'connected' };
    await worker.runOnce();
    expect(fake.textsTo('warga1')).toEqual(['Laporan Anda diterima']);
    expect(row(id).state).toBe('sent');
  });
});

describe('backoffDelay', () => {
  it('doubles from the base delay and stops at the cap', () => {
    const options = { baseDelayMs: 1000, maxDelayMs: 8000 };
    expect([1, 2, 3, 4, 5, 6, 20].map((n) => backoffDelay(n, options))).toEqual([1000, 2000, 4000, 8000, 8000, 8000, 8000]);
  });

  it('treats zero or negative attempts like the first', () => {
    expect(backoffDelay(0, { baseDelayMs: 500, maxDelayMs: 10_000 })).toBe(500);
    expect(backoffDelay(-3, { baseDelayMs: 500, maxDelayMs: 10_000 })).toBe(500);
  });

  it('never overflows to Infinity or NaN after very many attempts', () => {
    expect(backoffDelay(5000, { baseDelayMs: 2000, maxDelayMs: 600_000 })).toBe(600_000);
  });
});

describe('sending', () => {
  it('sends a row once and never again on later passes', async () => {
    const { fake, worker } = setup();
    const id = enqueue('warga1', 'halo');
    expect(await worker.runOnce()).toBe(1);
    for (let i = 0; i < 3; i += 1) {
      core.clock.advance(60 * 60_000);
      expect(await worker.runOnce()).toBe(0);
    }
    expect(fake.calls).toHaveLength(1);
    expect(row(id)).toMatchObject({ state: 'sent', attempts: 1, platformMessageId: 'web-msg-1', lastError: null });
  });

  it('records the outbound message with the platform id, so the simulator and replies can find it', async () => {
    const { fake, worker } = setup();
    const result = core.send('warga1', LAMP, { id: 'in-1' });
    await worker.runOnce();
    const ack = fake.delivered.find((message) => message.chatId === 'warga1');
    expect(ack?.replyTo).toBe('in-1');
    const stored = listOutboundToChat(core.ctx.store.db, 'web', 'warga1');
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      direction: 'out',
      externalId: ack?.platformMessageId,
      text: ack?.text,
      purpose: 'ack',
      replyToExternalId: 'in-1',
      at: core.clock.now,
    });
    expect(stored[0]?.text).toContain(result.ticketCode);
    expect(stored[0]?.ticketId).not.toBeNull();
    const ackRow = core.rows('warga1')[0];
    expect(ackRow).toMatchObject({ state: 'sent', platformMessageId: ack?.platformMessageId, sentAt: core.clock.now });
  });

  it('sends every chat its rows in the order they were queued', async () => {
    const { fake, worker } = setup();
    enqueue('a', 'a1');
    enqueue('b', 'b1');
    enqueue('a', 'a2');
    enqueue('a', 'a3');
    await worker.runOnce();
    expect(fake.textsTo('a')).toEqual(['a1', 'a2', 'a3']);
    expect(fake.textsTo('b')).toEqual(['b1']);
  });

  it('does not send a row before it is due', async () => {
    const { fake, worker } = setup();
    const id = enqueue('warga1', 'later');
    core.ctx.store.sqlite.prepare('update outbox set next_attempt_at = ? where id = ?').run(core.clock.now + 5000, id);
    expect(await worker.runOnce()).toBe(0);
    core.clock.advance(4999);
    expect(await worker.runOnce()).toBe(0);
    core.clock.advance(1);
    expect(await worker.runOnce()).toBe(1);
    expect(fake.calls).toHaveLength(1);
  });
});

describe('transient failures', () => {
  it('retries with capped exponential backoff (1 s, 2 s, 4 s, 8 s, 8 s) and not before each retry is due', async () => {
    const { fake, worker } = setup({ baseDelayMs: 1000, maxDelayMs: 8000, maxAttempts: 10 });
    const id = enqueue('warga1', 'halo');
    fake.script('warga1', serverError(), new NetworkError('ECONNRESET'), serverError(), new NetworkError('socket hang up'), serverError());

    const deltas: number[] = [];
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      const before = core.clock.now;
      expect(await worker.runOnce()).toBe(0);
      const current = row(id);
      expect(current.state).toBe('pending');
      expect(current.attempts).toBe(attempt);
      deltas.push(current.nextAttemptAt - before);
      // Not a moment early.
      core.clock.advance(current.nextAttemptAt - before - 1);
      await worker.runOnce();
      expect(fake.calls).toHaveLength(attempt);
      core.clock.advance(1);
    }
    expect(deltas).toEqual([1000, 2000, 4000, 8000, 8000]);
    expect(row(id).lastError).toMatch(/500|network/);

    expect(await worker.runOnce()).toBe(1);
    expect(fake.calls).toHaveLength(6);
    expect(row(id)).toMatchObject({ state: 'sent', attempts: 6, lastError: null });
  });

  it('keeps the reason of the last failure on a waiting row', async () => {
    const { fake, worker } = setup();
    const id = enqueue('warga1', 'halo');
    fake.script('warga1', new NetworkError('connect ETIMEDOUT'));
    await worker.runOnce();
    expect(row(id)).toMatchObject({ state: 'pending', lastError: 'network: connect ETIMEDOUT' });
  });

  it('retries errors of unknown kind too', async () => {
    const { fake, worker } = setup();
    const id = enqueue('warga1', 'halo');
    fake.script('warga1', new TypeError('fetch failed'));
    await worker.runOnce();
    expect(row(id).state).toBe('pending');
    core.clock.advance(1000);
    await worker.runOnce();
    expect(row(id).state).toBe('sent');
  });

  it('a failing chat does not hold back other chats', async () => {
    const { fake, worker } = setup();
    fake.alwaysFail('broken', serverError());
    enqueue('broken', 'x');
    enqueue('warga2', 'y');
    enqueue('warga3', 'z');
    expect(await worker.runOnce()).toBe(2);
    expect(fake.delivered.map((message) => message.chatId)).toEqual(['warga2', 'warga3']);
  });

  it('gives up after maxAttempts and marks the row failed with the reason', async () => {
    const { fake, worker } = setup();
    const id = enqueue('warga1', 'halo');
    fake.alwaysFail('warga1', serverError());
    for (let i = 0; i < 10; i += 1) {
      await worker.runOnce();
      core.clock.advance(60_000);
    }
    expect(fake.calls).toHaveLength(4);
    const failed = row(id);
    expect(failed.state).toBe('failed');
    expect(failed.attempts).toBe(4);
    expect(failed.lastError).toMatch(/gave up after 4 attempts/);
    expect(failed.lastError).toContain('500');
    // A transient failure does not mean the resident blocked us.
    expect(findContact(core.ctx.store.db, 'web', 'warga1')).toBeUndefined();
  });
});

describe('retry-after', () => {
  it('pauses the whole channel for the time the platform asked, even for other chats', async () => {
    const { fake, worker } = setup();
    const first = enqueue('warga1', 'one');
    const second = enqueue('warga2', 'two');
    fake.script('warga1', tooManyRequests());

    expect(await worker.runOnce()).toBe(0);
    expect(fake.calls.map((call) => call.chatId)).toEqual(['warga1']);
    expect(row(first)).toMatchObject({ state: 'pending', nextAttemptAt: core.clock.now + 30_000 });
    expect(row(first).lastError).toContain('429');

    core.clock.advance(10_000);
    expect(await worker.runOnce()).toBe(0);
    core.clock.advance(19_999);
    expect(await worker.runOnce()).toBe(0);
    expect(fake.calls).toHaveLength(1);
    expect(row(second).state).toBe('pending');

    core.clock.advance(1);
    expect(await worker.runOnce()).toBe(2);
    expect(fake.calls.map((call) => call.chatId)).toEqual(['warga1', 'warga1', 'warga2']);
    expect(row(first).state).toBe('sent');
    expect(row(second).state).toBe('sent');
  });

  it('does not pause other channels', async () => {
    newCore();
    const web = new FakeAdapter('web');
    const telegram = new FakeAdapter('telegram');
    worker = new OutboxWorker(core.ctx, new Map<string, ChannelAdapter>([['web', web], ['telegram', telegram]]), OPTIONS);
    web.script('warga1', tooManyRequests());
    enqueue('warga1', 'web one');
    enqueue('warga2', 'web two');
    enqueue('123', 'telegram one', { channel: 'telegram' });
    enqueue('456', 'telegram two', { channel: 'telegram' });
    expect(await worker.runOnce()).toBe(2);
    expect(telegram.delivered.map((message) => message.text)).toEqual(['telegram one', 'telegram two']);
    expect(web.delivered).toHaveLength(0);
  });

  it('a retry-after shorter than the backoff still waits for the backoff', async () => {
    const { fake, worker } = setup();
    const id = enqueue('warga1', 'one');
    fake.script('warga1', new RemoteApiError('Too Many Requests', 429, { retryAfterMs: 10 }));
    await worker.runOnce();
    expect(row(id).nextAttemptAt).toBe(core.clock.now + 1000);
  });

  it('spaces sends by the adapter\'s sendsPerSecond', async () => {
    const { fake, worker } = setup();
    fake.sendsPerSecond = 2;
    enqueue('a', '1');
    enqueue('b', '2');
    enqueue('c', '3');
    expect(await worker.runOnce()).toBe(1);
    expect(await worker.runOnce()).toBe(0);
    core.clock.advance(500);
    expect(await worker.runOnce()).toBe(1);
    core.clock.advance(500);
    expect(await worker.runOnce()).toBe(1);
    expect(fake.calls.map((call) => call.text)).toEqual(['1', '2', '3']);
  });
});

describe('permanent failures', () => {
  it('a resident who blocked the bot: row failed with the reason, contact unreachable, others still served', async () => {
    const { fake, worker } = setup();
    core.send('warga1', LAMP);
    const other = enqueue('warga2', 'for warga2');
    fake.alwaysFail('warga1', blocked());

    await worker.runOnce();
    const [ack] = core.rows('warga1');
    expect(ack).toMatchObject({ state: 'failed', attempts: 1 });
    expect(ack?.lastError).toContain('403');
    expect(ack?.lastError).toContain('blocked');
    const contact = findContact(core.ctx.store.db, 'web', 'warga1');
    expect(contact?.reachable).toBe(false);
    expect(contact?.unreachableReason).toContain('blocked');

    // The officers' notifications about the ticket and other residents' messages still went out.
    expect(row(other).state).toBe('sent');
    expect(fake.delivered.some((message) => message.chatId === 'kaur_umum')).toBe(true);

    core.clock.advance(24 * 60 * 60_000);
    await worker.runOnce();
    expect(fake.textsTo('warga1')).toHaveLength(1);
  });

  it('a refused message (400) fails at once, is not retried, and the contact stays reachable', async () => {
    const { fake, worker } = setup();
    core.send('warga1', LAMP);
    fake.script('warga1', new RemoteApiError('Bad Request: message is too long', 400));
    await worker.runOnce();
    const [ack] = core.rows('warga1');
    expect(ack).toMatchObject({ state: 'failed', attempts: 1, lastError: '400: Bad Request: message is too long' });
    expect(findContact(core.ctx.store.db, 'web', 'warga1')?.reachable).toBe(true);
    core.clock.advance(60 * 60_000);
    await worker.runOnce();
    expect(fake.textsTo('warga1')).toHaveLength(1);
  });

  it('a failed row does not block later rows to the same chat', async () => {
    const { fake, worker } = setup();
    const first = enqueue('warga1', 'first');
    const second = enqueue('warga1', 'second');
    fake.script('warga1', new RemoteApiError('Bad Request', 400));
    await worker.runOnce();
    // The second row waits behind the first within the pass, then goes out on the next one.
    await worker.runOnce();
    expect(row(first).state).toBe('failed');
    expect(row(second).state).toBe('sent');
    expect(fake.textsTo('warga1')).toEqual(['first', 'second']);
  });
});

describe('order per chat', () => {
  it('a later row is not sent before an earlier one of the same chat that failed', async () => {
    const { fake, worker } = setup();
    const first = enqueue('warga1', 'first');
    const second = enqueue('warga1', 'second');
    const elsewhere = enqueue('warga2', 'elsewhere');
    fake.script('warga1', serverError());

    await worker.runOnce();
    expect(fake.textsTo('warga1')).toEqual(['first']);
    expect(row(second).state).toBe('pending');
    expect(row(elsewhere).state).toBe('sent');

    // Before the first row is due again, the second one is still held back.
    core.clock.advance(500);
    expect(await worker.runOnce()).toBe(0);
    expect(fake.textsTo('warga1')).toEqual(['first']);

    core.clock.advance(500);
    expect(await worker.runOnce()).toBe(2);
    expect(fake.textsTo('warga1')).toEqual(['first', 'first', 'second']);
    expect(row(first).sentAt).toBeLessThanOrEqual(row(second).sentAt ?? 0);
  });

  it('a row being sent (claimed) holds back later rows of its chat', async () => {
    const { fake, worker } = setup();
    const first = enqueue('warga1', 'first');
    enqueue('warga1', 'second');
    expect(claimOutboxRow(core.ctx.store.db, first)).toBe(true);
    expect(await worker.runOnce()).toBe(0);
    expect(fake.calls).toHaveLength(0);
  });
});

describe('restarts', () => {
  it('a row left in `sending` by a crash is sent again exactly once after start()', async () => {
    newCore();
    const id = enqueue('warga1', 'in flight');
    enqueue('warga1', 'queued after it');
    // The previous process claimed the row and died before recording the result.
    expect(core.ctx.store.transaction(() => claimOutboxRow(core.ctx.store.db, id))).toBe(true);

    const fake = new FakeAdapter();
    worker = new OutboxWorker(core.ctx, new Map([['web', fake]]), OPTIONS);
    expect(await worker.runOnce()).toBe(0);
    expect(fake.calls).toHaveLength(0);

    worker.start();
    await vi.waitFor(() => expect(fake.calls).toHaveLength(2), { timeout: 5000 });
    await worker.stop();
    expect(fake.textsTo('warga1')).toEqual(['in flight', 'queued after it']);
    expect(row(id)).toMatchObject({ state: 'sent', attempts: 2 });

    core.clock.advance(60 * 60_000);
    expect(await worker.runOnce()).toBe(0);
    expect(fake.calls).toHaveLength(2);
  });

  it('requeueInterruptedOutbox makes interrupted rows due now, and only those', async () => {
    const { fake, worker } = setup();
    const inFlight = enqueue('warga1', 'in flight');
    const done = enqueue('warga2', 'done');
    await worker.runOnce();
    expect(row(done).state).toBe('sent');
    core.ctx.store.sqlite.prepare("update outbox set state = 'sending' where id = ?").run(inFlight);
    core.clock.advance(1000);

    expect(requeueInterruptedOutbox(core.ctx.store.db, core.clock.now)).toBe(1);
    expect(row(inFlight)).toMatchObject({ state: 'pending', nextAttemptAt: core.clock.now });
    await worker.runOnce();
    await worker.runOnce();
    expect(fake.textsTo('warga1')).toEqual(['in flight', 'in flight']);
    expect(fake.textsTo('warga2')).toEqual(['done']);
  });
});

describe('channels without an adapter', () => {
  it('leaves their rows pending (not failed) and serves the other channels', async () => {
    const { fake, worker } = setup();
    const telegram = enqueue('12345', 'to telegram', { channel: 'telegram' });
    const web = enqueue('warga1', 'to web');
    expect(await worker.runOnce()).toBe(1);
    expect(row(web).state).toBe('sent');
    const waiting = row(telegram);
    expect(waiting.state).toBe('pending');
    expect(waiting.attempts).toBe(0);
    expect(waiting.lastError).toContain('telegram');
    expect(waiting.nextAttemptAt).toBeGreaterThan(core.clock.now);
    expect(fake.calls.map((call) => call.text)).toEqual(['to web']);

    // Much later, with the channel still missing, the row is still waiting rather than given up.
    for (let i = 0; i < 20; i += 1) {
      core.clock.advance(10 * 60_000);
      await worker.runOnce();
    }
    expect(row(telegram)).toMatchObject({ state: 'pending', attempts: 0 });
  });

  it('sends the waiting rows once the channel is running', async () => {
    newCore();
    const id = enqueue('12345', 'to telegram', { channel: 'telegram' });
    const without = new OutboxWorker(core.ctx, new Map<string, ChannelAdapter>(), OPTIONS);
    await without.runOnce();
    expect(row(id).state).toBe('pending');

    const telegram = new FakeAdapter('telegram');
    worker = new OutboxWorker(core.ctx, new Map([['telegram', telegram]]), OPTIONS);
    core.clock.advance(60_000);
    await worker.runOnce();
    expect(row(id).state).toBe('sent');
    expect(telegram.textsTo('12345')).toEqual(['to telegram']);
  });
});

describe('the background loop (start/stop)', () => {
  it('sends what is queued after wake() and stops cleanly', async () => {
    const { fake, worker } = setup();
    worker.start();
    enqueue('warga1', 'hello');
    worker.wake();
    await vi.waitFor(() => expect(fake.calls).toHaveLength(1), { timeout: 5000 });
    await worker.stop();
    enqueue('warga1', 'after stop');
    worker.wake();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.calls).toHaveLength(1);
  });
});

describe('the background loop sleeps while nothing can go out', () => {
  /** Advances the worker's clock and the timers together, as real time would. */
  async function elapse(ms: number): Promise<void> {
    core.clock.advance(ms);
    await vi.advanceTimersByTimeAsync(ms);
  }

  it('while the channel waits out a retry-after, it neither polls nor sends, then sends when the time has passed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { fake, worker } = setup({ ...OPTIONS, pollMs: 60_000 });
    const passes = vi.spyOn(worker, 'runOnce');
    fake.script('warga1', tooManyRequests());
    enqueue('warga1', 'one');
    enqueue('warga2', 'two');
    worker.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.calls).toHaveLength(1);

    await elapse(29_000);
    // One pass to send, maybe one more, but not one every few milliseconds.
    expect(passes.mock.calls.length).toBeLessThanOrEqual(3);
    expect(fake.calls).toHaveLength(1);

    await elapse(1_000);
    await vi.advanceTimersByTimeAsync(10);
    expect(fake.delivered.map((message) => message.text)).toEqual(['one', 'two']);
    await worker.stop();
  });

  it('while a chat waits for the retry of its first row, it sleeps until the retry is due', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { fake, worker } = setup({ ...OPTIONS, baseDelayMs: 20_000, maxDelayMs: 60_000, pollMs: 60_000 });
    const passes = vi.spyOn(worker, 'runOnce');
    fake.script('warga1', serverError());
    enqueue('warga1', 'first');
    enqueue('warga1', 'second');
    worker.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.calls).toHaveLength(1);

    await elapse(19_000);
    expect(passes.mock.calls.length).toBeLessThanOrEqual(3);
    expect(fake.calls).toHaveLength(1);

    await elapse(1_000);
    await vi.advanceTimersByTimeAsync(10);
    expect(fake.textsTo('warga1')).toEqual(['first', 'first', 'second']);
    await worker.stop();
  });
});
