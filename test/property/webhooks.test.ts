// Malformed requests at the service's doors, and what goes out (issue #8):
// - the simulator route with wrong types, the Telegram webhook with bodies that are not updates, the
//   WhatsApp Cloud webhook with a valid signature over garbage: a 4xx with a JSON error, nothing
//   stored, and the next good message still works;
// - replies go out as plain text within each platform's limits: Telegram without parse_mode and in
//   parts of at most 4,096 characters, WhatsApp Cloud bodies and buttons within Meta's limits, and
//   the simulator page renders texts with textContent only.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TelegramAdapter } from '../../bots/telegram/adapter.ts';
import { inlineKeyboard, TELEGRAM_TEXT_LIMIT } from '../../bots/telegram/outbound.ts';
import { registerTelegramWebhook } from '../../bots/telegram/routes.ts';
import { registerSimulatorRoutes } from '../../bots/web/routes.ts';
import { simulatorMessageSchema } from '../../bots/web/inbound.ts';
import { WhatsAppCloudAdapter } from '../../bots/whatsapp-cloud/adapter.ts';
import { INTERACTIVE_BODY_LIMIT, messageBodies, WHATSAPP_TEXT_LIMIT } from '../../bots/whatsapp-cloud/outbound.ts';
import { registerWhatsAppCloudWebhook } from '../../bots/whatsapp-cloud/routes.ts';
import { ingest } from '../../core/intake.ts';
import { wellFormed } from '../../core/text.ts';
import { messages } from '../../storage/schema.ts';
import { buildServer, healthReport } from '../../web/server.ts';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.ts';
import { createTestCore, silentLogger, type TestCore } from '../helpers.ts';
import { messageText, runs, shortMessageText } from './arbitraries.ts';

const TELEGRAM_PATH = '/telegram/webhook';
const TELEGRAM_SECRET = 'rahasia-webhook-desa-123';
const CLOUD_PATH = '/whatsapp/webhook';
const APP_SECRET = 'app-secret-desa-sukamaju';

let core: TestCore;
let fake: FakeTelegram;
let telegram: TelegramAdapter;
let app: FastifyInstance;
let counter = 0;

beforeAll(async () => {
  core = createTestCore();
  fake = await startFakeTelegram();
  const receive = (message: Parameters<typeof ingest>[1]) => ingest(core.ctx, message);
  telegram = new TelegramAdapter(
    { token: fake.token, apiRoot: fake.url, webhook: { url: `http://127.0.0.1${TELEGRAM_PATH}`, path: TELEGRAM_PATH, secret: TELEGRAM_SECRET }, triageChatId: undefined, pollTimeoutSeconds: 1 },
    { receive, logger: silentLogger, cursor: { read: () => undefined, write: () => undefined } },
  );
  const cloudConfig = { token: 'graph-token', phoneNumberId: '1234567890', appSecret: APP_SECRET, verifyToken: 'v', apiRoot: 'http://127.0.0.1:1', webhookPath: CLOUD_PATH };
  const cloud = new WhatsAppCloudAdapter(cloudConfig, { receive, logger: silentLogger, lastInboundAt: () => undefined });
  app = buildServer(silentLogger, () => healthReport(core.ctx, [telegram, cloud], Date.now()));
  registerSimulatorRoutes(app, core.ctx, () => undefined);
  registerTelegramWebhook(app, telegram, { path: TELEGRAM_PATH, secret: TELEGRAM_SECRET });
  registerWhatsAppCloudWebhook(app, cloud, cloudConfig);
  await app.ready();
});

afterAll(async () => {
  await app.close();
  await fake.close();
  core.close();
});

const storedCount = () => core.ctx.store.db.select({ n: count() }).from(messages).get()?.n ?? 0;

/** A body as bytes: JSON of any value, or text that is not JSON at all. */
const anyBody = fc.oneof(
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom('', '{', '{"user": }', 'null', '[]', '{"update_id": "1"}', '\u0000\u0001', '<xml/>'),
);

function expectJsonError(response: { statusCode: number; body: string; headers: Record<string, unknown> }): void {
  expect(response.statusCode, response.body).toBeGreaterThanOrEqual(400);
  expect(response.statusCode, response.body).toBeLessThan(500);
  expect(String(response.headers['content-type'])).toMatch(/application\/json/);
  const body = JSON.parse(response.body) as { error?: unknown; message?: unknown };
  expect(typeof (body.error ?? body.message)).toBe('string');
}

/** The service still takes an ordinary message after the garbage. */
async function expectStillWorking(): Promise<void> {
  counter += 1;
  const response = await app.inject({ method: 'POST', url: '/simulator/messages', payload: { user: `after-${counter}`, text: 'Jalan di RT 03 rusak, mohon diperbaiki' } });
  expect(response.statusCode).toBe(201);
  expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBeLessThan(600);
}

describe('malformed requests', () => {
  it('the simulator answers wrong types with 400 and a JSON error, and stores nothing', async () => {
    const value = fc.oneof(fc.jsonValue(), messageText, fc.integer(), fc.constant(null), fc.array(fc.string()));
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record({ user: value, text: value }, { requiredKeys: [] }),
      fc.record({ user: fc.string(), text: value, id: value, attachments: value, chat: value }, { requiredKeys: ['user'] }),
    );
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const valid = simulatorMessageSchema.safeParse(payload ?? {}).success;
        const before = storedCount();
        const response = await app.inject({ method: 'POST', url: '/simulator/messages', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
        if (valid) {
          expect(response.statusCode, response.body).toBeLessThan(300);
        } else {
          expectJsonError(response);
          expect(storedCount()).toBe(before);
        }
      }),
      { numRuns: runs(300) },
    );
    await fc.assert(
      fc.asyncProperty(anyBody, async (raw) => {
        const before = storedCount();
        const response = await app.inject({ method: 'POST', url: '/simulator/messages', headers: { 'content-type': 'application/json' }, payload: raw });
        if (response.statusCode >= 400) {
          expectJsonError(response);
          expect(storedCount()).toBe(before);
        }
      }),
      { numRuns: runs(200) },
    );
    await expectStillWorking();
  });

  it('the Telegram webhook answers bodies that are not readable updates with 400 and a JSON error, and stores nothing', async () => {
    await fc.assert(
      fc.asyncProperty(anyBody, async (raw) => {
        const before = storedCount();
        const response = await app.inject({
          method: 'POST',
          url: TELEGRAM_PATH,
          headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': TELEGRAM_SECRET },
          payload: raw,
        });
        expect(storedCount()).toBe(before);
        // A readable update of a kind we do not handle is answered 200 with nothing stored.
        if (response.statusCode !== 200) expectJsonError(response);
      }),
      { numRuns: runs(300) },
    );
    // Updates (integer update_id) whose message is garbage: Telegram never sends such, but a broken
    // one must neither be stored nor crash anything.
    const brokenUpdate = fc.record({
      update_id: fc.integer({ min: 1, max: 2 ** 31 }),
      message: fc.oneof(
        fc.jsonValue(),
        fc.record({ message_id: fc.jsonValue(), date: fc.jsonValue(), chat: fc.jsonValue(), from: fc.jsonValue(), text: fc.jsonValue() }, { requiredKeys: [] }),
      ),
    });
    await fc.assert(
      fc.asyncProperty(brokenUpdate, async (payload) => {
        const before = storedCount();
        const response = await app.inject({ method: 'POST', url: TELEGRAM_PATH, headers: { 'x-telegram-bot-api-secret-token': TELEGRAM_SECRET }, payload });
        expect(storedCount()).toBe(before);
        if (response.statusCode !== 200) expectJsonError(response);
      }),
      { numRuns: runs(300) },
    );
    // A real update after the garbage is still taken.
    const update = { update_id: 900_001, message: { message_id: 5, date: 1_790_000_000, chat: { id: 42, type: 'private', first_name: 'W' }, from: { id: 42, is_bot: false, first_name: 'W' }, text: 'Lampu jalan mati' } };
    const response = await app.inject({ method: 'POST', url: TELEGRAM_PATH, headers: { 'x-telegram-bot-api-secret-token': TELEGRAM_SECRET }, payload: update });
    expect(response.statusCode).toBe(200);
    expect(core.ctx.store.db.select().from(messages).all().some((message) => message.externalId === '42:5')).toBe(true);
    await expectStillWorking();
  });

  it('the WhatsApp Cloud webhook answers garbage under a valid signature with 400 and a JSON error, and stores nothing', async () => {
    await fc.assert(
      fc.asyncProperty(anyBody, async (raw) => {
        const before = storedCount();
        const signature = `sha256=${createHmac('sha256', APP_SECRET).update(raw).digest('hex')}`;
        const response = await app.inject({ method: 'POST', url: CLOUD_PATH, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature }, payload: raw });
        expectJsonError(response);
        expect(storedCount()).toBe(before);
      }),
      { numRuns: runs(300) },
    );
    // A webhook envelope around garbage: understood as nothing, answered 200 so Meta does not resend it forever.
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (entry) => {
        const before = storedCount();
        const raw = JSON.stringify({ object: 'whatsapp_business_account', entry: [entry, { changes: [{ field: 'messages', value: entry }] }] });
        const signature = `sha256=${createHmac('sha256', APP_SECRET).update(raw).digest('hex')}`;
        const response = await app.inject({ method: 'POST', url: CLOUD_PATH, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature }, payload: raw });
        expect(response.statusCode, response.body).toBe(200);
        expect(storedCount()).toBe(before);
      }),
      { numRuns: runs(200) },
    );
    await expectStillWorking();
  });
});

describe('what goes out', () => {
  it('Telegram gets plain text (no parse_mode) in parts of at most 4,096 characters that add up to the text', async () => {
    const text = fc.oneof(shortMessageText, messageText).map(wellFormed).filter((value) => value.trim() !== '');
    await fc.assert(
      fc.asyncProperty(text, async (value) => {
        const chatId = String(6_000_000 + (counter += 1));
        const result = await telegram.send({ channel: 'telegram', chatId, text: value });
        const sent = fake.sent(chatId);
        expect(sent.length).toBe(1 + (result.extraPlatformMessageIds?.length ?? 0));
        for (const part of sent) {
          expect(part.parse_mode).toBeUndefined();
          expect(part.raw.entities).toBeUndefined();
          expect(part.text.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
        }
        // Split only at whitespace, which is all that may be lost between parts.
        expect(sent.map((part) => part.text).join('').replace(/\s+/g, '')).toBe(value.replace(/\s+/g, ''));
      }),
      { numRuns: runs(150) },
    );
  });

  it('WhatsApp Cloud bodies, buttons and lists, and Telegram buttons stay within the platforms\' limits', () => {
    const action = fc.record({ label: fc.string({ maxLength: 30 }), command: fc.string({ maxLength: 300 }) });
    fc.assert(
      fc.property(messageText, fc.array(action, { maxLength: 12 }), (text, actions) => {
        const bodies = messageBodies({ channel: 'whatsapp_cloud', chatId: '6281234567890', text: text.trim() === '' ? '.' : text, actions });
        for (const body of bodies) {
          if (body.type === 'text') {
            expect(body.text.body.length).toBeLessThanOrEqual(WHATSAPP_TEXT_LIMIT);
            continue;
          }
          const { interactive } = body;
          expect(interactive.body.text.length).toBeLessThanOrEqual(INTERACTIVE_BODY_LIMIT);
          if (interactive.type === 'button') {
            expect(interactive.action.buttons.length).toBeLessThanOrEqual(3);
            for (const { reply } of interactive.action.buttons) {
              expect(reply.title.length).toBeGreaterThan(0);
              expect(reply.title.length).toBeLessThanOrEqual(20);
              expect(reply.id.length).toBeLessThanOrEqual(256);
            }
          } else {
            const rows = interactive.action.sections.flatMap((section) => section.rows);
            expect(rows.length).toBeLessThanOrEqual(10);
            for (const row of rows) {
              expect(row.title.length).toBeLessThanOrEqual(24);
              expect(row.id.length).toBeLessThanOrEqual(200);
            }
          }
        }
        for (const button of inlineKeyboard(actions)?.inline_keyboard.flat() ?? []) {
          const data = 'callback_data' in button ? button.callback_data : '';
          expect(Buffer.byteLength(data, 'utf8')).toBeGreaterThan(0);
          expect(Buffer.byteLength(data, 'utf8')).toBeLessThanOrEqual(64);
          expect(button.text.trim()).not.toBe('');
        }
      }),
      { numRuns: runs(1000) },
    );
  });

  it('the simulator page renders message texts with textContent, never as HTML', () => {
    const page = readFileSync(new URL('../../bots/web/simulator.html', import.meta.url), 'utf8');
    expect(page).toMatch(/\.textContent\s*=/);
    expect(page).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\.html\(/);
  });
});
