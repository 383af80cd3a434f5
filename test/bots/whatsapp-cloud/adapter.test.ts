// The adapter against the fake Graph API over HTTP: connection check, sending, the 24-hour window,
// error mapping end to end, and webhook bodies handed to core.
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WhatsAppCloudAdapter, type WhatsAppCloudDeps } from '../../../bots/whatsapp-cloud/adapter.ts';
import type { WhatsAppCloudConfig } from '../../../bots/whatsapp-cloud/config.ts';
import { classifySendError, NetworkError, RemoteApiError } from '../../../core/errors.ts';
import type { InboundMessage, IntakeResult } from '../../../core/types.ts';
import { graphErrorBody, startFakeGraph, statusWebhook, textWebhook, type FakeGraph } from '../../fakes/whatsapp-cloud.ts';
import { silentLogger } from '../../helpers.ts';

const RESIDENT = '6281234567890';
const NOW = Date.UTC(2026, 10, 2, 2, 0, 0);

let fake: FakeGraph;
let adapter: WhatsAppCloudAdapter | undefined;

beforeEach(async () => {
  fake = await startFakeGraph();
});

afterEach(async () => {
  await adapter?.stop();
  adapter = undefined;
  await fake.close();
});

function configFor(overrides: Partial<WhatsAppCloudConfig> = {}): WhatsAppCloudConfig {
  return {
    token: fake.token,
    phoneNumberId: fake.phoneNumberId,
    appSecret: 'app-secret-for-tests',
    verifyToken: 'verify-token-for-tests',
    apiRoot: fake.url,
    webhookPath: '/whatsapp/webhook',
    ...overrides,
  };
}

function create(overrides: Partial<WhatsAppCloudConfig> = {}, deps: Partial<WhatsAppCloudDeps> = {}): WhatsAppCloudAdapter {
  adapter = new WhatsAppCloudAdapter(configFor(overrides), {
    receive: () => ({ duplicate: false, outcome: 'new_ticket' }),
    logger: silentLogger,
    lastInboundAt: () => NOW - 60_000,
    now: () => NOW,
    checkRetryBaseMs: 10,
    ...deps,
  });
  return adapter;
}

/** A logger whose lines can be read back. */
function recordingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

describe('start and health', () => {
  it('checks the token and phone number id and shows the number', async () => {
    const channel = create();
    expect(channel.health().state).toBe('connecting');
    await channel.start();
    expect(channel.health()).toEqual({ state: 'connected', detail: '+62 812-0000-0000 (Desa Sukamaju)' });
    const [check] = fake.calls('phone');
    expect(check?.status).toBe(200);
    expect(channel.name).toBe('whatsapp_cloud');
    expect(channel.sendsPerSecond).toBe(20);
  });

  it('shows a refused token as disconnected without throwing, and never logs the token', async () => {
    const { logger, lines } = recordingLogger();
    const channel = create({ token: 'EAAG-wrong-token-123456789' }, { logger });
    await channel.start();
    expect(channel.health().state).toBe('disconnected');
    expect(channel.health().detail).toContain('token WhatsApp Cloud ditolak');
    expect(JSON.stringify(lines)).not.toContain('EAAG-wrong-token');
  });

  it('names a wrong phone number id', async () => {
    const channel = create({ phoneNumberId: '111' });
    await channel.start();
    expect(channel.health()).toMatchObject({ state: 'disconnected' });
    expect(channel.health().detail).toContain('WHATSAPP_CLOUD_PHONE_ID');
  });

  it('keeps checking in the background after a failure, and connects once the API answers', async () => {
    fake.failNext(500, graphErrorBody(2, 'Service temporarily unavailable'), { endpoint: 'phone', times: 2 });
    const channel = create();
    await channel.start();
    expect(channel.health().state).toBe('disconnected');
    await expect.poll(() => channel.health().state).toBe('connected');
    expect(fake.calls('phone')).toHaveLength(3);
  });

  it('stops checking when stopped', async () => {
    const channel = create({ apiRoot: 'http://127.0.0.1:1' });
    await channel.start();
    expect(channel.health().detail).toContain('tidak terhubung');
    await channel.stop();
    expect(channel.health()).toEqual({ state: 'disconnected', detail: 'stopped' });
  });
});

describe('send', () => {
  it('posts the message with the bearer token and returns its wamid', async () => {
    const channel = create();
    const result = await channel.send({ channel: 'whatsapp_cloud', chatId: RESIDENT, text: 'Laporan SKM-1 diterima.', replyTo: 'wamid.IN1' });
    expect(result).toEqual({ platformMessageId: 'wamid.1' });
    expect(fake.sent(RESIDENT)).toMatchObject([{ id: 'wamid.1', type: 'text', text: 'Laporan SKM-1 diterima.', contextId: 'wamid.IN1' }]);
  });

  it('returns the ids of the further parts of a long text', async () => {
    const channel = create();
    const text = 'Kami sudah memeriksa lampu di lokasi dan menemukan kabelnya putus. '.repeat(150).trim();
    const result = await channel.send({ channel: 'whatsapp_cloud', chatId: RESIDENT, text });
    expect(result.platformMessageId).toBe('wamid.1');
    expect(result.extraPlatformMessageIds).toEqual(['wamid.2', 'wamid.3']);
    expect(fake.calls('messages').every((call) => call.status === 200)).toBe(true);
  });

  it('sends ratings as a list the API accepts', async () => {
    const channel = create();
    await channel.send({
      channel: 'whatsapp_cloud',
      chatId: RESIDENT,
      text: 'Laporan SKM-1 telah selesai ditangani.',
      actions: [1, 2, 3, 4, 5].map((stars) => ({ label: '⭐'.repeat(stars), command: String(stars) })),
    });
    expect(fake.sent(RESIDENT)[0]).toMatchObject({ type: 'interactive', interactive: { type: 'list' } });
  });

  it('refuses without calling the API when the resident last wrote more than 24 hours ago, or never', async () => {
    for (const last of [NOW - 25 * 3_600_000, undefined]) {
      const channel = create({}, { lastInboundAt: () => last });
      const error = await channel.send({ channel: 'whatsapp_cloud', chatId: RESIDENT, text: 'Tanggapan petugas' }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RemoteApiError);
      expect((error as Error).message).toContain('di luar jendela 24 jam WhatsApp (131047)');
      expect(classifySendError(error).retry).toBe(false);
    }
    expect(fake.calls('messages')).toHaveLength(0);
  });

  it('maps API refusals and dropped connections to the errors the outbox understands', async () => {
    const channel = create();
    const message = { channel: 'whatsapp_cloud', chatId: RESIDENT, text: 'halo' };
    fake.rateLimitNext({ retryAfterSeconds: 2 });
    expect(classifySendError(await channel.send(message).catch((error: unknown) => error))).toMatchObject({ retry: true, retryAfterMs: 2000 });
    fake.failNext(400, graphErrorBody(131026, 'Message undeliverable'));
    expect(classifySendError(await channel.send(message).catch((error: unknown) => error))).toMatchObject({ recipientUnreachable: true });
    fake.dropNext();
    expect(await channel.send(message).catch((error: unknown) => error)).toBeInstanceOf(NetworkError);
    expect(await channel.send(message)).toEqual({ platformMessageId: 'wamid.1' });
  });

  it('shows a token refused while sending in health', async () => {
    const channel = create();
    await channel.start();
    fake.failNext(401, graphErrorBody(190, 'Error validating access token: Session has expired'));
    await expect(channel.send({ channel: 'whatsapp_cloud', chatId: RESIDENT, text: 'halo' })).rejects.toThrow('token WhatsApp Cloud ditolak');
    expect(channel.health().state).toBe('disconnected');
    // The background check finds the token accepted again.
    await expect.poll(() => channel.health().state).toBe('connected');
  });
});

describe('handleWebhook', () => {
  it('hands every message to core and counts statuses', async () => {
    const received: InboundMessage[] = [];
    const channel = create({}, { receive: (message) => (received.push(message), { duplicate: false, outcome: 'new_ticket' }) });
    expect(await channel.handleWebhook(textWebhook(RESIDENT, 'Warsini', 'Jalan berlubang', { id: 'wamid.A' }))).toEqual({ messages: 1, statuses: 0 });
    expect(received).toMatchObject([{ channel: 'whatsapp_cloud', externalId: 'wamid.A', text: 'Jalan berlubang', sender: { displayName: 'Warsini' } }]);
    expect(await channel.handleWebhook(statusWebhook('wamid.1', RESIDENT, 'delivered'))).toEqual({ messages: 0, statuses: 1 });
    expect(received).toHaveLength(1);
  });

  it('throws when core could not store a message', async () => {
    const channel = create({}, {
      receive: (): IntakeResult => {
        throw new Error('database is locked');
      },
    });
    await expect(channel.handleWebhook(textWebhook(RESIDENT, 'Warsini', 'Jalan berlubang'))).rejects.toThrow('database is locked');
  });

  it('logs failed deliveries at warn with the reason', async () => {
    const { logger, lines } = recordingLogger();
    const channel = create({}, { logger });
    await channel.handleWebhook(statusWebhook('wamid.7', RESIDENT, 'failed', [{ code: 131047, title: 'Re-engagement message' }]));
    await channel.handleWebhook(statusWebhook('wamid.8', RESIDENT, 'failed', [{ code: 131026, title: 'Message undeliverable' }]));
    const warnings = lines.filter((line) => line.level === 40);
    expect(warnings).toMatchObject([
      { messageId: 'wamid.7', code: 131047, reason: expect.stringContaining('24 hours') as unknown },
      { messageId: 'wamid.8', code: 131026, reason: expect.stringContaining('cannot receive') as unknown },
    ]);
  });
});
