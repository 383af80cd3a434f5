// Turns Telegram updates into core InboundMessage values. Pure functions: no API calls here.
import type { CallbackQuery, Message, Update, User } from 'telegraf/types';
import type { Attachment, InboundMessage } from '../../core/types.ts';

export const TELEGRAM_CHANNEL = 'telegram';

/**
 * Telegram message ids are unique only within a chat, so a message is known by chat and id.
 * The same form identifies the bot's own messages, which is how a reply to a notification finds
 * its ticket.
 */
export function messageKey(chatId: number | string, messageId: number | string): string {
  return `${chatId}:${messageId}`;
}

/** The chat and message id back from a key (for reply_parameters); undefined when it is not one. */
export function parseMessageKey(key: string): { chatId: string; messageId: number } | undefined {
  const match = /^(-?\d+):(\d+)$/.exec(key);
  if (!match?.[1] || !match[2]) return undefined;
  return { chatId: match[1], messageId: Number(match[2]) };
}

function displayName(user: User): string {
  const full = [user.first_name, user.last_name].filter(Boolean).join(' ').trim();
  return full || (user.username ? `@${user.username}` : String(user.id));
}

/** "/ambil@DesaSukamajuBot 12" -> "/ambil 12": in groups Telegram appends the bot's name to commands. */
export function stripBotMention(text: string): string {
  return text.replace(/^(\/[A-Za-z0-9_]+)@[A-Za-z0-9_]+/, '$1');
}

function largestPhoto(message: Message.PhotoMessage): string | undefined {
  return message.photo.reduce<Message.PhotoMessage['photo'][number] | undefined>(
    (best, size) => (!best || (size.width * size.height > best.width * best.height) ? size : best),
    undefined,
  )?.file_id;
}

function attachmentsOf(message: Message): Attachment[] {
  const caption = 'caption' in message && message.caption ? message.caption : undefined;
  const withCaption = (attachment: Attachment): Attachment => (caption ? { ...attachment, caption } : attachment);
  if ('photo' in message) return [withCaption({ kind: 'photo', fileId: largestPhoto(message) })];
  if ('voice' in message) return [withCaption({ kind: 'voice', fileId: message.voice.file_id, mimeType: message.voice.mime_type })];
  if ('audio' in message) return [withCaption({ kind: 'audio', fileId: message.audio.file_id, mimeType: message.audio.mime_type })];
  if ('video' in message) return [withCaption({ kind: 'video', fileId: message.video.file_id, mimeType: message.video.mime_type })];
  if ('video_note' in message) return [{ kind: 'video', fileId: message.video_note.file_id }];
  if ('sticker' in message) return [{ kind: 'sticker', fileId: message.sticker.file_id }];
  if ('document' in message) {
    return [withCaption({ kind: 'document', fileId: message.document.file_id, mimeType: message.document.mime_type })];
  }
  // A venue carries a location too.
  if ('location' in message) return [{ kind: 'location', latitude: message.location.latitude, longitude: message.location.longitude }];
  if ('contact' in message || 'poll' in message || 'dice' in message || 'animation' in message) return [{ kind: 'other' }];
  return [];
}

function textOf(message: Message): string {
  if ('text' in message) return stripBotMention(message.text);
  if ('caption' in message && message.caption) return message.caption;
  if ('venue' in message) return [message.venue.title, message.venue.address].filter(Boolean).join(', ');
  return '';
}

/** A message update as core sees it; undefined for service messages (joins, pins, title changes). */
export function fromMessage(message: Message): InboundMessage | undefined {
  if (!message.from || message.from.is_bot) return undefined;
  const text = textOf(message);
  const attachments = attachmentsOf(message);
  if (text === '' && attachments.length === 0) return undefined;
  const replyTo = 'reply_to_message' in message && message.reply_to_message ? message.reply_to_message : undefined;
  return {
    channel: TELEGRAM_CHANNEL,
    externalId: messageKey(message.chat.id, message.message_id),
    sender: { id: String(message.from.id), displayName: displayName(message.from) },
    chat: { id: String(message.chat.id), isGroup: message.chat.type !== 'private' },
    text,
    attachments,
    ...(replyTo ? { replyTo: messageKey(message.chat.id, replyTo.message_id) } : {}),
    receivedAt: new Date(message.date * 1000),
  };
}

/**
 * A button press: the button's command, as if the presser had typed it in that chat, replying to
 * the message that carried the button.
 */
export function fromCallbackQuery(query: CallbackQuery, receivedAt: Date): InboundMessage | undefined {
  if (!('data' in query) || !query.message) return undefined;
  const { chat, message_id } = query.message;
  return {
    channel: TELEGRAM_CHANNEL,
    externalId: `callback:${query.id}`,
    sender: { id: String(query.from.id), displayName: displayName(query.from) },
    chat: { id: String(chat.id), isGroup: chat.type !== 'private' },
    text: query.data,
    attachments: [],
    replyTo: messageKey(chat.id, message_id),
    receivedAt,
  };
}

/** The message of an update that carries one we handle (edits and channel posts are not aspirations). */
export function messageOf(update: Update): Message | undefined {
  return 'message' in update ? update.message : undefined;
}
