import { describe, expect, it } from 'vitest';
import {
  CUSTOMER_WINDOW_MS,
  messageBodies,
  outsideWindowError,
  parseRetryAfter,
  toNetworkError,
  toSendError,
  windowOpen,
  type GraphMessageBody,
} from '../../../bots/whatsapp-cloud/outbound.ts';
import { classifySendError, NetworkError, RemoteApiError } from '../../../core/errors.ts';
import { ratingActions, ticketActions } from '../../../core/messages.ts';
import { graphErrorBody } from '../../fakes/whatsapp-cloud.ts';

const TO = '6281234567890';
const textOf = (body: GraphMessageBody | undefined) => (body?.type === 'text' ? body.text.body : body?.interactive.body.text);

describe('messageBodies', () => {
  it('sends plain text without link previews, quoting the resident\'s message when it is a wamid', () => {
    expect(messageBodies({ channel: 'whatsapp_cloud', chatId: TO, text: 'Laporan SKM-1 diterima.', replyTo: 'wamid.HBgN' })).toEqual([
      {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: TO,
        context: { message_id: 'wamid.HBgN' },
        type: 'text',
        text: { body: 'Laporan SKM-1 diterima.', preview_url: false },
      },
    ]);
    const [unquoted] = messageBodies({ channel: 'whatsapp_cloud', chatId: TO, text: 'x', replyTo: 'web-out-1' });
    expect(unquoted?.context).toBeUndefined();
  });

  it('offers 1-3 actions as reply buttons (id = command, title = label)', () => {
    const [body] = messageBodies({
      channel: 'whatsapp_cloud',
      chatId: TO,
      text: 'Sudah beres?',
      actions: [{ label: 'Sudah', command: 'sudah' }, { label: 'Belum', command: 'belum' }],
    });
    expect(body).toMatchObject({
      type: 'interactive',
      interactive: {
        type: 'button',
        body: { text: 'Sudah beres?' },
        action: { buttons: [{ type: 'reply', reply: { id: 'sudah', title: 'Sudah' } }, { type: 'reply', reply: { id: 'belum', title: 'Belum' } }] },
      },
    });
  });

  it('offers 4-10 actions as a list with one section', () => {
    const [ratings] = messageBodies({ channel: 'whatsapp_cloud', chatId: TO, text: 'Beri nilai 1-5', actions: ratingActions() });
    expect(ratings?.type).toBe('interactive');
    const interactive = ratings?.type === 'interactive' ? ratings.interactive : undefined;
    expect(interactive?.type).toBe('list');
    if (interactive?.type !== 'list') return;
    expect(interactive.action.sections).toHaveLength(1);
    expect(interactive.action.sections[0]?.rows).toEqual(ratingActions().map((action) => ({ id: action.command, title: action.label })));
    expect(interactive.action.button.length).toBeLessThanOrEqual(20);
    const [tickets] = messageBodies({ channel: 'whatsapp_cloud', chatId: TO, text: 'Tiket baru SKM-7', actions: ticketActions('SKM-7') });
    expect(tickets?.type === 'interactive' && tickets.interactive.type).toBe('list');
  });

  it('moves buttons with labels over 20 characters to a list, and falls back to plain text when actions do not fit', () => {
    const longLabels = [{ label: 'Sudah diperbaiki semua', command: 'a' }, { label: 'Belum', command: 'b' }];
    const [list] = messageBodies({ channel: 'whatsapp_cloud', chatId: TO, text: 't', actions: longLabels });
    expect(list?.type === 'interactive' && list.interactive.type).toBe('list');
    const eleven = Array.from({ length: 11 }, (_, index) => ({ label: `Pilihan ${index}`, command: String(index) }));
    expect(messageBodies({ channel: 'whatsapp_cloud', chatId: TO, text: 't', actions: eleven })[0]?.type).toBe('text');
    const tooLong = [{ label: 'Label yang jauh terlalu panjang sekali', command: 'x' }];
    expect(messageBodies({ channel: 'whatsapp_cloud', chatId: TO, text: 't', actions: tooLong })[0]?.type).toBe('text');
    const longCommand = [{ label: 'Catat', command: `/catatan ${'y'.repeat(300)}` }];
    expect(messageBodies({ channel: 'whatsapp_cloud', chatId: TO, text: 't', actions: longCommand })[0]?.type).toBe('text');
    expect(messageBodies({ channel: 'whatsapp_cloud', chatId: TO, text: 't', actions: [] })[0]?.type).toBe('text');
  });

  it('splits texts over 4096 characters, quoting only in the first part, nothing lost', () => {
    const sentence = 'Kami sudah memeriksa lampu di lokasi dan menemukan kabelnya putus. ';
    const text = sentence.repeat(150).trim();
    const bodies = messageBodies({ channel: 'whatsapp_cloud', chatId: TO, text, replyTo: 'wamid.Q' });
    expect(bodies.length).toBeGreaterThan(1);
    for (const body of bodies) expect(textOf(body)?.length).toBeLessThanOrEqual(4096);
    expect(bodies.map((body) => body.context?.message_id)).toEqual(['wamid.Q', ...bodies.slice(1).map(() => undefined)]);
    expect(bodies.map(textOf).join(' ')).toBe(text);
  });

  it('keeps the body of the message with buttons within 1024 characters, putting the buttons on the last part', () => {
    const text = 'Laporan ini sudah kami tindak lanjuti bersama warga. '.repeat(40).trim();
    const bodies = messageBodies({ channel: 'whatsapp_cloud', chatId: TO, text, actions: ratingActions() });
    expect(bodies.length).toBeGreaterThan(1);
    expect(bodies.slice(0, -1).every((body) => body.type === 'text')).toBe(true);
    const last = bodies.at(-1);
    expect(last?.type).toBe('interactive');
    expect(textOf(last)?.length).toBeLessThanOrEqual(1024);
    expect(bodies.map(textOf).join(' ')).toBe(text);
  });
});

describe('the 24-hour window', () => {
  const now = Date.UTC(2026, 10, 2, 12);
  it('is open within 24 hours of the resident\'s last message, and closed after or when they never wrote', () => {
    expect(windowOpen(now - 60_000, now)).toBe(true);
    expect(windowOpen(now - CUSTOMER_WINDOW_MS, now)).toBe(true);
    expect(windowOpen(now - CUSTOMER_WINDOW_MS - 1, now)).toBe(false);
    expect(windowOpen(undefined, now)).toBe(false);
  });

  it('refuses clearly and for good outside it', () => {
    const error = outsideWindowError(now - 25 * 3_600_000, now);
    expect(error.message).toContain('di luar jendela 24 jam WhatsApp (131047): pelapor harus menulis dulu');
    expect(error.message).toContain('25 jam');
    expect(classifySendError(error)).toMatchObject({ retry: false, recipientUnreachable: false });
    expect(outsideWindowError(undefined, now).message).toContain('belum pernah menulis');
  });
});

describe('toSendError', () => {
  it('retries rate limits (HTTP 429 and codes 4, 80007, 130429, 131056), honouring Retry-After', () => {
    for (const code of [4, 80007, 130429]) {
      const error = toSendError(429, graphErrorBody(code, 'Rate limit hit'), '7');
      expect(error.code).toBe(429);
      expect(classifySendError(error)).toMatchObject({ retry: true, retryAfterMs: 7000 });
    }
    expect(classifySendError(toSendError(400, graphErrorBody(130429, 'Rate limit hit'))).retry).toBe(true);
    expect(classifySendError(toSendError(429, 'Too Many Requests')).retry).toBe(true);
  });

  it('waits 60 s after the pair rate limit (131056) unless told otherwise', () => {
    expect(classifySendError(toSendError(400, graphErrorBody(131056, 'pair rate limit hit')))).toMatchObject({ retry: true, retryAfterMs: 60_000 });
    expect(classifySendError(toSendError(400, graphErrorBody(131056, 'pair rate limit hit'), '3'))).toMatchObject({ retryAfterMs: 3000 });
  });

  it('retries server errors and temporary Graph codes', () => {
    expect(classifySendError(toSendError(503, '<html>Service Unavailable</html>')).retry).toBe(true);
    expect(classifySendError(toSendError(500, graphErrorBody(1, 'An unknown error occurred'))).retry).toBe(true);
    expect(classifySendError(toSendError(400, graphErrorBody(131016, 'Service unavailable'))).retry).toBe(true);
  });

  it('gives a clear Indonesian reason outside the 24-hour window (131047), without retrying', () => {
    const error = toSendError(400, graphErrorBody(131047, 'Re-engagement message'));
    expect(error.message).toContain('di luar jendela 24 jam WhatsApp (131047)');
    expect(classifySendError(error)).toMatchObject({ retry: false, recipientUnreachable: false });
  });

  it('marks recipients who cannot receive (131026) or refuse (131049, 131050) as unreachable', () => {
    for (const code of [131026, 131049, 131050]) {
      const decision = classifySendError(toSendError(400, graphErrorBody(code, 'Message undeliverable')));
      expect(decision).toMatchObject({ retry: false, recipientUnreachable: true });
      expect(decision.reason).toContain(String(code));
    }
  });

  it('reports a refused token (190 or HTTP 401) without retrying', () => {
    for (const error of [toSendError(401, graphErrorBody(190, 'Error validating access token: Session has expired')), toSendError(400, graphErrorBody(190, 'expired'))]) {
      expect(error.message).toContain('token WhatsApp Cloud ditolak');
      expect(classifySendError(error).retry).toBe(false);
    }
  });

  it('does not retry other refusals, and names the Graph code and message', () => {
    const error = toSendError(400, graphErrorBody(100, '(#100) Invalid parameter', { error_data: { details: 'Param to is invalid' } }));
    expect(error).toBeInstanceOf(RemoteApiError);
    expect(error.message).toBe('WhatsApp Cloud menolak pesan (100): Param to is invalid');
    expect(classifySendError(error).retry).toBe(false);
  });

  it('maps a failed connection to a NetworkError, which is retried', () => {
    const error = toNetworkError(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') }));
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toContain('ECONNREFUSED');
    expect(classifySendError(error).retry).toBe(true);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(new Date(now + 5000).toUTCString(), now)).toBe(5000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
