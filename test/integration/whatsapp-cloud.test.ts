// The WhatsApp Cloud channel end to end: a real Fastify server with the webhook routes, core on a
// SQLite file, the outbox worker, and the adapter sending to a fake Graph API over HTTP. Webhooks are
// signed like Meta signs them. The outbox is driven pass by pass (runOnce) on the test clock.
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WhatsAppCloudAdapter } from '../../bots/whatsapp-cloud/adapter.ts';
import type { WhatsAppCloudConfig } from '../../bots/whatsapp-cloud/config.ts';
import { registerWhatsAppCloudWebhook } from '../../bots/whatsapp-cloud/routes.ts';
import { WebAdapter } from '../../bots/web/adapter.ts';
import { ingest } from '../../core/intake.ts';
import { OutboxWorker, recordLateDeliveryFailure } from '../../core/outbox.ts';
import type { ChannelAdapter, InboundMessage } from '../../core/types.ts';
import { lastInboundAt } from '../../storage/repositories/index.ts';
import { messages, tickets } from '../../storage/schema.ts';
import { buildServer, healthReport } from '../../web/server.ts';
import { signedWebhook, startFakeGraph, statusWebhook, textWebhook, type FakeGraph } from '../fakes/whatsapp-cloud.ts';
import { createTestCore, silentLogger, type TestCore } from '../helpers.ts';

const APP_SECRET = 'app-secret-desa-sukamaju';
const VERIFY_TOKEN = 'verify-token-desa-sukamaju';
const RESIDENT = '6281234567890';
const OTHER_RESIDENT = '6289876543210';
const LAMP = 'Lampu jalan di depan masjid Dusun Krajan mati sudah seminggu';

let fake: FakeGraph;
let core: TestCore;
let adapter: WhatsAppCloudAdapter;
let outbox: OutboxWorker;
let app: FastifyInstance;
let base: string;
/** Makes core's intake fail, as when the disk is full. */
let intakeFails = false;

beforeEach(async () => {
  intakeFails = false;
  fake = await startFakeGraph();
  core = createTestCore();
  const config: WhatsAppCloudConfig = {
    token: fake.token,
    phoneNumberId: fake.phoneNumberId,
    appSecret: APP_SECRET,
    verifyToken: VERIFY_TOKEN,
    apiRoot: fake.url,
    webhookPath: '/whatsapp/webhook',
  };
  adapter = new WhatsAppCloudAdapter(config, {
    receive: (message: InboundMessage) => {
      if (intakeFails) throw new Error('SQLITE_FULL: database or disk is full');
      return ingest(core.ctx, message);
    },
    logger: silentLogger,
    lastInboundAt: (chatId) => lastInboundAt(core.ctx.store.db, 'whatsapp_cloud', chatId),
    onDeliveryFailed: (platformMessageId, reason) => recordLateDeliveryFailure(core.ctx, 'whatsapp_cloud', platformMessageId, reason),
    now: () => core.clock.now,
  });
  const adapters: ChannelAdapter[] = [adapter, new WebAdapter()];
  outbox = new OutboxWorker(core.ctx, new Map(adapters.map((channel) => [channel.name, channel])), { baseDelayMs: 100, maxDelayMs: 1000 });
  app = buildServer(silentLogger, () => healthReport(core.ctx, adapters, core.clock.now));
  registerWhatsAppCloudWebhook(app, adapter, config);
  // Another route, to show the raw-body parser stays inside the webhook's scope.
  app.post('/echo', (request) => ({ got: request.body }));
  await adapter.start();
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterEach(async () => {
  await app.close();
  await outbox.stop();
  await adapter.stop();
  await fake.close();
  core.close();
});

const now = () => Math.floor(core.clock.now / 1000);

function post(body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}/whatsapp/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

/** POSTs a body signed with the app secret, as Meta does. */
function postSigned(body: unknown): Promise<Response> {
  const signed = signedWebhook(body, APP_SECRET);
  return post(signed.body, { 'x-hub-signature-256': signed.signature });
}

/** Lets the outbox send what is due; the clock moves a second per pass (the channel's rate limit). */
async function sendQueued(passes = 3): Promise<void> {
  for (let pass = 0; pass < passes; pass += 1) {
    await outbox.runOnce();
    core.clock.advance(1000);
  }
}

const ticketCount = () => core.ctx.store.db.select().from(tickets).all().length;
const inboundCount = () => core.ctx.store.db.select().from(messages).all().filter((message) => message.direction === 'in').length;

describe('webhook verification handshake', () => {
  it('echoes the challenge for the right verify token, and refuses anything else', async () => {
    const ok = await fetch(`${base}/whatsapp/webhook?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await ok.text()).toBe('1158201444');
    const wrong = await fetch(`${base}/whatsapp/webhook?hub.mode=subscribe&hub.verify_token=salah&hub.challenge=1158201444`);
    expect(wrong.status).toBe(403);
    const wrongMode = await fetch(`${base}/whatsapp/webhook?hub.mode=unsubscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1`);
    expect(wrongMode.status).toBe(403);
    expect((await fetch(`${base}/whatsapp/webhook`)).status).toBe(403);
  });
});

describe('signed webhooks', () => {
  it('turns a signed message into a ticket and acknowledges it, quoting the resident\'s message', async () => {
    const body = textWebhook(RESIDENT, 'Warsini', LAMP, { id: 'wamid.RESIDENT1', timestamp: now() });
    const response = await postSigned(body);
    expect(response.status).toBe(200);
    expect(ticketCount()).toBe(1);
    await sendQueued();
    const [ack, ...more] = fake.sent(RESIDENT);
    expect(more).toEqual([]);
    expect(ack?.text).toContain('laporan Anda sudah kami terima dengan nomor SKM-1');
    expect(ack?.contextId).toBe('wamid.RESIDENT1');
    expect(fake.calls('messages')[0]?.status).toBe(200);
    // Our message is recorded under its wamid, so a resident quoting it finds the ticket.
    const outbound = core.ctx.store.db.select().from(messages).all().find((message) => message.direction === 'out' && message.channel === 'whatsapp_cloud');
    expect(outbound).toMatchObject({ externalId: ack?.id, chatId: RESIDENT });
    expect(outbound?.ticketId).not.toBeNull();
  });

  it('refuses a forged signature with 401 and stores nothing', async () => {
    const body = textWebhook(RESIDENT, 'Warsini', LAMP, { timestamp: now() });
    const forged = signedWebhook(body, 'not-the-app-secret');
    expect((await post(forged.body, { 'x-hub-signature-256': forged.signature })).status).toBe(401);
    // A genuine signature over other bytes: the body was tampered with on the way.
    const genuine = signedWebhook(body, APP_SECRET);
    const tampered = genuine.body.replace('seminggu', 'sebulan');
    expect((await post(tampered, { 'x-hub-signature-256': genuine.signature })).status).toBe(401);
    expect((await post(genuine.body, { 'x-hub-signature-256': 'sha1=abc' })).status).toBe(401);
    expect(ticketCount()).toBe(0);
    expect(inboundCount()).toBe(0);
  });

  it('refuses a missing signature with 401, whatever the content type', async () => {
    const body = JSON.stringify(textWebhook(RESIDENT, 'Warsini', LAMP, { timestamp: now() }));
    expect((await post(body)).status).toBe(401);
    const plain = await fetch(`${base}/whatsapp/webhook`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
    expect(plain.status).toBe(401);
    expect(ticketCount()).toBe(0);
  });

  it('handles a replayed body once: one ticket, one acknowledgement', async () => {
    const body = textWebhook(RESIDENT, 'Warsini', LAMP, { id: 'wamid.REPLAY', timestamp: now() });
    expect((await postSigned(body)).status).toBe(200);
    await sendQueued();
    expect((await postSigned(body)).status).toBe(200);
    await sendQueued();
    expect(ticketCount()).toBe(1);
    expect(fake.sent(RESIDENT).filter((message) => message.text.includes('SKM-1'))).toHaveLength(1);
  });

  it('answers 400 to a signed body that is not JSON or not a WhatsApp webhook', async () => {
    expect((await postSigned('{"object": "whatsapp_business_account", "entry": [')).status).toBe(400);
    expect((await postSigned({ object: 'page', entry: [] })).status).toBe(400);
    expect(ticketCount()).toBe(0);
  });

  it('accepts status callbacks and creates nothing', async () => {
    const delivered = await postSigned(statusWebhook('wamid.1', RESIDENT, 'delivered', [], now()));
    expect(delivered.status).toBe(200);
    const failed = await postSigned(statusWebhook('wamid.2', RESIDENT, 'failed', [{ code: 131047, title: 'Re-engagement message' }], now()));
    expect(failed.status).toBe(200);
    expect(ticketCount()).toBe(0);
    expect(inboundCount()).toBe(0);
  });

  it('answers 500 when core cannot store the message, and takes the redelivery', async () => {
    const body = textWebhook(RESIDENT, 'Warsini', LAMP, { id: 'wamid.LATER', timestamp: now() });
    intakeFails = true;
    expect((await postSigned(body)).status).toBe(500);
    expect(ticketCount()).toBe(0);
    intakeFails = false;
    expect((await postSigned(body)).status).toBe(200);
    expect(ticketCount()).toBe(1);
  });

  it('leaves JSON parsing of the other routes alone', async () => {
    const response = await fetch(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(await response.json()).toEqual({ got: { a: 1 } });
  });
});

describe('replies through the Graph API', () => {
  it('does not call the API outside the 24-hour window, and the officer learns the answer did not arrive', async () => {
    await postSigned(textWebhook(RESIDENT, 'Warsini', LAMP, { timestamp: now() }));
    await sendQueued();
    const callsBefore = fake.calls('messages').length;
    expect(callsBefore).toBe(1);

    core.clock.advance(25 * 3_600_000);
    core.send('kaur_umum', '/balas SKM-1 Besok pagi lampunya kami ganti, Bu.');
    await sendQueued();

    expect(fake.calls('messages')).toHaveLength(callsBefore);
    const reply = core.rows(RESIDENT).find((row) => row.text.includes('Besok pagi lampunya'));
    expect(reply?.state).toBe('failed');
    expect(reply?.lastError).toContain('24 jam');
    const notice = core.queued('kaur_umum').find((text) => text.includes('tidak terkirim'));
    expect(notice).toContain('SKM-1');
    expect(notice).toContain('di luar jendela 24 jam WhatsApp (131047)');
  });

  it('marks a reply Meta later reports as not delivered failed, and tells the officer', async () => {
    await postSigned(textWebhook(RESIDENT, 'Warsini', LAMP, { timestamp: now() }));
    await sendQueued();
    core.send('kaur_umum', '/balas SKM-1 Besok pagi lampunya kami ganti, Bu.');
    await sendQueued();
    const reply = core.rows(RESIDENT).find((row) => row.text.includes('Besok pagi lampunya'));
    expect(reply?.state).toBe('sent');
    const failed = statusWebhook(reply?.platformMessageId ?? '', RESIDENT, 'failed', [{ code: 131026, title: 'Message undeliverable' }], now());
    expect((await postSigned(failed)).status).toBe(200);
    expect(core.rows(RESIDENT).find((row) => row.id === reply?.id)?.state).toBe('failed');
    const notice = core.queued('kaur_umum').find((text) => text.includes('tidak terkirim'));
    expect(notice).toContain('SKM-1');
    expect(notice).toContain('131026');
    // Meta sends the same status again: nothing more.
    expect((await postSigned(failed)).status).toBe(200);
    expect(core.queued('kaur_umum').filter((text) => text.includes('tidak terkirim'))).toHaveLength(1);
  });

  it('sends an officer\'s answer within the window', async () => {
    await postSigned(textWebhook(RESIDENT, 'Warsini', LAMP, { timestamp: now() }));
    await sendQueued();
    core.clock.advance(3 * 3_600_000);
    core.send('kaur_umum', '/balas SKM-1 Besok pagi lampunya kami ganti, Bu.');
    await sendQueued();
    expect(fake.sent(RESIDENT).map((message) => message.text)).toEqual([expect.stringContaining('SKM-1'), expect.stringContaining('Besok pagi lampunya kami ganti')]);
  });

  it('waits out a 429 and then delivers', async () => {
    fake.rateLimitNext({ retryAfterSeconds: 2 });
    await postSigned(textWebhook(OTHER_RESIDENT, 'Darto', 'Jalan ke sawah di RT 2 berlubang besar', { timestamp: now() }));
    await outbox.runOnce();
    expect(fake.calls('messages').map((call) => call.status)).toEqual([429]);
    expect(fake.sent(OTHER_RESIDENT)).toHaveLength(0);
    // Not before Retry-After has passed.
    core.clock.advance(1000);
    await outbox.runOnce();
    expect(fake.calls('messages')).toHaveLength(1);
    core.clock.advance(1500);
    await sendQueued();
    expect(fake.calls('messages').map((call) => call.status)).toEqual([429, 200]);
    expect(fake.sent(OTHER_RESIDENT)).toHaveLength(1);
    expect(fake.sent(OTHER_RESIDENT)[0]?.text).toContain('SKM-1');
  });

  it('sends each part of a long answer once when a later part was throttled', async () => {
    await postSigned(textWebhook(RESIDENT, 'Warsini', LAMP, { timestamp: now() }));
    await sendQueued();
    const long = 'Kami sudah memeriksa lampu di lokasi dan menemukan kabelnya putus. '.repeat(80).trim();
    // The first part goes out; the second is throttled once.
    fake.rateLimitNext({ retryAfterSeconds: 1, after: 1 });
    core.send('kaur_umum', `/balas SKM-1 ${long}`);
    await outbox.runOnce();
    expect(fake.sent(RESIDENT).filter((message) => message.text.includes('kabelnya putus'))).toHaveLength(1);
    core.clock.advance(1500);
    await sendQueued();
    const parts = fake.sent(RESIDENT).filter((message) => message.text.includes('kabelnya putus'));
    expect(parts.length).toBeGreaterThanOrEqual(2);
    expect(new Set(parts.map((part) => part.text)).size).toBe(parts.length);
    expect(fake.calls('messages').map((call) => call.status).filter((status) => status === 429)).toHaveLength(1);
  });

  it('shows the number in /healthz', async () => {
    const health = (await (await fetch(`${base}/healthz`)).json()) as { channels: Record<string, { state: string; detail?: string }> };
    expect(health.channels.whatsapp_cloud).toEqual({ state: 'connected', detail: '+62 812-0000-0000 (Desa Sukamaju)' });
  });
});
