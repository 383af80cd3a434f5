// Core OutboundMessage values as Graph API `/messages` bodies: splitting, reply buttons and lists,
// the 24-hour customer service window, and error mapping to the classes the outbox understands.
import { NetworkError, RemoteApiError } from '../../core/errors.ts';
import type { MessageAction, OutboundMessage } from '../../core/types.ts';
import { splitAtBoundaries } from '../../core/text.ts';

/** Graph refuses text bodies longer than this. */
export const WHATSAPP_TEXT_LIMIT = 4096;
/** The body of an interactive message is limited to this. */
export const INTERACTIVE_BODY_LIMIT = 1024;
const MAX_BUTTONS = 3;
const BUTTON_TITLE_LIMIT = 20;
const BUTTON_ID_LIMIT = 256;
const MAX_LIST_ROWS = 10;
const LIST_ROW_TITLE_LIMIT = 24;
const LIST_ROW_ID_LIMIT = 200;

/** Free-form messages may be sent only this long after the customer last wrote (Meta's rule). */
export const CUSTOMER_WINDOW_MS = 24 * 60 * 60_000;
/** When Meta limits messages to one recipient (131056) without saying for how long. */
const PAIR_RATE_LIMIT_WAIT_MS = 60_000;

// User-facing texts of this channel (residents see the list labels; officers see failure reasons).
const LIST_BUTTON_LABEL = 'Pilih';
const LIST_SECTION_TITLE = 'Pilihan';

interface Envelope {
  messaging_product: 'whatsapp';
  recipient_type: 'individual';
  to: string;
  context?: { message_id: string };
}

export interface ButtonInteractive {
  type: 'button';
  body: { text: string };
  action: { buttons: Array<{ type: 'reply'; reply: { id: string; title: string } }> };
}

export interface ListInteractive {
  type: 'list';
  body: { text: string };
  action: { button: string; sections: Array<{ title: string; rows: Array<{ id: string; title: string }> }> };
}

export type Interactive = ButtonInteractive | ListInteractive;

export type GraphMessageBody = Envelope &
  ({ type: 'text'; text: { body: string; preview_url: false } } | { type: 'interactive'; interactive: Interactive });

/** Our own and residents' message ids look like `wamid.HBg...`; only those can be quoted. */
export function isWamid(id: string): boolean {
  return id.startsWith('wamid.');
}

/** Which interactive form the actions fit: reply buttons for 1-3, a list for up to 10, else none. */
export function interactiveKind(actions: readonly MessageAction[]): 'button' | 'list' | undefined {
  const fits = (titleLimit: number, idLimit: number) =>
    actions.every((action) => action.label.length > 0 && action.label.length <= titleLimit && action.command.length > 0 && action.command.length <= idLimit);
  if (actions.length === 0) return undefined;
  if (actions.length <= MAX_BUTTONS && fits(BUTTON_TITLE_LIMIT, BUTTON_ID_LIMIT)) return 'button';
  if (actions.length <= MAX_LIST_ROWS && fits(LIST_ROW_TITLE_LIMIT, LIST_ROW_ID_LIMIT)) return 'list';
  return undefined;
}

/**
 * The actions as reply buttons or a list under `body`, or undefined when they do not fit WhatsApp's
 * limits (the text alone is sent then; core's texts say what to type anyway).
 */
export function interactiveFor(actions: readonly MessageAction[], body: string): Interactive | undefined {
  switch (interactiveKind(actions)) {
    case 'button':
      return {
        type: 'button',
        body: { text: body },
        action: { buttons: actions.map((action) => ({ type: 'reply', reply: { id: action.command, title: action.label } })) },
      };
    case 'list':
      return {
        type: 'list',
        body: { text: body },
        action: {
          button: LIST_BUTTON_LABEL,
          sections: [{ title: LIST_SECTION_TITLE, rows: actions.map((action) => ({ id: action.command, title: action.label })) }],
        },
      };
    case undefined:
      return undefined;
  }
}

/**
 * The Graph API bodies for one outbound message, in sending order: the text split into parts of at
 * most 4,096 characters, the first quoting `replyTo`, the last carrying the buttons (when the
 * actions fit; an interactive body holds at most 1,024 characters, so a long last part is split again).
 */
export function messageBodies(message: OutboundMessage): GraphMessageBody[] {
  const envelope = (first: boolean): Envelope => ({
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to: message.chatId,
    ...(first && message.replyTo && isWamid(message.replyTo) ? { context: { message_id: message.replyTo } } : {}),
  });
  const parts = splitAtBoundaries(message.text, WHATSAPP_TEXT_LIMIT);
  const actions = message.actions ?? [];
  const wantsButtons = interactiveKind(actions) !== undefined;
  const textParts = wantsButtons ? [...parts.slice(0, -1), ...splitAtBoundaries(parts.at(-1) ?? '', INTERACTIVE_BODY_LIMIT)] : parts;
  return textParts.map((part, index): GraphMessageBody => {
    const last = index === textParts.length - 1;
    const interactive = last && wantsButtons ? interactiveFor(actions, part) : undefined;
    return interactive
      ? { ...envelope(index === 0), type: 'interactive', interactive }
      : { ...envelope(index === 0), type: 'text', text: { body: part, preview_url: false } };
  });
}

/** Whether a free-form message may go to a chat whose last inbound message was at `lastInboundAt`. */
export function windowOpen(lastInboundAt: number | undefined, now: number): boolean {
  return lastInboundAt !== undefined && now - lastInboundAt <= CUSTOMER_WINDOW_MS;
}

const OUTSIDE_WINDOW = 'di luar jendela 24 jam WhatsApp (131047): pelapor harus menulis dulu';

/** The refusal for a chat outside the 24-hour window, raised before calling the API. */
export function outsideWindowError(lastInboundAt: number | undefined, now: number): RemoteApiError {
  const since =
    lastInboundAt === undefined
      ? 'pelapor belum pernah menulis ke nomor ini'
      : `pesan terakhir pelapor ${Math.floor((now - lastInboundAt) / 3_600_000)} jam yang lalu`;
  return new RemoteApiError(`${OUTSIDE_WINDOW} (${since}); templat pesan belum didukung`, 400, { retryable: false });
}

export interface GraphError {
  code?: number;
  subcode?: number;
  message?: string;
  details?: string;
}

/** The `error` object of a Graph API answer, read defensively (a proxy may answer with HTML). */
export function graphError(body: unknown): GraphError {
  if (typeof body !== 'object' || body === null) return {};
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return {};
  const { code, error_subcode: subcode, message, error_data: data } = error as Record<string, unknown>;
  const details = typeof data === 'object' && data !== null ? (data as { details?: unknown }).details : undefined;
  return {
    ...(typeof code === 'number' ? { code } : {}),
    ...(typeof subcode === 'number' ? { subcode } : {}),
    ...(typeof message === 'string' ? { message } : {}),
    ...(typeof details === 'string' ? { details } : {}),
  };
}

/** Retry-After as milliseconds: delta seconds or an HTTP date. */
export function parseRetryAfter(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const RATE_LIMIT_CODES = new Set([4, 80007, 130429, 131056]);
/** Graph codes documented as temporary (unknown error, service unavailable). */
const TEMPORARY_CODES = new Set([1, 2, 131000, 131016]);
const UNREACHABLE_REASONS = new Map<number, string>([
  [131026, 'nomor pelapor tidak dapat menerima pesan WhatsApp (131026)'],
  [131049, 'WhatsApp menahan pesan ke nomor ini (131049)'],
  [131050, 'pelapor menolak pesan dari nomor desa (131050)'],
]);

/** Maps a refused Graph API call (HTTP status, parsed body, Retry-After header) to a RemoteApiError. */
export function toSendError(status: number, body: unknown, retryAfterHeader?: string | null, now = Date.now()): RemoteApiError {
  const error = graphError(body);
  const code = error.code;
  const detail = error.details ?? error.message ?? `HTTP ${status}`;
  if (code === 190 || status === 401) {
    return new RemoteApiError('token WhatsApp Cloud ditolak (190): periksa WHATSAPP_CLOUD_TOKEN', 401, { retryable: false });
  }
  if (status === 429 || (code !== undefined && RATE_LIMIT_CODES.has(code))) {
    const retryAfterMs = parseRetryAfter(retryAfterHeader, now) ?? (code === 131056 ? PAIR_RATE_LIMIT_WAIT_MS : undefined);
    return new RemoteApiError(`batas kirim WhatsApp tercapai (${code ?? status}): ${detail}`, 429, {
      retryable: true,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }
  if (code === 131047) return new RemoteApiError(OUTSIDE_WINDOW, status, { retryable: false });
  const unreachable = code === undefined ? undefined : UNREACHABLE_REASONS.get(code);
  if (unreachable) return new RemoteApiError(unreachable, status, { recipientUnreachable: true, retryable: false });
  if (status >= 500 || (code !== undefined && TEMPORARY_CODES.has(code))) {
    return new RemoteApiError(`WhatsApp Cloud sedang bermasalah (${code ?? status}): ${detail}`, status, { retryable: true });
  }
  return new RemoteApiError(`WhatsApp Cloud menolak pesan (${code ?? status}): ${detail}`, status, { retryable: false });
}

/** A call that got no answer (refused connection, timeout, reset). */
export function toNetworkError(error: unknown): NetworkError {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return new NetworkError(`WhatsApp Cloud unreachable: ${message}${cause}`, { cause: error });
}
