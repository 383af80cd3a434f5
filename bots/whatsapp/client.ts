// The part of whatsapp-web.js the adapter uses, as a narrow interface (a fake implements it in tests),
// and the factory of the real client: LocalAuth in DATA_DIR, the system Chromium, no browser download.
import { accessSync, constants } from 'node:fs';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { WhatsAppWebConfig } from './config.ts';

/** The fields of a whatsapp-web.js Message that the channel reads. */
export interface WhatsAppMessageData {
  /** `_serialized` is `<fromMe>_<chat>_<id>[_<participant>]`. */
  id: { _serialized: string; fromMe?: boolean };
  /** The chat: the sender's id in a private chat, the group's id in a group. */
  from: string;
  /** The sender inside a group. */
  author?: string;
  fromMe: boolean;
  isStatus?: boolean;
  type: string;
  /** Text, or the caption of media (whatsapp-web.js puts the caption here when hasMedia). */
  body: string;
  hasMedia: boolean;
  hasQuotedMsg: boolean;
  /** Seconds since the epoch. */
  timestamp: number;
  /** Present on `location` messages; whatsapp-web.js types the coordinates as strings, sends numbers. */
  location?: { latitude: number | string; longitude: number | string; name?: string; address?: string; description?: string };
  /** The raw model; untyped in whatsapp-web.js, so every field is checked before use. */
  _data?: { notifyName?: unknown; caption?: unknown; mimetype?: unknown };
}

export interface WhatsAppContactLike {
  id: { _serialized: string };
  number?: string;
}

export interface WhatsAppMessageLike extends WhatsAppMessageData {
  getQuotedMessage(): Promise<WhatsAppMessageData | undefined>;
  getContact(): Promise<WhatsAppContactLike>;
}

export interface WhatsAppChatLike {
  id: { _serialized: string };
  isGroup: boolean;
  /** Unread messages; -1 when the chat was only marked unread by hand. */
  unreadCount: number;
  fetchMessages(options: { limit: number }): Promise<WhatsAppMessageLike[]>;
  sendSeen(): Promise<unknown>;
  sendStateTyping(): Promise<unknown>;
}

export interface WhatsAppSendOptions {
  quotedMessageId?: string;
  linkPreview?: boolean;
}

/** Event names and payloads of the client (the subset the adapter listens to). */
export interface WhatsAppClientEvents {
  qr: [qr: string];
  code: [code: string];
  authenticated: [];
  auth_failure: [message: string];
  ready: [];
  /** 'LOGOUT', a WhatsApp state ('CONFLICT', 'UNPAIRED', ...), or 'BROWSER_CLOSED' from our wrapper. */
  disconnected: [reason: string];
  change_state: [state: string];
  loading_screen: [percent: number | string, message: string];
  message: [message: WhatsAppMessageLike];
}

export type WhatsAppEvent = keyof WhatsAppClientEvents;
export type WhatsAppListener<E extends WhatsAppEvent> = (...args: WhatsAppClientEvents[E]) => void;

export interface WhatsAppClientLike {
  on<E extends WhatsAppEvent>(event: E, listener: WhatsAppListener<E>): unknown;
  off<E extends WhatsAppEvent>(event: E, listener: WhatsAppListener<E>): unknown;
  once<E extends WhatsAppEvent>(event: E, listener: WhatsAppListener<E>): unknown;
  /** Launches the browser and opens WhatsApp Web; resolves before `ready` (once a QR is shown or the session is restored). */
  initialize(): Promise<void>;
  destroy(): Promise<void>;
  /** Resolves to the sent message, or undefined when the chat could not be found. */
  sendMessage(chatId: string, text: string, options?: WhatsAppSendOptions): Promise<{ id: { _serialized: string } } | undefined>;
  /** Sends an image (the weekly summary's chart); clients that cannot send only the text. */
  sendImage?(chatId: string, image: { data: Buffer; mimeType: string; filename: string }): Promise<{ id: { _serialized: string } } | undefined>;
  getChats(): Promise<WhatsAppChatLike[]>;
  getChatById(chatId: string): Promise<WhatsAppChatLike | undefined>;
  requestPairingCode(phoneNumber: string): Promise<string>;
  getState(): Promise<string | null>;
  /** Maps `@lid` and phone-number ids to each other, where WhatsApp Web knows the pair. */
  getContactLidAndPhone?(ids: string[]): Promise<Array<{ lid?: string; pn?: string }>>;
  readonly info: { wid?: { _serialized: string } } | undefined;
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-dev-shm-usage',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The configured Chromium is missing or not executable: retrying does not help until it is installed. */
export class ChromiumNotFoundError extends Error {
  override name = 'ChromiumNotFoundError';
  constructor(readonly path: string) {
    super(`Chromium not found or not executable at ${path}`);
  }
}

const FORWARDED_EVENTS: readonly WhatsAppEvent[] = [
  'qr',
  'code',
  'authenticated',
  'auth_failure',
  'ready',
  'disconnected',
  'change_state',
  'loading_screen',
  'message',
];

type RealClient = InstanceType<typeof import('whatsapp-web.js').Client>;

/**
 * The real client behind the narrow interface. It re-emits the library's events, and adds one the
 * library lacks: when Chromium or its page dies, whatsapp-web.js says nothing, so the browser's own
 * `disconnected` and the page's `error` become `disconnected` ('BROWSER_CLOSED').
 */
class PuppeteerWhatsAppClient extends EventEmitter implements WhatsAppClientLike {
  private destroyed = false;

  constructor(private readonly client: RealClient) {
    super();
    for (const event of FORWARDED_EVENTS) {
      client.on(event, (...args: unknown[]) => {
        if (!this.destroyed) this.emit(event, ...args);
      });
    }
  }

  /** Undefined until `ready`, although the library's typings say otherwise. */
  get info(): { wid?: { _serialized: string } } | undefined {
    return this.client.info;
  }

  async initialize(): Promise<void> {
    try {
      await this.client.initialize();
    } finally {
      // A destroy() that came while the browser was still launching found nothing to close.
      if (this.destroyed) await this.client.destroy();
    }
    this.watchBrowser();
  }

  private watchBrowser(): void {
    const gone = (): void => {
      if (!this.destroyed) this.emit('disconnected', 'BROWSER_CLOSED');
    };
    this.client.pupBrowser?.once('disconnected', gone);
    this.client.pupPage?.once('error', gone);
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
    await this.client.destroy();
  }

  async sendMessage(chatId: string, text: string, options?: WhatsAppSendOptions): Promise<{ id: { _serialized: string } } | undefined> {
    // The typings promise a Message; at run time it is undefined when the chat was not found.
    const sent = (await this.client.sendMessage(chatId, text, options)) as Awaited<ReturnType<RealClient['sendMessage']>> | undefined;
    return sent ?? undefined;
  }

  async sendImage(chatId: string, image: { data: Buffer; mimeType: string; filename: string }): Promise<{ id: { _serialized: string } } | undefined> {
    const { MessageMedia } = (await import('whatsapp-web.js')).default;
    const media = new MessageMedia(image.mimeType, image.data.toString('base64'), image.filename);
    const sent = (await this.client.sendMessage(chatId, media)) as Awaited<ReturnType<RealClient['sendMessage']>> | undefined;
    return sent ?? undefined;
  }

  getChats(): Promise<WhatsAppChatLike[]> {
    return this.client.getChats();
  }

  /** Resolves to undefined for an unknown chat, although the library's typings say otherwise. */
  getChatById(chatId: string): Promise<WhatsAppChatLike | undefined> {
    return this.client.getChatById(chatId);
  }

  requestPairingCode(phoneNumber: string): Promise<string> {
    return this.client.requestPairingCode(phoneNumber);
  }

  getState(): Promise<string | null> {
    return this.client.getState();
  }

  getContactLidAndPhone(ids: string[]): Promise<Array<{ lid?: string; pn?: string }>> {
    return this.client.getContactLidAndPhone(ids);
  }
}

/**
 * Builds the real whatsapp-web.js client. The library (and puppeteer with it) is imported here, on
 * first use, so loading this module costs nothing when WhatsApp is off or in tests.
 */
export async function createWhatsAppClient(config: WhatsAppWebConfig): Promise<WhatsAppClientLike> {
  try {
    accessSync(config.chromiumPath, constants.X_OK);
  } catch {
    throw new ChromiumNotFoundError(config.chromiumPath);
  }
  const { Client, LocalAuth } = (await import('whatsapp-web.js')).default;
  const client = new Client({
    authStrategy: new LocalAuth({ dataPath: config.sessionDir }),
    // The WhatsApp Web page cache lives next to the session, not in the working directory.
    webVersionCache: { type: 'local', path: join(config.sessionDir, 'web-cache') },
    puppeteer: { executablePath: config.chromiumPath, headless: true, args: CHROMIUM_ARGS },
  });
  return new PuppeteerWhatsAppClient(client);
}
