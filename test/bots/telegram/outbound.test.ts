import { TelegramError } from 'telegraf';
import { describe, expect, it } from 'vitest';
import { inlineKeyboard, TELEGRAM_TEXT_LIMIT, toSendError } from '../../../bots/telegram/outbound.ts';
import { splitAtBoundaries } from '../../../core/text.ts';

/** Telegram's split: at most 4096 characters a message. */
const splitText = (text: string) => splitAtBoundaries(text, TELEGRAM_TEXT_LIMIT);
import { classifySendError, NetworkError, RemoteApiError } from '../../../core/errors.ts';
import { ratingActions, ticketActions } from '../../../core/messages.ts';

describe('splitText', () => {
  it('leaves a text within the limit alone', () => {
    expect(splitText('Laporan SKM-1 diterima.')).toEqual(['Laporan SKM-1 diterima.']);
    expect(splitText('')).toEqual(['']);
  });

  it('cuts long texts at sentence ends, every part within 4096 characters, nothing lost', () => {
    const sentence = 'Jalan di depan balai desa berlubang dan sering membuat motor jatuh. ';
    const text = sentence.repeat(200).trim();
    const parts = splitText(text);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
      expect(part.endsWith('jatuh.')).toBe(true);
    }
    expect(parts.join(' ')).toBe(text);
  });

  it('prefers paragraph breaks, and cuts a text without any break at the limit without splitting an emoji', () => {
    const paragraphs = `${'a'.repeat(3000)}\n\n${'b'.repeat(3000)}`;
    expect(splitText(paragraphs)).toEqual(['a'.repeat(3000), 'b'.repeat(3000)]);
    const unbroken = `${'x'.repeat(4095)}😡${'y'.repeat(100)}`;
    const parts = splitText(unbroken);
    expect(parts[0]).toBe('x'.repeat(4095));
    expect(parts[1]?.startsWith('😡')).toBe(true);
    expect(parts.join('')).toBe(unbroken);
  });
});

describe('inlineKeyboard', () => {
  it('puts ticket actions two to a row and ratings in one row, each sending its command', () => {
    expect(inlineKeyboard(ticketActions('SKM-7'))).toEqual({
      inline_keyboard: [
        [{ text: 'Ambil', callback_data: '/ambil SKM-7' }, { text: 'Alihkan', callback_data: '/alihkan SKM-7' }],
        [{ text: 'Selesai', callback_data: '/selesai SKM-7' }, { text: 'Tolak', callback_data: '/tolak SKM-7' }],
      ],
    });
    const ratings = inlineKeyboard(ratingActions());
    expect(ratings?.inline_keyboard).toHaveLength(1);
    expect(ratings?.inline_keyboard[0]?.map((button) => ('callback_data' in button ? button.callback_data : ''))).toEqual(['1', '2', '3', '4', '5']);
  });

  it('drops a button whose command would not fit in 64 bytes of callback data', () => {
    expect(inlineKeyboard([{ label: 'x', command: `/catatan ${'y'.repeat(80)}` }])).toBeUndefined();
  });
});

describe('toSendError', () => {
  const telegramError = (error_code: number, description: string, retry_after?: number) =>
    new TelegramError({ error_code, description, ...(retry_after ? { parameters: { retry_after } } : {}) });

  it('turns 429 retry_after into a retry after that many seconds', () => {
    const decision = classifySendError(toSendError(telegramError(429, 'Too Many Requests: retry after 7', 7)));
    expect(decision).toMatchObject({ retry: true, retryAfterMs: 7000, recipientUnreachable: false });
  });

  it('marks a user who blocked the bot as unreachable, without retrying', () => {
    const decision = classifySendError(toSendError(telegramError(403, 'Forbidden: bot was blocked by the user')));
    expect(decision).toMatchObject({ retry: false, recipientUnreachable: true });
  });

  it('retries server errors and network failures, not other bad requests', () => {
    expect(classifySendError(toSendError(telegramError(502, 'Bad Gateway'))).retry).toBe(true);
    expect(toSendError(new Error('connect ECONNREFUSED 127.0.0.1:1'))).toBeInstanceOf(NetworkError);
    const badRequest = toSendError(telegramError(400, 'Bad Request: message is too long'));
    expect(badRequest).toBeInstanceOf(RemoteApiError);
    expect(classifySendError(badRequest).retry).toBe(false);
  });
});
