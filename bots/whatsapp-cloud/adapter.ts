// The WhatsApp Cloud API channel (the village's official business number through Meta's Graph API).
// Messages arrive by webhook (routes.ts checks the signature); a webhook is answered 200 only after
// core has committed every message in it, so Meta delivers it again after a failure, and core's
// (channel, externalId) uniqueness makes the redelivery harmless.
import type { Logger } from 'pino';
import { RemoteApiError } from '../../core/errors.ts';
import { sendInParts } from '../../core/parts.ts';
import { sleep } from '../../core/sleep.ts';
import type { ChannelAdapter, ChannelHealth, InboundMessage, IntakeResult, OutboundMessage, SendResult } from '../../core/types.ts';
import type { WhatsAppCloudConfig } from './config.ts';
import { parseWebhook, WHATSAPP_CLOUD_CHANNEL, type DeliveryStatus } from './inbound.ts';
import { graphError, messageBodies, outsideWindowError, toNetworkError, toSendError, windowOpen, type GraphMessageBody } from './outbound.ts';

export interface WhatsAppCloudDeps {
  /** Hands a message to core (the intake's group commit); settles once it is committed, rejects when it could not be stored. */
  receive(message: InboundMessage): IntakeResult | Promise<IntakeResult>;
  logger: Logger;
  /** When the chat last wrote to this channel (ms), for the 24-hour customer service window. */
  lastInboundAt(chatId: string): number | undefined;
  now?: () => number;
  /** An injected fetch (tests); the global one otherwise. */
  fetch?: typeof fetch;
  /** First delay of the background connection check after a failure (doubles up to 5 minutes); tests shorten it. */
  checkRetryBaseMs?: number;
  /** Meta reported that a message it had accepted was not delivered (a `failed` status). */
  onDeliveryFailed?(platformMessageId: string, reason: string): void;
}

const SEND_TIMEOUT_MS = 30_000;
const CHECK_TIMEOUT_MS = 15_000;
const CHECK_RETRY_MAX_MS = 5 * 60_000;
/** Failed-delivery codes whose reason officers and operators should see in the log. */
const NOTABLE_FAILURES = new Map<number, string>([
  [131047, 'more than 24 hours since the resident last wrote; only template messages may be sent'],
  [131026, 'the recipient cannot receive this message (not on WhatsApp, old app, or not accepted the terms)'],
]);

/** The JSON body of an answer, or the raw text when it is not JSON (an HTML error page). */
async function readBody(response: Response): Promise<unknown> {
  const raw = await response.text();
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

export class WhatsAppCloudAdapter implements ChannelAdapter {
  readonly name = WHATSAPP_CLOUD_CHANNEL;
  /** Cloud API throughput starts at 80 messages/s per number; stay well below. */
  readonly sendsPerSecond = 20;
  private readonly logger: Logger;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private status: ChannelHealth = { state: 'connecting', detail: 'starting' };
  private readonly stopController = new AbortController();
  private checking: Promise<void> | undefined;

  constructor(
    private readonly config: WhatsAppCloudConfig,
    private readonly deps: WhatsAppCloudDeps,
  ) {
    this.logger = deps.logger.child({ channel: WHATSAPP_CLOUD_CHANNEL });
    // Wrapped so the global fetch is never called with this adapter as `this`.
    this.fetch = deps.fetch ?? ((input, init) => fetch(input, init));
    this.now = deps.now ?? Date.now;
  }

  /** Checks the token and phone number id once; on failure keeps checking in the background. Never throws. */
  async start(): Promise<void> {
    if (await this.check(true)) return;
    this.checking = this.keepChecking();
  }

  private async keepChecking(): Promise<void> {
    const signal = this.stopController.signal;
    const base = this.deps.checkRetryBaseMs ?? 1000;
    try {
      for (let attempt = 1; !signal.aborted; attempt += 1) {
        await sleep(Math.min(CHECK_RETRY_MAX_MS, base * 2 ** Math.min(attempt - 1, 20)), signal);
        if (signal.aborted || (await this.check(false))) return;
      }
    } finally {
      this.checking = undefined;
    }
  }

  /** A token refused while sending (expired, revoked): shown in /healthz until a check succeeds again. */
  private tokenRefused(detail: string): void {
    this.status = { state: 'disconnected', detail };
    if (!this.checking && !this.stopController.signal.aborted) {
      this.logger.error({ reason: detail }, 'whatsapp cloud token refused while sending');
      this.checking = this.keepChecking();
    }
  }

  /** GET the phone number: proves the token works and names the number in /healthz. */
  private async check(first: boolean): Promise<boolean> {
    const url = `${this.config.apiRoot}/${encodeURIComponent(this.config.phoneNumberId)}?fields=display_phone_number,verified_name`;
    try {
      const response = await this.fetch(url, {
        headers: { authorization: `Bearer ${this.config.token}` },
        signal: AbortSignal.any([AbortSignal.timeout(CHECK_TIMEOUT_MS), this.stopController.signal]),
      });
      const body = await readBody(response);
      if (response.ok) {
        const { display_phone_number: number, verified_name: name } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
        const label = [typeof number === 'string' ? number : this.config.phoneNumberId, typeof name === 'string' ? `(${name})` : '']
          .filter(Boolean)
          .join(' ');
        this.status = { state: 'connected', detail: label };
        this.logger.info({ number: label }, 'whatsapp cloud connected');
        return true;
      }
      const error = graphError(body);
      const detail =
        error.code === 190 || response.status === 401
          ? 'token WhatsApp Cloud ditolak (190): periksa WHATSAPP_CLOUD_TOKEN'
          : error.code === 100
            ? `nomor ${this.config.phoneNumberId} tidak dikenal (100): periksa WHATSAPP_CLOUD_PHONE_ID`
            : `WhatsApp Cloud menjawab HTTP ${response.status}${error.code !== undefined ? ` (${error.code})` : ''}: ${error.message ?? ''}`.trim();
      this.markDown(detail, first);
    } catch (error) {
      if (this.stopController.signal.aborted) return false;
      this.markDown(`tidak terhubung: ${toNetworkError(error).message}`, first);
    }
    return false;
  }

  private markDown(detail: string, first: boolean): void {
    this.status = { state: 'disconnected', detail };
    if (first) this.logger.error({ reason: detail }, 'whatsapp cloud check failed; retrying in the background');
    else this.logger.debug({ reason: detail }, 'whatsapp cloud check failed again');
  }

  /**
   * Processes one webhook body whose signature was verified: hands every message to core (together,
   * in order, so they share the intake's commits) and logs delivery statuses. Throws if core could
   * not store a message, so the route answers 500 and Meta delivers the body again (the messages
   * that were stored then come back as duplicates, which core ignores).
   */
  async handleWebhook(body: unknown): Promise<{ messages: number; statuses: number }> {
    const parsed = parseWebhook(body, new Date(this.now()));
    for (const problem of parsed.problems) this.logger.warn({ problem }, 'whatsapp cloud webhook part not understood');
    if (parsed.otherFields.length > 0) this.logger.debug({ fields: parsed.otherFields }, 'whatsapp cloud webhook fields ignored');
    const outcomes = await Promise.allSettled(parsed.messages.map(async (message) => this.deps.receive(message)));
    const failed = outcomes.findIndex((outcome) => outcome.status === 'rejected');
    const failure = outcomes[failed];
    if (failure?.status === 'rejected') {
      this.logger.error({ err: failure.reason as unknown, externalId: parsed.messages[failed]?.externalId }, 'whatsapp cloud message not stored; Meta will deliver it again');
      throw failure.reason;
    }
    for (const status of parsed.statuses) this.logStatus(status);
    return { messages: parsed.messages.length, statuses: parsed.statuses.length };
  }

  private logStatus(status: DeliveryStatus): void {
    if (status.status !== 'failed') {
      this.logger.debug({ messageId: status.messageId, status: status.status }, 'whatsapp cloud delivery status');
      return;
    }
    const [error] = status.errors;
    const reason = error ? (NOTABLE_FAILURES.get(error.code) ?? error.details ?? error.title) : 'no reason given';
    this.logger.warn(
      { messageId: status.messageId, recipient: status.recipientId, code: error?.code, title: error?.title, reason },
      'whatsapp cloud message not delivered',
    );
    this.deps.onDeliveryFailed?.(status.messageId, `WhatsApp ${error?.code ?? ''}: ${reason}`.replace(' :', ':'));
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    // Outside the window Meta accepts the call and fails the message later, by webhook: refuse here,
    // so the outbox tells the officer at once.
    const now = this.now();
    const last = this.deps.lastInboundAt(message.chatId);
    if (!windowOpen(last, now)) throw outsideWindowError(last, now);
    const ids = await sendInParts(messageBodies(message), message.parts, (body) => this.post(body));
    const [first, ...rest] = ids;
    if (first === undefined) throw new Error('no message body to send');
    return { platformMessageId: first, ...(rest.length > 0 ? { extraPlatformMessageIds: rest } : {}) };
  }

  /** POSTs one message; returns its wamid. */
  private async post(body: GraphMessageBody): Promise<string> {
    const url = `${this.config.apiRoot}/${encodeURIComponent(this.config.phoneNumberId)}/messages`;
    let response: Response;
    let answer: unknown;
    try {
      response = await this.fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.config.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      });
      answer = await readBody(response);
    } catch (error) {
      throw toNetworkError(error);
    }
    if (!response.ok) {
      const error = toSendError(response.status, answer, response.headers.get('retry-after'), this.now());
      if (error.code === 401) this.tokenRefused(error.message);
      throw error;
    }
    const messages = typeof answer === 'object' && answer !== null ? (answer as { messages?: unknown }).messages : undefined;
    const first: unknown = Array.isArray(messages) ? messages[0] : undefined;
    const id = typeof first === 'object' && first !== null ? (first as { id?: unknown }).id : undefined;
    // Not retried: the message was most likely sent, and a retry would send it twice.
    if (typeof id !== 'string') throw new RemoteApiError('jawaban WhatsApp Cloud tanpa id pesan', response.status, { retryable: false });
    return id;
  }

  health(): ChannelHealth {
    return this.status;
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    await this.checking;
    this.status = { state: 'disconnected', detail: 'stopped' };
  }
}
