// The Telegram channel (telegraf): long polling by default, a webhook when configured.
// An update is confirmed (the next getUpdates offset, or the webhook's 200) only after core has
// committed it, so a crash loses nothing and a redelivered update is a no-op in core.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Logger } from 'pino';
import { Telegraf, type Context } from 'telegraf';
import type { Update } from 'telegraf/types';
import { sendInParts } from '../../core/parts.ts';
import { sleep } from '../../core/sleep.ts';
import { splitAtBoundaries } from '../../core/text.ts';
import type { ChannelAdapter, ChannelHealth, InboundMessage, IntakeResult, OutboundMessage, SendResult } from '../../core/types.ts';
import type { TelegramConfig } from './config.ts';
import { fromCallbackQuery, fromMessage, messageKey, parseMessageKey, TELEGRAM_CHANNEL } from './inbound.ts';
import { inlineKeyboard, TELEGRAM_TEXT_LIMIT, toSendError } from './outbound.ts';

export interface TelegramDeps {
  /** Hands a message to core (the intake's group commit); settles once it is committed, rejects when it could not be stored. */
  receive(message: InboundMessage): IntakeResult | Promise<IntakeResult>;
  logger: Logger;
  /** Where the last confirmed update id is kept across restarts. */
  cursor: { read(): string | undefined; write(value: string): void };
  /** An injected client (tests); built from the config otherwise. */
  bot?: Telegraf;
}

/** How often one update may fail before it is logged in full and skipped, so it cannot block the rest. */
const MAX_UPDATE_ATTEMPTS = 5;
const SEND_TIMEOUT_MS = 30_000;

// telegraf types its signal with the abort-controller polyfill; at run time node-fetch takes Node's own.
type ApiSignal = NonNullable<Parameters<Telegraf['telegram']['callApi']>[2]>['signal'];
const apiSignal = (signal: AbortSignal): ApiSignal => signal as unknown as ApiSignal;

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class TelegramAdapter implements ChannelAdapter {
  readonly name = TELEGRAM_CHANNEL;
  /** Telegram allows about 30 messages a second to different chats; stay below. */
  readonly sendsPerSecond: number = 25;
  private readonly bot: Telegraf;
  private readonly logger: Logger;
  private status: ChannelHealth = { state: 'connecting', detail: 'starting' };
  private readonly stopController = new AbortController();
  private loop: Promise<void> | undefined;
  private offset = 0;
  private readonly attempts = new Map<number, number>();
  private botUsername: string | undefined;

  constructor(
    private readonly config: TelegramConfig,
    private readonly deps: TelegramDeps,
  ) {
    this.logger = deps.logger.child({ channel: TELEGRAM_CHANNEL });
    // webhookReply off: every call gets its result, and nothing is answered before the commit.
    this.bot = deps.bot ?? new Telegraf(config.token, { telegram: { ...(config.apiRoot ? { apiRoot: config.apiRoot } : {}), webhookReply: false } });
    this.bot.on('message', (ctx) => this.receive(fromMessage(ctx.message)));
    this.bot.on('callback_query', (ctx) => this.onButton(ctx));
    this.bot.on('my_chat_member', (ctx) => {
      const { chat, new_chat_member: member } = ctx.myChatMember;
      if (chat.type !== 'private' && (member.status === 'member' || member.status === 'administrator')) {
        const title = 'title' in chat ? chat.title : '';
        this.logger.info({ chatId: chat.id, title }, `bot added to group "${title}": set TELEGRAM_TRIAGE_CHAT_ID=${chat.id} to make it the officers' group`);
      }
    });
    // One registered error handler: it logs with the update and hands the error to the caller,
    // which decides between retrying (storage trouble) and skipping (an update that always fails).
    this.bot.catch((error, ctx) => {
      this.logger.error({ err: error, updateId: ctx.update.update_id }, 'telegram update failed');
      throw error;
    });
  }

  async start(): Promise<void> {
    const cursor = this.deps.cursor.read();
    if (cursor !== undefined && /^\d+$/.test(cursor)) this.offset = Number(cursor) + 1;
    await this.connect();
    if (this.stopController.signal.aborted || this.config.webhook) return;
    this.logger.info({ bot: this.botUsername }, 'telegram long polling started');
    this.loop = this.poll();
  }

  /**
   * getMe, then the webhook set (webhook mode) or removed (polling: a webhook left over from another
   * deployment would make getUpdates fail with 409), until that works: a wrong token or an unreachable
   * API is shown in /healthz, not fatal.
   */
  private async connect(): Promise<void> {
    for (let attempt = 1; !this.stopController.signal.aborted; attempt += 1) {
      try {
        const me = await this.bot.telegram.getMe();
        this.botUsername = me.username;
        this.bot.botInfo = me;
        if (this.config.webhook) {
          await this.bot.telegram.setWebhook(this.config.webhook.url, {
            secret_token: this.config.webhook.secret,
            allowed_updates: ['message', 'callback_query', 'my_chat_member'],
          });
          this.logger.info({ bot: me.username, path: this.config.webhook.path }, 'telegram webhook set');
        } else {
          await this.bot.telegram.deleteWebhook({ drop_pending_updates: false });
        }
        this.status = { state: 'connected', detail: this.config.webhook ? `webhook @${me.username}` : `@${me.username}` };
        return;
      } catch (error) {
        const reason = describe(error);
        const unauthorized = /401|Unauthorized/i.test(reason);
        this.status = { state: 'disconnected', detail: unauthorized ? 'token ditolak Telegram (401): periksa TELEGRAM_BOT_TOKEN' : `tidak terhubung: ${reason}` };
        if (attempt === 1) this.logger.error({ reason }, 'telegram not reachable; retrying');
        await sleep(Math.min(60_000, 1000 * 2 ** Math.min(attempt, 6)), this.stopController.signal);
      }
    }
  }

  private async poll(): Promise<void> {
    const signal = this.stopController.signal;
    let failures = 0;
    while (!signal.aborted) {
      let updates: Update[];
      try {
        updates = await this.bot.telegram.callApi(
          'getUpdates',
          { offset: this.offset, timeout: this.config.pollTimeoutSeconds, allowed_updates: ['message', 'callback_query', 'my_chat_member'] },
          { signal: apiSignal(signal) },
        );
        failures = 0;
        this.status = { state: 'connected', detail: `@${this.botUsername ?? '?'} (long polling)` };
      } catch (error) {
        if (signal.aborted) break;
        failures += 1;
        this.status = { state: 'degraded', detail: `getUpdates gagal: ${describe(error)}` };
        if (failures === 1 || failures % 20 === 0) this.logger.warn({ reason: describe(error), failures }, 'telegram getUpdates failed; retrying');
        await sleep(Math.min(30_000, 500 * 2 ** Math.min(failures, 6)), signal);
        continue;
      }
      if (!signal.aborted && updates.length > 0) await this.processPolled(updates);
    }
  }

  /**
   * Handles one getUpdates answer. Its updates go to core together, in their order: they share the
   * intake's commits (a flood of 100 updates is a few transactions, and the officers get a digest,
   * not 100 notifications). The offset then moves past each update in turn up to the first that
   * could not be stored; that one and the ones after it are fetched again (those already stored are
   * then duplicates, which core ignores).
   */
  private async processPolled(updates: Update[]): Promise<void> {
    const attempts = await Promise.all(updates.map((update) => this.process(update)));
    const failedAt = attempts.findIndex((failed) => failed > 0);
    const confirmed = (failedAt === -1 ? updates : updates.slice(0, failedAt)).at(-1);
    if (confirmed) {
      this.offset = confirmed.update_id + 1;
      this.deps.cursor.write(String(confirmed.update_id));
    }
    const failed = attempts[failedAt];
    if (failed) await sleep(1000 * 2 ** failed, this.stopController.signal);
  }

  /** For the webhook route: resolves once the update is committed (or given up on), rejects to have it delivered again. */
  async handleWebhookUpdate(update: Update): Promise<void> {
    const attempts = await this.process(update);
    if (attempts > 0) throw new Error(`update ${update.update_id} not stored (attempt ${attempts})`);
  }

  /**
   * Runs an update through the handlers. Returns 0 when it is done with, or the number of failed
   * attempts so far when it should be delivered again. After MAX_UPDATE_ATTEMPTS an update that
   * keeps failing is logged in full and skipped, so it cannot hold back every later message.
   */
  private async process(update: Update): Promise<number> {
    try {
      await this.bot.handleUpdate(update);
    } catch (error) {
      const attempts = (this.attempts.get(update.update_id) ?? 0) + 1;
      this.attempts.set(update.update_id, attempts);
      if (attempts < MAX_UPDATE_ATTEMPTS) {
        this.status = { state: 'degraded', detail: `pembaruan ${update.update_id} gagal disimpan: ${describe(error)}` };
        return attempts;
      }
      this.logger.error({ err: error, update }, 'telegram update skipped after repeated failures');
    }
    this.attempts.delete(update.update_id);
    return 0;
  }

  private async receive(message: InboundMessage | undefined): Promise<void> {
    if (message) await this.deps.receive(message);
  }

  private async onButton(ctx: Context): Promise<void> {
    const query = ctx.callbackQuery;
    if (!query) return;
    const message = fromCallbackQuery(query, new Date());
    if (message) await this.deps.receive(message);
    // After the commit: stop the spinner on the button; a rating can be given once, so its buttons go.
    await ctx.answerCbQuery(message ? undefined : 'Tombol ini sudah tidak berlaku.').catch((error: unknown) => {
      this.logger.warn({ reason: describe(error) }, 'answerCallbackQuery failed');
    });
    if (message && /^[1-5]$/.test(message.text) && query.message) {
      await ctx.editMessageReplyMarkup(undefined).catch((error: unknown) => {
        this.logger.warn({ reason: describe(error) }, 'could not remove rating buttons');
      });
    }
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    // An image (the weekly summary's chart) goes first, as a photo; the text follows as usual, so
    // its length is not bound by the 1,024-character caption limit.
    const photo = message.attachment;
    const texts = splitAtBoundaries(message.text, TELEGRAM_TEXT_LIMIT);
    const parts: Array<{ photo: NonNullable<typeof photo> } | { text: string; first: boolean; last: boolean }> = [
      ...(photo ? [{ photo }] : []),
      ...texts.map((text, index) => ({ text, first: index === 0, last: index === texts.length - 1 })),
    ];
    const quoted = message.replyTo ? parseMessageKey(message.replyTo) : undefined;
    const keyboard = message.actions ? inlineKeyboard(message.actions) : undefined;
    const signal = () => apiSignal(AbortSignal.timeout(this.config.sendTimeoutMs ?? SEND_TIMEOUT_MS));
    const ids = await sendInParts(parts, message.parts, async (part) => {
      try {
        if ('photo' in part) {
          const sent = await this.bot.telegram.callApi(
            'sendPhoto',
            { chat_id: message.chatId, photo: { source: await readFile(part.photo.path), filename: basename(part.photo.path) } },
            { signal: signal() },
          );
          return messageKey(sent.chat.id, sent.message_id);
        }
        // No parse_mode: the text is sent as plain text, so nothing a resident wrote can be read as markup.
        const sent = await this.bot.telegram.callApi(
          'sendMessage',
          {
            chat_id: message.chatId,
            text: part.text,
            link_preview_options: { is_disabled: true },
            ...(part.first && quoted && quoted.chatId === message.chatId
              ? { reply_parameters: { message_id: quoted.messageId, allow_sending_without_reply: true } }
              : {}),
            ...(part.last && keyboard ? { reply_markup: keyboard } : {}),
          },
          { signal: signal() },
        );
        return messageKey(sent.chat.id, sent.message_id);
      } catch (error) {
        throw toSendError(error);
      }
    });
    // The message is known by its first text part; the photo is one of the others.
    const [first, ...rest] = photo ? [...ids.slice(1), ...ids.slice(0, 1)] : ids;
    return { platformMessageId: first ?? messageKey(message.chatId, 0), ...(rest.length > 0 ? { extraPlatformMessageIds: rest } : {}) };
  }

  health(): ChannelHealth {
    return this.status;
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    await this.loop;
    this.status = { state: 'disconnected', detail: 'stopped' };
  }
}
