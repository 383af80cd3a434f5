// The Telegram channel end to end: the real service (telegraf client, outbox, core, SQLite) against a
// fake Bot API server that speaks HTTP like api.telegram.org.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseEnv } from '../../config/env.ts';
import { startService, type Service } from '../../scripts/service.ts';
import { contacts, messages, outbox, tickets } from '../../storage/schema.ts';
import { startFakeTelegram, type FakeTelegram, type FakeUser, type SentMessage } from '../fakes/telegram.ts';
import { daytimeProfilePath, tempDir } from '../helpers.ts';

const GROUP = -1001000000001;
const resident: FakeUser = { id: 5550001, first_name: 'Warsini' };
const otherResident: FakeUser = { id: 5550002, first_name: 'Darto' };
/** kaur_umum in the demo profile (Telegram ids 1001-1017 in profile order). */
const kaurUmum: FakeUser = { id: 1006, first_name: 'Bambang' };
const stranger: FakeUser = { id: 9990001, first_name: 'Orang Lain' };
const LAMP = 'Lampu jalan di depan masjid Dusun Krajan mati sudah seminggu';

let fake: FakeTelegram;
let data: { dir: string; cleanup: () => void };
let service: Service | undefined;

beforeEach(async () => {
  fake = await startFakeTelegram();
  data = tempDir('aspirasi-telegram-');
});

afterEach(async () => {
  await service?.stop();
  service = undefined;
  await fake.close();
  data.cleanup();
});

async function start(extra: Record<string, string> = {}): Promise<Service> {
  service = await startService(
    parseEnv(
      {
        PORT: '0',
        DATA_DIR: data.dir,
        LOG_LEVEL: 'silent',
        SIMULATOR_ENABLED: 'false',
        TELEGRAM_BOT_TOKEN: fake.token,
        TELEGRAM_API_ROOT: fake.url,
        TELEGRAM_POLL_TIMEOUT: '1',
        ASPIRASI_CONFIG: daytimeProfilePath(),
        ...extra,
      },
      false,
    ),
    { outbox: { baseDelayMs: 100, maxDelayMs: 1000 } },
  );
  return service;
}

const textOf = (messages: SentMessage[]) => messages.map((message) => message.text);
const ticketCodeIn = (text: string) => /SKM-\d+/.exec(text)?.[0];

/** Waits for a message to `chat` whose text matches. */
function waitForText(chat: number, pattern: RegExp, timeoutMs = 5000): Promise<SentMessage> {
  return fake.waitFor((sent) => sent.find((message) => message.chat_id === String(chat) && pattern.test(message.text)), timeoutMs);
}

describe('Telegram channel', () => {
  it('acknowledges a resident with the ticket code, notifies the group with buttons, and relays an officer reply', async () => {
    await start();
    const started = Date.now();
    fake.sendPrivateText(resident, LAMP);
    const ack = await waitForText(resident.id, /SKM-\d+/);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(ack.text).toContain('laporan Anda sudah kami terima');
    expect(ack.text).toContain('Privasi');
    expect(ack.parse_mode).toBeUndefined();
    const code = ticketCodeIn(ack.text) ?? '';

    const notification = await waitForText(GROUP, new RegExp(`Tiket baru ${code}`));
    expect(notification.text).toContain(LAMP);
    expect(notification.reply_markup).toEqual({
      inline_keyboard: [
        [{ text: 'Ambil', callback_data: `/ambil ${code}` }, { text: 'Alihkan', callback_data: `/alihkan ${code}` }],
        [{ text: 'Selesai', callback_data: `/selesai ${code}` }, { text: 'Tolak', callback_data: `/tolak ${code}` }],
      ],
    });

    fake.sendGroupText(GROUP, kaurUmum, 'Besok pagi lampunya kami ganti, Bu.', { replyTo: { message_id: notification.message_id } });
    const relayed = await waitForText(resident.id, /Besok pagi lampunya kami ganti/);
    expect(relayed.text).toContain(code);
    // The update was confirmed to Telegram only after it was handled.
    await expect.poll(() => fake.confirmedUpTo()).toBeGreaterThanOrEqual(2);
  });

  it('stores a burst that arrives in one getUpdates answer together: each resident acknowledged, the group gets one digest', async () => {
    const reporters: FakeUser[] = [1, 2, 3, 4].map((n) => ({ id: 5560000 + n, first_name: `Warga ${n}` }));
    const texts = [LAMP, 'Air PAMSIMAS tidak mengalir sejak kemarin pagi', 'Jalan di RT 03 berlubang besar, bahaya untuk motor', 'Sampah menumpuk di sungai dekat jembatan'];
    // Queued before the bot polls: the first getUpdates answers all of them at once.
    reporters.forEach((reporter, i) => fake.sendPrivateText(reporter, texts[i] ?? ''));
    // A follow-up right behind the first report: stored after it, as part of its ticket.
    fake.sendPrivateText(reporters[0]!, 'Tambahan: tiangnya juga miring');
    await start();
    const acks = await Promise.all(reporters.map((reporter) => waitForText(reporter.id, /SKM-\d+/)));
    const codes = acks.map((ack) => ticketCodeIn(ack.text));
    expect(new Set(codes).size).toBe(4);
    const digest = await waitForText(GROUP, /pesan warga masuk bersamaan/);
    for (const code of codes) expect(digest.text).toContain(code);
    expect(fake.sent(GROUP).filter((message) => /^(?:🚨 )?Tiket baru/.test(message.text))).toEqual([]);
    const first = service!.ctx.store.db.select().from(tickets).all().find((ticket) => ticket.code === codes[0]);
    const firstMessages = service!.ctx.store.db.select().from(messages).all().filter((message) => message.direction === 'in' && message.ticketId === first?.id);
    expect(firstMessages.map((message) => message.text)).toEqual([LAMP, 'Tambahan: tiangnya juga miring']);
    await expect.poll(() => fake.confirmedUpTo()).toBe(5);
  });

  it('turns button presses into the officer\'s commands, and ratings into a closed ticket', async () => {
    await start();
    fake.sendPrivateText(resident, LAMP);
    const ack = await waitForText(resident.id, /SKM-\d+/);
    const code = ticketCodeIn(ack.text) ?? '';
    const notification = await waitForText(GROUP, new RegExp(`Tiket baru ${code}`));

    fake.pressButton(GROUP, kaurUmum, notification.message_id, `/ambil ${code}`);
    await waitForText(GROUP, new RegExp(`${code} sekarang Anda tangani`));
    await expect.poll(() => fake.calls('answerCallbackQuery').filter((call) => call.status === 200).length).toBe(1);

    fake.pressButton(GROUP, kaurUmum, notification.message_id, `/selesai ${code}`);
    const resolved = await waitForText(resident.id, /telah selesai ditangani/);
    expect(resolved.reply_markup).toEqual({
      inline_keyboard: [['1', '2', '3', '4', '5'].map((digit) => ({ text: '⭐'.repeat(Number(digit)), callback_data: digit }))],
    });

    fake.pressButton(resident.id, resident, resolved.message_id, '5');
    await waitForText(resident.id, /nilai|Terima kasih atas penilaian/i);
    await expect.poll(() => service?.ctx.store.db.select().from(tickets).get()?.rating).toBe(5);
    // A rating is given once: its buttons are taken away.
    await expect.poll(() => fake.message(resident.id, resolved.message_id)?.reply_markup).toBeUndefined();
  });

  it('refuses commands from people who are not registered officers', async () => {
    await start();
    fake.sendPrivateText(resident, LAMP);
    await waitForText(GROUP, /Tiket baru SKM-1/);
    fake.sendGroupText(GROUP, stranger, '/selesai@AspirasiBot SKM-1 beres');
    const refusal = await waitForText(GROUP, /hanya untuk perangkat desa dan anggota BPD yang terdaftar/);
    expect(refusal.text).toContain(String(stranger.id));
    expect(service?.ctx.store.db.select().from(tickets).get()?.status).not.toBe('resolved');
  });

  it('creates nothing new when Telegram delivers the same message again', async () => {
    await start();
    const update = fake.sendPrivateText(resident, LAMP);
    await waitForText(resident.id, /SKM-1/);
    // The same message in a second update (as after a lost confirmation).
    fake.pushUpdate({ message: update.message });
    fake.sendPrivateText(otherResident, 'Jalan ke sawah di RT 2 berlubang besar');
    await waitForText(otherResident.id, /SKM-2/);
    expect(service?.ctx.store.db.select().from(tickets).all()).toHaveLength(2);
    expect(textOf(fake.sent(resident.id)).filter((text) => text.includes('SKM-1'))).toHaveLength(1);
  });

  it('resumes after a restart from the last confirmed update, without handling any update twice', async () => {
    await start();
    fake.sendPrivateText(resident, LAMP);
    await waitForText(resident.id, /SKM-1/);
    await service?.stop();
    service = undefined;
    fake.sendPrivateText(otherResident, 'Sampah menumpuk di pinggir sungai dekat jembatan');
    const restarted = await start();
    await waitForText(otherResident.id, /SKM-2/);
    expect(restarted.ctx.store.db.select().from(tickets).all()).toHaveLength(2);
    expect(fake.sent(resident.id).filter((message) => message.text.includes('SKM-'))).toHaveLength(1);
  });

  it('waits out 429 retry_after and then delivers', async () => {
    await start();
    fake.failNext('sendMessage', { status: 429, description: 'Too Many Requests: retry after 1', retryAfter: 1 });
    fake.sendPrivateText(resident, LAMP);
    await waitForText(resident.id, /SKM-1/, 8000);
    const sends = fake.calls('sendMessage');
    const refused = sends.find((call) => call.status === 429);
    const delivered = sends.find((call) => call.status === 200);
    expect(refused).toBeDefined();
    expect((delivered?.at ?? 0) - (refused?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('marks a resident who blocked the bot unreachable and keeps serving everyone else', async () => {
    await start();
    fake.blockUser(resident.id);
    fake.sendPrivateText(resident, LAMP);
    fake.sendPrivateText(otherResident, 'Jalan ke sawah di RT 2 berlubang besar');
    await waitForText(otherResident.id, /SKM-\d+/);
    await expect
      .poll(() => service?.ctx.store.db.select().from(contacts).all().find((contact) => contact.externalId === String(resident.id))?.reachable)
      .toBe(false);
    // The blocked resident's ticket still reached the officers, and its handler learns the answer did not arrive.
    await waitForText(GROUP, new RegExp(LAMP.slice(0, 20)));
    const warning = await waitForText(kaurUmum.id, /tidak terkirim/);
    expect(warning.text).toContain('blocked');
  });

  it('splits a reply longer than 4096 characters into parts Telegram accepts', async () => {
    await start();
    fake.sendPrivateText(resident, LAMP);
    await waitForText(resident.id, /SKM-1/);
    const long = 'Kami sudah memeriksa lampu di lokasi dan menemukan kabelnya putus. '.repeat(90).trim();
    fake.sendGroupText(GROUP, kaurUmum, `/balas SKM-1 ${long}`);
    await fake.waitFor((sent) => sent.filter((message) => message.chat_id === String(resident.id) && message.text.includes('kabelnya putus')).length >= 2);
    const parts = fake.sent(resident.id).filter((message) => message.text.includes('kabelnya putus'));
    for (const part of parts) expect(part.text.length).toBeLessThanOrEqual(4096);
    expect(fake.calls('sendMessage').some((call) => call.status === 400)).toBe(false);
  });

  it('sends each part of a split reply once when a later part fails and the reply is sent again', async () => {
    await start();
    fake.sendPrivateText(resident, LAMP);
    await waitForText(resident.id, /SKM-1/);
    const long = 'Kami sudah memeriksa lampu di lokasi dan menemukan kabelnya putus. '.repeat(90).trim();
    // The second part is refused once with a 429, as Telegram does when a chat gets messages too fast.
    let refused = false;
    fake.setFaultPolicy('sendMessage', (call) => {
      const text = typeof call.params.text === 'string' ? call.params.text : '';
      if (refused || !text.includes('kabelnya putus') || text.startsWith('Jawaban')) return undefined;
      if (!fake.sent(resident.id).some((message) => message.text.includes('kabelnya putus'))) return undefined;
      refused = true;
      return { kind: 'fail', error: { status: 429, description: 'Too Many Requests: retry after 1', retryAfter: 1 } };
    });
    fake.sendGroupText(GROUP, kaurUmum, `/balas SKM-1 ${long}`);
    await fake.waitFor(() => refused);
    const row = await vi.waitFor(
      () => {
        const sent = service?.ctx.store.db.select().from(outbox).where(eq(outbox.purpose, 'officer_reply')).get();
        if (sent?.state !== 'sent') throw new Error('the reply is not sent yet');
        return sent;
      },
      { timeout: 10_000, interval: 50 },
    );
    const parts = fake.sent(resident.id).filter((message) => message.text.includes('kabelnya putus'));
    expect(parts.length).toBeGreaterThanOrEqual(2);
    expect(new Set(parts.map((part) => part.text)).size).toBe(parts.length);
    expect(parts.map((part) => part.text).join('\n').replace(/\s+/g, ' ')).toContain(long.replace(/\s+/g, ' ').slice(0, 200));
    expect(row.attempts).toBe(2);
    expect(row.sentParts).toMatchObject({ count: 1 });
  });

  it('sends the weekly chart as a photo upload before the summary text', async () => {
    const running = await start();
    const chart = join(data.dir, '2026-W47.png');
    writeFileSync(chart, Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
    const channel = -1002000000001;
    const adapter = running.adapters.find((candidate) => candidate.name === 'telegram');
    const result = await adapter?.send({
      channel: 'telegram',
      chatId: String(channel),
      text: 'Ringkasan Aspirasi Warga Desa Sukamaju: 7 laporan masuk, 5 selesai.',
      attachment: { kind: 'photo', path: chart, mimeType: 'image/png' },
    });
    const sent = fake.sent(channel);
    expect(sent.map((message) => message.photo)).toEqual([{ filename: '2026-W47.png', bytes: 16, head: '89504e470d0a1a0a' }, undefined]);
    expect(sent[1]?.text).toBe('Ringkasan Aspirasi Warga Desa Sukamaju: 7 laporan masuk, 5 selesai.');
    expect(result?.platformMessageId).toBe(`${channel}:${sent[1]?.message_id}`);
  });

  it('keeps photos and locations as attachments of the ticket and asks for words after a voice note', async () => {
    await start();
    fake.sendPrivateMessage(resident, {
      caption: 'Jembatan bambu ke sawah retak, bahaya',
      photo: [{ file_id: 'photo-large', file_unique_id: 'p1', width: 1280, height: 960 }],
    });
    await waitForText(resident.id, /SKM-1/);
    fake.sendPrivateMessage(resident, { location: { latitude: -7.2575, longitude: 110.4031 } });
    await expect.poll(() => service?.ctx.store.db.select().from(tickets).get()?.latitude).toBe(-7.2575);
    const stored = service?.ctx.store.db.select().from(messages).all().flatMap((message) => message.attachments ?? []);
    expect(stored).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'photo', fileId: 'photo-large' })]));
    fake.sendPrivateMessage(otherResident, { voice: { file_id: 'voice-1', file_unique_id: 'v1', duration: 12, mime_type: 'audio/ogg' } });
    const ask = await waitForText(otherResident.id, /tulis|ketik/i);
    expect(ask.text).not.toMatch(/SKM-/);
  });

  it('in webhook mode accepts only updates carrying the secret token', async () => {
    const secret = 'rahasia-webhook-desa-123';
    const svc = await start({ TELEGRAM_WEBHOOK_URL: 'http://127.0.0.1:1/telegram/webhook', TELEGRAM_WEBHOOK_SECRET: secret });
    await expect.poll(() => fake.webhook()?.secret_token).toBe(secret);
    const url = `http://127.0.0.1:${svc.port}/telegram/webhook`;
    const update = {
      update_id: 77,
      message: { message_id: 5, date: Math.floor(Date.now() / 1000), chat: { id: resident.id, type: 'private', first_name: 'Warsini' }, from: { ...resident, is_bot: false }, text: LAMP },
    };
    const forged = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'salah' }, body: JSON.stringify(update) });
    expect(forged.status).toBe(401);
    expect(svc.ctx.store.db.select().from(tickets).all()).toHaveLength(0);
    const genuine = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret }, body: JSON.stringify(update) });
    expect(genuine.status).toBe(200);
    expect(svc.ctx.store.db.select().from(tickets).all()).toHaveLength(1);
    const again = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret }, body: JSON.stringify(update) });
    expect(again.status).toBe(200);
    expect(svc.ctx.store.db.select().from(tickets).all()).toHaveLength(1);
    const malformed = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret }, body: '{"hello":1}' });
    expect(malformed.status).toBe(400);
  });

  it('keeps trying when the webhook cannot be set, and says so meanwhile', async () => {
    fake.failNext('setWebhook', { status: 500, description: 'Internal Server Error' });
    const svc = await start({ TELEGRAM_WEBHOOK_URL: 'http://127.0.0.1:1/telegram/webhook', TELEGRAM_WEBHOOK_SECRET: 'rahasia-webhook-desa-123' });
    await expect.poll(() => svc.adapters.find((adapter) => adapter.name === 'telegram')?.health().state).toBe('disconnected');
    await expect.poll(() => fake.webhook()?.url, { timeout: 8000 }).toBe('http://127.0.0.1:1/telegram/webhook');
    await expect.poll(() => svc.adapters.find((adapter) => adapter.name === 'telegram')?.health().state).toBe('connected');
  });

  it('shows in /healthz when Telegram refuses the token, while the rest of the service runs', async () => {
    const svc = await start({ TELEGRAM_BOT_TOKEN: '999:WRONG-TOKEN' });
    const health = async () => (await (await fetch(`http://127.0.0.1:${svc.port}/healthz`)).json()) as { status: string; channels: Record<string, { state: string; detail?: string }> };
    await expect.poll(async () => (await health()).channels.telegram?.state).toBe('disconnected');
    expect((await health()).channels.telegram?.detail).toContain('401');
    expect((await health()).status).toBe('degraded');
  });
});
