// The adapter against the fake whatsapp-web.js client, on fake time: intake, the officers' group,
// the watchdog (ready timeout, disconnects, logout, a missing Chromium), backfill, throttling, stop().
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BACKFILL_MAX_AGE_MS, QR_STALE_MS, WhatsAppWebAdapter, type WhatsAppWebDeps } from '../../../bots/whatsapp/adapter.ts';
import { ChromiumNotFoundError } from '../../../bots/whatsapp/client.ts';
import type { WhatsAppWebConfig } from '../../../bots/whatsapp/config.ts';
import { NOT_WRITTEN_FIRST } from '../../../bots/whatsapp/outbound.ts';
import { classifySendError, NetworkError, RemoteApiError } from '../../../core/errors.ts';
import { ticketActions } from '../../../core/messages.ts';
import type { InboundMessage, IntakeResult, SentParts } from '../../../core/types.ts';
import { FakeWhatsAppFactory, fakeMessage, serializedId, type FakeWhatsAppClient } from '../../fakes/whatsapp-web.ts';
import { silentLogger } from '../../helpers.ts';

const RESIDENT = '6281234567890@c.us';
const RESIDENT_LID = '123456789012345@lid';
const OFFICERS = '120363012345678901@g.us';
const OTHER_GROUP = '120363099999999999@g.us';
const OFFICER = '6281100001006@c.us';
const CHROMIUM_MISSING = 'Browser was not found at the configured executablePath (/usr/bin/chromium)';

const baseConfig: WhatsAppWebConfig = {
  sessionDir: '/tmp/aspirasi-test/whatsapp-session',
  chromiumPath: '/usr/bin/chromium',
  pairingNumber: undefined,
  triageGroupId: OFFICERS,
  readyTimeoutMs: 30_000,
  minDelayMs: 0,
  maxDelayMs: 0,
  perChatGapMs: 0,
  maxPerMinute: 20,
};

let factory: FakeWhatsAppFactory;
let adapter: WhatsAppWebAdapter;
let received: InboundMessage[];
let stored: Set<string>;
let written: Set<string>;
let onLoggedOut: ReturnType<typeof vi.fn<(reason: string) => void>>;
let failReceive: boolean;

function createAdapter(config: Partial<WhatsAppWebConfig> = {}, deps: Partial<WhatsAppWebDeps> = {}): WhatsAppWebAdapter {
  adapter = new WhatsAppWebAdapter(
    { ...baseConfig, ...config },
    {
      // Like core: a message is stored once; a second delivery is a harmless duplicate.
      receive(message): IntakeResult {
        if (failReceive) throw new Error('SQLITE_BUSY: database is locked');
        received.push(message);
        if (stored.has(message.externalId)) return { duplicate: true, outcome: 'duplicate' };
        stored.add(message.externalId);
        written.add(message.chat.id);
        return { duplicate: false, outcome: 'new_ticket' };
      },
      logger: silentLogger,
      hasWrittenFirst: (chatId) => written.has(chatId),
      officerGroups: new Set<string>(),
      onLoggedOut,
      createClient: factory.create,
      random: () => 0.5, // no jitter: backoff is exactly 5 s, 10 s, 20 s, ...
      ...deps,
    },
  );
  return adapter;
}

const flush = () => vi.advanceTimersByTimeAsync(0);

/** Starts the adapter and brings the first client to `ready`. */
async function connected(config: Partial<WhatsAppWebConfig> = {}): Promise<FakeWhatsAppClient> {
  createAdapter(config);
  await adapter.start();
  await flush();
  const client = factory.latest;
  client.emitReady();
  await flush();
  return client;
}

beforeEach(() => {
  vi.useFakeTimers();
  factory = new FakeWhatsAppFactory();
  received = [];
  stored = new Set();
  written = new Set();
  onLoggedOut = vi.fn<(reason: string) => void>();
  failReceive = false;
});

afterEach(async () => {
  await adapter.stop();
  // stop() cancels everything it started: nothing keeps the process alive.
  expect(vi.getTimerCount()).toBe(0);
  vi.useRealTimers();
});

describe('starting', () => {
  it('resolves start() at once and reports the way to ready in /healthz', async () => {
    createAdapter();
    expect(adapter.health()).toEqual({ state: 'disconnected', detail: 'belum dimulai' });
    await adapter.start();
    expect(adapter.health()).toEqual({ state: 'connecting', detail: 'memulai Chromium' });
    await flush();
    const client = factory.latest;
    expect(client.initializeCalls).toBe(1);
    expect(client.config?.chromiumPath).toBe('/usr/bin/chromium');
    client.emitQr('QR-A');
    expect(adapter.health()).toMatchObject({ state: 'connecting', detail: expect.stringContaining('menunggu pindai QR') as string });
    expect(adapter.qr()).toBe('QR-A');
    client.emitAuthenticated();
    expect(adapter.qr()).toBeUndefined();
    client.emitReady();
    await flush();
    expect(adapter.health()).toEqual({ state: 'connected', detail: 'terhubung' });
  });

  it('asks for a pairing code once, after the first QR code, when a pairing number is set', async () => {
    createAdapter({ pairingNumber: '6281234567890' });
    await adapter.start();
    await flush();
    const client = factory.latest;
    client.emitQr('QR-1');
    await flush();
    client.emitQr('QR-2');
    await flush();
    expect(client.pairingRequests).toEqual(['6281234567890']);
    expect(adapter.pairingCode()).toBe('ABCD1234');
    expect(adapter.qr()).toBeUndefined();
    expect(adapter.health().detail).toContain('kode penautan');
    // WhatsApp renews the code every 3 minutes; that is a wait, not a stuck page.
    for (const code of ['EFGH5678', 'IJKL9012', 'MNOP3456']) {
      await vi.advanceTimersByTimeAsync(180_000);
      client.emitCode(code);
    }
    expect(factory.clients).toHaveLength(1);
    expect(adapter.pairingCode()).toBe('MNOP3456');
  });
});

describe('receiving', () => {
  it('hands a private message to core and marks the chat read', async () => {
    const client = await connected();
    const message = client.emitMessage({ from: RESIDENT, body: 'Lampu jalan di depan masjid mati', notifyName: 'Warsini' });
    await flush();
    expect(received).toEqual([
      expect.objectContaining({
        channel: 'whatsapp',
        externalId: message.id._serialized,
        sender: { id: RESIDENT, displayName: 'Warsini' },
        chat: { id: RESIDENT, isGroup: false },
        text: 'Lampu jalan di depan masjid mati',
      }),
    ]);
    expect(client.chats.get(RESIDENT)?.seen).toBe(1);
  });

  it("passes officers' group commands and quoted replies with isGroup, and ignores other groups", async () => {
    const client = await connected();
    client.emitMessage({ from: OFFICERS, author: OFFICER, body: '/ambil SKM-3' });
    client.emitMessage({ from: OTHER_GROUP, author: OFFICER, body: '/ambil SKM-3' });
    await flush();
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ text: '/ambil SKM-3', sender: { id: OFFICER }, chat: { id: OFFICERS, isGroup: true } });

    // A notification to the group, then an officer's reply quoting it: the reply names the notification.
    const send = adapter.send({ channel: 'whatsapp', chatId: OFFICERS, text: 'Tiket baru SKM-4', actions: ticketActions('SKM-4') });
    await flush();
    const notification = await send;
    const [sent] = client.sent;
    expect(sent?.text).toContain('• /ambil SKM-4');
    // WhatsApp reports the quoted message with another participant suffix than the sent one.
    const quotedId = `${notification.platformMessageId}_987654321@lid`;
    const quoted = { ...fakeMessage({ from: OFFICERS, fromMe: true, body: 'Tiket baru SKM-4' }), id: { _serialized: quotedId, fromMe: true } };
    client.emitMessage({ from: OFFICERS, author: OFFICER, body: 'Besok pagi kami ganti, Bu.', quoted });
    await flush();
    expect(received[1]).toMatchObject({ text: 'Besok pagi kami ganti, Bu.', chat: { isGroup: true }, replyTo: notification.platformMessageId });
  });

  it('uses the phone-number id of an @lid sender when WhatsApp Web knows it, and answers the @lid chat', async () => {
    const client = await connected();
    client.pairs.push({ lid: RESIDENT_LID, pn: RESIDENT });
    client.emitMessage({ from: RESIDENT_LID, body: 'Air PAM mati dua hari' });
    client.emitMessage({ from: '555555555555555@lid', body: 'Jalan ke sawah rusak' });
    await flush();
    expect(received.map((message) => [message.sender.id, message.chat.id])).toEqual([
      [RESIDENT, RESIDENT_LID],
      ['555555555555555@lid', '555555555555555@lid'],
    ]);
    // The person wrote under their @lid: a message to their phone-number id is allowed too.
    const sending = adapter.send({ channel: 'whatsapp', chatId: RESIDENT, text: 'Terima kasih' });
    await flush();
    await expect(sending).resolves.toMatchObject({ platformMessageId: expect.stringMatching(/^true_6281234567890@c\.us_/) as string });
  });

  it('ignores status updates and our own messages', async () => {
    const client = await connected();
    client.emitMessage({ from: 'status@broadcast', author: RESIDENT, body: 'jualan' });
    client.emitMessage({ from: RESIDENT, fromMe: true, body: 'dari ponsel desa' });
    await flush();
    expect(received).toEqual([]);
  });
});

describe('backfill', () => {
  it('reads unread chats on ready, hands their messages to core and marks them read; duplicates are harmless', async () => {
    createAdapter();
    await adapter.start();
    await flush();
    const client = factory.latest;
    const now = Math.floor(Date.now() / 1000);
    const resident = client.addUnreadChat(RESIDENT, [
      { from: RESIDENT, fromMe: true, body: 'jawaban lama kami', timestamp: now - 600 },
      { from: RESIDENT, id: 'OLD', body: 'pesan lama sekali', timestamp: now - BACKFILL_MAX_AGE_MS / 1000 - 60 },
      { from: RESIDENT, id: 'M1', body: 'Sampah menumpuk di sungai', timestamp: now - 300 },
      { from: RESIDENT, id: 'M2', body: 'Sudah seminggu', timestamp: now - 200 },
    ]);
    const officers = client.addUnreadChat(OFFICERS, [{ from: OFFICERS, author: OFFICER, id: 'G1', body: '/tiket', timestamp: now - 100 }]);
    const other = client.addUnreadChat(OTHER_GROUP, [{ from: OTHER_GROUP, author: RESIDENT, body: 'arisan', timestamp: now - 100 }]);
    const read = client.addUnreadChat('6289999999999@c.us', [{ from: '6289999999999@c.us', body: 'sudah dibaca' }], 0);
    // M1 already reached core through the `message` event before the restart.
    stored.add(serializedId(false, RESIDENT, 'M1'));

    client.emitReady();
    await flush();
    expect(received.map((message) => message.text)).toEqual(['Sampah menumpuk di sungai', 'Sudah seminggu', '/tiket']);
    expect(stored.size).toBe(3);
    expect(resident.fetches).toEqual([3]);
    expect([resident.seen, officers.seen]).toEqual([1, 1]);
    expect([other.fetches, read.fetches]).toEqual([[], []]);

    // A reconnect reads again; nothing is unread any more.
    client.emitDisconnected('CONFLICT');
    await vi.advanceTimersByTimeAsync(5_000);
    factory.latest.emitReady();
    await flush();
    expect(received).toHaveLength(3);
  });

  it('leaves a chat unread when core could not store its messages, and reads it again later', async () => {
    createAdapter();
    await adapter.start();
    await flush();
    const client = factory.latest;
    const chat = client.addUnreadChat(RESIDENT, [{ from: RESIDENT, body: 'Jembatan retak' }]);
    failReceive = true;
    client.emitReady();
    await flush();
    expect(chat.seen).toBe(0);
    failReceive = false;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(received.map((message) => message.text)).toEqual(['Jembatan retak']);
    expect(chat.seen).toBe(1);
  });
});

describe('staying up', () => {
  it('recreates the client with backoff when ready does not come in time', async () => {
    createAdapter();
    await adapter.start();
    await flush();
    const first = factory.latest;
    await vi.advanceTimersByTimeAsync(29_999);
    expect(first.destroyCalls).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(first.destroyCalls).toBe(1);
    expect(adapter.health()).toMatchObject({ state: 'disconnected', detail: expect.stringContaining('tidak siap dalam 30 dtk') as string });
    await vi.advanceTimersByTimeAsync(4_999);
    expect(factory.clients).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(factory.clients).toHaveLength(2);
    // The second time out waits twice as long before the next try.
    await vi.advanceTimersByTimeAsync(30_000 + 9_999);
    expect(factory.clients).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(factory.clients).toHaveLength(3);
  });

  it('waits for a QR scan as long as new codes keep coming, and only then gives up on a stuck page', async () => {
    createAdapter();
    await adapter.start();
    await flush();
    const client = factory.latest;
    for (let i = 0; i < 30; i += 1) {
      client.emitQr(`QR-${i}`);
      await vi.advanceTimersByTimeAsync(20_000);
    }
    expect(factory.clients).toHaveLength(1);
    expect(adapter.qr()).toBe('QR-29');
    expect(adapter.health().detail).toContain('menunggu pindai QR');
    await vi.advanceTimersByTimeAsync(QR_STALE_MS);
    expect(client.destroyCalls).toBe(1);
    expect(adapter.qr()).toBeUndefined();
  });

  it('recreates a client whose page hangs, closing the hung browser first', async () => {
    factory.setup = (client, index) => {
      if (index === 0) client.initializeMode = 'hang';
    };
    createAdapter();
    await adapter.start();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(factory.clients[0]?.destroyCalls).toBe(1);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(factory.clients).toHaveLength(2);
    factory.latest.emitReady();
    await flush();
    expect(adapter.health().state).toBe('connected');
  });

  it('on logout alerts the officers once, reports it, and shows a new QR code', async () => {
    const client = await connected();
    client.emitDisconnected('LOGOUT');
    client.emitDisconnected('LOGOUT');
    expect(onLoggedOut).toHaveBeenCalledTimes(1);
    expect(adapter.health()).toMatchObject({ state: 'disconnected', detail: expect.stringMatching(/^logout dari WhatsApp/) as string });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(factory.clients).toHaveLength(2);
    factory.latest.emitQr('QR-NEW');
    expect(adapter.qr()).toBe('QR-NEW');
    expect(adapter.health()).toMatchObject({ state: 'disconnected', detail: expect.stringContaining('logout dari WhatsApp; menunggu pindai QR') as string });
    // Sending waits for the link: the outbox keeps the message and retries.
    await expect(adapter.send({ channel: 'whatsapp', chatId: RESIDENT, text: 'x' })).rejects.toBeInstanceOf(NetworkError);

    factory.latest.emitReady();
    await flush();
    expect(adapter.health().state).toBe('connected');
    factory.latest.emitDisconnected('LOGOUT');
    expect(onLoggedOut).toHaveBeenCalledTimes(2);
  });

  it('when Chromium is missing, retries with growing pauses: no tight loop', async () => {
    factory.setup = (client) => {
      client.initializeMode = { error: new Error(CHROMIUM_MISSING) };
    };
    createAdapter();
    await adapter.start();
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    // Tries at 0, 5, 15, 35, 75, 155 and 315 s; the next would be at 615 s.
    expect(factory.clients).toHaveLength(7);
    const pauses = factory.createdAt.slice(1).map((at, i) => at - (factory.createdAt[i] ?? 0));
    expect(pauses).toEqual([5_000, 10_000, 20_000, 40_000, 80_000, 160_000]);
    expect(factory.clients.every((client) => client.destroyCalls === 1)).toBe(true);
    expect(adapter.health()).toEqual({
      state: 'disconnected',
      detail: 'Chromium tidak ditemukan di /usr/bin/chromium (pasang chromium atau atur WHATSAPP_CHROMIUM_PATH); mencoba lagi dalam 15 dtk',
    });
    // The pause is capped at five minutes.
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(factory.clients.length).toBeLessThanOrEqual(7 + 12);
  });

  it('reports a missing Chromium found before launching the same way', async () => {
    factory.createError = new ChromiumNotFoundError('/opt/chromium');
    createAdapter({ chromiumPath: '/opt/chromium' });
    await adapter.start();
    await flush();
    expect(adapter.health().detail).toMatch(/^Chromium tidak ditemukan di \/opt\/chromium/);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(factory.createdAt).toHaveLength(4);
  });

  it('recreates the client when it disconnects or its page stops answering', async () => {
    const client = await connected();
    client.emitDisconnected('BROWSER_CLOSED');
    expect(adapter.health()).toMatchObject({ state: 'disconnected', detail: expect.stringContaining('Chromium berhenti') as string });
    await vi.advanceTimersByTimeAsync(5_000);
    const second = factory.latest;
    expect(second).not.toBe(client);
    second.emitReady();
    await flush();
    second.state = new Error('Protocol error: Target closed');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(second.destroyCalls).toBe(1);
    expect(adapter.health().detail).toContain('tidak menjawab');
  });

  it('shows a shaky link as degraded and recovers', async () => {
    const client = await connected();
    client.emitChangeState('TIMEOUT');
    expect(adapter.health()).toEqual({ state: 'degraded', detail: 'koneksi WhatsApp terganggu (TIMEOUT)' });
    client.emitChangeState('CONNECTED');
    expect(adapter.health().state).toBe('connected');
  });

  it('stop() during a hung start closes the browser and leaves nothing running', async () => {
    factory.setup = (client) => {
      client.initializeMode = 'hang';
    };
    createAdapter();
    await adapter.start();
    await flush();
    await adapter.stop();
    expect(factory.latest.destroyCalls).toBe(1);
    expect(adapter.health()).toEqual({ state: 'disconnected', detail: 'dihentikan' });
  });

  it('stop() during the backoff cancels the next try', async () => {
    factory.createError = new ChromiumNotFoundError('/usr/bin/chromium');
    createAdapter();
    await adapter.start();
    await flush();
    await adapter.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(factory.createdAt).toHaveLength(1);
  });
});

describe('sending', () => {
  it('waits a human-like pause with the typing indicator, and keeps a gap per chat', async () => {
    const client = await connected({ minDelayMs: 1000, maxDelayMs: 3000, perChatGapMs: 5000 });
    client.emitMessage({ from: RESIDENT, body: 'Jalan berlubang' });
    await flush();

    let first: unknown;
    void adapter.send({ channel: 'whatsapp', chatId: RESIDENT, text: 'Terima kasih, laporan SKM-1 diterima', replyTo: received[0]?.externalId }).then((result) => (first = result));
    await vi.advanceTimersByTimeAsync(1_999);
    expect(client.sent).toHaveLength(0);
    expect(client.chats.get(RESIDENT)?.typing).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(first).toEqual({ platformMessageId: client.sent[0]?.id });
    expect(client.sent[0]).toMatchObject({ chatId: RESIDENT, options: { linkPreview: false, quotedMessageId: received[0]?.externalId } });

    const second = adapter.send({ channel: 'whatsapp', chatId: RESIDENT, text: 'Petugas sudah ditunjuk' });
    await vi.advanceTimersByTimeAsync(4_999);
    expect(client.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await second;
    expect(client.sent).toHaveLength(2);
  });

  it('refuses people who never wrote and groups that are not officers\' groups, without sending', async () => {
    const client = await connected();
    const stranger = adapter.send({ channel: 'whatsapp', chatId: '6289999999999@c.us', text: 'Promo!' });
    await expect(stranger).rejects.toThrow(NOT_WRITTEN_FIRST);
    await expect(adapter.send({ channel: 'whatsapp', chatId: OTHER_GROUP, text: 'x' })).rejects.toBeInstanceOf(RemoteApiError);
    const error: unknown = await adapter.send({ channel: 'whatsapp', chatId: '6289999999999@c.us', text: 'x' }).catch((e: unknown) => e);
    expect(classifySendError(error).retry).toBe(false);
    expect(client.sent).toHaveLength(0);
    const toGroup = adapter.send({ channel: 'whatsapp', chatId: OFFICERS, text: 'Ringkasan harian' });
    await flush();
    await expect(toGroup).resolves.toBeDefined();
  });

  it('sends an attached image (the weekly chart) before its text', async () => {
    const client = await connected();
    const dir = mkdtempSync(join(tmpdir(), 'wa-chart-'));
    writeFileSync(join(dir, '2026-W47.png'), Buffer.from('89504e470d0a1a0a', 'hex'));
    try {
      const sending = adapter.send({
        channel: 'whatsapp',
        chatId: OFFICERS,
        text: '*Ringkasan mingguan*',
        attachment: { kind: 'photo', path: join(dir, '2026-W47.png'), mimeType: 'image/png' },
      });
      await flush();
      await expect(sending).resolves.toBeDefined();
      expect(client.sent.map((sent) => sent.text)).toEqual(['[image/png 2026-W47.png 8 B]', '*Ringkasan mingguan*']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not send the image again when its text failed and the message is sent again', async () => {
    const client = await connected();
    const dir = mkdtempSync(join(tmpdir(), 'wa-chart-'));
    writeFileSync(join(dir, '2026-W47.png'), Buffer.from('89504e470d0a1a0a', 'hex'));
    const send = client.sendMessage.bind(client);
    let failures = 1;
    client.sendMessage = (chatId, text, options) =>
      failures-- > 0 ? Promise.reject(new Error('Protocol error (Runtime.callFunctionOn): Session closed.')) : send(chatId, text, options);
    let sent: SentParts | undefined;
    const message = {
      channel: 'whatsapp',
      chatId: OFFICERS,
      text: '*Ringkasan mingguan*',
      attachment: { kind: 'photo' as const, path: join(dir, '2026-W47.png'), mimeType: 'image/png' },
    };
    const parts = () => ({ sent, delivered: (progress: SentParts) => void (sent = progress) });
    try {
      const first = adapter.send({ ...message, parts: parts() });
      await flush();
      await expect(first).rejects.toBeInstanceOf(NetworkError);
      const second = adapter.send({ ...message, parts: parts() });
      await flush();
      const result = await second;
      expect(client.sent.map((entry) => entry.text)).toEqual(['[image/png 2026-W47.png 8 B]', '*Ringkasan mingguan*']);
      expect(result.platformMessageId).toContain('3EB0OUT');
      expect(result.extraPlatformMessageIds).toEqual([expect.stringContaining('3EB0IMG')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('maps failures to retryable or final errors', async () => {
    const client = await connected();
    written.add(RESIDENT);
    client.sendError = new Error('Protocol error (Runtime.callFunctionOn): Session closed. Most likely the page has been closed.');
    const closed = adapter.send({ channel: 'whatsapp', chatId: RESIDENT, text: 'x' });
    await expect(closed).rejects.toBeInstanceOf(NetworkError);
    client.sendError = undefined;
    client.sendFindsNoChat = true;
    const missing: unknown = await adapter.send({ channel: 'whatsapp', chatId: RESIDENT, text: 'x' }).catch((e: unknown) => e);
    expect(classifySendError(missing).retry).toBe(false);
  });

  it('fails fast while not connected', async () => {
    createAdapter();
    written.add(RESIDENT);
    await adapter.start();
    await expect(adapter.send({ channel: 'whatsapp', chatId: RESIDENT, text: 'x' })).rejects.toThrow(/WhatsApp belum terhubung: memulai Chromium/);
  });
});
