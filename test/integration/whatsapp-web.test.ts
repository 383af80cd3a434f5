// The whatsapp-web.js channel with the real core: intake on a SQLite file, routing, the outbox and
// the adapter, over a fake whatsapp-web.js client (the library itself needs a browser and WhatsApp).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebAdapter } from '../../bots/web/adapter.ts';
import { WhatsAppWebAdapter } from '../../bots/whatsapp/adapter.ts';
import type { WhatsAppWebConfig } from '../../bots/whatsapp/config.ts';
import { loggedOutAlert } from '../../bots/whatsapp/texts.ts';
import { ingest } from '../../core/intake.ts';
import { alertOfficers } from '../../core/notify.ts';
import { OutboxWorker } from '../../core/outbox.ts';
import { lastInboundAt } from '../../storage/repositories/index.ts';
import { tickets } from '../../storage/schema.ts';
import { fakeMessage, FakeWhatsAppFactory, type FakeWhatsAppClient } from '../fakes/whatsapp-web.ts';
import { createTestCore, demoProfileWith, silentLogger, tempDir, type TestCore } from '../helpers.ts';

const GROUP = '120363000000000001@g.us';
const RESIDENT = '6281234567890@c.us';
const KAUR_UMUM = '6281111111106@c.us';
const LAMP = 'Lampu jalan di depan masjid Dusun Krajan mati sudah seminggu';

let core: TestCore;
let adapter: WhatsAppWebAdapter;
let worker: OutboxWorker;
let factory: FakeWhatsAppFactory;
let session: { dir: string; cleanup: () => void };

beforeEach(async () => {
  session = tempDir('aspirasi-wa-');
  const profile = demoProfileWith((raw) => {
    const officers = raw.officers as Array<{ id: string; contacts: Array<{ channel: string; id: string }> }>;
    const kaurUmum = officers.find((officer) => officer.id === 'kaur_umum');
    kaurUmum?.contacts.unshift({ channel: 'whatsapp', id: KAUR_UMUM });
    (raw.triage as { chats: Array<{ channel: string; chat: string }> }).chats.push({ channel: 'whatsapp', chat: GROUP });
    // The clock is the real one: officers' notifications must not wait for the morning.
    (raw.reminders as { quiet_hours: unknown }).quiet_hours = null;
  });
  core = createTestCore({ profile, start: Date.now() });
  factory = new FakeWhatsAppFactory();
  const config: WhatsAppWebConfig = {
    sessionDir: session.dir,
    chromiumPath: '/usr/bin/chromium',
    pairingNumber: undefined,
    triageGroupId: undefined,
    readyTimeoutMs: 60_000,
    // No human-like pauses in this test; the throttle has its own tests.
    minDelayMs: 0,
    maxDelayMs: 0,
    perChatGapMs: 0,
    maxPerMinute: 120,
  };
  adapter = new WhatsAppWebAdapter(config, {
    receive: (message) => ingest(core.ctx, message),
    logger: silentLogger,
    hasWrittenFirst: (chatId) => lastInboundAt(core.ctx.store.db, 'whatsapp', chatId) !== undefined,
    officerGroups: new Set([GROUP]),
    onLoggedOut: (reason) => core.ctx.store.transaction(() => alertOfficers(core.ctx, loggedOutAlert(reason), 'whatsapp')),
    createClient: factory.create,
  });
  worker = new OutboxWorker(core.ctx, new Map<string, WhatsAppWebAdapter | WebAdapter>([['whatsapp', adapter], ['web', new WebAdapter()]]), {
    baseDelayMs: 50,
  });
  await adapter.start();
  // The client is listened to once initialize() was called ("membuka WhatsApp Web").
  await until(() => adapter.health().detail === 'membuka WhatsApp Web');
  factory.latest.emitReady();
  await until(() => adapter.health().state === 'connected');
});

afterEach(async () => {
  await worker.stop();
  await adapter.stop();
  core.close();
  session.cleanup();
});

/** Runs outbox passes until `check` holds (real time: the adapter works with promises and timers). */
async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out; whatsapp ${JSON.stringify(adapter.health())}, clients ${factory.clients.length}`);
    await worker?.runOnce();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const sentTo = (client: FakeWhatsAppClient, chatId: string) => client.sent.filter((message) => message.chatId === chatId);

describe('WhatsApp (whatsapp-web.js) with the real core', () => {
  it('acknowledges a resident, notifies the officers\' group, and relays a quoted reply back', async () => {
    const client = factory.latest;
    client.emitMessage({ from: RESIDENT, body: LAMP, notifyName: 'Bu Warsini' });
    await until(() => sentTo(client, RESIDENT).some((message) => message.text.includes('SKM-1')));
    const ack = sentTo(client, RESIDENT)[0];
    expect(ack?.text).toContain('laporan Anda sudah kami terima');

    await until(() => sentTo(client, GROUP).some((message) => message.text.includes('Tiket baru SKM-1')));
    const notification = sentTo(client, GROUP).find((message) => message.text.includes('Tiket baru SKM-1'));
    expect(notification?.text).toContain('/ambil SKM-1');

    // The officer quotes the notification (WhatsApp Web reports it with the officer as participant).
    const quoted = { ...fakeMessage({ from: GROUP, fromMe: true, body: notification?.text ?? '' }), id: { _serialized: `${notification?.id ?? ''}_${KAUR_UMUM}`, fromMe: true } };
    client.emitMessage({ from: GROUP, author: KAUR_UMUM, body: 'Besok pagi lampunya kami ganti, Bu.', quoted });
    await until(() => sentTo(client, RESIDENT).some((message) => message.text.includes('Besok pagi lampunya kami ganti')));
  });

  it('takes triage commands in the group from registered officers only', async () => {
    const client = factory.latest;
    client.emitMessage({ from: RESIDENT, body: LAMP });
    await until(() => sentTo(client, GROUP).length > 0);
    client.emitMessage({ from: GROUP, author: '6289999999999@c.us', body: '/selesai SKM-1 beres' });
    await until(() => sentTo(client, GROUP).some((message) => message.text.includes('hanya untuk perangkat desa')));
    expect(core.ctx.store.db.select().from(tickets).get()?.status).not.toBe('resolved');
    client.emitMessage({ from: GROUP, author: KAUR_UMUM, body: '/selesai SKM-1 Lampu sudah diganti' });
    await until(() => core.ctx.store.db.select().from(tickets).get()?.status === 'resolved');
    await until(() => sentTo(client, RESIDENT).some((message) => message.text.includes('Lampu sudah diganti')));
  });

  it('never messages a number that did not write first', async () => {
    const client = factory.latest;
    await expect(adapter.send({ channel: 'whatsapp', chatId: '6287777777777@c.us', text: 'Halo' })).rejects.toThrow(/belum pernah menulis/);
    expect(sentTo(client, '6287777777777@c.us')).toHaveLength(0);
  });

  it('on logout tells the officers on another channel', async () => {
    factory.latest.emitDisconnected('LOGOUT');
    await until(() => adapter.health().state !== 'connected');
    const alerts = core.queued('sekdes');
    expect(alerts.some((text) => text.includes('WhatsApp desa terputus'))).toBe(true);
  });
});
