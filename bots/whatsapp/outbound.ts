// Core OutboundMessage values as WhatsApp messages, sent the way a person would: only to people who
// wrote first (or the officers' group), one at a time, with pauses. WhatsApp bans numbers that
// message strangers or send in bursts, and an unofficial client has no appeal.
import { NetworkError, RemoteApiError } from '../../core/errors.ts';
import type { MessageAction } from '../../core/types.ts';
import { isGroupId } from './inbound.ts';

export interface ThrottleOptions {
  /** A random pause in [minDelayMs, maxDelayMs] before every message, like typing. */
  minDelayMs: number;
  maxDelayMs: number;
  /** At least this long between two messages to the same chat. */
  perChatGapMs: number;
  /** At most this many messages in any 60 seconds, all chats together. */
  maxPerMinute: number;
}

export interface ThrottleClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** In [0, 1), like Math.random. */
  random(): number;
}

const MINUTE_MS = 60_000;

/**
 * Spaces messages out. Each call reserves the next send time at once, so callers that come
 * together are still spaced; sends go out in the order they were reserved.
 */
export class Throttle {
  /** Reserved send times within the last minute, ascending. */
  private recent: number[] = [];
  private readonly lastByChat = new Map<string, number>();
  private lastReserved = 0;

  constructor(
    private readonly options: ThrottleOptions,
    private readonly clock: ThrottleClock,
  ) {}

  /** Reserves a send time for a message to the chat; returns how long to wait for it (ms). */
  reserve(chatId: string): number {
    const now = this.clock.now();
    this.forget(now);
    const { minDelayMs, maxDelayMs, perChatGapMs, maxPerMinute } = this.options;
    const humanDelay = minDelayMs + Math.floor(this.clock.random() * (maxDelayMs - minDelayMs + 1));
    let at = Math.max(now, this.lastReserved) + humanDelay;
    const lastToChat = this.lastByChat.get(chatId);
    if (lastToChat !== undefined) at = Math.max(at, lastToChat + perChatGapMs);
    // The oldest of the last maxPerMinute sends must be a minute old before another goes out.
    const oldestInWindow = this.recent[this.recent.length - maxPerMinute];
    if (oldestInWindow !== undefined && oldestInWindow > at - MINUTE_MS) at = oldestInWindow + MINUTE_MS;
    this.recent.push(at);
    this.lastByChat.set(chatId, at);
    this.lastReserved = at;
    return at - now;
  }

  /** Waits for the chat's turn. */
  async wait(chatId: string): Promise<void> {
    const delay = this.reserve(chatId);
    if (delay > 0) await this.clock.sleep(delay);
  }

  private forget(now: number): void {
    const firstKept = this.recent.findIndex((at) => at > now - MINUTE_MS);
    this.recent = firstKept === -1 ? [] : this.recent.slice(firstKept);
    for (const [chatId, at] of this.lastByChat) {
      if (at + this.options.perChatGapMs <= now) this.lastByChat.delete(chatId);
    }
  }
}

export const NOT_WRITTEN_FIRST = 'WhatsApp: penerima belum pernah menulis ke nomor desa';

export interface RecipientRule {
  /** True when this chat wrote to the village number before. */
  hasWrittenFirst(chatId: string): boolean;
  officerGroups: Pick<ReadonlySet<string>, 'has'>;
}

/**
 * The "wrote first" rule: a group may be messaged only when it is an officers' group; a person
 * only when they wrote to us before, under this id or another id of theirs (`@lid` and
 * phone-number forms of the same account).
 */
export function mayMessage(chatId: string, rule: RecipientRule, otherIds: readonly string[] = []): boolean {
  if (isGroupId(chatId)) return rule.officerGroups.has(chatId);
  return [chatId, ...otherIds].some((id) => rule.hasWrittenFirst(id));
}

/** The refusal for a chat that did not write first; never retried (retrying cannot make it write). */
export function notWrittenFirstError(): RemoteApiError {
  return new RemoteApiError(NOT_WRITTEN_FIRST, 403, { retryable: false });
}

/**
 * WhatsApp Web has no buttons for a linked device: command actions become lines the reader can
 * type (or copy). Digit actions (ratings) add nothing, as the text already asks for 1-5.
 */
export function withActions(text: string, actions: readonly MessageAction[] | undefined): string {
  const commands = (actions ?? []).filter((action) => !/^\d+$/.test(action.command.trim()));
  if (commands.length === 0) return text;
  return `${text}\n\n${commands.map((action) => `• ${action.command}`).join('\n')}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** whatsapp-web.js messages for an id WhatsApp does not know. */
const UNKNOWN_RECIPIENT = /invalid wid|wid error|not a valid (?:wid|whatsapp)|No LID for user|not registered/i;
/** The browser or the page went away, or the call hung: the message did not go, try again later. */
const BROWSER_TROUBLE =
  /Target closed|Session closed|Protocol error|Execution context was destroyed|detached Frame|Connection closed|browser has disconnected|net::ERR_|timed out|TimeoutError|Navigating frame was detached|reading 'evaluate'/i;

/** Maps a failed send to the error classes the outbox understands. */
export function toSendError(error: unknown): Error {
  if (error instanceof RemoteApiError || error instanceof NetworkError) return error;
  const message = describe(error);
  if (UNKNOWN_RECIPIENT.test(message)) {
    return new RemoteApiError(`WhatsApp: nomor tujuan tidak dikenal (${message})`, 404, { recipientUnreachable: true });
  }
  if (BROWSER_TROUBLE.test(message)) return new NetworkError(`WhatsApp Web unreachable: ${message}`, { cause: error });
  // Unknown page errors: worth a few bounded retries (the outbox caps attempts).
  return new RemoteApiError(`WhatsApp Web: ${message}`, 500);
}
