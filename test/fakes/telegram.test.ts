// Self-test of the fake Telegram Bot API, driven with plain fetch the way an HTTP client sees it.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeTelegram, type FakeTelegram } from './telegram.ts';

type Body = Record<string, unknown>;

let tg: FakeTelegram;

beforeEach(async () => {
  tg = await startFakeTelegram();
});

afterEach(async () => {
  await tg.close();
});

/** POSTs a JSON call; returns the HTTP status and the parsed answer. */
async function api(method: string, params: Body = {}, token = tg.token): Promise<{ status: number; body: Body }> {
  const res = await fetch(`${tg.url}/bot${token}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(params),
  });
  return { status: res.status, body: (await res.json()) as Body };
}

function resultOf(answer: { body: Body }): Body[] {
  return answer.body.result as Body[];
}

const alice = { id: 111, first_name: 'Alice', username: 'alice' };

describe('fake Telegram Bot API', () => {
  it('answers getMe, and 401 for another token, 404 for an unknown method', async () => {
    const me = await api('getMe');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ ok: true, result: { id: 123456, is_bot: true, username: 'aspirasi_test_bot' } });

    expect(await api('getMe', {}, '999:WRONG')).toEqual({
      status: 401,
      body: { ok: false, error_code: 401, description: 'Unauthorized' },
    });
    expect(await api('frobnicate')).toEqual({
      status: 404,
      body: { ok: false, error_code: 404, description: 'Not Found: method not found' },
    });
    // Real but unimplemented methods succeed and are recorded.
    expect((await api('setMyCommands', { commands: [] })).body).toEqual({ ok: true, result: true });
    expect(tg.calls('setMyCommands')).toHaveLength(1);
    expect(tg.calls().map((call) => call.status)).toEqual([200, 401, 404, 200]);
  });

  it('holds a long poll open until an update is pushed', async () => {
    const started = Date.now();
    const poll = api('getUpdates', { timeout: 10 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const pushed = tg.sendPrivateText(alice, '/lapor jalan rusak');
    const answer = await poll;
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(answer.status).toBe(200);
    const updates = resultOf(answer);
    expect(updates).toHaveLength(1);
    expect(updates[0]).toEqual(pushed);
    expect(updates[0]).toMatchObject({
      update_id: 1,
      message: {
        message_id: 1000,
        chat: { id: 111, type: 'private', first_name: 'Alice' },
        from: { id: 111, is_bot: false },
        text: '/lapor jalan rusak',
        entities: [{ type: 'bot_command', offset: 0, length: 6 }],
      },
    });
  });

  it('answers [] when the long-poll timeout passes', async () => {
    const started = Date.now();
    const answer = await api('getUpdates', { timeout: 1 });
    expect(resultOf(answer)).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('confirms updates below the offset and honours limit', async () => {
    for (const text of ['satu', 'dua', 'tiga']) tg.sendPrivateText(alice, text);
    expect(resultOf(await api('getUpdates', { limit: 2 })).map((u) => u.update_id)).toEqual([1, 2]);
    expect(tg.confirmedUpTo()).toBe(0);

    const next = await api('getUpdates', { offset: 3 });
    expect(resultOf(next).map((u) => u.update_id)).toEqual([3]);
    expect(tg.confirmedUpTo()).toBe(2);
    expect(tg.pendingUpdates()).toBe(1);

    // Without an offset, the earliest unconfirmed update comes again.
    expect(resultOf(await api('getUpdates')).map((u) => u.update_id)).toEqual([3]);
    await api('getUpdates', { offset: 4 });
    expect(tg.confirmedUpTo()).toBe(3);
    expect(tg.pendingUpdates()).toBe(0);
  });

  it('accepts GET query parameters and form-urlencoded bodies, rejects malformed JSON', async () => {
    tg.sendPrivateText(alice, 'halo');
    const viaGet = await fetch(`${tg.url}/bot${tg.token}/getUpdates?offset=1&limit=1`);
    expect(((await viaGet.json()) as Body).result).toHaveLength(1);

    const viaForm = await fetch(`${tg.url}/bot${tg.token}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        chat_id: '111',
        text: 'dari form',
        reply_markup: JSON.stringify({ inline_keyboard: [[{ text: 'Ya', callback_data: 'yes' }]] }),
      }),
    });
    expect(viaForm.status).toBe(200);
    expect(tg.sent(111)).toMatchObject([{ chat_id: '111', text: 'dari form', reply_markup: { inline_keyboard: [[{ text: 'Ya' }]] } }]);

    const malformed = await fetch(`${tg.url}/bot${tg.token}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"chat_id": 1,',
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ ok: false, error_code: 400 });
  });

  it('sends messages with per-chat ids, replies and the 4096-character limit', async () => {
    const first = await api('sendMessage', { chat_id: 111, text: 'Halo' });
    expect(first.body.result).toMatchObject({ message_id: 1000, chat: { id: 111, type: 'private' }, from: { is_bot: true }, text: 'Halo' });
    const second = await api('sendMessage', { chat_id: '111', text: 'Balasan', reply_parameters: { message_id: 1000 } });
    expect(second.body.result).toMatchObject({ message_id: 1001, reply_to_message: { message_id: 1000, text: 'Halo' } });
    const group = await api('sendMessage', { chat_id: -100123, text: 'Tiket baru' });
    expect(group.body.result).toMatchObject({ message_id: 1000, chat: { id: -100123, type: 'supergroup' } });

    expect((await api('sendMessage', { chat_id: 111, text: 'x'.repeat(4096) })).status).toBe(200);
    expect(await api('sendMessage', { chat_id: 111, text: 'x'.repeat(4097) })).toEqual({
      status: 400,
      body: { ok: false, error_code: 400, description: 'Bad Request: message is too long' },
    });
    expect((await api('sendMessage', { chat_id: 111, text: '' })).body.description).toBe('Bad Request: message text is empty');
    expect((await api('sendMessage', { chat_id: 111, text: 'x', reply_parameters: { message_id: 5 } })).status).toBe(400);

    expect(tg.sent(111).map((m) => [m.message_id, m.reply_to_message_id])).toEqual([
      [1000, undefined],
      [1001, 1000],
      [1002, undefined],
    ]);
    expect(tg.sent().map((m) => m.chat_id)).toEqual(['111', '111', '-100123', '111']);
  });

  it('checks parse_mode markup and callback_data like Telegram', async () => {
    const dot = await api('sendMessage', { chat_id: 111, text: 'Tiket 12. Terima kasih', parse_mode: 'MarkdownV2' });
    expect(dot.body.description).toBe("Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'");
    const escaped = await api('sendMessage', { chat_id: 111, text: '*Tiket 12\\.* _baru_', parse_mode: 'MarkdownV2' });
    expect(escaped.body.result).toMatchObject({ text: 'Tiket 12. baru' });

    const html = await api('sendMessage', { chat_id: 111, text: 'nilai <5 & >3', parse_mode: 'HTML' });
    expect(html.body.description).toBe('Bad Request: can\'t parse entities: Unsupported start tag "5" at byte offset 6');
    const okHtml = await api('sendMessage', { chat_id: 111, text: '<b>Tiket</b> &lt;12&gt; &amp; <a href="https://x.id">link</a>', parse_mode: 'HTML' });
    expect(okHtml.body.result).toMatchObject({ text: 'Tiket <12> & link' });
    expect(tg.sent(111).at(-1)?.text).toBe('<b>Tiket</b> &lt;12&gt; &amp; <a href="https://x.id">link</a>');

    const tooLongData = await api('sendMessage', {
      chat_id: 111,
      text: 'Pilih',
      reply_markup: { inline_keyboard: [[{ text: 'A', callback_data: 'é'.repeat(33) }]] },
    });
    expect(tooLongData.body.description).toBe('Bad Request: BUTTON_DATA_INVALID');
  });

  it('injects a 429 with retry_after, then answers normally', async () => {
    tg.failNext('sendMessage', { status: 429, description: 'Too Many Requests: retry after 3', retryAfter: 3 });
    expect(await api('sendMessage', { chat_id: 111, text: 'a' })).toEqual({
      status: 429,
      body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 3', parameters: { retry_after: 3 } },
    });
    expect((await api('sendMessage', { chat_id: 111, text: 'a' })).status).toBe(200);
    expect(tg.sent()).toHaveLength(1);
    expect(tg.calls('sendMessage').map((call) => call.status)).toEqual([429, 200]);
  });

  it('answers 403 for a user who blocked the bot', async () => {
    tg.blockUser(222);
    expect(await api('sendMessage', { chat_id: '222', text: 'halo' })).toEqual({
      status: 403,
      body: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' },
    });
    expect(tg.sent()).toEqual([]);
  });

  it('drops the connection without an answer, before or after processing', async () => {
    tg.dropNext('sendMessage');
    await expect(api('sendMessage', { chat_id: 111, text: 'hilang' })).rejects.toThrow();
    expect(tg.sent()).toEqual([]);
    expect(tg.calls('sendMessage')[0]?.status).toBe(0);

    // The message goes out but its answer is lost: the client cannot tell it apart from the case above.
    tg.dropNext('sendMessage', 1, { afterProcessing: true });
    await expect(api('sendMessage', { chat_id: 111, text: 'terkirim' })).rejects.toThrow();
    expect(tg.sent().map((m) => m.text)).toEqual(['terkirim']);

    expect((await api('sendMessage', { chat_id: 111, text: 'normal' })).status).toBe(200);
  });

  it('asks a fault policy about every call and records the fault it chose', async () => {
    const plan = ['hang', 'hang_after', 'fail', undefined] as const;
    let call = 0;
    tg.setFaultPolicy('sendMessage', () => {
      const kind = plan[call++];
      return kind === 'fail' ? { kind, error: { status: 500, description: 'Internal Server Error' } } : kind ? { kind } : undefined;
    });
    const timedOut = (text: string) =>
      fetch(`${tg.url}/bot${tg.token}/sendMessage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ chat_id: 111, text }),
        signal: AbortSignal.timeout(150),
      });
    // Left hanging, not taken; then taken with its answer never coming.
    await expect(timedOut('tidak diterima')).rejects.toThrow();
    await expect(timedOut('diterima tanpa jawaban')).rejects.toThrow();
    expect((await api('sendMessage', { chat_id: 111, text: 'gagal' })).status).toBe(500);
    expect((await api('sendMessage', { chat_id: 111, text: 'normal' })).status).toBe(200);
    expect(tg.sent().map((m) => m.text)).toEqual(['diterima tanpa jawaban', 'normal']);
    expect(tg.calls('sendMessage').map((c) => c.fault)).toEqual(['hang', 'hang_after', 'fail', undefined]);

    tg.setFaultPolicy('sendMessage');
    expect((await api('sendMessage', { chat_id: 111, text: 'tanpa kebijakan' })).status).toBe(200);
  });

  it('delays answers so client timeouts can be tested', async () => {
    tg.delayNext('getMe', 300);
    await expect(
      fetch(`${tg.url}/bot${tg.token}/getMe`, { method: 'POST', signal: AbortSignal.timeout(100) }),
    ).rejects.toThrow();
    const started = Date.now();
    tg.delayNext('getMe', 200);
    expect((await api('getMe')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('refuses getUpdates with 409 while a webhook is set, and ends a waiting poll on setWebhook', async () => {
    const waiting = api('getUpdates', { timeout: 10 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await api('setWebhook', { url: 'https://desa.example/telegram/webhook', secret_token: 'rahasia_123' })).body).toEqual({ ok: true, result: true });
    expect(await waiting).toEqual({ status: 409, body: { ok: false, error_code: 409, description: 'Conflict: terminated by setWebhook request' } });
    expect(tg.webhook()).toEqual({ url: 'https://desa.example/telegram/webhook', secret_token: 'rahasia_123' });

    expect(await api('getUpdates')).toEqual({
      status: 409,
      body: {
        ok: false,
        error_code: 409,
        description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      },
    });
    expect((await api('getWebhookInfo')).body.result).toMatchObject({ url: 'https://desa.example/telegram/webhook' });
    await api('deleteWebhook');
    expect(tg.webhook()).toBeUndefined();
    expect((await api('getUpdates')).status).toBe(200);
  });

  it('posts pushed updates to a webhook with the secret header, retrying until it answers 2xx', async () => {
    const received: Array<{ secret: unknown; update: Body }> = [];
    let failuresLeft = 1;
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ secret: req.headers['x-telegram-bot-api-secret-token'], update: JSON.parse(body) as Body });
        res.writeHead(failuresLeft-- > 0 ? 500 : 200).end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = hook.address() as AddressInfo;
      await api('setWebhook', { url: `http://127.0.0.1:${port}/telegram/webhook`, secret_token: 'rahasia_123' });
      tg.sendPrivateText(alice, 'lewat webhook');
      await expect.poll(() => tg.confirmedUpTo(), { timeout: 3000 }).toBe(1);
      expect(received.map((r) => [r.secret, r.update.update_id])).toEqual([
        ['rahasia_123', 1],
        ['rahasia_123', 1],
      ]);
      expect(tg.pendingUpdates()).toBe(0);
    } finally {
      await tg.close();
      await new Promise((resolve) => hook.close(resolve));
    }
  });

  it('answers the older of two concurrent long polls with 409', async () => {
    const older = api('getUpdates', { timeout: 10 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const newer = api('getUpdates', { timeout: 10 });
    const olderAnswer = await older;
    expect(olderAnswer.status).toBe(409);
    expect(olderAnswer.body.description).toMatch(/^Conflict: terminated by other getUpdates request/);
    tg.sendPrivateText(alice, 'halo');
    expect(resultOf(await newer)).toHaveLength(1);
  });

  it('builds group replies and button presses from stored bot messages', async () => {
    const sent = await api('sendMessage', {
      chat_id: -100500,
      text: 'Tiket #7: nilai layanan',
      reply_markup: { inline_keyboard: [[{ text: '5', callback_data: 'rate:7:5' }]] },
    });
    const botMessage = sent.body.result as Body;

    const reply = tg.sendGroupText(-100500, alice, 'sudah ditangani', { replyTo: { message_id: 1000 } });
    expect(reply).toMatchObject({ message: { chat: { id: -100500, type: 'supergroup' }, message_id: 1001, reply_to_message: botMessage } });

    const press = tg.pressButton(-100500, alice, 1000, 'rate:7:5');
    const query = press.callback_query as Body;
    expect(query).toMatchObject({ from: { id: 111 }, data: 'rate:7:5', message: { message_id: 1000, reply_markup: { inline_keyboard: [[{ text: '5' }]] } } });
    expect(typeof query.chat_instance).toBe('string');
    expect(() => tg.pressButton(-100500, alice, 4242, 'x')).toThrow(/no message 4242/);

    expect((await api('answerCallbackQuery', { callback_query_id: query.id })).body).toEqual({ ok: true, result: true });
    expect((await api('answerCallbackQuery', { callback_query_id: query.id })).status).toBe(400);

    // Removing the keyboard works once; the second time nothing changes.
    const edited = await api('editMessageReplyMarkup', { chat_id: -100500, message_id: 1000 });
    expect(edited.body.result).not.toHaveProperty('reply_markup');
    expect(tg.message(-100500, 1000)).not.toHaveProperty('reply_markup');
    expect((await api('editMessageReplyMarkup', { chat_id: -100500, message_id: 1000 })).body.description).toMatch(/^Bad Request: message is not modified/);
    expect((await api('editMessageText', { chat_id: -100500, message_id: 1000, text: 'Terima kasih' })).body.result).toMatchObject({ text: 'Terima kasih' });
    expect((await api('editMessageText', { chat_id: -100500, message_id: 999, text: 'x' })).body.description).toBe('Bad Request: message to edit not found');
  });

  it('serves files from pushed messages through getFile and the download URL', async () => {
    tg.sendPrivateMessage(alice, { photo: [{ file_id: 'PHOTO1', file_unique_id: 'U1', width: 90, height: 90, file_size: 1234 }], caption: 'foto jalan' });
    const file = (await api('getFile', { file_id: 'PHOTO1' })).body.result as Body;
    expect(file).toMatchObject({ file_id: 'PHOTO1', file_unique_id: 'U1', file_size: 1234 });
    const download = await fetch(`${tg.url}/file/bot${tg.token}/${String(file.file_path)}`);
    expect(download.status).toBe(200);
    expect((await download.arrayBuffer()).byteLength).toBe(1234);
    expect((await api('getFile', { file_id: 'NOPE' })).status).toBe(400);
  });

  it('waitFor resolves with the predicate value, or rejects listing what was sent', async () => {
    setTimeout(() => void api('sendMessage', { chat_id: 111, text: 'Tiket #9 diterima' }), 50);
    const found = await tg.waitFor((sent) => sent.find((m) => m.text.includes('#9')));
    expect(found.message_id).toBe(1000);
    await expect(tg.waitFor((sent) => sent.length > 5, 100)).rejects.toThrow(/timed out after 100 ms[\s\S]*Tiket #9 diterima/);
  });

  it('close() answers a pending long poll and does not hang on keep-alive connections', async () => {
    await api('getMe'); // leaves an idle keep-alive connection
    const waiting = api('getUpdates', { timeout: 30 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await tg.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(resultOf(await waiting)).toEqual([]);
    await tg.close(); // idempotent, and afterEach calls it again
  });
});
