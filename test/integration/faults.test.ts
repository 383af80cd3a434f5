// The fault suite (issue #8): the real outbox worker sends a few hundred queued rows through the real
// Telegram adapter (telegraf, against the HTTP fake of the Bot API) and the real X adapter
// (twitter-api-v2, against msw), while both answer at random with 429 + retry-after, 500, requests
// left hanging until the client times out, and dropped connections — before the message is taken,
// or after (the message is delivered but the answer is lost). Then:
// - every row ends `sent` or `failed` with a reason; none is left pending or sending;
// - each chat received its rows in outbox order;
// - a row was delivered twice only where an answer was lost after the platform took the message,
//   exactly as many extra times as that happened.
// The faults come from a seeded PRNG: the seed is in the test's name, and
// `TEST_SEED=<seed> npx vitest run test/integration/faults.test.ts` replays the same fault sequence.
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadProfile } from '../../config/profile.ts';
import { TelegramAdapter } from '../../bots/telegram/adapter.ts';
import { XAdapter } from '../../bots/x/adapter.ts';
import { dmChatId } from '../../bots/x/inbound.ts';
import { createCoreContext, type CoreContext } from '../../core/context.ts';
import { OutboxWorker } from '../../core/outbox.ts';
import type { ChannelAdapter } from '../../core/types.ts';
import { countOutboxByState, enqueueOutbox } from '../../storage/repositories/index.ts';
import { openStore, type Store } from '../../storage/db.ts';
import { outbox } from '../../storage/schema.ts';
import { startFakeTelegram, type ApiCall, type FakeTelegram, type FaultKind, type PolicyFault } from '../fakes/telegram.ts';
import { silentLogger, tempDir } from '../helpers.ts';
import { randomInt, seededRandom, testSeed } from '../random.ts';

const SEED = testSeed();
const MAX_ATTEMPTS = 6;
const SEND_TIMEOUT_MS = 300;

/** Chats that get random faults, one that blocked the bot, one whose every send fails with 500. */
const TELEGRAM_CHATS = Array.from({ length: 8 }, (_, i) => String(7_000_001 + i));
const TELEGRAM_BLOCKED = '7000100';
const TELEGRAM_BROKEN = '7000200';
const X_USERS = ['9001', '9002', '9003', '9004'];
const TELEGRAM_ROWS_PER_CHAT = 35;
const X_ROWS_PER_USER = 25;

type Kind = Exclude<FaultKind, 'fail'> | 'fail_429' | 'fail_500';

const EVERY_KIND: Kind[] = ['fail_429', 'fail_500', 'hang', 'drop', 'drop_after', 'hang_after'];

/**
 * Picks a fault for one call: every kind once among the first calls (so each is exercised whatever
 * the seed), then about 15% of calls fail in some way, at random.
 */
function faultPicker(random: () => number): () => Kind | undefined {
  let call = 0;
  return () => {
    call += 1;
    if (call <= 2 * EVERY_KIND.length) return call % 2 === 1 ? EVERY_KIND[(call - 1) / 2] : undefined;
    const r = random();
    if (r < 0.015) return 'fail_429';
    if (r < 0.065) return 'fail_500';
    if (r < 0.085) return 'hang';
    if (r < 0.11) return 'drop';
    if (r < 0.135) return 'drop_after';
    if (r < 0.15) return 'hang_after';
    return undefined;
  };
}

// ----- the fake X API (msw): DMs only, with faults; it records what it took and what it lost -----

interface XCall {
  to: string;
  text: string;
  fault: Kind | undefined;
}

const x = {
  pick: faultPicker(seededRandom(SEED + 1)),
  calls: [] as XCall[],
  /** DMs X took, in order. */
  delivered: [] as Array<{ to: string; text: string }>,
  nextId: 1,
};

function xHandlers(base: string) {
  return [
    http.post(`${base}/2/dm_conversations/with/:participant/messages`, async ({ request, params }) => {
      const to = String(params.participant);
      const { text } = (await request.json()) as { text: string };
      const fault = x.pick();
      x.calls.push({ to, text, fault });
      switch (fault) {
        case 'fail_429':
          return HttpResponse.json(
            { title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank', status: 429 },
            { status: 429, headers: { 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(Math.ceil(Date.now() / 1000) + 1) } },
          );
        case 'fail_500':
          return HttpResponse.json({ title: 'Internal Server Error', detail: 'Internal Server Error', status: 500 }, { status: 500 });
        case 'hang':
          return delay('infinite');
        case 'drop':
          return HttpResponse.error();
        default:
          break;
      }
      x.delivered.push({ to, text });
      const eventId = String(x.nextId++);
      if (fault === 'drop_after') return HttpResponse.error();
      if (fault === 'hang_after') return delay('infinite');
      return HttpResponse.json({ data: { dm_conversation_id: `100-${to}`, dm_event_id: eventId } }, { status: 201 });
    }),
  ];
}

// The Telegram fake is a real HTTP server on 127.0.0.1: msw lets those requests through.
const server = setupServer(...xHandlers('https://api.x.com'), ...xHandlers('https://api.twitter.com'));

// ----- test subjects: the real adapters, faster than their production rate limits -----

class QuickTelegramAdapter extends TelegramAdapter {
  override readonly sendsPerSecond = 1000;
}

class QuickXAdapter extends XAdapter {
  override readonly sendsPerSecond = 1000;
}

let telegram: FakeTelegram;
let store: Store;
let ctx: CoreContext;
const data = tempDir('aspirasi-faults-');

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'bypass' });
  telegram = await startFakeTelegram();
  store = openStore(join(data.dir, 'faults.sqlite'), { synchronous: 'NORMAL' });
  ctx = createCoreContext({ store, profile: loadProfile(), logger: silentLogger, now: Date.now });
});

afterAll(async () => {
  server.close();
  await telegram.close();
  store.close();
  data.cleanup();
});

/** Queues rows in a shuffled order of chats (each chat's rows keep their own order); returns row id -> text. */
function queueRows(random: () => number): Map<string, { id: number; channel: string; chatId: string }> {
  const pending: Array<{ channel: string; chatId: string; left: number; n: number }> = [
    ...TELEGRAM_CHATS.map((chatId) => ({ channel: 'telegram', chatId, left: TELEGRAM_ROWS_PER_CHAT, n: 0 })),
    { channel: 'telegram', chatId: TELEGRAM_BLOCKED, left: 10, n: 0 },
    { channel: 'telegram', chatId: TELEGRAM_BROKEN, left: 5, n: 0 },
    ...X_USERS.map((user) => ({ channel: 'x', chatId: dmChatId(user), left: X_ROWS_PER_USER, n: 0 })),
  ];
  const byText = new Map<string, { id: number; channel: string; chatId: string }>();
  const now = Date.now();
  while (pending.some((chat) => chat.left > 0)) {
    const open = pending.filter((chat) => chat.left > 0);
    const chat = open[randomInt(random, 0, open.length - 1)];
    if (!chat) break;
    chat.left -= 1;
    chat.n += 1;
    const text = `Pesan uji nomor ${chat.n} untuk ${chat.chatId}: balasan petugas tentang laporan Anda.`;
    const id = enqueueOutbox(store.db, {
      channel: chat.channel,
      chatId: chat.chatId,
      text,
      purpose: 'reply',
      ticketId: null,
      contactId: null,
      nextAttemptAt: now,
      createdAt: now,
    });
    byText.set(text, { id, channel: chat.channel, chatId: chat.chatId });
  }
  return byText;
}

/** Row ids of a chat's deliveries in the order the platform took them, each id not below the one before. */
function nonDecreasing(ids: number[]): boolean {
  return ids.every((id, i) => i === 0 || id >= (ids[i - 1] ?? 0));
}

describe(`outbox under random platform faults (TEST_SEED=${SEED})`, () => {
  it('ends every row sent or failed with a reason, keeps each chat in order, and repeats only messages whose answer was lost', async () => {
    const pickTelegram = faultPicker(seededRandom(SEED));
    telegram.blockUser(TELEGRAM_BLOCKED);
    telegram.setFaultPolicy('sendMessage', (call: ApiCall): PolicyFault | undefined => {
      const chat = String(call.params.chat_id);
      if (chat === TELEGRAM_BROKEN) return { kind: 'fail', error: { status: 500, description: 'Internal Server Error' } };
      if (chat === TELEGRAM_BLOCKED) return undefined;
      const kind = pickTelegram();
      if (kind === 'fail_429') return { kind: 'fail', error: { status: 429, description: 'Too Many Requests: retry after 1', retryAfter: 1 } };
      if (kind === 'fail_500') return { kind: 'fail', error: { status: 500, description: 'Internal Server Error' } };
      return kind ? { kind } : undefined;
    });

    const rows = queueRows(seededRandom(SEED + 2));
    const cursor = { read: () => undefined, write: () => undefined };
    const adapters = new Map<string, ChannelAdapter>([
      [
        'telegram',
        new QuickTelegramAdapter(
          { token: telegram.token, apiRoot: telegram.url, webhook: undefined, triageChatId: undefined, pollTimeoutSeconds: 1, sendTimeoutMs: SEND_TIMEOUT_MS },
          { receive: () => ({ duplicate: false, outcome: 'ignored' }), logger: silentLogger, cursor },
        ),
      ],
      [
        'x',
        new QuickXAdapter(
          { appKey: 'k', appSecret: 's', accessToken: 't', accessSecret: 'a', pollIntervalSeconds: 120, accountHandle: 'DesaSukamaju', requestTimeoutMs: SEND_TIMEOUT_MS },
          { receive: () => ({ duplicate: false, outcome: 'ignored' }), logger: silentLogger, cursor: { read: () => undefined, write: () => undefined } },
        ),
      ],
    ]);
    const worker = new OutboxWorker(ctx, adapters, { baseDelayMs: 20, maxDelayMs: 200, maxAttempts: MAX_ATTEMPTS, pollMs: 50 });
    const started = Date.now();
    worker.start();
    try {
      await expect
        .poll(() => {
          const states = countOutboxByState(store.db);
          return (states.pending ?? 0) + (states.sending ?? 0);
        }, { timeout: 90_000, interval: 100 })
        .toBe(0);
    } finally {
      await worker.stop();
    }
    const seconds = (Date.now() - started) / 1000;

    // 1. Every row is sent, or failed with the reason.
    const stored = store.db.select().from(outbox).all();
    expect(stored).toHaveLength(rows.size);
    expect(stored.filter((row) => row.state !== 'sent' && row.state !== 'failed')).toEqual([]);
    for (const row of stored) {
      if (row.state === 'failed') expect(row.lastError, `reason of failed row ${row.id}`).toMatch(/\S/);
      else expect(row.platformMessageId, `platform id of sent row ${row.id}`).toMatch(/\S/);
    }
    const failedIn = (chatId: string) => stored.filter((row) => row.chatId === chatId);
    expect(failedIn(TELEGRAM_BLOCKED).map((row) => [row.state, row.attempts])).toEqual(Array.from({ length: 10 }, () => ['failed', 1]));
    for (const row of failedIn(TELEGRAM_BLOCKED)) expect(row.lastError).toMatch(/blocked by the user/);
    expect(failedIn(TELEGRAM_BROKEN).map((row) => [row.state, row.attempts])).toEqual(Array.from({ length: 5 }, () => ['failed', MAX_ATTEMPTS]));
    for (const row of failedIn(TELEGRAM_BROKEN)) expect(row.lastError).toMatch(new RegExp(`gave up after ${MAX_ATTEMPTS} attempts: 500`));
    // Rows in chats with random faults go out unless they failed every attempt (rare; said so).
    const randomChats = stored.filter((row) => row.chatId !== TELEGRAM_BLOCKED && row.chatId !== TELEGRAM_BROKEN);
    for (const row of randomChats.filter((r) => r.state === 'failed')) expect(row.lastError).toMatch(/^gave up after/);

    // 2 and 3. What each platform took, per chat: in outbox order, and repeated only after a lost answer.
    const idOf = (text: string) => rows.get(text)?.id ?? -1;
    const telegramCalls = telegram.calls('sendMessage');
    const deliveries = [
      ...telegram.sent().map((sent) => ({ chatId: sent.chat_id, id: idOf(sent.text) })),
      ...x.delivered.map((dm) => ({ chatId: dmChatId(dm.to), id: idOf(dm.text) })),
    ];
    expect(deliveries.filter((delivery) => delivery.id === -1), 'deliveries of unknown texts').toEqual([]);
    const lostAnswers = [
      ...telegramCalls.filter((call) => call.fault === 'drop_after' || call.fault === 'hang_after').map((call) => idOf(String(call.params.text))),
      ...x.calls.filter((call) => call.fault === 'drop_after' || call.fault === 'hang_after').map((call) => idOf(call.text)),
    ];
    const chats = new Set(deliveries.map((delivery) => delivery.chatId));
    for (const chatId of chats) {
      const ids = deliveries.filter((delivery) => delivery.chatId === chatId).map((delivery) => delivery.id);
      expect(nonDecreasing(ids), `order of deliveries to ${chatId}: ${ids.join(',')}`).toBe(true);
    }
    const countBy = <T,>(items: T[]) => items.reduce((map, item) => map.set(item, (map.get(item) ?? 0) + 1), new Map<T, number>());
    const delivered = countBy(deliveries.map((delivery) => delivery.id));
    const lost = countBy(lostAnswers);
    const mismatched = stored
      .map((row) => ({ id: row.id, state: row.state, delivered: delivered.get(row.id) ?? 0, lostAnswers: lost.get(row.id) ?? 0 }))
      .filter((row) => row.delivered !== (row.state === 'sent' ? 1 : 0) + row.lostAnswers);
    expect(mismatched, 'rows delivered other than once plus once per lost answer').toEqual([]);
    const repeated = [...delivered.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
    expect(repeated).toBeLessThanOrEqual(lostAnswers.length);

    const telegramFaults = telegramCalls.map((call) => (call.fault === 'fail' ? `fail_${call.status}` : call.fault));
    const faults = countBy([...telegramFaults, ...x.calls.map((call) => call.fault)].filter((fault) => fault !== undefined));
    expect([...faults.keys()].sort(), 'fault kinds exercised').toEqual([...EVERY_KIND].sort());
    console.info(
      `fault suite (TEST_SEED=${SEED}): ${rows.size} rows in ${seconds.toFixed(1)} s; ${JSON.stringify(countOutboxByState(store.db))}; ` +
        `${telegramCalls.length} Telegram and ${x.calls.length} X calls, faults ${JSON.stringify(Object.fromEntries(faults))}; ` +
        `${repeated} repeated deliveries after ${lostAnswers.length} lost answers`,
    );
  }, 120_000);
});
