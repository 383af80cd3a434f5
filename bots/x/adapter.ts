// The X (Twitter) channel (twitter-api-v2, OAuth 1.0a user context of the village account).
// Polls mentions and DMs within the plan's rate limits; answers mentions with a short public reply
// that carries only the ticket code, and everything else by DM where the plan allows.
// X's plans differ in what they allow (Free cannot read mentions or DMs): the adapter probes what it
// may do, runs post-only where reading is refused, and says so in /healthz.
import { readFile } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import { ApiResponseError, TwitterApi, type ApiV2Includes, type ITwitterApiClientPlugin, type TweetV2, type TwitterResponse } from 'twitter-api-v2';
import { RemoteApiError } from '../../core/errors.ts';
import { sendInParts } from '../../core/parts.ts';
import type { ChannelAdapter, ChannelHealth, InboundMessage, IntakeResult, OutboundMessage, PartsProgress, SendResult } from '../../core/types.ts';
import type { XConfig } from './config.ts';
import { compareIds, dmKey, fromDmEvent, fromMention, ignoreReason, parseChatId, tweetKey, X_CHANNEL, type XAccount, type XDmEvent } from './inbound.ts';
import { dmRefused, errorReason, isAccessRefusal, publicReplyText, remainingCalls, resetDelayMs, splitThread, toSendError } from './outbound.ts';

export interface XDeps {
  /** Hands a message to core (the intake's group commit); settles once it is committed, rejects when it could not be stored. */
  receive(message: InboundMessage): IntakeResult | Promise<IntakeResult>;
  logger: Logger;
  /** Where the newest handled ids are kept across restarts: keys 'x:mentions' and 'x:dms'. */
  cursor: { read(key: string): string | undefined; write(key: string, value: string): void };
  /** An injected client (tests); built from the config otherwise. */
  client?: TwitterApi;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface XCapabilities {
  readMentions: boolean;
  readDms: boolean;
  post: boolean;
  sendDms: boolean;
}

type Capability = keyof XCapabilities;

export const MENTIONS_CURSOR = 'x:mentions';
export const DMS_CURSOR = 'x:dms';

const PROBE_INTERVAL_MS = 60 * 60_000;
/** On the very first run (no cursor), older mentions and DMs are history, not new aspirations. */
const FIRST_RUN_HORIZON_MS = 24 * 60 * 60_000;
/** X keeps DM events 30 days and returns mentions up to 800 back: a bound, not a normal case. */
const MAX_PAGES = 10;
/** X refuses DMs longer than this. */
const DM_LIMIT = 10_000;
/**
 * How long one API call may take. twitter-api-v2 sets no timeout of its own, and a hung connection
 * would hold the outbox pass, in which every channel waits for the others.
 */
const REQUEST_TIMEOUT_MS = 30_000;

const TWEET_FIELDS = 'author_id,created_at,in_reply_to_user_id,referenced_tweets,attachments,conversation_id,note_tweet';
const DM_FIELDS = 'id,text,event_type,created_at,sender_id,dm_conversation_id,attachments';

// A 403 on posting or sending a DM means the plan or the app's permissions refuse it (rather than
// one tweet or one recipient) only with these words.
const PLAN_REFUSAL = /client-not-enrolled|Unsupported Authentication|oauth1[- ]app permissions|not permitted to (?:use|perform)|Client Forbidden|appropriate level of API access/i;
// The recipient does not take DMs from us (settings, blocked, not following).
const DM_RECIPIENT_REFUSAL = /cannot send (?:direct )?messages? to|not allowed to send|does not accept|not following/i;

const LABELS: Record<Capability, string> = {
  readMentions: 'membaca mention',
  readDms: 'membaca DM',
  post: 'memposting',
  sendDms: 'mengirim DM',
};

interface Page<T> {
  data?: T[];
  includes?: ApiV2Includes;
  meta?: { newest_id?: string; next_token?: string; result_count?: number };
}

function describe(error: unknown): string {
  return errorReason(error);
}

function statusOf(error: unknown): string {
  return error instanceof ApiResponseError ? String(error.code) : 'jaringan';
}

function isPlanRefusal(error: unknown): boolean {
  if (!(error instanceof ApiResponseError)) return false;
  if (error.code === 401) return true;
  return error.code === 403 && PLAN_REFUSAL.test(JSON.stringify(error.data));
}

/**
 * The event id of a sent DM. X answers `{data: {dm_event_id}}`; twitter-api-v2 1.29.1 types the
 * answer without the `data` wrapper, so both shapes are read.
 */
function dmEventIdOf(sent: unknown): string {
  const record = (value: unknown): Record<string, unknown> | undefined =>
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  const body = record(sent);
  const id = record(body?.data)?.dm_event_id ?? body?.dm_event_id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : 'unknown';
}

/** A client plugin that gives every request a timeout (a timed-out request fails as a network error). */
function requestTimeout(ms: number): ITwitterApiClientPlugin {
  return {
    onBeforeRequestConfig: ({ params }) => {
      params.timeout ??= ms;
    },
  };
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
  });
}

export class XAdapter implements ChannelAdapter {
  readonly name = X_CHANNEL;
  /** X counts posts per 15 minutes and per day; one a second keeps bursts modest, 429s do the rest. */
  readonly sendsPerSecond: number = 1;
  private readonly client: TwitterApi;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private status: ChannelHealth = { state: 'connecting', detail: 'memulai' };
  private account: XAccount | undefined;
  private readonly caps: XCapabilities = { readMentions: false, readDms: false, post: true, sendDms: true };
  /** Why a capability is off, for /healthz; absent while it is on or not yet probed. */
  private readonly refused = new Map<Capability, string>();
  private probed = false;
  private nextProbeAt = 0;
  /** Per read endpoint: not before this time (poll interval, or the rate-limit window's reset). */
  private readonly dueAt = { mentions: 0, dms: 0 };
  /** A passing failure of the last poll (network, 5xx), shown until a poll succeeds. */
  private pollTrouble: string | undefined;
  private stopped = false;
  private wakeStop: () => void = () => undefined;
  private stopSignal: Promise<void> = Promise.resolve();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly config: XConfig,
    private readonly deps: XDeps,
  ) {
    this.logger = deps.logger.child({ channel: X_CHANNEL });
    this.client = deps.client ?? new TwitterApi(
      {
        appKey: config.appKey,
        appSecret: config.appSecret,
        accessToken: config.accessToken,
        accessSecret: config.accessSecret,
      },
      { plugins: [requestTimeout(config.requestTimeoutMs ?? REQUEST_TIMEOUT_MS)] },
    );
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? defaultSleep;
  }

  /** Resolves at once; connecting, probing and polling run in the background and never reject. */
  start(): Promise<void> {
    if (this.loop) return Promise.resolve();
    this.stopped = false;
    this.stopSignal = new Promise((resolve) => {
      this.wakeStop = resolve;
    });
    this.loop = this.run().catch((error: unknown) => {
      // Nothing in run() should throw; if it does, it is shown and logged rather than left unhandled.
      this.status = { state: 'degraded', detail: `berhenti karena galat: ${describe(error)}` };
      this.logger.error({ reason: describe(error) }, 'x channel loop failed');
    });
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeStop();
    await this.loop;
    this.loop = undefined;
    this.status = { state: 'disconnected', detail: 'dihentikan' };
  }

  health(): ChannelHealth {
    return this.status;
  }

  capabilities(): XCapabilities {
    return { ...this.caps };
  }

  /** Waits, but returns early when the adapter stops. */
  private async pause(ms: number): Promise<void> {
    if (this.stopped) return;
    await Promise.race([this.sleep(Math.max(0, ms)), this.stopSignal]);
  }

  private async run(): Promise<void> {
    await this.connect();
    const intervalMs = this.config.pollIntervalSeconds * 1000;
    while (!this.stopped) {
      if (this.now() >= this.nextProbeAt) await this.probe();
      if (this.stopped) break;
      const now = this.now();
      if (this.caps.readMentions && now >= this.dueAt.mentions) {
        await this.pollMentions();
        this.dueAt.mentions = Math.max(this.dueAt.mentions, this.now() + intervalMs);
      }
      if (this.stopped) break;
      if (this.caps.readDms && this.now() >= this.dueAt.dms) {
        await this.pollDms();
        this.dueAt.dms = Math.max(this.dueAt.dms, this.now() + intervalMs);
      }
      this.updateStatus();
      const next = Math.min(
        this.nextProbeAt,
        this.caps.readMentions ? this.dueAt.mentions : Infinity,
        this.caps.readDms ? this.dueAt.dms : Infinity,
      );
      // At least a second between rounds: nothing here may turn into a busy loop.
      await this.pause(Math.max(1000, next - this.now()));
    }
  }

  /** users/me until it answers: it gives the account id that mentions and DMs are read with. */
  private async connect(): Promise<void> {
    for (let attempt = 1; !this.stopped; attempt += 1) {
      try {
        const me = await this.client.v2.me();
        this.account = { id: me.data.id, handle: me.data.username };
        if (this.config.accountHandle && this.config.accountHandle.toLowerCase() !== me.data.username.toLowerCase()) {
          this.logger.warn({ configured: this.config.accountHandle, actual: me.data.username }, 'X_ACCOUNT_HANDLE differs from the account the tokens belong to; using the latter');
        }
        this.status = { state: 'connecting', detail: `@${me.data.username}: memeriksa izin paket X` };
        this.logger.info({ account: me.data.username }, 'x account connected');
        return;
      } catch (error) {
        if (error instanceof ApiResponseError && error.code === 403) {
          // Some plans refuse even users/me: without the account id nothing can be read, but posting may work.
          this.account = undefined;
          this.setCapability('readMentions', false, `akun tidak bisa dibaca (403): ${describe(error)}`);
          this.setCapability('readDms', false, `akun tidak bisa dibaca (403): ${describe(error)}`);
          this.probed = true;
          this.nextProbeAt = this.now() + PROBE_INTERVAL_MS;
          this.updateStatus();
          return;
        }
        const unauthorized = error instanceof ApiResponseError && error.code === 401;
        this.status = {
          state: 'disconnected',
          detail: unauthorized
            ? 'kredensial ditolak X (401): periksa X_APP_KEY, X_APP_SECRET, X_ACCESS_TOKEN, X_ACCESS_SECRET'
            : `tidak terhubung ke X: ${describe(error)}`,
        };
        if (attempt === 1) this.logger.error({ reason: describe(error), status: statusOf(error) }, 'x account not reachable; retrying');
        await this.pause(Math.min(15 * 60_000, 5000 * 2 ** Math.min(attempt, 8)));
      }
    }
  }

  /** Finds out what the plan allows to read. Posting and sending DMs cannot be probed without side effects. */
  private async probe(): Promise<void> {
    this.nextProbeAt = this.now() + PROBE_INTERVAL_MS;
    if (!this.account) {
      // users/me was refused at start (403): ask again, the plan may have changed.
      try {
        const me = await this.client.v2.me();
        this.account = { id: me.data.id, handle: me.data.username };
      } catch (error) {
        this.logger.debug({ reason: describe(error) }, 'x users/me still refused');
        this.probed = true;
        return;
      }
    }
    const account = this.account;
    await this.probeOne('readMentions', () => this.client.v2.get('users/:id/mentions', { max_results: 5 }, { fullResponse: true, params: { id: account.id } }));
    if (this.stopped) return;
    await this.probeOne('readDms', () => this.client.v2.get('dm_events', { max_results: 1 }, { fullResponse: true }));
    this.probed = true;
    this.updateStatus();
  }

  private async probeOne(capability: 'readMentions' | 'readDms', call: () => Promise<TwitterResponse<unknown>>): Promise<void> {
    try {
      const response = await call();
      this.setCapability(capability, true);
      this.noteRateLimit(capability === 'readMentions' ? 'mentions' : 'dms', response.headers);
    } catch (error) {
      if (isAccessRefusal(error)) {
        this.setCapability(capability, false, `paket X tidak mengizinkan ${LABELS[capability]} (${statusOf(error)})`);
      } else if (error instanceof ApiResponseError && error.code === 429) {
        // Rate-limited means readable; the window's reset says when.
        this.setCapability(capability, true);
        this.noteRateLimit(capability === 'readMentions' ? 'mentions' : 'dms', error.headers, true);
      } else {
        // A passing failure tells nothing about the plan: keep what we knew, try again next round.
        this.nextProbeAt = Math.min(this.nextProbeAt, this.now() + 60_000);
        this.pollTrouble = `pemeriksaan izin gagal: ${describe(error)}`;
      }
    }
  }

  /** Turns a capability on or off; a change is logged once (not every poll). */
  private setCapability(capability: Capability, allowed: boolean, reason?: string): void {
    const was = this.caps[capability];
    const known = this.probed || capability === 'post' || capability === 'sendDms';
    this.caps[capability] = allowed;
    if (allowed) {
      this.refused.delete(capability);
      if (!was && known) this.logger.info({ capability }, `x: ${LABELS[capability]} allowed again`);
      return;
    }
    const first = !this.refused.has(capability);
    this.refused.set(capability, reason ?? `paket X tidak mengizinkan ${LABELS[capability]}`);
    if (first) this.logger.warn({ capability, reason }, `x: ${LABELS[capability]} not allowed by the plan; the channel goes on with what it may do`);
  }

  private updateStatus(): void {
    if (!this.account && !this.refused.size) return;
    const handle = this.account ? `@${this.account.handle}` : `@${this.config.accountHandle ?? '?'}`;
    if (!this.probed) {
      this.status = { state: 'connecting', detail: `${handle}: memeriksa izin paket X` };
      return;
    }
    if (!this.caps.readMentions && !this.refused.has('readMentions')) {
      // Not refused, just not known yet (the probe failed for a passing reason).
      this.status = { state: 'degraded', detail: `${handle}: ${this.pollTrouble ?? 'izin membaca mention belum diketahui'}` };
      return;
    }
    if (this.caps.post && !this.caps.readMentions) {
      const reason = this.refused.get('readMentions') ?? 'tidak bisa membaca mention';
      this.status = { state: 'degraded', detail: `hanya kirim: ${reason}` };
      return;
    }
    if (!this.caps.post) {
      this.status = { state: 'degraded', detail: `${handle}: ${this.refused.get('post') ?? 'tidak bisa memposting'}` };
      return;
    }
    const can = [
      ...(this.caps.readMentions ? ['baca mention'] : []),
      ...(this.caps.readDms ? ['baca DM'] : []),
      'kirim',
      ...(this.caps.sendDms ? [] : ['tanpa kirim DM']),
    ];
    if (this.pollTrouble) {
      this.status = { state: 'degraded', detail: `${handle}: ${this.pollTrouble}` };
      return;
    }
    this.status = { state: 'connected', detail: `${handle}: ${can.join(', ')}` };
  }

  /** Honours the rate-limit headers: when no call is left in the window, or after a 429, wait for its reset. */
  private noteRateLimit(endpoint: 'mentions' | 'dms', headers: IncomingHttpHeaders | undefined, limited = false): void {
    const remaining = remainingCalls(headers);
    if (!limited && remaining !== 0) return;
    const delay = resetDelayMs(headers, this.now()) ?? 15 * 60_000;
    this.dueAt[endpoint] = Math.max(this.dueAt[endpoint], this.now() + delay);
    if (limited) this.logger.info({ endpoint, waitMs: delay }, 'x rate limit reached; waiting for the window to reset');
  }

  /** A failed read: a refusal turns the capability off, a 429 waits for the reset, anything else is retried next round. */
  private readFailed(endpoint: 'mentions' | 'dms', error: unknown): void {
    const capability = endpoint === 'mentions' ? 'readMentions' : 'readDms';
    if (isAccessRefusal(error)) {
      this.setCapability(capability, false, `paket X tidak mengizinkan ${LABELS[capability]} (${statusOf(error)})`);
      return;
    }
    if (error instanceof ApiResponseError && error.code === 429) {
      this.noteRateLimit(endpoint, error.headers, true);
      return;
    }
    const first = this.pollTrouble === undefined;
    this.pollTrouble = `gagal ${LABELS[capability]}: ${describe(error)}`;
    if (first) this.logger.warn({ endpoint, reason: describe(error) }, 'x read failed; retrying next round');
  }

  private async pollMentions(): Promise<void> {
    const account = this.account;
    if (!account) return;
    const sinceId = this.deps.cursor.read(MENTIONS_CURSOR);
    const tweets: TweetV2[] = [];
    const includes: ApiV2Includes = { users: [], media: [] };
    let newest: string | undefined;
    let token: string | undefined;
    try {
      for (let page = 0; page < MAX_PAGES; page += 1) {
        const response: TwitterResponse<Page<TweetV2>> = await this.client.v2.get(
          'users/:id/mentions',
          {
            max_results: 100,
            ...(sinceId ? { since_id: sinceId } : {}),
            ...(token ? { pagination_token: token } : {}),
            expansions: 'author_id,referenced_tweets.id,attachments.media_keys',
            'tweet.fields': TWEET_FIELDS,
            'user.fields': 'username,name',
            'media.fields': 'type',
          },
          { fullResponse: true, params: { id: account.id } },
        );
        this.noteRateLimit('mentions', response.headers);
        const body = response.data;
        tweets.push(...(body.data ?? []));
        includes.users?.push(...(body.includes?.users ?? []));
        includes.media?.push(...(body.includes?.media ?? []));
        if (page === 0) newest = body.meta?.newest_id;
        token = body.meta?.next_token;
        // Without a cursor only the first page matters (older mentions are history). With one, every
        // page up to it is needed: tweets are newest first, so stopping early would leave a gap.
        if (!token || !sinceId) break;
      }
      if (token && sinceId) this.logger.warn({ pages: MAX_PAGES }, 'x: more mentions than fit in the pages read; older ones are skipped');
    } catch (error) {
      this.readFailed('mentions', error);
      // Pages already fetched are newest first: a partial set would leave a gap behind the cursor.
      return;
    }
    this.pollTrouble = undefined;
    const handled = await this.handleInOrder(
      tweets,
      (tweet) => {
        if (!sinceId && tweet.created_at && Date.parse(tweet.created_at) < this.now() - FIRST_RUN_HORIZON_MS) return undefined;
        const message = fromMention(tweet, includes, account, new Date(this.now()));
        if (!message) this.logger.debug({ tweetId: tweet.id, reason: ignoreReason(tweet, account) ?? 'empty' }, 'x mention ignored');
        return message;
      },
      MENTIONS_CURSOR,
    );
    // Every tweet of the batch committed (or ignored): the cursor may move to the newest the API reported.
    if (handled && newest && (!sinceId || compareIds(newest, sinceId) > 0)) this.deps.cursor.write(MENTIONS_CURSOR, newest);
  }

  private async pollDms(): Promise<void> {
    const account = this.account;
    if (!account) return;
    const seen = this.deps.cursor.read(DMS_CURSOR);
    const events: XDmEvent[] = [];
    const includes: ApiV2Includes = { users: [] };
    let token: string | undefined;
    try {
      // Newest first, until an event we have handled already.
      pages: for (let page = 0; page < MAX_PAGES; page += 1) {
        const response: TwitterResponse<Page<XDmEvent>> = await this.client.v2.get(
          'dm_events',
          {
            max_results: 100,
            event_types: 'MessageCreate',
            'dm_event.fields': DM_FIELDS,
            expansions: 'sender_id',
            'user.fields': 'username,name',
            ...(token ? { pagination_token: token } : {}),
          },
          { fullResponse: true },
        );
        this.noteRateLimit('dms', response.headers);
        includes.users?.push(...(response.data.includes?.users ?? []));
        for (const event of response.data.data ?? []) {
          if (seen && compareIds(event.id, seen) <= 0) break pages;
          events.push(event);
        }
        token = response.data.meta?.next_token;
        if (!token || !seen) break;
        if (page === MAX_PAGES - 1) this.logger.warn({ pages: MAX_PAGES }, 'x: more new DMs than fit in the pages read; older ones are skipped');
      }
    } catch (error) {
      this.readFailed('dms', error);
      return;
    }
    this.pollTrouble = undefined;
    await this.handleInOrder(
      events,
      (event) => {
        if (!seen && event.created_at && Date.parse(event.created_at) < this.now() - FIRST_RUN_HORIZON_MS) return undefined;
        return fromDmEvent(event, includes, account, new Date(this.now()));
      },
      DMS_CURSOR,
    );
  }

  /**
   * Hands items to core oldest first, all at once so they share the intake's commits (and officers
   * get a digest for a burst), then moves the cursor past each in turn up to the first one core could
   * not store: it is fetched again next round (the ones after it then come back as duplicates, which
   * core ignores). True when all were handled.
   */
  private async handleInOrder<T extends { id: string }>(
    items: T[],
    convert: (item: T) => InboundMessage | undefined,
    cursorKey: string,
  ): Promise<boolean> {
    const ordered = [...items].sort((a, b) => compareIds(a.id, b.id));
    const stored = await Promise.all(
      ordered.map(async (item) => {
        const message = convert(item);
        if (!message) return true;
        try {
          await this.deps.receive(message);
          return true;
        } catch (error) {
          this.pollTrouble = `pesan ${message.externalId} gagal disimpan: ${describe(error)}`;
          this.logger.error({ externalId: message.externalId, reason: describe(error) }, 'x message not stored; will fetch it again');
          return false;
        }
      }),
    );
    const failedAt = stored.indexOf(false);
    const handled = (failedAt === -1 ? ordered : ordered.slice(0, failedAt)).at(-1)?.id;
    const current = this.deps.cursor.read(cursorKey);
    if (handled && (!current || compareIds(handled, current) > 0)) this.deps.cursor.write(cursorKey, handled);
    return failedAt === -1;
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    const chat = parseChatId(message.chatId);
    if (chat.kind === 'dm') {
      const ids = await this.sendDm(chat.userId, message.text, message.parts);
      return this.result(ids);
    }
    if (chat.kind === 'mention') {
      // A direct answer to the tweet (core quotes it) is the public acknowledgement; later messages
      // about the ticket (an officer's answer) go privately by DM, or as a code-only public note.
      const direct = message.replyTo === tweetKey(chat.tweetId);
      if (!direct && chat.authorId && this.caps.sendDms) {
        try {
          return this.result(await this.sendDm(chat.authorId, message.text, message.parts));
        } catch (error) {
          // A passing failure is retried by the outbox; a refusal (plan, recipient) falls back to public.
          if (!(error instanceof RemoteApiError) || error.retryable) throw error;
          this.logger.info({ reason: describe(error) }, 'x follow-up could not go by DM; replying publicly with the code only');
        }
      }
      const id = await this.postTweet(publicReplyText(message.text, direct ? 'ack' : 'update'), { reply: { in_reply_to_tweet_id: chat.tweetId } });
      return { platformMessageId: tweetKey(id) };
    }
    // A timeline post (the weekly summary) carries its chart on the first post of the thread.
    const image = message.attachment ? { data: await readFile(message.attachment.path), mimeType: 'image/png' as const } : undefined;
    const ids = await this.postThread(message.text, image, message.parts);
    return this.result(ids.map(tweetKey));
  }

  private result(ids: string[]): SendResult {
    const [first, ...rest] = ids;
    if (!first) throw new RemoteApiError('X returned no id for the message', 500, { retryable: false });
    return { platformMessageId: first, ...(rest.length > 0 ? { extraPlatformMessageIds: rest } : {}) };
  }

  /** Sends a DM (split when longer than X allows, parts sent once: see sendInParts); returns `dm:<event id>` keys. */
  private async sendDm(userId: string, text: string, progress?: PartsProgress): Promise<string[]> {
    if (!this.caps.sendDms) throw new RemoteApiError(dmRefused, 403, { retryable: false });
    const ids = await sendInParts(splitThread(text, DM_LIMIT), progress, async (part) => {
      try {
        const sent: unknown = await this.client.v2.sendDmToParticipant(userId, { text: part });
        return dmKey(dmEventIdOf(sent));
      } catch (error) {
        if (isPlanRefusal(error)) this.setCapability('sendDms', false, `${dmRefused} (${statusOf(error)})`);
        if (error instanceof ApiResponseError && error.code === 403 && DM_RECIPIENT_REFUSAL.test(JSON.stringify(error.data))) {
          throw new RemoteApiError(`X: penerima tidak menerima DM dari akun desa: ${describe(error)}`, 403, { retryable: false });
        }
        throw toSendError(error, this.now());
      }
    });
    this.updateStatus();
    return ids;
  }

  /** One post; returns its id. A plan refusal turns posting off (shown in /healthz). */
  private async postTweet(text: string, payload: { reply?: { in_reply_to_tweet_id: string }; media?: { media_ids: [string] } }): Promise<string> {
    if (!this.caps.post) throw new RemoteApiError(this.refused.get('post') ?? 'paket X tidak mengizinkan memposting', 403, { retryable: false });
    try {
      const sent = await this.client.v2.tweet(text, payload);
      return sent.data.id;
    } catch (error) {
      if (isPlanRefusal(error)) {
        this.setCapability('post', false, `paket X tidak mengizinkan memposting (${statusOf(error)})`);
        this.updateStatus();
      }
      throw toSendError(error, this.now());
    }
  }

  /**
   * Posts parts as a thread, each replying to the one before; the first may carry media. Parts an
   * earlier attempt posted are not posted again: the thread goes on from the last of them.
   */
  private postParts(parts: string[], mediaId: string | undefined, progress?: PartsProgress): Promise<string[]> {
    return sendInParts(parts, progress, (part, index, previous) =>
      this.postTweet(part, {
        ...(previous ? { reply: { in_reply_to_tweet_id: previous } } : {}),
        ...(index === 0 && mediaId ? { media: { media_ids: [mediaId] } } : {}),
      }),
    );
  }

  /**
   * Posts a text on the village's timeline as one post or a numbered thread, with an optional PNG
   * on the first post (v2 chunked media upload). Returns the tweet ids (plain, without prefix).
   * Throws RemoteApiError / NetworkError as send() does.
   */
  async postThread(text: string, image?: { data: Buffer; mimeType: 'image/png' }, progress?: PartsProgress): Promise<string[]> {
    let mediaId: string | undefined;
    // The image goes with the first post only: once that is out, it is not uploaded again.
    if (image && (progress?.sent?.count ?? 0) === 0) {
      try {
        mediaId = await this.client.v2.uploadMedia(image.data, { media_type: image.mimeType, media_category: 'tweet_image' });
      } catch (error) {
        throw toSendError(error, this.now());
      }
    }
    return this.postParts(splitThread(text), mediaId, progress);
  }
}
