// A fake of the Telegram Bot API for integration tests. It is a real HTTP server on 127.0.0.1 that answers
// like api.telegram.org (or a local telegram-bot-api server): POST/GET `/bot<token>/<method>` with JSON,
// form-urlencoded or query parameters, `{ok, result}` / `{ok: false, error_code, description, parameters}`
// with the matching HTTP status. Tests drive it through the exported control API: push updates, read what
// the bot sent, and inject faults (errors, dropped connections, slow answers). With a webhook set, pushed
// updates are POSTed to it (with X-Telegram-Bot-Api-Secret-Token) instead of waiting for getUpdates.
//
// Where Telegram's behaviour matters to a client (getUpdates offsets and long polling, 409 conflicts,
// message limits, parse_mode errors, "message is not modified", callback_data limits) it follows the real
// server; the markup checks port the rules of TDLib's parsers, so a message Telegram would refuse is refused
// here too.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

type Json = Record<string, unknown>;

export interface FakeUser {
  id: number;
  first_name?: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

/** Extra message fields for the helpers; `replyTo` makes the message a reply to a stored message. */
export type MessageExtra = { replyTo?: { message_id: number } } & Record<string, unknown>;

export interface SentMessage {
  chat_id: string;
  message_id: number;
  /** The text parameter as the bot sent it (markup included when parse_mode was used). */
  text: string;
  reply_markup?: unknown;
  /** The message this one actually replies to (absent when the target was missing and allowed to be). */
  reply_to_message_id?: number;
  parse_mode?: string;
  /** For sendPhoto: the uploaded file, or the file id sent. */
  photo?: UploadedFile | string;
  raw: Record<string, unknown>;
}

export interface ApiCall {
  method: string;
  params: Record<string, unknown>;
  /** HTTP status answered; 0 while unanswered or when the connection was dropped. */
  status: number;
  at: number;
  /** The description of an error answer, for readable failure messages. */
  error?: string;
  /** The fault injected into this call, if any (see FakeTelegram.setFaultPolicy). */
  fault?: FaultKind;
}

/**
 * What a fault does to one call: `fail` answers with an error; `drop` destroys the connection without
 * an answer; `hang` leaves the request unanswered until the client gives up. The `_after` kinds first
 * process the call (the message is sent) and then lose the answer, like a response lost on the way.
 */
export type FaultKind = 'fail' | 'drop' | 'drop_after' | 'hang' | 'hang_after';

/** A fault chosen by a policy for one call. */
export type PolicyFault = { kind: 'fail'; error: InjectedError } | { kind: Exclude<FaultKind, 'fail'> };

export interface InjectedError {
  status: number;
  description: string;
  retryAfter?: number;
}

export interface FaultOptions {
  /**
   * Apply the fault to the answer instead of the request: the call takes effect (a message is sent,
   * an offset confirmed) and only then is the answer dropped or delayed, like a response lost on the way.
   */
  afterProcessing?: boolean;
}

export interface FakeTelegramOptions {
  token?: string;
  botUsername?: string;
  botFirstName?: string;
  /** Check parse_mode markup like Telegram does (default true); false accepts any text. */
  validateMarkup?: boolean;
}

export interface FakeTelegram {
  /** e.g. http://127.0.0.1:PORT; use as telegraf's apiRoot. */
  readonly url: string;
  /** The only token accepted. */
  readonly token: string;
  /** Queues an update (assigns update_id if missing, incrementing from 1) and wakes long polls; returns it. */
  pushUpdate(update: Record<string, unknown>): Record<string, unknown>;
  /** A text message in the private chat with `from` (chat.id === from.id); returns the update. */
  sendPrivateText(from: FakeUser, text: string, extra?: MessageExtra): Record<string, unknown>;
  /** A text message in a group (negative id: supergroup); `extra.replyTo` makes it a reply. */
  sendGroupText(chatId: number, from: FakeUser, text: string, extra?: MessageExtra): Record<string, unknown>;
  /** Any message fields (photo, document, voice, location, sticker, caption...) in the private chat. */
  sendPrivateMessage(from: FakeUser, fields: MessageExtra): Record<string, unknown>;
  /** A callback_query update for a button on a message the bot sent; throws when there is no such message. */
  pressButton(chatId: number, from: FakeUser, messageId: number, data: string): Record<string, unknown>;
  /** Everything the bot sent with sendMessage (in order), optionally to one chat. */
  sent(chatId?: number | string): SentMessage[];
  /** Polls every 20 ms until predicate(sent()) gives a value (not undefined/false/null) or timeoutMs passes. */
  waitFor<T>(predicate: (sent: SentMessage[]) => T | undefined | false, timeoutMs?: number): Promise<T>;
  /** Every API call received, in arrival order, optionally of one method (case-insensitive). */
  calls(method?: string): ApiCall[];
  /** The highest update_id confirmed so far (by a getUpdates offset or a 2xx webhook answer); 0 if none. */
  confirmedUpTo(): number;
  /** Updates queued and not yet confirmed. */
  pendingUpdates(): number;
  /** The next `times` calls of `method` answer with this error (retryAfter -> parameters.retry_after). */
  failNext(method: string, error: InjectedError, times?: number): void;
  /** The next `times` calls of `method` get their connection destroyed without an answer. */
  dropNext(method: string, times?: number, options?: FaultOptions): void;
  /** The next `times` calls of `method` are answered only after delayMs. */
  delayNext(method: string, delayMs: number, times?: number, options?: FaultOptions): void;
  /**
   * From now on every call of `method` asks `policy` for a fault (undefined: none), after the queued
   * faults of failNext/dropNext/delayNext; calls() records which fault each call got. No policy: off.
   */
  setFaultPolicy(method: string, policy?: (call: ApiCall) => PolicyFault | undefined): void;
  /** Sending to this chat answers 403 "Forbidden: bot was blocked by the user". */
  blockUser(chatId: number | string): void;
  unblockUser(chatId: number | string): void;
  webhook(): { url: string; secret_token?: string } | undefined;
  /** The current state of a stored message (after edits), or undefined. */
  message(chatId: number | string, messageId: number): Record<string, unknown> | undefined;
  /** Registers a file's content for getFile and the download URL (`/file/bot<token>/<file_path>`). */
  setFile(fileId: string, content: string | Uint8Array, filePath?: string): void;
  /** Ends pending long polls (answering []), stops webhook delivery and closes the server; never hangs. */
  close(): Promise<void>;
}

/** Starts a fake on an ephemeral port of 127.0.0.1. */
export async function startFakeTelegram(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  const fake = new FakeTelegramServer(options);
  await fake.listen();
  return fake;
}

// ---------------------------------------------------------------------------------------------------------
// Protocol constants

const MAX_TEXT_LENGTH = 4096;
const MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024;
const FIRST_MESSAGE_ID = 1000;
const CONFLICT_OTHER_POLL = 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running';
const CONFLICT_WEBHOOK_ACTIVE = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first";
const CONFLICT_SET_WEBHOOK = 'Conflict: terminated by setWebhook request';
const QUERY_TOO_OLD = 'query is too old and response timeout expired or query ID is invalid';

/** Update types Telegram leaves out unless allowed_updates names them. */
const NOT_SENT_BY_DEFAULT = new Set(['chat_member', 'message_reaction', 'message_reaction_count']);

/** Update fields that carry a message, indexed so replies, edits and button presses can find it. */
const MESSAGE_FIELDS = ['message', 'edited_message', 'channel_post', 'edited_channel_post', 'business_message', 'edited_business_message'];

/** Parameters that carry JSON; form-encoded and query clients send them as JSON strings. */
const JSON_PARAMS = ['reply_markup', 'reply_parameters', 'link_preview_options', 'allowed_updates', 'entities', 'caption_entities'];

const INLINE_BUTTON_ACTIONS = [
  'url',
  'callback_data',
  'web_app',
  'login_url',
  'switch_inline_query',
  'switch_inline_query_current_chat',
  'switch_inline_query_chosen_chat',
  'copy_text',
  'callback_game',
  'pay',
];

/** Bot API methods (through API 9.x), lower-cased as Telegram matches them; anything else is a 404. */
const KNOWN_METHODS = new Set(
  `getUpdates setWebhook deleteWebhook getWebhookInfo getMe logOut close sendMessage forwardMessage forwardMessages
  copyMessage copyMessages sendPhoto sendAudio sendDocument sendVideo sendAnimation sendVoice sendVideoNote sendPaidMedia
  sendMediaGroup sendLocation sendVenue sendContact sendPoll sendChecklist sendDice sendMessageDraft sendChatAction
  setMessageReaction getUserProfilePhotos setUserEmojiStatus getFile banChatMember unbanChatMember restrictChatMember
  promoteChatMember setChatAdministratorCustomTitle banChatSenderChat unbanChatSenderChat setChatPermissions
  exportChatInviteLink createChatInviteLink editChatInviteLink createChatSubscriptionInviteLink
  editChatSubscriptionInviteLink revokeChatInviteLink approveChatJoinRequest declineChatJoinRequest setChatPhoto
  deleteChatPhoto setChatTitle setChatDescription pinChatMessage unpinChatMessage unpinAllChatMessages leaveChat getChat
  getChatAdministrators getChatMemberCount getChatMember setChatStickerSet deleteChatStickerSet
  getForumTopicIconStickers createForumTopic editForumTopic closeForumTopic reopenForumTopic deleteForumTopic
  unpinAllForumTopicMessages editGeneralForumTopic closeGeneralForumTopic reopenGeneralForumTopic hideGeneralForumTopic
  unhideGeneralForumTopic unpinAllGeneralForumTopicMessages answerCallbackQuery getUserChatBoosts getBusinessConnection
  setMyCommands deleteMyCommands getMyCommands setMyName getMyName setMyDescription getMyDescription
  setMyShortDescription getMyShortDescription setChatMenuButton getChatMenuButton setMyDefaultAdministratorRights
  getMyDefaultAdministratorRights getAvailableGifts sendGift giftPremiumSubscription verifyUser verifyChat
  removeUserVerification removeChatVerification readBusinessMessage deleteBusinessMessages setBusinessAccountName
  setBusinessAccountUsername setBusinessAccountBio setBusinessAccountProfilePhoto removeBusinessAccountProfilePhoto
  setBusinessAccountGiftSettings getBusinessAccountStarBalance transferBusinessAccountStars getBusinessAccountGifts
  getUserGifts getChatGifts convertGiftToStars upgradeGift transferGift postStory repostStory editStory deleteStory
  editMessageText editMessageCaption editMessageMedia editMessageLiveLocation stopMessageLiveLocation
  editMessageChecklist editMessageReplyMarkup stopPoll approveSuggestedPost declineSuggestedPost deleteMessage
  deleteMessages sendSticker getStickerSet getCustomEmojiStickers uploadStickerFile createNewStickerSet
  addStickerToSet setStickerPositionInSet deleteStickerFromSet replaceStickerInSet setStickerEmojiList
  setStickerKeywords setStickerMaskPosition setStickerSetTitle setStickerSetThumbnail
  setCustomEmojiStickerSetThumbnail deleteStickerSet answerInlineQuery answerWebAppQuery savePreparedInlineMessage
  sendInvoice createInvoiceLink answerShippingQuery answerPreCheckoutQuery getMyStarBalance getStarTransactions
  refundStarPayment editUserStarSubscription setPassportDataErrors sendGame setGameScore getGameHighScores`
    .split(/\s+/)
    .filter((name) => name !== '')
    .map((name) => name.toLowerCase()),
);

// ---------------------------------------------------------------------------------------------------------
// Small helpers

/** An error answer of the API: the HTTP status is the error_code, as on Telegram. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly description: string,
    readonly retryAfter?: number,
  ) {
    super(description);
  }
}

const badRequest = (what: string): ApiError => new ApiError(400, `Bad Request: ${what}`);
const entityError = (what: string): ApiError => badRequest(`can't parse entities: ${what}`);

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isArray(value: unknown): value is unknown[] {
  return Array.isArray(value);
}

/** An integer from a JSON number or a form/query string. */
function asInt(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && /^\s*-?\d{1,15}\s*$/.test(value)) return Number(value);
  return undefined;
}

function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Booleans arrive as true or, from forms and queries, as "true"/"1". */
function asBool(value: unknown): boolean {
  return value === true || value === 1 || value === 'true' || value === '1';
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** A chat_id parameter as the string key chats are stored under; 400 like Telegram when missing or unknown. */
function chatKeyOf(value: unknown): string {
  if (value === undefined || value === null || value === '') throw badRequest('chat_id is empty');
  const id = asInt(value);
  // @channel usernames and other non-numeric ids: the fake knows no public chats by name.
  if (id === undefined) throw badRequest('chat not found');
  return String(id);
}

function updateIdOf(update: Json): number {
  return asInt(update.update_id) ?? 0;
}

function updateTypeOf(update: Json): string | undefined {
  return Object.keys(update).find((key) => key !== 'update_id');
}

function userOf(from: FakeUser): Json {
  return {
    id: from.id,
    is_bot: false,
    first_name: from.first_name ?? `User ${from.id}`,
    ...(from.last_name !== undefined ? { last_name: from.last_name } : {}),
    ...(from.username !== undefined ? { username: from.username } : {}),
    ...(from.language_code !== undefined ? { language_code: from.language_code } : {}),
  };
}

/**
 * The entities Telegram detects in a user's text: bot commands (telegraf's `command()` matches on them)
 * and @mentions (used to tell whether the bot was addressed in a group).
 */
function detectEntities(text: string): Json[] {
  const entities: Json[] = [];
  for (const match of text.matchAll(/(?<![\w/])\/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w@])/g)) {
    entities.push({ type: 'bot_command', offset: match.index, length: match[0].length });
  }
  for (const match of text.matchAll(/(?<![\w@/])@[A-Za-z0-9_]{5,32}(?![\w@])/g)) {
    entities.push({ type: 'mention', offset: match.index, length: match[0].length });
  }
  return entities.sort((a, b) => Number(a.offset) - Number(b.offset));
}

/** A copy of a message fit to be someone's reply_to_message: Telegram does not nest replies further. */
function asRepliedMessage(message: Json): Json {
  const { reply_to_message: _nested, ...rest } = clone(message);
  return rest;
}

// ---------------------------------------------------------------------------------------------------------
// Markup parsing (parse_mode): returns the plain text, or throws the error Telegram gives.

function byteOffset(source: string, index: number): number {
  return Buffer.byteLength(source.slice(0, index), 'utf8');
}

function isSpace(char: string): boolean {
  return char === ' ' || char === '\t' || char === '\n' || char === '\r' || char === '\v' || char === '\f';
}

function renderText(text: string, parseMode: string | undefined): string {
  if (parseMode === undefined || parseMode === '') return text;
  switch (parseMode.toLowerCase()) {
    case 'html':
      return parseHtml(text);
    case 'markdownv2':
      return parseMarkdownV2(text);
    case 'markdown':
      return parseMarkdown(text);
    default:
      throw badRequest('unsupported parse_mode');
  }
}

const HTML_TAGS = new Set(['a', 'b', 'strong', 'i', 'em', 's', 'strike', 'del', 'u', 'ins', 'tg-spoiler', 'tg-emoji', 'span', 'pre', 'code', 'blockquote']);
const HTML_NAMED_ENTITIES = new Map([
  ['lt', '<'],
  ['gt', '>'],
  ['amp', '&'],
  ['quot', '"'],
]);

/** An HTML character reference at `start`; undefined leaves the '&' as a literal character, as Telegram does. */
function decodeHtmlEntity(source: string, start: number): { char: string; end: number } | undefined {
  let end = start + 1;
  let char: string | undefined;
  if (source.charAt(end) === '#') {
    end += 1;
    const hex = source.charAt(end) === 'x';
    if (hex) end += 1;
    const digitsStart = end;
    while ((hex ? /[0-9a-fA-F]/ : /[0-9]/).test(source.charAt(end))) end += 1;
    const code = parseInt(source.slice(digitsStart, end), hex ? 16 : 10);
    if (!(code > 0 && code < 0x10ffff) || end - start >= 10) return undefined;
    char = String.fromCodePoint(code);
  } else {
    while (/[A-Za-z]/.test(source.charAt(end))) end += 1;
    char = HTML_NAMED_ENTITIES.get(source.slice(start + 1, end));
    if (char === undefined) return undefined;
  }
  if (source.charAt(end) === ';') end += 1;
  return { char, end };
}

function parseHtml(source: string): string {
  let out = '';
  const open: string[] = [];
  let i = 0;
  while (i < source.length) {
    const char = source.charAt(i);
    if (char === '&') {
      const decoded = decodeHtmlEntity(source, i);
      if (decoded) {
        out += decoded.char;
        i = decoded.end;
        continue;
      }
    }
    if (char !== '<') {
      out += char;
      i += 1;
      continue;
    }
    const begin = i;
    i += 1;
    if (source.charAt(i) !== '/') {
      // A start tag: a supported name, then attributes (quotes may hide a '>') up to '>'.
      let j = i;
      while (j < source.length && !isSpace(source.charAt(j)) && source.charAt(j) !== '>') j += 1;
      if (j >= source.length) throw entityError(`Unclosed start tag at byte offset ${byteOffset(source, begin)}`);
      const name = source.slice(i, j).toLowerCase();
      if (!HTML_TAGS.has(name)) throw entityError(`Unsupported start tag "${name}" at byte offset ${byteOffset(source, begin)}`);
      let quote = '';
      while (j < source.length && (quote !== '' || source.charAt(j) !== '>')) {
        const c = source.charAt(j);
        if (quote !== '') {
          if (c === quote) quote = '';
        } else if (c === '"' || c === "'") {
          quote = c;
        }
        j += 1;
      }
      if (j >= source.length) throw entityError(`Unclosed start tag at byte offset ${byteOffset(source, begin)}`);
      if (name === 'span' && !/\bclass\s*=\s*["']?tg-spoiler\b/i.test(source.slice(begin, j))) {
        throw entityError(`Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(source, begin)}`);
      }
      open.push(name);
      i = j + 1;
      continue;
    }
    // An end tag closes the innermost open tag; `</>` closes whatever it is.
    if (open.length === 0) throw entityError(`Unexpected end tag at byte offset ${byteOffset(source, begin)}`);
    let j = i + 1;
    while (j < source.length && !isSpace(source.charAt(j)) && source.charAt(j) !== '>') j += 1;
    const endName = source.slice(i + 1, j).toLowerCase();
    while (j < source.length && isSpace(source.charAt(j))) j += 1;
    if (source.charAt(j) !== '>') throw entityError(`Unclosed end tag at byte offset ${byteOffset(source, begin)}`);
    const expected = open.pop() ?? '';
    if (endName !== '' && endName !== expected) {
      throw entityError(`Unmatched end tag at byte offset ${byteOffset(source, begin)}, expected "</${expected}>", found "</${endName}>"`);
    }
    i = j + 1;
  }
  const unclosed = open.at(-1);
  if (unclosed !== undefined) throw entityError(`Can't find end tag corresponding to start tag "${unclosed}"`);
  return out;
}

type MarkdownEntity = 'Bold' | 'Italic' | 'Underline' | 'Strikethrough' | 'Spoiler' | 'TextUrl' | 'CustomEmoji' | 'Code' | 'Pre' | 'PreCode';

const isEscapable = (char: string): boolean => char !== '' && char.charCodeAt(0) >= 1 && char.charCodeAt(0) <= 126;
const isLineEnd = (source: string, index: number): boolean =>
  index >= source.length || source.charAt(index) === '\n' || source.charAt(index) === '\r';

/**
 * Moves past the language and the first line break of a ``` block opened just before `i`; returns the
 * new index and whether a language was given.
 */
function skipPreHeader(source: string, i: number): { index: number; hasLanguage: boolean } {
  let index = i;
  let languageEnd = index;
  while (languageEnd < source.length && !isSpace(source.charAt(languageEnd)) && source.charAt(languageEnd) !== '`') languageEnd += 1;
  const hasLanguage = languageEnd !== index && languageEnd < source.length && source.charAt(languageEnd) !== '`';
  if (hasLanguage) index = languageEnd;
  const first = source.charAt(index);
  const second = source.charAt(index + 1);
  if (first === '\n' || first === '\r') index += (second === '\n' || second === '\r') && first !== second ? 2 : 1;
  return { index, hasLanguage };
}

/** MarkdownV2, after TDLib's parse_markdown_v2 (nesting, escapes, reserved characters, blockquotes). */
function parseMarkdownV2(source: string): string {
  let out = '';
  const stack: Array<{ type: MarkdownEntity; at: number }> = [];
  let quotedLine = false;
  const reserved = (char: string): ApiError => entityError(`Character '${char}' is reserved and must be escaped with the preceding '\\'`);
  for (let i = 0; i < source.length; i++) {
    const char = source.charAt(i);
    const next = source.charAt(i + 1);
    const top = stack.at(-1)?.type;
    const inCode = top === 'Code' || top === 'Pre' || top === 'PreCode';
    const lineStart = i === 0 || source.charAt(i - 1) === '\n' || source.charAt(i - 1) === '\r';
    if (lineStart) quotedLine = false;
    if (char === '\\' && isEscapable(next)) {
      out += next;
      i += 1;
      continue;
    }
    // '>' (or '**>' for an expandable one) at the start of a line opens a blockquote line.
    if (!inCode && lineStart && (char === '>' || source.startsWith('**>', i))) {
      quotedLine = true;
      if (char === '*') i += 2;
      continue;
    }
    if (!(inCode ? '`' : '_*[]()~`>#+-=|{}.!').includes(char)) {
      out += char;
      continue;
    }
    // '||' ending a quoted line marks the blockquote expandable.
    if (!inCode && quotedLine && char === '|' && next === '|' && top !== 'Spoiler' && isLineEnd(source, i + 2)) {
      i += 1;
      continue;
    }
    let isEnd = false;
    switch (top) {
      case 'Bold':
        isEnd = char === '*';
        break;
      case 'Italic':
        isEnd = char === '_' && next !== '_';
        break;
      case 'Underline':
        isEnd = char === '_' && next === '_';
        break;
      case 'Strikethrough':
        isEnd = char === '~';
        break;
      case 'Spoiler':
        isEnd = char === '|' && next === '|';
        break;
      case 'TextUrl':
      case 'CustomEmoji':
        isEnd = char === ']';
        break;
      case 'Code':
        isEnd = char === '`';
        break;
      case 'Pre':
      case 'PreCode':
        isEnd = source.startsWith('```', i);
        break;
      case undefined:
        break;
    }
    if (!isEnd) {
      const at = i;
      let type: MarkdownEntity;
      switch (char) {
        case '_':
          type = next === '_' ? 'Underline' : 'Italic';
          if (next === '_') i += 1;
          break;
        case '*':
          type = 'Bold';
          break;
        case '~':
          type = 'Strikethrough';
          break;
        case '|':
          if (next !== '|') throw reserved(char);
          type = 'Spoiler';
          i += 1;
          break;
        case '[':
          type = 'TextUrl';
          break;
        case '!':
          if (next !== '[') throw reserved(char);
          type = 'CustomEmoji';
          i += 1;
          break;
        case '`':
          if (source.startsWith('```', i)) {
            const header = skipPreHeader(source, i + 3);
            type = header.hasLanguage ? 'PreCode' : 'Pre';
            i = header.index - 1;
          } else {
            type = 'Code';
          }
          break;
        default:
          throw reserved(char);
      }
      stack.push({ type, at });
      continue;
    }
    const closing = stack.pop();
    if (closing === undefined) continue;
    if (closing.type === 'Underline' || closing.type === 'Spoiler') i += 1;
    if (closing.type === 'Pre' || closing.type === 'PreCode') i += 2;
    if (closing.type === 'TextUrl' || closing.type === 'CustomEmoji') {
      if (next === '(') {
        i += 2;
        const urlBegin = i;
        while (i < source.length && source.charAt(i) !== ')') i += source.charAt(i) === '\\' && isEscapable(source.charAt(i + 1)) ? 2 : 1;
        if (source.charAt(i) !== ')') {
          const what = closing.type === 'CustomEmoji' ? 'a custom emoji URL' : 'a URL';
          throw entityError(`Can't find end of ${what} at byte offset ${byteOffset(source, urlBegin)}`);
        }
      } else if (closing.type === 'CustomEmoji') {
        throw entityError('Custom emoji entity must contain a tg://emoji URL');
      }
    }
  }
  const unclosed = stack.at(-1);
  if (unclosed !== undefined) throw entityError(`Can't find end of ${unclosed.type} entity at byte offset ${byteOffset(source, unclosed.at)}`);
  return out;
}

/** Legacy Markdown, after TDLib's parse_markdown: no nesting, only _ * ` [ are special. */
function parseMarkdown(source: string): string {
  let out = '';
  const special = (char: string): boolean => char !== '' && '_*`['.includes(char);
  for (let i = 0; i < source.length; i++) {
    const char = source.charAt(i);
    if (char === '\\' && special(source.charAt(i + 1))) {
      out += source.charAt(i + 1);
      i += 1;
      continue;
    }
    if (!special(char)) {
      out += char;
      continue;
    }
    const begin = i;
    const endChar = char === '[' ? ']' : char;
    let isPre = false;
    i += 1;
    if (char === '`' && source.startsWith('``', i)) {
      isPre = true;
      i = skipPreHeader(source, i + 2).index;
    }
    while (i < source.length && (source.charAt(i) !== endChar || (isPre && !source.startsWith('``', i + 1)))) {
      out += source.charAt(i);
      i += 1;
    }
    if (i >= source.length) throw entityError(`Can't find end of the entity starting at byte offset ${byteOffset(source, begin)}`);
    if (char === '[' && source.charAt(i + 1) === '(') {
      i += 2;
      while (i < source.length && source.charAt(i) !== ')') i += 1;
    }
    if (isPre) i += 2;
  }
  return out;
}

/** reply_markup checked like Telegram does; returns it parsed, or undefined when absent. */
function checkReplyMarkup(value: unknown): Json | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (!isRecord(value)) throw badRequest("can't parse reply keyboard markup JSON object");
  const keyboard = value.inline_keyboard;
  if (keyboard === undefined) {
    if (value.keyboard !== undefined || value.remove_keyboard !== undefined || value.force_reply !== undefined) return value;
    throw badRequest("can't parse reply keyboard markup JSON object");
  }
  if (!isArray(keyboard) || !keyboard.every(isArray)) {
    throw badRequest('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays');
  }
  for (const row of keyboard) {
    for (const button of isArray(row) ? row : []) {
      if (!isRecord(button) || typeof button.text !== 'string') {
        throw badRequest("can't parse inline keyboard button: Field \"text\" must be of type String");
      }
      if (!INLINE_BUTTON_ACTIONS.some((action) => button[action] !== undefined)) {
        throw badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
      }
      const data = button.callback_data;
      // The 64-byte limit counts UTF-8 bytes: an Indonesian or emoji payload hits it sooner than it looks.
      if (data !== undefined && (typeof data !== 'string' || data === '' || Buffer.byteLength(data, 'utf8') > 64)) {
        throw badRequest('BUTTON_DATA_INVALID');
      }
    }
  }
  return value;
}

/** The reply_markup Telegram echoes in a Message: only a non-empty inline keyboard. */
function inlineMarkupOf(markup: Json | undefined): Json | undefined {
  const keyboard = markup?.inline_keyboard;
  if (!isArray(keyboard) || !keyboard.some((row) => isArray(row) && row.length > 0)) return undefined;
  return { inline_keyboard: keyboard };
}

// ---------------------------------------------------------------------------------------------------------
// HTTP plumbing

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Query parameters, overridden by the body (JSON or form-urlencoded), with JSON-valued fields parsed. */
function parseParams(url: URL, contentType: string | undefined, body: Buffer): Json {
  const params: Json = Object.fromEntries(url.searchParams);
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (body.length > 0) {
    if (type === 'multipart/form-data') {
      Object.assign(params, parseMultipart(contentType ?? '', body));
    } else if (type === 'application/x-www-form-urlencoded') {
      Object.assign(params, Object.fromEntries(new URLSearchParams(body.toString('utf8'))));
    } else {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        throw badRequest("can't parse JSON object");
      }
      if (!isRecord(parsed)) throw badRequest("can't parse JSON object");
      Object.assign(params, parsed);
    }
  }
  for (const key of JSON_PARAMS) {
    const value = params[key];
    if (typeof value !== 'string' || !/^\s*[[{]/.test(value)) continue;
    try {
      params[key] = JSON.parse(value);
    } catch {
      // Left as a string: the method reports it as unparsable, like Telegram.
    }
  }
  return params;
}

/** An uploaded file as the fake keeps it. */
export interface UploadedFile {
  filename: string;
  bytes: number;
  /** The first bytes, hex (e.g. the PNG signature 89504e47...). */
  head: string;
}

/** multipart/form-data (file uploads, as telegraf sends sendPhoto): text fields as strings, files as UploadedFile. */
function parseMultipart(contentType: string, body: Buffer): Json {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const marker = boundary?.[1] ?? boundary?.[2];
  if (!marker) throw badRequest('multipart/form-data without a boundary');
  const fields: Json = {};
  const delimiter = Buffer.from(`--${marker}`);
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    const part = body.subarray(start + delimiter.length + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    if (split !== -1) {
      const headers = part.subarray(0, split).toString('utf8');
      const content = part.subarray(split + 4);
      const name = /name="([^"]*)"/i.exec(headers)?.[1];
      const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
      if (name !== undefined) {
        fields[name] =
          filename !== undefined
            ? ({ filename, bytes: content.length, head: content.subarray(0, 8).toString('hex') } satisfies UploadedFile)
            : content.toString('utf8');
      }
    }
    start = next;
  }
  return fields;
}

function writeJson(res: ServerResponse, status: number, payload: Json, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.writableEnded) return;
  const body = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

/** One HTTP request in flight. */
interface Exchange {
  res: ServerResponse;
  call: ApiCall;
  answered: boolean;
  /** A fault applying to the answer (FaultOptions.afterProcessing, or a policy's drop_after/hang_after). */
  answerFault?: { kind: 'drop' } | { kind: 'hang' } | { kind: 'delay'; ms: number };
}

interface PendingPoll {
  ex: Exchange;
  offset: number | undefined;
  limit: number;
  timer: NodeJS.Timeout;
}

type Fault =
  | { kind: 'fail'; error: InjectedError; remaining: number }
  | { kind: 'drop'; afterProcessing: boolean; remaining: number }
  | { kind: 'delay'; delayMs: number; afterProcessing: boolean; remaining: number }
  | { kind: 'hang'; afterProcessing: boolean; remaining: number };

interface StoredFile {
  file_id: string;
  file_unique_id: string;
  file_path: string;
  size: number;
  content?: Buffer;
}

interface WebhookState {
  url: string;
  secret_token?: string;
  max_connections: number;
  ip_address?: string;
  lastError?: { date: number; message: string };
}

// ---------------------------------------------------------------------------------------------------------
// The fake

class FakeTelegramServer implements FakeTelegram {
  url = '';
  readonly token: string;

  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Aborts webhook deliveries and their back-off waits on close. */
  private readonly stopping = new AbortController();
  private closing: Promise<void> | undefined;
  private readonly validateMarkup: boolean;
  private readonly bot: Json;

  // Updates
  private queue: Json[] = [];
  private nextUpdateId = 1;
  private highestUpdateId = 0;
  private confirmed = 0;
  private allowedUpdates: string[] | undefined;
  private poll: PendingPoll | undefined;
  private wakeScheduled = false;
  private webhookState: WebhookState | undefined;
  private delivering = false;

  // Chats and messages
  private readonly chats = new Map<string, Json>();
  private readonly messages = new Map<string, Map<number, Json>>();
  private readonly nextMessageIds = new Map<string, number>();
  private readonly chatInstances = new Map<string, string>();
  private readonly openCallbackQueries = new Set<string>();
  private callbackCounter = 0;
  private readonly blocked = new Set<string>();
  private readonly files = new Map<string, StoredFile>();

  // Records and faults
  private readonly sentLog: SentMessage[] = [];
  private readonly callLog: ApiCall[] = [];
  private readonly faults = new Map<string, Fault[]>();
  private readonly faultPolicies = new Map<string, (call: ApiCall) => PolicyFault | undefined>();

  constructor(options: FakeTelegramOptions) {
    this.token = options.token ?? '123456:TEST-TOKEN';
    this.validateMarkup = options.validateMarkup ?? true;
    const botId = asInt(this.token.split(':')[0]) ?? 123456;
    this.bot = {
      id: botId,
      is_bot: true,
      first_name: options.botFirstName ?? 'Aspirasi Desa Test',
      username: options.botUsername ?? 'aspirasi_test_bot',
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
    };
    this.server = createServer((req, res) => this.onRequest(req, res));
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${address.port}`;
  }

  // ----- test-control API -----

  pushUpdate(update: Record<string, unknown>): Record<string, unknown> {
    const { update_id: given, ...body } = clone(update);
    const id = asInt(given) ?? this.nextUpdateId;
    const stored: Json = { update_id: id, ...body };
    this.nextUpdateId = Math.max(this.nextUpdateId, id + 1);
    this.highestUpdateId = Math.max(this.highestUpdateId, id);
    this.indexUpdate(stored);
    // Kept in update_id order, as Telegram delivers them.
    const at = this.queue.findIndex((queued) => updateIdOf(queued) > id);
    this.queue.splice(at === -1 ? this.queue.length : at, 0, stored);
    this.scheduleWake();
    return clone(stored);
  }

  sendPrivateText(from: FakeUser, text: string, extra: MessageExtra = {}): Record<string, unknown> {
    return this.pushUserMessage(this.privateChat(from), from, { ...extra, text });
  }

  sendGroupText(chatId: number, from: FakeUser, text: string, extra: MessageExtra = {}): Record<string, unknown> {
    const chat = this.chats.get(String(chatId)) ?? { id: chatId, type: chatId < 0 ? 'supergroup' : 'group', title: `Group ${chatId}` };
    return this.pushUserMessage(chat, from, { ...extra, text });
  }

  sendPrivateMessage(from: FakeUser, fields: MessageExtra): Record<string, unknown> {
    return this.pushUserMessage(this.privateChat(from), from, fields);
  }

  pressButton(chatId: number, from: FakeUser, messageId: number, data: string): Record<string, unknown> {
    const key = String(chatId);
    const message = this.messages.get(key)?.get(messageId);
    if (!message) {
      throw new Error(`pressButton: no message ${messageId} in chat ${key}; the bot sent:\n${this.describeSent()}`);
    }
    this.callbackCounter += 1;
    return this.pushUpdate({
      callback_query: {
        // Telegram's query ids are long numeric strings.
        id: String(4_000_000_000_000_000_000n + BigInt(this.callbackCounter)),
        from: userOf(from),
        message: clone(message),
        chat_instance: this.chatInstance(key),
        data,
      },
    });
  }

  sent(chatId?: number | string): SentMessage[] {
    const key = chatId === undefined ? undefined : String(chatId);
    return this.sentLog.filter((entry) => key === undefined || entry.chat_id === key).map((entry) => ({ ...entry }));
  }

  waitFor<T>(predicate: (sent: SentMessage[]) => T | undefined | false, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    return new Promise<T>((resolve, reject) => {
      const check = (): void => {
        let result: T | undefined | false;
        try {
          result = predicate(this.sent());
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        if (result !== undefined && result !== false && result !== null) {
          resolve(result);
        } else if (Date.now() >= deadline) {
          reject(new Error(`waitFor timed out after ${timeoutMs} ms; the bot sent:\n${this.describeSent()}`));
        } else {
          setTimeout(check, 20);
        }
      };
      check();
    });
  }

  calls(method?: string): ApiCall[] {
    const wanted = method?.toLowerCase();
    return this.callLog.filter((call) => wanted === undefined || call.method.toLowerCase() === wanted).map((call) => ({ ...call }));
  }

  confirmedUpTo(): number {
    return this.confirmed;
  }

  pendingUpdates(): number {
    return this.queue.length;
  }

  failNext(method: string, error: InjectedError, times = 1): void {
    this.addFault(method, { kind: 'fail', error, remaining: times });
  }

  dropNext(method: string, times = 1, options: FaultOptions = {}): void {
    this.addFault(method, { kind: 'drop', afterProcessing: options.afterProcessing ?? false, remaining: times });
  }

  delayNext(method: string, delayMs: number, times = 1, options: FaultOptions = {}): void {
    this.addFault(method, { kind: 'delay', delayMs, afterProcessing: options.afterProcessing ?? false, remaining: times });
  }

  setFaultPolicy(method: string, policy?: (call: ApiCall) => PolicyFault | undefined): void {
    if (policy) this.faultPolicies.set(method.toLowerCase(), policy);
    else this.faultPolicies.delete(method.toLowerCase());
  }

  blockUser(chatId: number | string): void {
    this.blocked.add(String(chatId));
  }

  unblockUser(chatId: number | string): void {
    this.blocked.delete(String(chatId));
  }

  webhook(): { url: string; secret_token?: string } | undefined {
    const state = this.webhookState;
    if (!state) return undefined;
    return { url: state.url, ...(state.secret_token !== undefined ? { secret_token: state.secret_token } : {}) };
  }

  message(chatId: number | string, messageId: number): Record<string, unknown> | undefined {
    const message = this.messages.get(String(chatId))?.get(messageId);
    return message ? clone(message) : undefined;
  }

  setFile(fileId: string, content: string | Uint8Array, filePath?: string): void {
    const bytes = Buffer.from(content);
    const file = this.registerFile(fileId, 'documents', 'bin', bytes.length);
    file.content = bytes;
    file.size = bytes.length;
    if (filePath !== undefined) file.file_path = filePath;
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.stopping.abort();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    // A waiting long poll gets its empty answer (as when its timeout ends); its socket closes after it.
    let flushing: Socket | undefined;
    const poll = this.poll;
    this.poll = undefined;
    if (poll) {
      clearTimeout(poll.timer);
      flushing = poll.ex.res.socket ?? undefined;
      delete poll.ex.answerFault;
      this.answer(poll.ex, 200, { ok: true, result: [] }, { connection: 'close' });
    }
    this.closing = new Promise<void>((resolve) => {
      // Fallback for a client that never reads its last answer.
      const force = setTimeout(() => {
        for (const socket of this.sockets) socket.destroy();
      }, 250);
      this.server.close(() => {
        clearTimeout(force);
        resolve();
      });
      // Keep-alive connections would hold server.close() open forever.
      for (const socket of this.sockets) if (socket !== flushing) socket.destroy();
    });
    return this.closing;
  }

  // ----- request handling -----

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    this.handle(req, res).catch((error: unknown) => {
      // A bug in the fake (or a client gone mid-body): a 500 makes it visible instead of a hang.
      const description = `Internal Server Error: ${error instanceof Error ? error.message : String(error)}`;
      writeJson(res, 500, { ok: false, error_code: 500, description });
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const body = await readBody(req);
    const download = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (download) {
      this.serveFile(res, decodeURIComponent(download[1] ?? ''), decodeURIComponent(download[2] ?? ''));
      return;
    }
    const route = /^\/bot([^/]+)\/([^/]+)\/?$/.exec(url.pathname);
    if (!route) {
      writeJson(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
      return;
    }
    const token = decodeURIComponent(route[1] ?? '');
    const method = route[2] ?? '';
    let params: Json = {};
    let parseError: ApiError | undefined;
    try {
      params = parseParams(url, req.headers['content-type'], body);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      parseError = error;
    }
    const call: ApiCall = { method, params, status: 0, at: Date.now() };
    this.callLog.push(call);
    const ex: Exchange = { res, call, answered: false };
    res.on('close', () => {
      // The client hung up before its answer (e.g. telegraf aborting a long poll on stop).
      if (!ex.answered && this.poll?.ex === ex) {
        clearTimeout(this.poll.timer);
        this.poll = undefined;
      }
    });
    if (token !== this.token) return this.answerError(ex, new ApiError(401, 'Unauthorized'));
    if (parseError) return this.answerError(ex, parseError);

    const fault = this.takeFault(method) ?? this.policyFault(call);
    if (fault?.kind === 'hang') {
      // Never answered: the client's timeout (or close()) ends the exchange.
      if (!fault.afterProcessing) {
        ex.answered = true;
        return;
      }
      ex.answerFault = { kind: 'hang' };
    }
    if (fault?.kind === 'fail') {
      return this.answerError(ex, new ApiError(fault.error.status, fault.error.description, fault.error.retryAfter));
    }
    if (fault?.kind === 'drop') {
      if (!fault.afterProcessing) return this.dropConnection(ex);
      ex.answerFault = { kind: 'drop' };
    }
    if (fault?.kind === 'delay') {
      // The request reached the server: it is processed after the delay even if the client gave up meanwhile.
      if (!fault.afterProcessing) return this.later(fault.delayMs, () => this.dispatch(ex, method, params));
      ex.answerFault = { kind: 'delay', ms: fault.delayMs };
    }
    this.dispatch(ex, method, params);
  }

  private dispatch(ex: Exchange, method: string, params: Json): void {
    try {
      const name = method.toLowerCase();
      if (name === 'getupdates') return this.getUpdates(ex, params);
      this.answer(ex, 200, { ok: true, result: this.callMethod(name, params) });
    } catch (error) {
      // Anything but an ApiError is a bug in the fake: a 500 shows it without crashing the test run from a timer.
      const message = error instanceof Error ? error.message : String(error);
      this.answerError(ex, error instanceof ApiError ? error : new ApiError(500, `Internal Server Error: ${message}`));
    }
  }

  private callMethod(name: string, params: Json): unknown {
    switch (name) {
      case 'getme':
        return clone(this.bot);
      case 'sendmessage':
        return this.sendMessage(params);
      case 'sendphoto':
        return this.sendPhoto(params);
      case 'editmessagetext':
        return this.editMessage(params, true);
      case 'editmessagereplymarkup':
        return this.editMessage(params, false);
      case 'answercallbackquery':
        return this.answerCallbackQuery(params);
      case 'getfile':
        return this.getFile(params);
      case 'setwebhook':
        return this.setWebhook(params);
      case 'deletewebhook':
        if (asBool(params.drop_pending_updates)) this.queue = [];
        this.webhookState = undefined;
        return true;
      case 'getwebhookinfo':
        return this.webhookInfo();
      default:
        if (!KNOWN_METHODS.has(name)) throw new ApiError(404, 'Not Found: method not found');
        // Unimplemented methods succeed, and calls() shows them; sending to a blocked user still fails.
        if (name.startsWith('send') && params.chat_id !== undefined) this.assertNotBlocked(chatKeyOf(params.chat_id));
        return true;
    }
  }

  /** Writes the answer once, applying an after-processing fault. */
  private answer(ex: Exchange, status: number, payload: Json, headers: Record<string, string> = {}): void {
    if (ex.answered) return;
    ex.answered = true;
    if (payload.ok === false && typeof payload.description === 'string') ex.call.error = payload.description;
    const fault = ex.answerFault;
    if (fault?.kind === 'drop') {
      ex.res.destroy();
      return;
    }
    if (fault?.kind === 'hang') return;
    const write = (): void => {
      ex.call.status = status;
      writeJson(ex.res, status, payload, headers);
    };
    if (fault?.kind === 'delay') this.later(fault.ms, write);
    else write();
  }

  private answerError(ex: Exchange, error: ApiError): void {
    this.answer(ex, error.status, {
      ok: false,
      error_code: error.status,
      description: error.description,
      ...(error.retryAfter !== undefined ? { parameters: { retry_after: error.retryAfter } } : {}),
    });
  }

  private dropConnection(ex: Exchange): void {
    ex.answered = true;
    ex.res.destroy();
  }

  private later(ms: number, run: () => void): void {
    // After close() every socket is gone: nothing is left to answer.
    if (this.closing) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }

  private addFault(method: string, fault: Fault): void {
    if (fault.remaining <= 0) return;
    const key = method.toLowerCase();
    const list = this.faults.get(key) ?? [];
    list.push(fault);
    this.faults.set(key, list);
  }

  /** The fault the method's policy chooses for this call, recorded on the call. */
  private policyFault(call: ApiCall): Fault | undefined {
    const chosen = this.faultPolicies.get(call.method.toLowerCase())?.(call);
    if (!chosen) return undefined;
    call.fault = chosen.kind;
    switch (chosen.kind) {
      case 'fail':
        return { kind: 'fail', error: chosen.error, remaining: 1 };
      case 'drop':
      case 'drop_after':
        return { kind: 'drop', afterProcessing: chosen.kind === 'drop_after', remaining: 1 };
      case 'hang':
      case 'hang_after':
        return { kind: 'hang', afterProcessing: chosen.kind === 'hang_after', remaining: 1 };
    }
  }

  /** Faults of a method are consumed in the order they were added. */
  private takeFault(method: string): Fault | undefined {
    const list = this.faults.get(method.toLowerCase());
    const fault = list?.[0];
    if (!list || !fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) list.shift();
    return fault;
  }

  // ----- updates -----

  private getUpdates(ex: Exchange, params: Json): void {
    if (this.webhookState) throw new ApiError(409, CONFLICT_WEBHOOK_ACTIVE);
    const offset = asInt(params.offset);
    const requestedLimit = asInt(params.limit) ?? 100;
    const limit = requestedLimit <= 0 ? 100 : Math.min(requestedLimit, 100);
    const timeout = Math.max(0, Number(asText(params.timeout) ?? 0) || 0);
    this.setAllowedUpdates(params.allowed_updates);
    // Two pollers: the older request loses, as when two instances of a bot run at once.
    const older = this.poll;
    if (older) {
      this.poll = undefined;
      clearTimeout(older.timer);
      this.answerError(older.ex, new ApiError(409, CONFLICT_OTHER_POLL));
    }
    const from = this.confirmOffset(offset);
    const ready = this.deliverable(from, limit);
    if (ready.length > 0 || timeout === 0 || this.closing || ex.res.destroyed) {
      this.answer(ex, 200, { ok: true, result: ready });
      return;
    }
    const timer = setTimeout(() => {
      if (this.poll?.ex !== ex) return;
      this.poll = undefined;
      this.answer(ex, 200, { ok: true, result: [] });
    }, timeout * 1000);
    this.poll = { ex, offset: from, limit, timer };
  }

  /** Applies a getUpdates offset: a positive one confirms (forgets) every update below it. */
  private confirmOffset(offset: number | undefined): number | undefined {
    if (offset === undefined || offset === 0) return undefined;
    if (offset > 0) {
      this.queue = this.queue.filter((update) => updateIdOf(update) >= offset);
      this.confirmed = Math.max(this.confirmed, Math.min(offset - 1, this.highestUpdateId));
      return offset;
    }
    // A negative offset keeps only the last -offset updates; all previous ones are forgotten.
    const forgotten = this.queue.slice(0, Math.max(0, this.queue.length + offset));
    const last = forgotten.at(-1);
    if (last) this.confirmed = Math.max(this.confirmed, updateIdOf(last));
    this.queue = this.queue.slice(forgotten.length);
    return undefined;
  }

  private deliverable(from: number | undefined, limit: number): Json[] {
    return this.queue.filter((update) => (from === undefined || updateIdOf(update) >= from) && this.isAllowed(update)).slice(0, limit);
  }

  private isAllowed(update: Json): boolean {
    const type = updateTypeOf(update);
    if (type === undefined) return true;
    return this.allowedUpdates ? this.allowedUpdates.includes(type) : !NOT_SENT_BY_DEFAULT.has(type);
  }

  /** allowed_updates persists across calls, as on Telegram; an empty list means the default set. */
  private setAllowedUpdates(value: unknown): void {
    if (value === undefined) return;
    if (!isArray(value)) throw badRequest("can't parse allowed updates");
    const types = value.filter((type): type is string => typeof type === 'string');
    this.allowedUpdates = types.length > 0 ? types : undefined;
  }

  /** After a push: answers the waiting long poll (batching updates pushed in the same tick) or delivers to the webhook. */
  private scheduleWake(): void {
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      if (this.webhookState) {
        this.startWebhookDelivery();
        return;
      }
      const poll = this.poll;
      if (!poll) return;
      const ready = this.deliverable(poll.offset, poll.limit);
      if (ready.length === 0) return;
      this.poll = undefined;
      clearTimeout(poll.timer);
      this.answer(poll.ex, 200, { ok: true, result: ready });
    });
  }

  private indexUpdate(update: Json): void {
    for (const field of MESSAGE_FIELDS) {
      const message = update[field];
      if (isRecord(message)) this.storeMessage(message);
    }
    const query = update.callback_query;
    if (isRecord(query)) {
      const id = asText(query.id);
      if (id !== undefined) this.openCallbackQueries.add(id);
      // Only a message the fake does not know yet: the stored one may be newer (edited since).
      const message = query.message;
      if (isRecord(message) && !this.knowsMessage(message)) this.storeMessage(message);
    }
  }

  // ----- webhook -----

  private setWebhook(params: Json): true {
    const url = asText(params.url) ?? '';
    if (url === '') {
      // An empty URL removes the webhook, as deleteWebhook does.
      this.webhookState = undefined;
      return true;
    }
    // http URLs and any port are accepted, as a local Bot API server (--local) does.
    if (!URL.canParse(url)) throw badRequest('bad webhook: invalid webhook URL specified');
    const secret = asText(params.secret_token);
    if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) throw badRequest('secret token contains unallowed characters');
    this.setAllowedUpdates(params.allowed_updates);
    if (asBool(params.drop_pending_updates)) this.queue = [];
    const ipAddress = asText(params.ip_address);
    this.webhookState = {
      url,
      max_connections: asInt(params.max_connections) ?? 40,
      ...(secret !== undefined ? { secret_token: secret } : {}),
      ...(ipAddress !== undefined ? { ip_address: ipAddress } : {}),
    };
    const poll = this.poll;
    if (poll) {
      this.poll = undefined;
      clearTimeout(poll.timer);
      this.answerError(poll.ex, new ApiError(409, CONFLICT_SET_WEBHOOK));
    }
    this.scheduleWake();
    return true;
  }

  private webhookInfo(): Json {
    const state = this.webhookState;
    return {
      url: state?.url ?? '',
      has_custom_certificate: false,
      pending_update_count: this.queue.length,
      ...(state ? { max_connections: state.max_connections } : {}),
      ...(state?.ip_address !== undefined ? { ip_address: state.ip_address } : {}),
      ...(state?.lastError ? { last_error_date: state.lastError.date, last_error_message: state.lastError.message } : {}),
      ...(this.allowedUpdates ? { allowed_updates: [...this.allowedUpdates] } : {}),
    };
  }

  private startWebhookDelivery(): void {
    if (this.delivering) return;
    this.delivering = true;
    this.deliverWebhooks()
      .catch(() => undefined)
      .finally(() => {
        this.delivering = false;
      });
  }

  /**
   * Posts queued updates to the webhook one at a time, in order, with the secret header; a 2xx answer
   * confirms the update, anything else is retried with a growing pause (reported by getWebhookInfo).
   */
  private async deliverWebhooks(): Promise<void> {
    let failures = 0;
    for (;;) {
      const state = this.webhookState;
      const update = state ? this.deliverable(undefined, 1)[0] : undefined;
      if (!state || !update || this.closing) return;
      let error: string | undefined;
      try {
        const response = await fetch(state.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(state.secret_token !== undefined ? { 'x-telegram-bot-api-secret-token': state.secret_token } : {}),
          },
          body: JSON.stringify(update),
          signal: AbortSignal.any([this.stopping.signal, AbortSignal.timeout(10_000)]),
        });
        const text = await response.text();
        if (response.ok) this.runWebhookReply(text);
        else error = `Wrong response from the webhook: ${response.status} ${response.statusText}`;
      } catch (cause) {
        error = `Connection failed: ${cause instanceof Error ? cause.message : String(cause)}`;
      }
      if (this.closing) return;
      if (error === undefined) {
        failures = 0;
        const id = updateIdOf(update);
        this.queue = this.queue.filter((queued) => queued !== update);
        this.confirmed = Math.max(this.confirmed, id);
        continue;
      }
      failures += 1;
      state.lastError = { date: nowSeconds(), message: error };
      await sleep(Math.min(5000, 250 * 2 ** (failures - 1)), undefined, { signal: this.stopping.signal }).catch(() => undefined);
    }
  }

  /** A webhook may answer with a method call in its body; Telegram runs it and reports nothing back. */
  private runWebhookReply(text: string): void {
    if (text.trim() === '') return;
    let reply: unknown;
    try {
      reply = JSON.parse(text);
    } catch {
      return;
    }
    if (!isRecord(reply) || typeof reply.method !== 'string') return;
    const { method, ...params } = reply;
    const call: ApiCall = { method, params, status: 200, at: Date.now() };
    this.callLog.push(call);
    try {
      this.callMethod(method.toLowerCase(), params);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      call.status = error.status;
      call.error = error.description;
    }
  }

  // ----- messages -----

  private sendMessage(params: Json): Json {
    const chatKey = chatKeyOf(params.chat_id);
    const text = asText(params.text) ?? '';
    const parseMode = asText(params.parse_mode);
    // With explicit entities Telegram ignores parse_mode; the length limit counts the text after markup.
    const plain = this.validateMarkup && params.entities === undefined ? renderText(text, parseMode) : text;
    if (plain.trim() === '') throw badRequest('message text is empty');
    if (plain.length > MAX_TEXT_LENGTH) throw badRequest('message is too long');
    const markup = checkReplyMarkup(params.reply_markup);
    this.assertNotBlocked(chatKey);
    const replyTo = this.replyTarget(chatKey, params);
    const inline = inlineMarkupOf(markup);
    const message = this.storeBotMessage(chatKey, {
      text: plain,
      ...(replyTo ? { reply_to_message: asRepliedMessage(replyTo) } : {}),
      ...(inline ? { reply_markup: inline } : {}),
    });
    const messageId = asInt(message.message_id) ?? 0;
    this.sentLog.push({
      chat_id: chatKey,
      message_id: messageId,
      text,
      ...(markup ? { reply_markup: markup } : {}),
      ...(replyTo ? { reply_to_message_id: asInt(replyTo.message_id) ?? 0 } : {}),
      ...(parseMode !== undefined ? { parse_mode: parseMode } : {}),
      raw: clone(params),
    });
    return message;
  }

  /** A photo upload (multipart) or a file id; recorded in the sent log with `photo` and the caption as text. */
  private sendPhoto(params: Json): Json {
    const chatKey = chatKeyOf(params.chat_id);
    const photo = params.photo;
    if (photo === undefined || photo === '') throw badRequest('there is no photo in the request');
    const caption = asText(params.caption) ?? '';
    if (caption.length > 1024) throw badRequest('message caption is too long');
    this.assertNotBlocked(chatKey);
    const message = this.storeBotMessage(chatKey, { photo: [{ file_id: `photo-${this.sentLog.length + 1}`, width: 800, height: 400 }], ...(caption ? { caption } : {}) });
    this.sentLog.push({ chat_id: chatKey, message_id: asInt(message.message_id) ?? 0, text: caption, photo: clone(photo) as UploadedFile | string, raw: {} });
    return message;
  }

  /** The message a sendMessage replies to; 400 when it does not exist, unless sending without it is allowed. */
  private replyTarget(chatKey: string, params: Json): Json | undefined {
    const parameters = isRecord(params.reply_parameters) ? params.reply_parameters : undefined;
    const messageId = asInt(parameters?.message_id) ?? asInt(params.reply_to_message_id);
    if (messageId === undefined) return undefined;
    const targetChat = parameters?.chat_id !== undefined ? chatKeyOf(parameters.chat_id) : chatKey;
    const target = this.messages.get(targetChat)?.get(messageId);
    if (target) return target;
    if (asBool(parameters?.allow_sending_without_reply ?? params.allow_sending_without_reply)) return undefined;
    throw badRequest('message to be replied not found');
  }

  private editMessage(params: Json, withText: boolean): unknown {
    // Inline messages (sent via inline mode) are not tracked.
    if (params.inline_message_id !== undefined) return true;
    const chatKey = chatKeyOf(params.chat_id);
    const messageId = asInt(params.message_id);
    if (messageId === undefined) throw badRequest('message identifier is not specified');
    let text: string | undefined;
    if (withText) {
      const raw = asText(params.text) ?? '';
      text = this.validateMarkup && params.entities === undefined ? renderText(raw, asText(params.parse_mode)) : raw;
      if (text.trim() === '') throw badRequest('message text is empty');
      if (text.length > MAX_TEXT_LENGTH) throw badRequest('MESSAGE_TOO_LONG');
    }
    const markup = inlineMarkupOf(checkReplyMarkup(params.reply_markup));
    this.assertNotBlocked(chatKey);
    const message = this.messages.get(chatKey)?.get(messageId);
    if (!message) throw badRequest('message to edit not found');
    if (!isRecord(message.from) || message.from.id !== this.bot.id) throw badRequest("message can't be edited");
    const newText = text ?? message.text;
    // Both edit methods replace the keyboard: leaving reply_markup out removes it.
    if (newText === message.text && JSON.stringify(markup) === JSON.stringify(message.reply_markup)) {
      throw badRequest(
        'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
      );
    }
    if (text !== undefined) message.text = text;
    if (markup) message.reply_markup = markup;
    else delete message.reply_markup;
    message.edit_date = nowSeconds();
    return clone(message);
  }

  private answerCallbackQuery(params: Json): true {
    const id = asText(params.callback_query_id);
    // Each query can be answered once; an unknown or already answered one is "too old".
    if (id === undefined || !this.openCallbackQueries.delete(id)) throw badRequest(QUERY_TOO_OLD);
    return true;
  }

  private assertNotBlocked(chatKey: string): void {
    if (this.blocked.has(chatKey)) throw new ApiError(403, 'Forbidden: bot was blocked by the user');
  }

  private storeBotMessage(chatKey: string, fields: Json): Json {
    // As a message's sender the bot is a plain User, without getMe's capability fields.
    const { id, is_bot, first_name, username } = this.bot;
    const message: Json = {
      message_id: this.allocateMessageId(chatKey),
      from: { id, is_bot, first_name, username },
      chat: this.chatOf(chatKey),
      date: nowSeconds(),
      ...fields,
    };
    this.chatMessages(chatKey).set(asInt(message.message_id) ?? 0, message);
    return clone(message);
  }

  private knowsMessage(message: Json): boolean {
    const chatId = isRecord(message.chat) ? asInt(message.chat.id) : undefined;
    const messageId = asInt(message.message_id);
    return chatId !== undefined && messageId !== undefined && this.messages.get(String(chatId))?.has(messageId) === true;
  }

  private storeMessage(message: Json): void {
    const chat = message.chat;
    const chatId = isRecord(chat) ? asInt(chat.id) : undefined;
    const messageId = asInt(message.message_id);
    if (!isRecord(chat) || chatId === undefined || messageId === undefined) return;
    const key = String(chatId);
    this.chats.set(key, clone(chat));
    this.chatMessages(key).set(messageId, clone(message));
    // Later ids continue after any id a test chose itself.
    this.nextMessageIds.set(key, Math.max(this.nextMessageIds.get(key) ?? FIRST_MESSAGE_ID, messageId + 1));
    this.indexFiles(message);
  }

  private pushUserMessage(chat: Json, from: FakeUser, fields: MessageExtra): Record<string, unknown> {
    const { replyTo, ...rest } = fields;
    const key = String(asInt(chat.id));
    const message: Json = { message_id: this.allocateMessageId(key), from: userOf(from), chat: clone(chat), date: nowSeconds(), ...rest };
    if (replyTo !== undefined) {
      const target = this.messages.get(key)?.get(replyTo.message_id);
      message.reply_to_message = target ? asRepliedMessage(target) : { message_id: replyTo.message_id, chat: clone(chat), date: nowSeconds() };
    }
    for (const [textField, entitiesField] of [
      ['text', 'entities'],
      ['caption', 'caption_entities'],
    ] as const) {
      const value = message[textField];
      if (typeof value !== 'string' || message[entitiesField] !== undefined) continue;
      const entities = detectEntities(value);
      if (entities.length > 0) message[entitiesField] = entities;
    }
    return this.pushUpdate({ message });
  }

  private allocateMessageId(chatKey: string): number {
    const id = this.nextMessageIds.get(chatKey) ?? FIRST_MESSAGE_ID;
    this.nextMessageIds.set(chatKey, id + 1);
    return id;
  }

  private chatMessages(chatKey: string): Map<number, Json> {
    let messages = this.messages.get(chatKey);
    if (!messages) {
      messages = new Map();
      this.messages.set(chatKey, messages);
    }
    return messages;
  }

  /** The Chat object for a chat id: as seen in an update, else made up (negative ids are supergroups). */
  private chatOf(chatKey: string): Json {
    const known = this.chats.get(chatKey);
    if (known) return clone(known);
    const id = Number(chatKey);
    return id < 0 ? { id, type: 'supergroup', title: `Group ${id}` } : { id, type: 'private', first_name: `User ${id}` };
  }

  private privateChat(from: FakeUser): Json {
    const { is_bot: _isBot, language_code: _language, ...chat } = userOf(from);
    return { ...chat, type: 'private' };
  }

  private chatInstance(chatKey: string): string {
    let instance = this.chatInstances.get(chatKey);
    if (instance === undefined) {
      instance = String(-7_000_000_000_000_000_000n - BigInt(this.chatInstances.size));
      this.chatInstances.set(chatKey, instance);
    }
    return instance;
  }

  private describeSent(): string {
    const lines = this.sentLog.map((entry) => `  chat ${entry.chat_id} #${entry.message_id}: ${JSON.stringify(entry.text)}`);
    const failed = this.callLog
      .filter((call) => call.error !== undefined)
      .map((call) => `  ${call.method} -> ${call.status} ${call.error ?? ''}`);
    return [
      ...(lines.length > 0 ? lines : ['  (nothing)']),
      ...(failed.length > 0 ? ['failed calls:', ...failed] : []),
    ].join('\n');
  }

  // ----- files -----

  /** Remembers the files a pushed message carries, so getFile and downloads work for them. */
  private indexFiles(message: Json): void {
    const kinds: Array<[field: string, folder: string, extension: string]> = [
      ['document', 'documents', 'bin'],
      ['voice', 'voice', 'oga'],
      ['audio', 'music', 'mp3'],
      ['video', 'videos', 'mp4'],
      ['video_note', 'video_notes', 'mp4'],
      ['animation', 'animations', 'mp4'],
      ['sticker', 'stickers', 'webp'],
    ];
    const found: Array<{ file: Json; folder: string; extension: string }> = [];
    if (isArray(message.photo)) {
      for (const size of message.photo) if (isRecord(size)) found.push({ file: size, folder: 'photos', extension: 'jpg' });
    }
    for (const [field, folder, extension] of kinds) {
      const file = message[field];
      if (!isRecord(file)) continue;
      const named = asText(file.file_name)?.match(/\.([A-Za-z0-9]{1,8})$/)?.[1];
      found.push({ file, folder, extension: named ?? extension });
    }
    for (const { file, folder, extension } of found) {
      const fileId = asText(file.file_id);
      if (fileId === undefined || this.files.has(fileId)) continue;
      const stored = this.registerFile(fileId, folder, extension, asInt(file.file_size));
      const unique = asText(file.file_unique_id);
      if (unique !== undefined) stored.file_unique_id = unique;
    }
  }

  private registerFile(fileId: string, folder: string, extension: string, size: number | undefined): StoredFile {
    const existing = this.files.get(fileId);
    if (existing) return existing;
    const file: StoredFile = {
      file_id: fileId,
      file_unique_id: createHash('sha1').update(fileId).digest('base64url').slice(0, 16),
      file_path: `${folder}/file_${this.files.size}.${extension}`,
      size: size ?? Buffer.byteLength(placeholderContent(fileId)),
    };
    this.files.set(fileId, file);
    return file;
  }

  private getFile(params: Json): Json {
    const fileId = asText(params.file_id);
    const file = fileId === undefined ? undefined : this.files.get(fileId);
    if (!file) throw badRequest('invalid file_id');
    if (file.size > MAX_DOWNLOAD_SIZE) throw badRequest('file is too big');
    return { file_id: file.file_id, file_unique_id: file.file_unique_id, file_size: file.size, file_path: file.file_path };
  }

  private serveFile(res: ServerResponse, token: string, filePath: string): void {
    const call: ApiCall = { method: 'file', params: { file_path: filePath }, status: 404, at: Date.now() };
    this.callLog.push(call);
    const file = token === this.token ? [...this.files.values()].find((candidate) => candidate.file_path === filePath) : undefined;
    if (!file || file.size > MAX_DOWNLOAD_SIZE) {
      call.error = 'Not Found';
      writeJson(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
      return;
    }
    // Without registered content the bytes are filler of the announced size, so size checks still hold.
    const content = file.content ?? (file.size === Buffer.byteLength(placeholderContent(file.file_id)) ? Buffer.from(placeholderContent(file.file_id)) : Buffer.alloc(file.size, 0x2e));
    call.status = 200;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(content.length) });
    res.end(content);
  }
}

function placeholderContent(fileId: string): string {
  return `fake telegram file ${fileId}\n`;
}
