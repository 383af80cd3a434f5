// The whatsapp-web.js channel: the village's own number, linked like WhatsApp Web in a headless
// Chromium. Connecting happens in the background under a watchdog, so a missing Chromium, an
// unreachable WhatsApp or a logout shows in /healthz and never stops the service or the other
// channels. whatsapp-web.js does not redeliver missed messages: on every `ready` the unread chats
// are read again (core drops what it already has).
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Logger } from 'pino';
import qrcode from 'qrcode-terminal';
import { NetworkError, RemoteApiError } from '../../core/errors.ts';
import { sendInParts } from '../../core/parts.ts';
import type { ChannelAdapter, ChannelHealth, InboundMessage, IntakeResult, OutboundMessage, SendResult } from '../../core/types.ts';
import {
  ChromiumNotFoundError,
  createWhatsAppClient,
  type WhatsAppClientEvents,
  type WhatsAppClientLike,
  type WhatsAppEvent,
  type WhatsAppMessageData,
  type WhatsAppMessageLike,
} from './client.ts';
import type { WhatsAppWebConfig } from './config.ts';
import { fromMessage, ignoreReason, isGroupId, isPersonId, messageKey, rawSenderId, WHATSAPP_CHANNEL } from './inbound.ts';
import { mayMessage, notWrittenFirstError, Throttle, toSendError, withActions } from './outbound.ts';

export interface WhatsAppWebDeps {
  /** Hands a message to core (the intake's group commit); settles once it is committed, rejects when it could not be stored. */
  receive(message: InboundMessage): IntakeResult | Promise<IntakeResult>;
  logger: Logger;
  /** True when this chat wrote to the village number before (stored inbound messages). */
  hasWrittenFirst(chatId: string): boolean;
  /** Officers' group ids on this channel (from the profile / WHATSAPP_TRIAGE_GROUP_ID). */
  officerGroups: ReadonlySet<string>;
  /** Called once per logout so officers hear about it on another channel. */
  onLoggedOut(reason: string): void;
  /** Builds a client; createWhatsAppClient by default (a fake in tests). */
  createClient?: (config: WhatsAppWebConfig) => Promise<WhatsAppClientLike>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** First retry after a failure; doubles per failure up to BACKOFF_MAX_MS, with ±20 % jitter. */
export const BACKOFF_BASE_MS = 5_000;
export const BACKOFF_MAX_MS = 5 * 60_000;
/** Connected this long, the next failure counts as the first again (a flapping link keeps backing off). */
const STABLE_MS = 10 * 60_000;
/** WhatsApp Web shows a new QR code every ~20 s; none for this long means the page is stuck. */
export const QR_STALE_MS = 2 * 60_000;
/** Pairing codes are renewed every 3 minutes. */
export const PAIRING_STALE_MS = 5 * 60_000;
/** How often a connected client is asked for its state. */
export const PROBE_INTERVAL_MS = 60_000;
/** Probes in a row that find WhatsApp not CONNECTED before the client is recreated. */
const PROBE_MISSES_BEFORE_RESTART = 5;
/** Calls into the page (getChats, lookups, getState); a hung page must not hang the adapter. */
const CALL_TIMEOUT_MS = 30_000;
const SEND_TIMEOUT_MS = 60_000;
const DESTROY_TIMEOUT_MS = 15_000;
/** Backfill: at most this many unread messages per chat, and none older than BACKFILL_MAX_AGE_MS. */
export const BACKFILL_LIMIT = 50;
/**
 * Older unread messages are left alone: on a number with a long history the first link would
 * otherwise turn weeks of old chats into tickets and answer them all at once (a burst that gets
 * numbers banned).
 */
export const BACKFILL_MAX_AGE_MS = 3 * 24 * 60 * 60_000;
const BACKFILL_RETRY_MS = 30_000;
const BACKFILL_RETRY_MAX_MS = 10 * 60_000;
/** QR codes printed to the log per wait; afterwards a reminder now and then (a QR comes every ~20 s). */
const QR_PRINTS_PER_WAIT = 6;
const QR_REMINDER_MS = 10 * 60_000;
/** Known @lid <-> phone-number pairs kept in memory. */
const ID_PAIR_LIMIT = 5_000;

type Phase = 'idle' | 'launching' | 'opening' | 'qr' | 'pairing' | 'syncing' | 'ready' | 'waiting' | 'stopped';
type TimerName = 'watchdog' | 'retry' | 'probe' | 'backfill';
type Outcome = 'stored' | 'ignored' | 'failed';

/** A watchdog decision, with the Indonesian reason shown in /healthz. */
class WatchdogError extends Error {
  override name = 'WatchdogError';
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const firstLine = text.split('\n', 1)[0] ?? text;
  return firstLine.length > 200 ? `${firstLine.slice(0, 197)}...` : firstLine;
}

function seconds(ms: number): string {
  return ms >= 90_000 ? `${Math.round(ms / 60_000)} mnt` : `${Math.round(ms / 1000)} dtk`;
}

/** Why the client is not connected, in words an operator can act on. */
export function failureReason(error: unknown, chromiumPath: string): string {
  if (error instanceof WatchdogError) return error.message;
  const text = describe(error);
  if (error instanceof ChromiumNotFoundError || /Browser was not found at the configured executablePath|Could not find (?:Chrome|Chromium|expected browser)/i.test(text)) {
    return `Chromium tidak ditemukan di ${chromiumPath} (pasang chromium atau atur WHATSAPP_CHROMIUM_PATH)`;
  }
  if (/Failed to launch the browser process/i.test(text)) return `Chromium gagal dijalankan: ${text}`;
  if (/already running for|SingletonLock|ProcessSingleton/i.test(text)) {
    return 'folder sesi WhatsApp sedang dipakai Chromium lain (jalankan hanya satu layanan per nomor)';
  }
  return `tidak dapat terhubung ke WhatsApp: ${text}`;
}

const DISCONNECT_REASONS: Readonly<Record<string, string>> = {
  CONFLICT: 'WhatsApp Web dibuka di peramban atau layanan lain',
  UNPAIRED: 'perangkat tertaut dilepas dari ponsel',
  UNPAIRED_IDLE: 'perangkat tertaut dilepas dari ponsel',
  TOS_BLOCK: 'nomor diblokir WhatsApp',
  SMB_TOS_BLOCK: 'nomor diblokir WhatsApp',
  PROXYBLOCK: 'koneksi diblokir WhatsApp',
  DEPRECATED_VERSION: 'versi WhatsApp Web tidak didukung lagi',
  BROWSER_CLOSED: 'Chromium berhenti atau halaman WhatsApp Web mati',
};

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** "ABCD1234" -> "ABCD-1234", as WhatsApp shows it on the phone. */
export function formatPairingCode(code: string): string {
  return /^[A-Z0-9]{8}$/i.test(code) ? `${code.slice(0, 4)}-${code.slice(4)}` : code;
}

export class WhatsAppWebAdapter implements ChannelAdapter {
  readonly name = WHATSAPP_CHANNEL;
  private readonly logger: Logger;
  private readonly createClient: (config: WhatsAppWebConfig) => Promise<WhatsAppClientLike>;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly throttle: Throttle;
  private readonly officerGroups: Pick<ReadonlySet<string>, 'has'>;

  private client: WhatsAppClientLike | undefined;
  private detach: (() => void) | undefined;
  /** Bumped whenever the current client is given up: events and callbacks of older ones are ignored. */
  private generation = 0;
  private phase: Phase = 'idle';
  private status: ChannelHealth = { state: 'disconnected', detail: 'belum dimulai' };
  private stopped = true;
  private failures = 0;
  private readyAt = 0;
  private loggedOut = false;
  private currentQr: string | undefined;
  private currentCode: string | undefined;
  private pairingRequested = false;
  private pairingFailed = false;
  private qrPrints = 0;
  private lastQrReminder = 0;
  private lastFailureLogged: string | undefined;
  /** When the next try starts, after a failure (shown as a countdown in /healthz). */
  private retryAt: number | undefined;
  private probing = false;
  private probeMisses = 0;
  private backfilling = false;
  private backfillRetries = 0;
  private readonly timers = new Map<TimerName, { timer: NodeJS.Timeout; repeat: boolean }>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly stopListeners = new Set<() => void>();
  /** @lid <-> phone-number ids of the same account, both directions. */
  private readonly pairedIds = new Map<string, string>();
  /** Groups (not officers' groups) already named in the log. */
  private readonly groupsSeen = new Set<string>();

  constructor(
    private readonly config: WhatsAppWebConfig,
    private readonly deps: WhatsAppWebDeps,
  ) {
    this.logger = deps.logger.child({ channel: WHATSAPP_CHANNEL });
    this.createClient = deps.createClient ?? createWhatsAppClient;
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.throttle = new Throttle(config, { now: this.now, random: this.random, sleep: (ms) => this.pause(ms) });
    const triageGroup = config.triageGroupId;
    this.officerGroups = { has: (id) => id === triageGroup || deps.officerGroups.has(id) };
  }

  /** Resolves at once: the client connects in the background and /healthz tells how it goes. */
  start(): Promise<void> {
    if (this.stopped) {
      this.stopped = false;
      this.connect();
    }
    return Promise.resolve();
  }

  health(): ChannelHealth {
    if (this.phase !== 'waiting' || this.retryAt === undefined) return this.status;
    const left = Math.max(0, this.retryAt - this.now());
    return { ...this.status, detail: `${this.status.detail ?? ''}; mencoba lagi dalam ${seconds(left)}` };
  }

  /** The QR code text while waiting for a scan, for the /whatsapp/qr page. */
  qr(): string | undefined {
    return this.phase === 'qr' ? this.currentQr : undefined;
  }

  pairingCode(): string | undefined {
    return this.phase === 'pairing' ? this.currentCode : undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.generation += 1;
    for (const name of [...this.timers.keys()]) this.clearTimer(name);
    for (const wake of this.stopListeners) wake();
    this.detach?.();
    this.detach = undefined;
    const client = this.client;
    this.client = undefined;
    if (client) this.track(this.destroy(client));
    // Wait for clients being built or destroyed, so no Chromium outlives the service.
    try {
      await withTimeout(Promise.allSettled([...this.pending]), DESTROY_TIMEOUT_MS + 5_000, 'stopping whatsapp');
    } catch (error) {
      this.logger.warn({ reason: describe(error) }, 'whatsapp background work still running after stop');
    }
    this.phase = 'stopped';
    this.retryAt = undefined;
    this.currentQr = undefined;
    this.currentCode = undefined;
    this.status = { state: 'disconnected', detail: 'dihentikan' };
  }

  // ---- connecting and the watchdog ----

  private connect(): void {
    if (this.stopped) return;
    this.clearTimer('retry');
    this.retryAt = undefined;
    const generation = ++this.generation;
    this.currentQr = undefined;
    this.currentCode = undefined;
    this.pairingRequested = false;
    this.pairingFailed = false;
    this.setPhase('launching', 'memulai Chromium');
    this.track(this.runClient(generation));
  }

  private async runClient(generation: number): Promise<void> {
    let client: WhatsAppClientLike;
    try {
      client = await Promise.resolve().then(() => this.createClient(this.config));
    } catch (error) {
      this.fail(generation, error);
      return;
    }
    if (generation !== this.generation) {
      await this.destroy(client);
      return;
    }
    this.client = client;
    this.detach = this.listen(client, generation);
    this.armWatchdog(generation, this.config.readyTimeoutMs, `WhatsApp Web tidak siap dalam ${seconds(this.config.readyTimeoutMs)}`);
    try {
      await client.initialize();
    } catch (error) {
      this.fail(generation, error);
      return;
    }
    if (generation === this.generation && this.phase === 'launching') this.setPhase('opening', 'membuka WhatsApp Web');
  }

  /** Subscribes to the client's events; returns the unsubscribe function. */
  private listen(client: WhatsAppClientLike, generation: number): () => void {
    const subscriptions: Array<() => void> = [];
    const on = <E extends WhatsAppEvent>(event: E, handler: (...args: WhatsAppClientEvents[E]) => void): void => {
      const listener = (...args: WhatsAppClientEvents[E]): void => {
        if (generation === this.generation && !this.stopped) handler(...args);
      };
      client.on(event, listener);
      subscriptions.push(() => client.off(event, listener));
    };
    on('qr', (qr) => this.onQr(client, generation, qr));
    on('code', (code) => this.onCode(generation, code));
    on('authenticated', () => this.onAuthenticated(generation));
    on('auth_failure', (message) => {
      this.logger.warn({ reason: message }, 'whatsapp session could not be restored; a new QR code will follow');
    });
    on('loading_screen', (percent) => this.onLoading(generation, percent));
    on('ready', () => this.onReady(generation));
    on('change_state', (state) => this.onChangeState(state));
    on('disconnected', (reason) => this.onDisconnected(generation, reason));
    // `message` only: `message_create` also carries our own messages.
    on('message', (message) => this.track(this.onLiveMessage(client, message)));
    return () => subscriptions.forEach((unsubscribe) => unsubscribe());
  }

  private onQr(client: WhatsAppClientLike, generation: number, qr: string): void {
    const number = this.config.pairingNumber;
    if (number && !this.pairingFailed) {
      // Pairing codes come every 3 minutes, QR codes or not.
      this.armWatchdog(generation, PAIRING_STALE_MS, 'kode penautan WhatsApp berhenti diperbarui');
      if (!this.pairingRequested) {
        this.pairingRequested = true;
        this.setPhase('pairing', 'meminta kode penautan');
        this.track(this.requestPairingCode(client, generation, number));
      }
      return;
    }
    // Waiting for a person is not a failure: the watchdog only checks that new codes keep coming.
    this.armWatchdog(generation, QR_STALE_MS, 'kode QR WhatsApp berhenti diperbarui');
    this.currentQr = qr;
    this.setPhase('qr', 'menunggu pindai QR (buka /whatsapp/qr)');
    this.printQr(qr);
  }

  private async requestPairingCode(client: WhatsAppClientLike, generation: number, number: string): Promise<void> {
    try {
      const code = await withTimeout(client.requestPairingCode(number), CALL_TIMEOUT_MS, 'requestPairingCode');
      if (generation === this.generation && this.currentCode === undefined) this.onCode(generation, code);
    } catch (error) {
      if (generation !== this.generation) return;
      // Fall back to the QR code (shown with the next one) rather than leave nothing to scan.
      this.pairingFailed = true;
      this.logger.warn({ reason: describe(error) }, 'whatsapp pairing code request failed; showing the QR code instead');
    }
  }

  private onCode(generation: number, code: string): void {
    this.armWatchdog(generation, PAIRING_STALE_MS, 'kode penautan WhatsApp berhenti diperbarui');
    if (code !== this.currentCode) {
      this.logger.info(
        { pairingCode: formatPairingCode(code) },
        'whatsapp pairing code: on the village phone open WhatsApp > Linked devices > Link with phone number and enter it',
      );
    }
    this.currentCode = code;
    this.currentQr = undefined;
    this.setPhase('pairing', 'menunggu kode penautan dimasukkan di ponsel (lihat /whatsapp/qr)');
  }

  private printQr(qr: string): void {
    this.qrPrints += 1;
    if (this.qrPrints <= QR_PRINTS_PER_WAIT) {
      qrcode.generate(qr, { small: true }, (art) => {
        this.logger.info(`scan with the village phone: WhatsApp > Linked devices > Link a device (or open /whatsapp/qr)\n${art}`);
      });
      return;
    }
    const now = this.now();
    if (now - this.lastQrReminder >= QR_REMINDER_MS) {
      this.lastQrReminder = now;
      this.logger.warn('whatsapp is still waiting for a QR scan: open /whatsapp/qr on this machine');
    }
  }

  private onAuthenticated(generation: number): void {
    this.currentQr = undefined;
    this.currentCode = undefined;
    this.setPhase('syncing', 'memuat percakapan WhatsApp');
    this.armWatchdog(generation, this.config.readyTimeoutMs, `WhatsApp Web tidak siap dalam ${seconds(this.config.readyTimeoutMs)}`);
  }

  private onLoading(generation: number, percent: number | string): void {
    if (this.phase === 'ready') return;
    this.setPhase('syncing', `memuat WhatsApp Web (${String(percent)}%)`);
    // Progress means the page is alive: give it the full time again.
    this.armWatchdog(generation, this.config.readyTimeoutMs, `WhatsApp Web tidak siap dalam ${seconds(this.config.readyTimeoutMs)}`);
  }

  private onReady(generation: number): void {
    this.clearTimer('watchdog');
    if (this.loggedOut) this.logger.info('whatsapp linked again after the logout');
    this.loggedOut = false;
    this.readyAt = this.now();
    this.currentQr = undefined;
    this.currentCode = undefined;
    this.qrPrints = 0;
    this.lastFailureLogged = undefined;
    this.probeMisses = 0;
    this.backfillRetries = 0;
    this.setPhase('ready', 'terhubung');
    this.logger.info('whatsapp ready');
    this.setTimer('probe', () => this.track(this.probe(generation)), PROBE_INTERVAL_MS, true);
    this.track(this.backfill(generation));
  }

  private onChangeState(state: string): void {
    if (this.phase !== 'ready') return;
    if (state === 'CONNECTED') this.setPhase('ready', 'terhubung');
    else this.status = { state: 'degraded', detail: `koneksi WhatsApp terganggu (${state})` };
  }

  private onDisconnected(generation: number, reason: string): void {
    if (reason === 'LOGOUT') {
      this.onLogout(generation);
      return;
    }
    const text = DISCONNECT_REASONS[reason];
    this.fail(generation, new WatchdogError(`terputus dari WhatsApp: ${text ? `${text} (${reason})` : reason}`));
  }

  private onLogout(generation: number): void {
    const first = !this.loggedOut;
    this.loggedOut = true;
    this.qrPrints = 0;
    this.logger.error('whatsapp logged out: the village number must be linked again (scan the QR code at /whatsapp/qr)');
    if (first) {
      try {
        this.deps.onLoggedOut('logout dari WhatsApp');
      } catch (error) {
        this.logger.error({ err: error }, 'could not alert the officers about the whatsapp logout');
      }
    }
    // whatsapp-web.js removes the session itself; a fresh client then shows a new QR code.
    this.failures = 0;
    this.retryAt = undefined;
    this.status = { state: 'disconnected', detail: 'logout dari WhatsApp; menyiapkan QR baru' };
    this.restart(generation, BACKOFF_BASE_MS);
  }

  /** Gives up the current client and tries again after the backoff. */
  private fail(generation: number, error: unknown): void {
    if (generation !== this.generation || this.stopped) return;
    // A failure after a long stable connection starts the backoff afresh.
    if (this.phase === 'ready' && this.now() - this.readyAt >= STABLE_MS) this.failures = 0;
    this.failures += 1;
    const reason = failureReason(error, this.config.chromiumPath);
    const delay = this.backoffDelay();
    const prefix = this.loggedOut ? 'logout dari WhatsApp; ' : '';
    this.status = { state: 'disconnected', detail: `${prefix}${reason}` };
    this.retryAt = this.now() + delay;
    // One line per new reason, then one per ten failures: a long outage must not flood the log.
    if (reason !== this.lastFailureLogged || this.failures % 10 === 0) {
      this.lastFailureLogged = reason;
      this.logger.warn({ reason, failures: this.failures, retryInMs: delay }, 'whatsapp not connected; retrying');
    }
    this.restart(generation, delay);
  }

  private backoffDelay(): number {
    const base = BACKOFF_BASE_MS * 2 ** Math.min(this.failures - 1, 16);
    const jitter = 0.8 + 0.4 * this.random();
    return Math.round(Math.min(BACKOFF_MAX_MS, base) * jitter);
  }

  private restart(generation: number, delay: number): void {
    if (generation !== this.generation || this.stopped) return;
    this.generation += 1;
    this.phase = 'waiting';
    this.currentQr = undefined;
    this.currentCode = undefined;
    for (const name of ['watchdog', 'probe', 'backfill'] as const) this.clearTimer(name);
    this.detach?.();
    this.detach = undefined;
    const old = this.client;
    this.client = undefined;
    // The next Chromium starts only after the old one closed: both would use the same session folder.
    const closed = old ? this.destroy(old) : Promise.resolve();
    this.track(
      closed.then(() => {
        if (!this.stopped) this.setTimer('retry', () => this.connect(), delay);
      }),
    );
  }

  private async destroy(client: WhatsAppClientLike): Promise<void> {
    try {
      await withTimeout(client.destroy(), DESTROY_TIMEOUT_MS, 'destroy');
    } catch (error) {
      this.logger.warn({ reason: describe(error) }, 'whatsapp client did not close cleanly');
    }
  }

  private armWatchdog(generation: number, ms: number, reason: string): void {
    this.setTimer('watchdog', () => this.fail(generation, new WatchdogError(reason)), ms);
  }

  /** Asks a connected client for its state: a dead page or a link that stays down gets a new client. */
  private async probe(generation: number): Promise<void> {
    const client = this.client;
    if (!client || this.probing || generation !== this.generation) return;
    this.probing = true;
    try {
      const state = await withTimeout(client.getState(), CALL_TIMEOUT_MS, 'getState');
      if (generation !== this.generation) return;
      if (state === 'CONNECTED') {
        this.probeMisses = 0;
        if (this.status.state !== 'connected') this.setPhase('ready', 'terhubung');
        return;
      }
      this.probeMisses += 1;
      this.status = { state: 'degraded', detail: `koneksi WhatsApp terganggu (${state ?? 'tidak diketahui'})` };
      if (this.probeMisses >= PROBE_MISSES_BEFORE_RESTART) {
        this.fail(generation, new WatchdogError(`WhatsApp tidak tersambung selama ${seconds(this.probeMisses * PROBE_INTERVAL_MS)} (${state ?? 'tidak diketahui'})`));
      }
    } catch (error) {
      this.fail(generation, new WatchdogError(`halaman WhatsApp Web tidak menjawab: ${describe(error)}`));
    } finally {
      this.probing = false;
    }
  }

  private setPhase(phase: Phase, detail: string): void {
    this.phase = phase;
    if (phase === 'ready') this.status = { state: 'connected', detail };
    else if (this.loggedOut) this.status = { state: 'disconnected', detail: `logout dari WhatsApp; ${detail}` };
    else this.status = { state: 'connecting', detail };
  }

  // ---- receiving ----

  private async onLiveMessage(client: WhatsAppClientLike, message: WhatsAppMessageLike): Promise<void> {
    const outcome = await this.handleMessage(client, message);
    if (outcome === 'failed') {
      // It stays unread, so reading the unread chats again picks it up.
      this.scheduleBackfill();
      return;
    }
    if (outcome !== 'stored') return;
    // Read receipts, as a person reading the chat; it also keeps the unread count to what we missed.
    try {
      const chat = await withTimeout(client.getChatById(message.from), CALL_TIMEOUT_MS, 'getChatById');
      if (chat) await withTimeout(chat.sendSeen(), CALL_TIMEOUT_MS, 'sendSeen');
    } catch (error) {
      this.logger.debug({ reason: describe(error) }, 'whatsapp could not mark a chat as read');
    }
  }

  /** Converts and hands one message to core. */
  private async handleMessage(client: WhatsAppClientLike, message: WhatsAppMessageLike): Promise<Outcome> {
    const ignored = ignoreReason(message, this.officerGroups);
    if (ignored !== undefined) {
      if (isGroupId(message.from) && !this.officerGroups.has(message.from) && !this.groupsSeen.has(message.from)) {
        // How an operator learns the id of the officers' group: write in it once.
        this.groupsSeen.add(message.from);
        this.logger.info({ groupId: message.from }, `whatsapp group messages ignored: set WHATSAPP_TRIAGE_GROUP_ID=${message.from} to make it the officers' group`);
      }
      this.logger.debug({ id: message.id._serialized, reason: ignored }, 'whatsapp message ignored');
      return 'ignored';
    }
    const senderId = await this.resolveSender(client, message);
    const replyTo = message.hasQuotedMsg ? await this.quotedKey(message) : undefined;
    const inbound = fromMessage(message, { officerGroups: this.officerGroups, senderId, replyTo });
    if (!inbound) return 'ignored';
    try {
      await this.deps.receive(inbound);
      return 'stored';
    } catch (error) {
      this.logger.error({ err: error, externalId: inbound.externalId }, 'whatsapp message not stored; it stays unread and is read again');
      return 'failed';
    }
  }

  /**
   * Officers are registered by phone number (`628...@c.us`), but WhatsApp increasingly names
   * senders by a privacy id (`...@lid`). The phone-number form is used when WhatsApp Web knows it.
   */
  private async resolveSender(client: WhatsAppClientLike, message: WhatsAppMessageLike): Promise<string> {
    const raw = rawSenderId(message);
    if (!raw.endsWith('@lid')) return raw;
    const known = this.pairedIds.get(raw);
    if (known) return known;
    let phone: string | undefined;
    if (client.getContactLidAndPhone) {
      try {
        const [pair] = await withTimeout(client.getContactLidAndPhone([raw]), CALL_TIMEOUT_MS, 'getContactLidAndPhone');
        phone = pair?.pn;
      } catch (error) {
        this.logger.debug({ reason: describe(error) }, 'whatsapp lid lookup failed');
      }
    }
    if (!phone?.endsWith('@c.us')) {
      try {
        // contact.number is not used: for an @lid contact it may be the privacy id's digits.
        const contact = await withTimeout(message.getContact(), CALL_TIMEOUT_MS, 'getContact');
        phone = contact.id._serialized;
      } catch (error) {
        this.logger.debug({ reason: describe(error) }, 'whatsapp contact lookup failed');
      }
    }
    if (!phone?.endsWith('@c.us')) return raw;
    this.rememberPair(raw, phone);
    return phone;
  }

  private rememberPair(lid: string, phone: string): void {
    if (this.pairedIds.size >= ID_PAIR_LIMIT * 2) {
      // Oldest first: a Map iterates in insertion order.
      for (const key of [...this.pairedIds.keys()].slice(0, ID_PAIR_LIMIT)) this.pairedIds.delete(key);
    }
    this.pairedIds.set(lid, phone);
    this.pairedIds.set(phone, lid);
  }

  private async quotedKey(message: WhatsAppMessageLike): Promise<string | undefined> {
    try {
      const quoted: WhatsAppMessageData | undefined = await withTimeout(message.getQuotedMessage(), CALL_TIMEOUT_MS, 'getQuotedMessage');
      return quoted ? messageKey(quoted.id._serialized) : undefined;
    } catch (error) {
      // The message still counts; only its link to the quoted one is lost.
      this.logger.warn({ id: message.id._serialized, reason: describe(error) }, 'whatsapp quoted message not found');
      return undefined;
    }
  }

  private scheduleBackfill(): void {
    if (this.phase !== 'ready' || this.timers.has('backfill')) return;
    const generation = this.generation;
    const delay = Math.min(BACKFILL_RETRY_MAX_MS, BACKFILL_RETRY_MS * 2 ** Math.min(this.backfillRetries, 10));
    this.backfillRetries += 1;
    this.setTimer('backfill', () => this.track(this.backfill(generation)), delay);
  }

  /** Hands the unread messages of people's chats and officers' groups to core, then marks them read. */
  private async backfill(generation: number): Promise<void> {
    const client = this.client;
    if (!client || this.backfilling || generation !== this.generation) return;
    this.backfilling = true;
    let handed = 0;
    let chatsRead = 0;
    let failed = false;
    try {
      const chats = await withTimeout(client.getChats(), CALL_TIMEOUT_MS, 'getChats');
      const oldestSeconds = (this.now() - BACKFILL_MAX_AGE_MS) / 1000;
      for (const chat of chats) {
        if (generation !== this.generation) return;
        const chatId = chat.id._serialized;
        if (!(chat.unreadCount > 0)) continue;
        if (chat.isGroup ? !this.officerGroups.has(chatId) : !isPersonId(chatId)) continue;
        let chatFailed = false;
        try {
          const messages = await withTimeout(chat.fetchMessages({ limit: Math.min(chat.unreadCount, BACKFILL_LIMIT) }), CALL_TIMEOUT_MS, 'fetchMessages');
          for (const message of messages) {
            if (message.fromMe || message.timestamp < oldestSeconds) continue;
            const outcome = await this.handleMessage(client, message);
            if (outcome === 'failed') chatFailed = true;
            else if (outcome === 'stored') handed += 1;
          }
          // Marked read only when everything is stored, so nothing is lost if core failed.
          if (!chatFailed) await withTimeout(chat.sendSeen(), CALL_TIMEOUT_MS, 'sendSeen');
          chatsRead += 1;
        } catch (error) {
          chatFailed = true;
          this.logger.warn({ chatId, reason: describe(error) }, 'whatsapp could not read an unread chat');
        }
        failed ||= chatFailed;
      }
      this.logger.info({ chats: chatsRead, messages: handed }, 'whatsapp unread chats read');
    } catch (error) {
      failed = true;
      this.logger.warn({ reason: describe(error) }, 'whatsapp could not list the chats to read unread messages');
    } finally {
      this.backfilling = false;
    }
    if (failed) this.scheduleBackfill();
    else this.backfillRetries = 0;
  }

  // ---- sending ----

  /** Waits for the throttle, then sends; refuses chats that did not write first. */
  async send(message: OutboundMessage): Promise<SendResult> {
    const chatId = message.chatId;
    if (!(await this.mayMessage(this.connectedClient(), chatId))) throw notWrittenFirstError();
    const delay = this.throttle.reserve(chatId);
    if (delay > 0) {
      this.showTyping(this.connectedClient(), chatId);
      await this.pause(delay);
    }
    // The client may have been replaced while we waited.
    const client = this.connectedClient();
    // An image (the weekly summary's chart) goes first; the text follows, not bound by caption limits.
    // Once the image is out, a retry after a failed text does not send it again (sendInParts).
    const attachment = message.attachment && client.sendImage ? message.attachment : undefined;
    const parts: Array<'image' | 'text'> = attachment ? ['image', 'text'] : ['text'];
    const ids = await sendInParts(parts, message.parts, async (part) => {
      let sent: { id: { _serialized: string } } | undefined;
      try {
        if (part === 'image' && attachment && client.sendImage) {
          const image = { data: await readFile(attachment.path), mimeType: attachment.mimeType, filename: basename(attachment.path) };
          sent = await withTimeout(client.sendImage(chatId, image), SEND_TIMEOUT_MS, 'sendImage');
          return sent ? messageKey(sent.id._serialized) : '';
        }
        sent = await withTimeout(
          client.sendMessage(chatId, withActions(message.text, message.actions), {
            linkPreview: false,
            ...(message.replyTo ? { quotedMessageId: message.replyTo } : {}),
          }),
          SEND_TIMEOUT_MS,
          'sendMessage',
        );
      } catch (error) {
        throw toSendError(error);
      }
      // Not retried: whether it went out is unknown, and a second copy is worse than none.
      if (!sent) throw new RemoteApiError('WhatsApp: chat tujuan tidak ditemukan', 404, { retryable: false });
      return messageKey(sent.id._serialized);
    });
    // The message is known by its text; the image's id, when there is one, is recorded with it.
    const text = ids.at(-1) ?? '';
    const image = ids.length > 1 ? ids[0] : undefined;
    return { platformMessageId: text, ...(image ? { extraPlatformMessageIds: [image] } : {}) };
  }

  private connectedClient(): WhatsAppClientLike {
    if (this.phase !== 'ready' || !this.client) {
      throw new NetworkError(`WhatsApp belum terhubung: ${this.status.detail ?? this.status.state}`);
    }
    return this.client;
  }

  private async mayMessage(client: WhatsAppClientLike, chatId: string): Promise<boolean> {
    const rule = { hasWrittenFirst: (id: string) => this.deps.hasWrittenFirst(id), officerGroups: this.officerGroups };
    const paired = this.pairedIds.get(chatId);
    if (mayMessage(chatId, rule, paired ? [paired] : [])) return true;
    // The person may have written under their other id (an @lid chat for a registered phone number).
    if (!isPersonId(chatId) || !client.getContactLidAndPhone) return false;
    try {
      const [pair] = await withTimeout(client.getContactLidAndPhone([chatId]), CALL_TIMEOUT_MS, 'getContactLidAndPhone');
      if (!pair?.lid || !pair.pn) return false;
      this.rememberPair(pair.lid, pair.pn);
      return mayMessage(chatId, rule, [pair.lid, pair.pn]);
    } catch (error) {
      this.logger.debug({ reason: describe(error) }, 'whatsapp lid lookup failed');
      return false;
    }
  }

  private showTyping(client: WhatsAppClientLike, chatId: string): void {
    const typing = async (): Promise<void> => {
      try {
        const chat = await withTimeout(client.getChatById(chatId), CALL_TIMEOUT_MS, 'getChatById');
        if (chat) await withTimeout(chat.sendStateTyping(), CALL_TIMEOUT_MS, 'sendStateTyping');
      } catch (error) {
        this.logger.debug({ reason: describe(error) }, 'whatsapp typing indicator failed');
      }
    };
    this.track(typing());
  }

  /** Sleeps, cut short by stop() (the send then fails and the outbox keeps the message). */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onStop = (): void => {
        if (timer) clearTimeout(timer);
        this.stopListeners.delete(onStop);
        reject(new NetworkError('WhatsApp channel stopped'));
      };
      this.stopListeners.add(onStop);
      const done = (): void => {
        this.stopListeners.delete(onStop);
        resolve();
      };
      if (this.deps.sleep) {
        this.deps.sleep(ms).then(done, done);
      } else {
        timer = setTimeout(done, ms);
        timer.unref();
      }
    });
  }

  // ---- bookkeeping ----

  private setTimer(name: TimerName, run: () => void, ms: number, repeat = false): void {
    this.clearTimer(name);
    const timer = repeat
      ? setInterval(run, ms)
      : setTimeout(() => {
          this.timers.delete(name);
          run();
        }, ms);
    timer.unref();
    this.timers.set(name, { timer, repeat });
  }

  private clearTimer(name: TimerName): void {
    const entry = this.timers.get(name);
    if (!entry) return;
    if (entry.repeat) clearInterval(entry.timer);
    else clearTimeout(entry.timer);
    this.timers.delete(name);
  }

  /** Keeps a background task known to stop(); its failures are logged, never unhandled. */
  private track(task: Promise<unknown>): void {
    const tracked = task
      .catch((error: unknown) => this.logger.error({ err: error }, 'whatsapp background task failed'))
      .finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }
}
