// Bad input through each channel's inbound parser (issue #8): generated texts in the shapes each
// platform delivers them. No parser throws, and each passes the resident's text on as written —
// except where the platform's own format says otherwise (Telegram's "/cmd@bot" suffix, X's HTML
// escaping and its handles, captions and DMs trimmed), which the properties state exactly.
import fc from 'fast-check';
import type { CallbackQuery, Message } from 'telegraf/types';
import type { TweetV2 } from 'twitter-api-v2';
import { describe, expect, it } from 'vitest';
import { fromCallbackQuery, fromMessage as fromTelegramMessage, stripBotMention } from '../../bots/telegram/inbound.ts';
import { simulatorMessageSchema, toInboundMessage } from '../../bots/web/inbound.ts';
import { fromMessage as fromWhatsAppMessage } from '../../bots/whatsapp/inbound.ts';
import type { WhatsAppMessageData } from '../../bots/whatsapp/client.ts';
import { parseWebhook } from '../../bots/whatsapp-cloud/inbound.ts';
import { fromDmEvent, fromMention, type XAccount } from '../../bots/x/inbound.ts';
import { textWebhook } from '../fakes/whatsapp-cloud.ts';
import { messageText, runs } from './arbitraries.ts';

const NOW = new Date(Date.UTC(2026, 10, 2, 2, 0, 0));
const ACCOUNT: XAccount = { id: '100', handle: 'DesaSukamaju' };
const noWhitespace = (text: string) => text.replace(/\s+/g, '');

describe('Telegram inbound', () => {
  it('passes texts, captions and button data on unchanged (only a leading /command@bot loses its @bot)', () => {
    fc.assert(
      fc.property(messageText, fc.string({ maxLength: 40 }), fc.integer({ min: 1, max: 2 ** 40 }), (text, name, userId) => {
        const base = {
          message_id: 7,
          date: 1_790_000_000,
          chat: { id: userId, type: 'private', first_name: name },
          from: { id: userId, is_bot: false, first_name: name },
        };
        const message = fromTelegramMessage({ ...base, text } as unknown as Message);
        if (text === '') expect(message).toBeUndefined();
        else expect(message?.text).toBe(stripBotMention(text));
        if (!text.startsWith('/')) expect(message?.text ?? '').toBe(text);

        const photo = fromTelegramMessage({ ...base, photo: [{ file_id: 'f', file_unique_id: 'u', width: 1, height: 1 }], caption: text } as unknown as Message);
        expect(photo?.attachments[0]?.kind).toBe('photo');
        expect(photo?.text).toBe(text);

        const press = fromCallbackQuery(
          { id: '1', from: base.from, chat_instance: '1', data: text, message: { message_id: 3, date: 1, chat: base.chat } } as unknown as CallbackQuery,
          NOW,
        );
        expect(press?.text).toBe(text);
      }),
      { numRuns: runs(1000) },
    );
  });
});

describe('WhatsApp (whatsapp-web.js) inbound', () => {
  it('passes chat texts on unchanged and media captions trimmed; drops nothing but empty texts', () => {
    fc.assert(
      fc.property(messageText, (text) => {
        const base: WhatsAppMessageData = {
          id: { _serialized: 'false_6281234567890@c.us_ABC', fromMe: false },
          from: '6281234567890@c.us',
          fromMe: false,
          type: 'chat',
          body: text,
          hasMedia: false,
          hasQuotedMsg: false,
          timestamp: 1_790_000_000,
          _data: { notifyName: text },
        };
        const chat = fromWhatsAppMessage(base, { officerGroups: new Set() });
        if (text.trim() === '') expect(chat).toBeUndefined();
        else expect(chat?.text).toBe(text);

        const image = fromWhatsAppMessage({ ...base, type: 'image', hasMedia: true }, { officerGroups: new Set() });
        expect(image?.attachments[0]?.kind).toBe('photo');
        expect(image?.text).toBe(text.trim());
      }),
      { numRuns: runs(1000) },
    );
  });
});

describe('WhatsApp Cloud inbound', () => {
  it('passes text bodies on unchanged, and reads any JSON without throwing', () => {
    fc.assert(
      fc.property(messageText, (text) => {
        const parsed = parseWebhook(textWebhook('6281234567890', text, text, { id: 'wamid.1' }), NOW);
        expect(parsed.problems).toEqual([]);
        expect(parsed.messages.map((message) => message.text)).toEqual([text]);
      }),
      { numRuns: runs(1000) },
    );
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withBigInt: true, withDate: true, withMap: true, withSet: true }), (body) => {
        const parsed = parseWebhook({ object: 'whatsapp_business_account', entry: [body, { changes: [body, { value: body }] }] }, NOW);
        for (const message of parsed.messages) expect(typeof message.text).toBe('string');
        expect(() => parseWebhook(body, NOW)).not.toThrow();
      }),
      { numRuns: runs(1000) },
    );
  });
});

/** How X delivers text: with &, < and > as HTML entities. */
const xEscaped = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

describe('X inbound', () => {
  it('unescapes DMs to the text as written (trimmed), and keeps every visible character of a mention', () => {
    fc.assert(
      fc.property(messageText, (text) => {
        const dm = fromDmEvent({ id: '1', event_type: 'MessageCreate', text: xEscaped(text), sender_id: '555', created_at: NOW.toISOString() }, undefined, ACCOUNT, NOW);
        if (text.trim() === '') expect(dm).toBeUndefined();
        else expect(dm?.text).toBe(text.trim());

        const tweet = { id: '2', text: xEscaped(`@DesaSukamaju ${text}`), author_id: '555', created_at: NOW.toISOString() } as TweetV2;
        const mention = fromMention(tweet, undefined, ACCOUNT, NOW);
        // The handle goes; spaces are tidied where it stood; every other visible character stays.
        if (noWhitespace(text) === '') expect(mention).toBeUndefined();
        else expect(noWhitespace(mention?.text ?? '')).toBe(noWhitespace(text));
      }),
      { numRuns: runs(1000) },
    );
  });
});

describe('the simulator (web) inbound', () => {
  it('passes the posted text on unchanged', () => {
    fc.assert(
      fc.property(messageText, (text) => {
        const parsed = simulatorMessageSchema.safeParse({ user: 'warga', text });
        expect(parsed.success).toBe(true);
        if (parsed.success) expect(toInboundMessage(parsed.data, NOW).text).toBe(text);
      }),
      { numRuns: runs(1000) },
    );
  });
});
