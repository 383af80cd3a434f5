// Turns whatsapp-web.js messages into core InboundMessage values. Pure functions: the adapter looks
// up what needs the client (the phone number behind an @lid sender, the quoted message) beforehand.
import type { Attachment, AttachmentKind, InboundMessage } from '../../core/types.ts';
import type { WhatsAppMessageData } from './client.ts';

export const WHATSAPP_CHANNEL = 'whatsapp';

/** What the adapter found out about a message before conversion. */
export interface InboundContext {
  /** Officers' groups: the only groups whose messages are taken. */
  officerGroups: Pick<ReadonlySet<string>, 'has'>;
  /** The sender's id to use (the `@c.us` form of an `@lid` sender when it is known). */
  senderId?: string;
  /** Key of the quoted message (see messageKey), when the message quotes one. */
  replyTo?: string;
}

/**
 * A message's key for core. Usually `id._serialized` unchanged; our own messages lose the trailing
 * participant, because WhatsApp Web reports a sent group message and the same message seen as a
 * quote with different participant suffixes (whatsapp-web.js issue #3708). Without this an officer's
 * reply to a notification would not find its ticket.
 */
export function messageKey(serialized: string): string {
  const own = /^(true_[^_]+_[^_]+)_.+$/.exec(serialized);
  return own?.[1] ?? serialized;
}

export const isGroupId = (id: string): boolean => id.endsWith('@g.us');
/** A person's chat: a phone-number id or a privacy id (`@lid`). */
export const isPersonId = (id: string): boolean => id.endsWith('@c.us') || id.endsWith('@lid');

const MEDIA_KINDS: Readonly<Record<string, AttachmentKind>> = {
  image: 'photo',
  video: 'video',
  ptt: 'voice',
  audio: 'audio',
  document: 'document',
  sticker: 'sticker',
};

/** Types that carry what a person wrote (button and list answers carry the chosen text). */
const TEXT_TYPES = new Set(['chat', 'buttons_response', 'list_response', 'template_button_reply', 'poll_creation']);
/** Contact cards: kept as "something was sent", without their content. */
const OTHER_TYPES = new Set(['vcard', 'multi_vcard']);

/**
 * Why a message is not for core, or undefined when it is: status updates, our own messages,
 * broadcasts and newsletters, groups that are not officers' groups, and notification types
 * (calls, encryption notices, revoked messages, reactions, group events).
 */
export function ignoreReason(message: WhatsAppMessageData, officerGroups: Pick<ReadonlySet<string>, 'has'>): string | undefined {
  if (message.fromMe || message.id.fromMe === true) return 'own message';
  if (message.isStatus || message.from === 'status@broadcast') return 'status update';
  if (message.from.endsWith('@broadcast')) return 'broadcast';
  if (message.from.endsWith('@newsletter')) return 'channel (newsletter)';
  if (isGroupId(message.from)) {
    if (!officerGroups.has(message.from)) return 'group that is not an officers\' group';
    if (!message.author) return 'group message without author';
  } else if (!isPersonId(message.from)) {
    return `unknown chat kind ${message.from.replace(/^.*@/, '@')}`;
  }
  const type = message.type;
  if (!TEXT_TYPES.has(type) && !OTHER_TYPES.has(type) && !(type in MEDIA_KINDS) && type !== 'location') return `type ${type}`;
  return undefined;
}

/** The sender as WhatsApp gives it: the author in a group, the chat in a private chat. */
export function rawSenderId(message: WhatsAppMessageData): string {
  return isGroupId(message.from) ? (message.author ?? message.from) : message.from;
}

const stringField = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value : undefined);

function toCoordinate(value: number | string): number | undefined {
  const number = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(number) ? number : undefined;
}

function locationText(location: NonNullable<WhatsAppMessageData['location']>): string {
  const parts = [location.name, location.address].map(stringField).filter((part): part is string => part !== undefined);
  if (parts.length > 0) return parts.join(', ');
  return stringField(location.description)?.replace(/\s*\n\s*/g, ', ') ?? '';
}

/**
 * Media text: the caption. whatsapp-web.js sets body to the caption only when the media can be
 * downloaded; otherwise body may hold a base64 thumbnail, so the raw caption is used instead.
 */
function captionOf(message: WhatsAppMessageData): string {
  if (message.hasMedia) return message.body;
  return stringField(message._data?.caption) ?? '';
}

function contentOf(message: WhatsAppMessageData): { text: string; attachments: Attachment[] } {
  const mediaKind = MEDIA_KINDS[message.type];
  if (mediaKind) {
    const caption = captionOf(message).trim();
    const mimeType = stringField(message._data?.mimetype);
    const attachment: Attachment = {
      kind: mediaKind,
      // Media is not downloaded; the message id finds it again in WhatsApp.
      fileId: message.id._serialized,
      ...(mimeType ? { mimeType } : {}),
      ...(caption ? { caption } : {}),
    };
    return { text: caption, attachments: [attachment] };
  }
  if (message.type === 'location') {
    const location = message.location;
    const latitude = location ? toCoordinate(location.latitude) : undefined;
    const longitude = location ? toCoordinate(location.longitude) : undefined;
    // The body of a location message is a thumbnail, never text.
    const text = location ? locationText(location) : '';
    if (latitude === undefined || longitude === undefined) return { text, attachments: [{ kind: 'location' }] };
    return { text, attachments: [{ kind: 'location', latitude, longitude }] };
  }
  if (OTHER_TYPES.has(message.type)) return { text: '', attachments: [{ kind: 'other' }] };
  return { text: message.body, attachments: [] };
}

/** A message as core sees it; undefined when it is not for core (see ignoreReason) or empty. */
export function fromMessage(message: WhatsAppMessageData, context: InboundContext): InboundMessage | undefined {
  if (ignoreReason(message, context.officerGroups) !== undefined) return undefined;
  const { text, attachments } = contentOf(message);
  if (text.trim() === '' && attachments.length === 0) return undefined;
  const isGroup = isGroupId(message.from);
  const displayName = stringField(message._data?.notifyName);
  const seconds = Number.isFinite(message.timestamp) && message.timestamp > 0 ? message.timestamp : undefined;
  return {
    channel: WHATSAPP_CHANNEL,
    externalId: messageKey(message.id._serialized),
    sender: { id: context.senderId ?? rawSenderId(message), ...(displayName ? { displayName } : {}) },
    // Replies go back to the chat the message came from, @lid or not.
    chat: { id: message.from, isGroup },
    text,
    attachments,
    ...(context.replyTo ? { replyTo: context.replyTo } : {}),
    receivedAt: seconds ? new Date(seconds * 1000) : new Date(),
  };
}
