import type { CallbackQuery, Message } from 'telegraf/types';
import { describe, expect, it } from 'vitest';
import { fromCallbackQuery, fromMessage, parseMessageKey } from '../../../bots/telegram/inbound.ts';

const resident = { id: 555, is_bot: false, first_name: 'Warsini', last_name: 'Rahayu' };
const privateChat = { id: 555, type: 'private' as const, first_name: 'Warsini' };
const group = { id: -100777, type: 'supergroup' as const, title: 'Perangkat Desa' };

function message(fields: Record<string, unknown>): Message {
  return { message_id: 42, date: 1_790_000_000, chat: privateChat, from: resident, ...fields } as unknown as Message;
}

describe('fromMessage', () => {
  it('keys a message by chat and id, and keeps sender name, text and time', () => {
    expect(fromMessage(message({ text: 'lampu jalan mati' }))).toEqual({
      channel: 'telegram',
      externalId: '555:42',
      sender: { id: '555', displayName: 'Warsini Rahayu' },
      chat: { id: '555', isGroup: false },
      text: 'lampu jalan mati',
      attachments: [],
      receivedAt: new Date(1_790_000_000_000),
    });
  });

  it("strips the bot's name from commands in groups and links replies to the quoted message", () => {
    const inbound = fromMessage(
      message({ chat: group, text: '/ambil@DesaSukamajuBot SKM-3', reply_to_message: { message_id: 1001, date: 1, chat: group } }),
    );
    expect(inbound).toMatchObject({ text: '/ambil SKM-3', chat: { id: '-100777', isGroup: true }, replyTo: '-100777:1001' });
  });

  it('keeps the largest photo with its caption as the text', () => {
    const inbound = fromMessage(
      message({
        caption: 'jembatan retak',
        photo: [
          { file_id: 'small', file_unique_id: 's', width: 90, height: 90 },
          { file_id: 'large', file_unique_id: 'l', width: 1280, height: 960 },
        ],
      }),
    );
    expect(inbound?.text).toBe('jembatan retak');
    expect(inbound?.attachments).toEqual([{ kind: 'photo', fileId: 'large', caption: 'jembatan retak' }]);
  });

  it('keeps a location with its coordinates, and a voice note or sticker without text', () => {
    expect(fromMessage(message({ location: { latitude: -7.25, longitude: 110.4 } }))?.attachments).toEqual([
      { kind: 'location', latitude: -7.25, longitude: 110.4 },
    ]);
    const voice = fromMessage(message({ voice: { file_id: 'v1', file_unique_id: 'v', duration: 9, mime_type: 'audio/ogg' } }));
    expect(voice).toMatchObject({ text: '', attachments: [{ kind: 'voice', fileId: 'v1', mimeType: 'audio/ogg' }] });
    expect(fromMessage(message({ sticker: { file_id: 'st', file_unique_id: 's', type: 'regular', width: 1, height: 1, is_animated: false, is_video: false } }))?.attachments).toEqual([
      { kind: 'sticker', fileId: 'st' },
    ]);
  });

  it('ignores service messages and messages from bots', () => {
    expect(fromMessage(message({ chat: group, new_chat_title: 'Baru' }))).toBeUndefined();
    expect(fromMessage(message({ text: 'halo', from: { id: 9, is_bot: true, first_name: 'Bot' } }))).toBeUndefined();
  });
});

describe('fromCallbackQuery', () => {
  it('turns a button press into its command from the presser, replying to the message with the button', () => {
    const query = {
      id: 'cb-1',
      from: { id: 1006, is_bot: false, first_name: 'Bambang' },
      chat_instance: 'x',
      data: '/ambil SKM-3',
      message: { message_id: 1001, date: 1, chat: group, text: 'Tiket baru SKM-3' },
    } as unknown as CallbackQuery;
    const at = new Date();
    expect(fromCallbackQuery(query, at)).toEqual({
      channel: 'telegram',
      externalId: 'callback:cb-1',
      sender: { id: '1006', displayName: 'Bambang' },
      chat: { id: '-100777', isGroup: true },
      text: '/ambil SKM-3',
      attachments: [],
      replyTo: '-100777:1001',
      receivedAt: at,
    });
  });
});

describe('message keys', () => {
  it('round-trip chat and message id, group ids included', () => {
    expect(parseMessageKey('-100777:1001')).toEqual({ chatId: '-100777', messageId: 1001 });
    expect(parseMessageKey('web-out-abc')).toBeUndefined();
  });
});
