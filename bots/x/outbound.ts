// Core OutboundMessage values as X posts: length as X counts it, threads, the privacy-safe public
// reply, and error mapping.
import { ApiResponseError } from 'twitter-api-v2';
import type { IncomingHttpHeaders } from 'node:http';
import { NetworkError, RemoteApiError } from '../../core/errors.ts';

// The channel's own user-facing texts (Indonesian). Public texts carry a ticket code at most:
// nothing a resident wrote, and no name, phone or address.
export const publicTexts = {
  acknowledged: (code: string): string =>
    `Terima kasih, laporan Anda tercatat dengan nomor ${code}. Untuk menyampaikan detail, kirim DM ke akun ini atau WhatsApp desa.`,
  updated: (code: string): string =>
    `Ada kabar terbaru untuk laporan ${code}. Rinciannya tidak kami tulis di sini demi privasi; kirim DM ke akun ini atau hubungi WhatsApp desa.`,
  inviteToDm: 'Terima kasih. Untuk menyampaikan laporan atau pertanyaan, kirim DM ke akun ini atau WhatsApp desa.',
};

/** Why a DM could not be sent, for officers (the outbox shows it to whoever handles the ticket). */
export const dmRefused = 'paket X atau pengaturan aplikasi tidak mengizinkan mengirim DM';

// Post length and thread splitting live in core: the weekly summary needs them too.
export { countTweetLength, splitThread, TWEET_LIMIT } from '../../core/post-length.ts';

// Anything that looks like personal data: e-mail, NIK (16 digits), phone numbers (+62 / 08..., 9-15 digits).
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const NIK = /(?<!\d)\d{16}(?!\d)/g;
const PHONE = /(?:\+?\d[\d\s.()-]{7,}\d)/g;

/** Removes anything that looks like an e-mail address, NIK or phone number from a public text. */
export function scrubPublic(text: string): string {
  return text
    .replace(EMAIL, '[disembunyikan]')
    .replace(NIK, '[disembunyikan]')
    .replace(PHONE, (match) => (match.replace(/\D/g, '').length >= 8 ? '[disembunyikan]' : match));
}

const TICKET_CODE = /[A-Z]{2,5}-\d+/;

/** The ticket code a core text carries, if any. */
export function ticketCodeIn(text: string): string | undefined {
  return TICKET_CODE.exec(text)?.[0];
}

/**
 * The public reply that stands for a core text on X. It is built only from the ticket code, never
 * from the core text itself, which may quote the resident's words, phone or name. `update` is a
 * later message about the ticket (an officer's answer) that could not go by DM.
 */
export function publicReplyText(coreText: string, kind: 'ack' | 'update' = 'ack'): string {
  const code = ticketCodeIn(coreText);
  const text = code ? (kind === 'ack' ? publicTexts.acknowledged(code) : publicTexts.updated(code)) : publicTexts.inviteToDm;
  return scrubPublic(text);
}

function headerNumber(headers: IncomingHttpHeaders | undefined, name: string): number | undefined {
  const value = headers?.[name];
  const raw = Array.isArray(value) ? value[0] : value;
  const number = raw === undefined ? NaN : Number(raw);
  return Number.isFinite(number) ? number : undefined;
}

/** Milliseconds until the rate-limit window of a response resets (x-rate-limit-reset is in epoch seconds). */
export function resetDelayMs(headers: IncomingHttpHeaders | undefined, now: number): number | undefined {
  const reset = headerNumber(headers, 'x-rate-limit-reset');
  if (reset === undefined) return undefined;
  return Math.max(1000, reset * 1000 - now);
}

/** Remaining calls in the current window, when the response said. */
export function remainingCalls(headers: IncomingHttpHeaders | undefined): number | undefined {
  return headerNumber(headers, 'x-rate-limit-remaining');
}

/** The API's own words about an error: its detail/title or v1 message, never the request (which carries the signature). */
export function errorReason(error: unknown): string {
  if (error instanceof ApiResponseError) {
    const data = error.data;
    const first = data.errors?.[0];
    const inner = first && 'message' in first ? first.message : undefined;
    return [data.title, data.detail ?? inner ?? data.error].filter((part) => part !== undefined && part !== '').join(': ') || `HTTP ${error.code}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Whether a refusal means the plan or the app's setup does not allow the call (as opposed to a passing failure). */
export function isAccessRefusal(error: unknown): boolean {
  if (!(error instanceof ApiResponseError)) return false;
  if (error.code === 401 || error.code === 403) return true;
  const reason = errorReason(error);
  return /client-not-enrolled|Unsupported Authentication|not permitted|Client Forbidden/i.test(reason) || error.data.type?.includes('client-forbidden') === true;
}

/** Maps a failed X call to the error classes the outbox understands. */
export function toSendError(error: unknown, now: number): Error {
  if (error instanceof RemoteApiError || error instanceof NetworkError) return error;
  if (error instanceof ApiResponseError) {
    const reason = errorReason(error);
    if (error.code === 429) {
      const retryAfterMs = resetDelayMs(error.headers, now) ?? 60_000;
      return new RemoteApiError(`X rate limit: ${reason}`, 429, { retryAfterMs });
    }
    if (error.code >= 500) return new RemoteApiError(`X server error: ${reason}`, error.code);
    if (error.code === 403 && /duplicate/i.test(reason)) {
      return new RemoteApiError(`X refused a duplicate post: ${reason}`, 403, { retryable: false });
    }
    if (error.code === 401) return new RemoteApiError(`X refused the credentials: ${reason}`, 401, { retryable: false });
    if (error.code === 403) return new RemoteApiError(`X refused (plan, permission or recipient): ${reason}`, 403, { retryable: false });
    return new RemoteApiError(`X refused: ${reason}`, error.code, { retryable: false });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new NetworkError(`X unreachable: ${message}`, { cause: error });
}
