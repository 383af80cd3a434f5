// Turns WhatsApp Cloud API webhook bodies into core InboundMessage values and delivery statuses.
// Pure functions: no API calls here. Payloads are read field by field (nothing is trusted to have
// the documented shape), and anything that cannot be read is reported, never dropped silently.
import type { Attachment, InboundMessage } from '../../core/types.ts';

export const WHATSAPP_CLOUD_CHANNEL = 'whatsapp_cloud';

/** A delivery report for a message we sent (sent, delivered, read, failed). */
export interface DeliveryStatus {
  /** The wamid of our message. */
  messageId: string;
  /** The wa_id of the recipient. */
  recipientId: string;
  status: string;
  at: Date;
  errors: Array<{ code: number; title: string; details?: string }>;
}

export interface ParsedWebhook {
  messages: InboundMessage[];
  statuses: DeliveryStatus[];
  /** Parts of the body that could not be read, described for the log. */
  problems: string[];
  /** Change fields other than `messages` (template or account updates): nothing for core. */
  otherFields: string[];
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function record(value: unknown, key: string): Json | undefined {
  if (!isRecord(value)) return undefined;
  const field = value[key];
  return isRecord(field) ? field : undefined;
}

function text(value: unknown, key: string): string | undefined {
  if (!isRecord(value)) return undefined;
  const field = value[key];
  return typeof field === 'string' ? field : undefined;
}

function number(value: unknown, key: string): number | undefined {
  if (!isRecord(value)) return undefined;
  const field = value[key];
  if (typeof field === 'number' && Number.isFinite(field)) return field;
  // Meta sends some numbers as strings (timestamps); accept both.
  if (typeof field === 'string' && field.trim() !== '' && Number.isFinite(Number(field))) return Number(field);
  return undefined;
}

function list(value: unknown, key: string): unknown[] {
  if (!isRecord(value)) return [];
  const field = value[key];
  return Array.isArray(field) ? field : [];
}

/** The webhook body Meta sends for WhatsApp: `{object: 'whatsapp_business_account', entry: [...]}`. */
export function isWhatsAppWebhook(body: unknown): body is { object: 'whatsapp_business_account'; entry: unknown[] } {
  return isRecord(body) && body.object === 'whatsapp_business_account' && Array.isArray(body.entry);
}

/** Seconds since the epoch (as Meta sends them, often a string) as a Date; the fallback otherwise. */
function dateOf(seconds: number | undefined, fallback: Date): Date {
  return seconds !== undefined && seconds > 0 ? new Date(seconds * 1000) : fallback;
}

function withoutEmpty<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined && field !== '')) as T;
}

/** A media attachment (image, video, document, audio, sticker): Meta's media id is the file id. */
function media(kind: Attachment['kind'], payload: Json | undefined): Attachment {
  return withoutEmpty<Attachment>({
    kind,
    fileId: text(payload, 'id'),
    mimeType: text(payload, 'mime_type'),
    caption: text(payload, 'caption'),
  });
}

/** Text and attachments of one message by its type; unknown types become an `other` attachment. */
function contentOf(message: Json): { text: string; attachments: Attachment[] } {
  const type = text(message, 'type') ?? 'unknown';
  const payload = record(message, type);
  switch (type) {
    case 'text':
      return { text: text(payload, 'body') ?? '', attachments: [] };
    case 'image':
      return { text: text(payload, 'caption') ?? '', attachments: [media('photo', payload)] };
    case 'video':
      return { text: text(payload, 'caption') ?? '', attachments: [media('video', payload)] };
    case 'document':
      return { text: text(payload, 'caption') ?? '', attachments: [media('document', payload)] };
    case 'audio':
      // A recorded voice note carries `voice: true`; a shared audio file does not.
      return { text: '', attachments: [media(payload?.voice === true ? 'voice' : 'audio', payload)] };
    case 'sticker':
      return { text: '', attachments: [media('sticker', payload)] };
    case 'location': {
      const latitude = number(payload, 'latitude');
      const longitude = number(payload, 'longitude');
      const place = [text(payload, 'name'), text(payload, 'address')].filter((part) => part !== undefined && part !== '').join(', ');
      return { text: place, attachments: [withoutEmpty<Attachment>({ kind: 'location', latitude, longitude })] };
    }
    case 'interactive': {
      // A pressed reply button or a chosen list row: its id is the command we offered.
      const reply = record(payload, 'button_reply') ?? record(payload, 'list_reply');
      const command = text(reply, 'id') ?? text(reply, 'title');
      return command !== undefined ? { text: command, attachments: [] } : { text: '', attachments: [{ kind: 'other' }] };
    }
    case 'button': {
      // A quick-reply button of a template message.
      const command = text(payload, 'payload') ?? text(payload, 'text');
      return command !== undefined ? { text: command, attachments: [] } : { text: '', attachments: [{ kind: 'other' }] };
    }
    case 'reaction':
      // An emoji on one of our messages; replyTo (below) points at that message.
      return { text: text(payload, 'emoji') ?? '', attachments: [] };
    default:
      // contacts, order, system, unsupported, and whatever Meta adds later: kept, so officers see it came.
      return { text: text(payload, 'caption') ?? text(payload, 'body') ?? '', attachments: [{ kind: 'other' }] };
  }
}

/**
 * One entry of `value.messages` as core sees it. `names` maps wa_id to the profile name from
 * `value.contacts`. A problem instead when the message lacks its id or sender.
 */
export function fromMessage(
  message: unknown,
  names: ReadonlyMap<string, string>,
  fallbackTime: Date,
): { message: InboundMessage } | { problem: string } {
  if (!isRecord(message)) return { problem: 'message is not an object' };
  const id = text(message, 'id');
  const from = text(message, 'from');
  if (!id || !from) return { problem: `message without ${id ? 'from' : 'id'} (type ${text(message, 'type') ?? '?'})` };
  const { text: body, attachments } = contentOf(message);
  // A reaction refers to its message in the reaction itself; anything else quotes through context.
  const replyTo = text(message, 'type') === 'reaction' ? text(record(message, 'reaction'), 'message_id') : text(record(message, 'context'), 'id');
  const displayName = names.get(from);
  return {
    message: {
      channel: WHATSAPP_CLOUD_CHANNEL,
      externalId: id,
      sender: { id: from, ...(displayName ? { displayName } : {}) },
      chat: { id: from, isGroup: false },
      text: body,
      attachments,
      ...(replyTo ? { replyTo } : {}),
      receivedAt: dateOf(number(message, 'timestamp'), fallbackTime),
    },
  };
}

/** One entry of `value.statuses`. */
export function fromStatus(status: unknown, fallbackTime: Date): { status: DeliveryStatus } | { problem: string } {
  const messageId = text(status, 'id');
  const state = text(status, 'status');
  if (!messageId || !state) return { problem: 'status without id or status' };
  const errors = list(status, 'errors').map((error) => {
    const details = text(record(error, 'error_data'), 'details') ?? text(error, 'message');
    return { code: number(error, 'code') ?? 0, title: text(error, 'title') ?? '', ...(details ? { details } : {}) };
  });
  return {
    status: {
      messageId,
      recipientId: text(status, 'recipient_id') ?? '',
      status: state,
      at: dateOf(number(status, 'timestamp'), fallbackTime),
      errors,
    },
  };
}

/** Every message and status in a webhook body, in order. */
export function parseWebhook(body: unknown, receivedAt: Date = new Date()): ParsedWebhook {
  const parsed: ParsedWebhook = { messages: [], statuses: [], problems: [], otherFields: [] };
  if (!isWhatsAppWebhook(body)) {
    parsed.problems.push('not a whatsapp_business_account webhook');
    return parsed;
  }
  for (const entry of body.entry) {
    for (const change of list(entry, 'changes')) {
      const field = text(change, 'field') ?? 'messages';
      const value = record(change, 'value');
      if (field !== 'messages') {
        parsed.otherFields.push(field);
        continue;
      }
      if (!value) {
        parsed.problems.push('messages change without value');
        continue;
      }
      const names = new Map<string, string>();
      for (const contact of list(value, 'contacts')) {
        const waId = text(contact, 'wa_id');
        const name = text(record(contact, 'profile'), 'name');
        if (waId && name) names.set(waId, name);
      }
      for (const message of list(value, 'messages')) {
        const result = fromMessage(message, names, receivedAt);
        if ('message' in result) parsed.messages.push(result.message);
        else parsed.problems.push(result.problem);
      }
      for (const status of list(value, 'statuses')) {
        const result = fromStatus(status, receivedAt);
        if ('status' in result) parsed.statuses.push(result.status);
        else parsed.problems.push(result.problem);
      }
    }
  }
  return parsed;
}
