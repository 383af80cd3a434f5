import { describe, expect, it } from 'vitest';
import { isWhatsAppWebhook, parseWebhook } from '../../../bots/whatsapp-cloud/inbound.ts';
import { inboundMessage, statusWebhook, webhookBody } from '../../fakes/whatsapp-cloud.ts';

const WA_ID = '6281234567890';
const AT = 1_790_000_000;
const received = new Date(1_800_000_000_000);

/** The single message of a webhook carrying one message of `type`. */
function parseOne(type: string, payload: Record<string, unknown>, extra: { contextId?: string } = {}) {
  const body = webhookBody({
    contacts: [{ wa_id: WA_ID, name: 'Warsini' }],
    messages: [inboundMessage(WA_ID, type, payload, { id: 'wamid.ABC', timestamp: AT, ...extra })],
  });
  const parsed = parseWebhook(body, received);
  expect(parsed.problems).toEqual([]);
  expect(parsed.messages).toHaveLength(1);
  return parsed.messages[0];
}

describe('parseWebhook: messages', () => {
  it('turns a text message into an InboundMessage keyed by its wamid, from the wa_id, with the profile name', () => {
    expect(parseOne('text', { body: 'Lampu jalan di depan masjid mati' })).toEqual({
      channel: 'whatsapp_cloud',
      externalId: 'wamid.ABC',
      sender: { id: WA_ID, displayName: 'Warsini' },
      chat: { id: WA_ID, isGroup: false },
      text: 'Lampu jalan di depan masjid mati',
      attachments: [],
      receivedAt: new Date(AT * 1000),
    });
  });

  it('links a quoted message through context.id', () => {
    expect(parseOne('text', { body: 'belum beres' }, { contextId: 'wamid.OURS' })?.replyTo).toBe('wamid.OURS');
  });

  it('keeps an image with its caption as text and attachment', () => {
    const message = parseOne('image', { id: 'media-1', mime_type: 'image/jpeg', sha256: 'x', caption: 'jembatan retak' });
    expect(message?.text).toBe('jembatan retak');
    expect(message?.attachments).toEqual([{ kind: 'photo', fileId: 'media-1', mimeType: 'image/jpeg', caption: 'jembatan retak' }]);
  });

  it('keeps documents and videos with their captions', () => {
    expect(parseOne('document', { id: 'doc-1', mime_type: 'application/pdf', filename: 'surat.pdf', caption: 'surat pengantar' })).toMatchObject({
      text: 'surat pengantar',
      attachments: [{ kind: 'document', fileId: 'doc-1', mimeType: 'application/pdf', caption: 'surat pengantar' }],
    });
    expect(parseOne('video', { id: 'vid-1', mime_type: 'video/mp4' })).toMatchObject({ text: '', attachments: [{ kind: 'video', fileId: 'vid-1' }] });
  });

  it('keeps a location with its coordinates, and its name and address as text', () => {
    const message = parseOne('location', { latitude: -7.2575, longitude: 110.4031, name: 'Masjid Al-Ikhlas', address: 'Dusun Krajan' });
    expect(message?.text).toBe('Masjid Al-Ikhlas, Dusun Krajan');
    expect(message?.attachments).toEqual([{ kind: 'location', latitude: -7.2575, longitude: 110.4031 }]);
    expect(parseOne('location', { latitude: -7.1, longitude: 110.2 })?.text).toBe('');
  });

  it('tells a voice note from a shared audio file', () => {
    expect(parseOne('audio', { id: 'aud-1', mime_type: 'audio/ogg; codecs=opus', voice: true })).toMatchObject({
      text: '',
      attachments: [{ kind: 'voice', fileId: 'aud-1', mimeType: 'audio/ogg; codecs=opus' }],
    });
    expect(parseOne('audio', { id: 'aud-2', mime_type: 'audio/mpeg' })?.attachments).toEqual([{ kind: 'audio', fileId: 'aud-2', mimeType: 'audio/mpeg' }]);
  });

  it('keeps a sticker', () => {
    expect(parseOne('sticker', { id: 'st-1', mime_type: 'image/webp', animated: false })?.attachments).toEqual([
      { kind: 'sticker', fileId: 'st-1', mimeType: 'image/webp' },
    ]);
  });

  it('turns a pressed reply button or a chosen list row into its command, replying to the message with the buttons', () => {
    const button = parseOne('interactive', { type: 'button_reply', button_reply: { id: '/ambil SKM-3', title: 'Ambil' } }, { contextId: 'wamid.NOTIF' });
    expect(button).toMatchObject({ text: '/ambil SKM-3', attachments: [], replyTo: 'wamid.NOTIF' });
    const row = parseOne('interactive', { type: 'list_reply', list_reply: { id: '5', title: '⭐⭐⭐⭐⭐' } });
    expect(row?.text).toBe('5');
  });

  it('turns a template quick-reply button into its payload', () => {
    expect(parseOne('button', { payload: 'status', text: 'Cek status' })?.text).toBe('status');
  });

  it('keeps unknown and unsupported types as an attachment of kind other, never dropping them', () => {
    expect(parseOne('unsupported', {})).toMatchObject({ text: '', attachments: [{ kind: 'other' }] });
    expect(parseOne('contacts', {})).toMatchObject({ attachments: [{ kind: 'other' }] });
    const body = webhookBody({ messages: [{ from: WA_ID, id: 'wamid.X', timestamp: String(AT), type: 'hologram' }] });
    expect(parseWebhook(body, received).messages[0]).toMatchObject({ externalId: 'wamid.X', attachments: [{ kind: 'other' }] });
  });

  it('keeps a reaction as its emoji, replying to the message reacted to', () => {
    expect(parseOne('reaction', { message_id: 'wamid.OURS', emoji: '👍' })).toMatchObject({ text: '👍', replyTo: 'wamid.OURS' });
  });

  it('reads every message of every change, uses the time of arrival when the timestamp is missing, and reports unreadable ones', () => {
    const body = webhookBody({
      messages: [
        { from: WA_ID, id: 'wamid.1', type: 'text', text: { body: 'satu' } },
        { id: 'wamid.2', type: 'text', text: { body: 'tanpa pengirim' } },
        { from: WA_ID, id: 'wamid.3', timestamp: String(AT), type: 'text', text: { body: 'tiga' } },
      ],
    });
    const parsed = parseWebhook(body, received);
    expect(parsed.messages.map((message) => message.externalId)).toEqual(['wamid.1', 'wamid.3']);
    expect(parsed.messages[0]?.receivedAt).toEqual(received);
    expect(parsed.messages[0]?.sender).toEqual({ id: WA_ID });
    expect(parsed.problems).toEqual(['message without from (type text)']);
  });
});

describe('parseWebhook: statuses and other bodies', () => {
  it('parses delivery statuses, with the error of a failed one', () => {
    const parsed = parseWebhook(
      statusWebhook('wamid.OUT1', WA_ID, 'failed', [
        { code: 131047, title: 'Re-engagement message', message: 'Re-engagement message', error_data: { details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' } },
      ], AT),
      received,
    );
    expect(parsed.messages).toEqual([]);
    expect(parsed.statuses).toEqual([
      {
        messageId: 'wamid.OUT1',
        recipientId: WA_ID,
        status: 'failed',
        at: new Date(AT * 1000),
        errors: [{ code: 131047, title: 'Re-engagement message', details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' }],
      },
    ]);
    expect(parseWebhook(statusWebhook('wamid.OUT2', WA_ID, 'read', [], AT)).statuses[0]).toMatchObject({ status: 'read', errors: [] });
  });

  it('recognises only whatsapp_business_account bodies, and skips other change fields', () => {
    expect(isWhatsAppWebhook({ object: 'page', entry: [] })).toBe(false);
    expect(isWhatsAppWebhook({ object: 'whatsapp_business_account' })).toBe(false);
    expect(isWhatsAppWebhook(webhookBody({}))).toBe(true);
    expect(parseWebhook({ hello: 1 }).problems).toHaveLength(1);
    const templateUpdate = {
      object: 'whatsapp_business_account',
      entry: [{ id: '1', changes: [{ field: 'message_template_status_update', value: { event: 'APPROVED' } }] }],
    };
    expect(parseWebhook(templateUpdate)).toEqual({ messages: [], statuses: [], problems: [], otherFields: ['message_template_status_update'] });
  });
});
