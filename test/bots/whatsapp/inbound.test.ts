import { describe, expect, it } from 'vitest';
import { fromMessage, ignoreReason, messageKey } from '../../../bots/whatsapp/inbound.ts';
import { fakeMessage, serializedId } from '../../fakes/whatsapp-web.ts';

const RESIDENT = '6281234567890@c.us';
const OFFICERS = '120363012345678901@g.us';
const OTHER_GROUP = '120363099999999999@g.us';
const OFFICER = '6281100001006@c.us';
const officerGroups = new Set([OFFICERS]);
const T = 1_790_000_000;

describe('fromMessage', () => {
  it('turns a private text into a core message keyed by the serialized id, with the push name', () => {
    const message = fakeMessage({ from: RESIDENT, id: 'AAA111', body: 'lampu jalan mati', notifyName: 'Warsini', timestamp: T });
    expect(fromMessage(message, { officerGroups })).toEqual({
      channel: 'whatsapp',
      externalId: `false_${RESIDENT}_AAA111`,
      sender: { id: RESIDENT, displayName: 'Warsini' },
      chat: { id: RESIDENT, isGroup: false },
      text: 'lampu jalan mati',
      attachments: [],
      receivedAt: new Date(T * 1000),
    });
  });

  it('keeps an image as an attachment with its caption as the text', () => {
    const message = fakeMessage({ from: RESIDENT, type: 'image', hasMedia: true, body: 'jembatan retak', mimetype: 'image/jpeg' });
    const inbound = fromMessage(message, { officerGroups });
    expect(inbound?.text).toBe('jembatan retak');
    expect(inbound?.attachments).toEqual([
      { kind: 'photo', fileId: message.id._serialized, mimeType: 'image/jpeg', caption: 'jembatan retak' },
    ]);
  });

  it('never takes a thumbnail for text when the media cannot be downloaded', () => {
    const message = fakeMessage({ from: RESIDENT, type: 'image', hasMedia: false, body: '/9j/4AAQSkZJRgABAQ...', caption: 'got rusak' });
    expect(fromMessage(message, { officerGroups })).toMatchObject({ text: 'got rusak', attachments: [{ kind: 'photo', caption: 'got rusak' }] });
    const bare = fakeMessage({ from: RESIDENT, type: 'image', hasMedia: false, body: '/9j/4AAQSkZJRgABAQ...' });
    expect(fromMessage(bare, { officerGroups })).toMatchObject({ text: '', attachments: [{ kind: 'photo' }] });
  });

  it('keeps a location as coordinates, with its name and address as the text (not the thumbnail body)', () => {
    const message = fakeMessage({
      from: RESIDENT,
      type: 'location',
      body: '/9j/thumbnail',
      location: { latitude: '-7.2501', longitude: '110.4012', name: 'Jembatan Krajan', address: 'Dusun Krajan RT 02' },
    });
    expect(fromMessage(message, { officerGroups })).toMatchObject({
      text: 'Jembatan Krajan, Dusun Krajan RT 02',
      attachments: [{ kind: 'location', latitude: -7.2501, longitude: 110.4012 }],
    });
    const pin = fakeMessage({ from: RESIDENT, type: 'location', body: '/9j/x', location: { latitude: -7.25, longitude: 110.4 } });
    expect(fromMessage(pin, { officerGroups })).toMatchObject({ text: '', attachments: [{ kind: 'location', latitude: -7.25, longitude: 110.4 }] });
  });

  it('keeps voice notes, audio, documents and stickers without text', () => {
    const voice = fakeMessage({ from: RESIDENT, type: 'ptt', hasMedia: true, mimetype: 'audio/ogg; codecs=opus' });
    expect(fromMessage(voice, { officerGroups })).toMatchObject({
      text: '',
      attachments: [{ kind: 'voice', fileId: voice.id._serialized, mimeType: 'audio/ogg; codecs=opus' }],
    });
    expect(fromMessage(fakeMessage({ from: RESIDENT, type: 'audio', hasMedia: true }), { officerGroups })?.attachments[0]?.kind).toBe('audio');
    expect(fromMessage(fakeMessage({ from: RESIDENT, type: 'document', hasMedia: true, body: 'proposal.pdf' }), { officerGroups })?.attachments[0]?.kind).toBe('document');
    expect(fromMessage(fakeMessage({ from: RESIDENT, type: 'sticker', hasMedia: true }), { officerGroups })?.attachments[0]?.kind).toBe('sticker');
  });

  it('ignores status updates, our own messages, channels and notifications', () => {
    expect(fromMessage(fakeMessage({ from: 'status@broadcast', author: RESIDENT, body: 'jualan' }), { officerGroups })).toBeUndefined();
    expect(fromMessage(fakeMessage({ from: RESIDENT, isStatus: true, body: 'x' }), { officerGroups })).toBeUndefined();
    expect(fromMessage(fakeMessage({ from: RESIDENT, fromMe: true, body: 'balasan kami' }), { officerGroups })).toBeUndefined();
    expect(fromMessage(fakeMessage({ from: '120363000000000000@newsletter', body: 'berita' }), { officerGroups })).toBeUndefined();
    for (const type of ['e2e_notification', 'call_log', 'revoked', 'notification_template', 'gp2', 'protocol', 'reaction', 'ciphertext']) {
      expect(ignoreReason(fakeMessage({ from: RESIDENT, type, body: 'x' }), officerGroups)).toBe(`type ${type}`);
    }
    // An empty text is nothing to take either.
    expect(fromMessage(fakeMessage({ from: RESIDENT, body: '   ' }), { officerGroups })).toBeUndefined();
  });

  it('answers an @lid chat where it came from, with the phone-number id as the sender when known', () => {
    const lid = '123456789012345@lid';
    const message = fakeMessage({ from: lid, body: 'air PAM mati' });
    expect(fromMessage(message, { officerGroups, senderId: RESIDENT })).toMatchObject({
      sender: { id: RESIDENT },
      chat: { id: lid, isGroup: false },
      externalId: `false_${lid}_${message.id._serialized.split('_')[2]}`,
    });
    expect(fromMessage(message, { officerGroups })?.sender.id).toBe(lid);
  });

  it("takes group messages from the officers' group only, from their author", () => {
    const command = fakeMessage({ from: OFFICERS, author: OFFICER, body: '/ambil SKM-3', notifyName: 'Bambang' });
    expect(fromMessage(command, { officerGroups })).toMatchObject({
      sender: { id: OFFICER, displayName: 'Bambang' },
      chat: { id: OFFICERS, isGroup: true },
      text: '/ambil SKM-3',
      externalId: command.id._serialized,
    });
    expect(fromMessage(fakeMessage({ from: OTHER_GROUP, author: OFFICER, body: '/ambil SKM-3' }), { officerGroups })).toBeUndefined();
  });

  it('links a quoted reply to the quoted message', () => {
    const message = fakeMessage({ from: OFFICERS, author: OFFICER, body: 'Besok kami perbaiki' });
    const replyTo = messageKey(serializedId(true, OFFICERS, '3EB0OUT1', '6280000000000@c.us'));
    expect(fromMessage(message, { officerGroups, replyTo })?.replyTo).toBe(`true_${OFFICERS}_3EB0OUT1`);
  });
});

describe('messageKey', () => {
  it('drops the participant from our own message ids only', () => {
    expect(messageKey(`true_${OFFICERS}_3EB0ABC_6280000000000@c.us`)).toBe(`true_${OFFICERS}_3EB0ABC`);
    expect(messageKey(`true_${OFFICERS}_3EB0ABC_99999@lid`)).toBe(`true_${OFFICERS}_3EB0ABC`);
    expect(messageKey(`true_${RESIDENT}_3EB0ABC`)).toBe(`true_${RESIDENT}_3EB0ABC`);
    expect(messageKey(`false_${OFFICERS}_3EB0ABC_${OFFICER}`)).toBe(`false_${OFFICERS}_3EB0ABC_${OFFICER}`);
  });
});
