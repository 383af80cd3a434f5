// A fake whatsapp-web.js client for tests: an EventEmitter with the methods the adapter uses
// (WhatsAppClientLike), and helpers to play WhatsApp's part: emit qr/code/ready/disconnected/message,
// keep unread chats for the backfill, record what was sent, and fail or hang like a real client
// (Chromium missing, a page that never loads). Messages look like whatsapp-web.js Message objects:
// `id._serialized` is `<fromMe>_<chat>_<id>[_<participant>]`, the push name sits in `_data.notifyName`.
import { EventEmitter } from 'node:events';
import type {
  WhatsAppChatLike,
  WhatsAppClientEvents,
  WhatsAppClientLike,
  WhatsAppContactLike,
  WhatsAppMessageData,
  WhatsAppMessageLike,
  WhatsAppSendOptions,
} from '../../bots/whatsapp/client.ts';
import type { WhatsAppWebConfig } from '../../bots/whatsapp/config.ts';

let messageCounter = 0;

export interface FakeMessageOptions {
  /** The chat: the sender's id in a private chat, the group's id. */
  from: string;
  /** The sender in a group. */
  author?: string;
  body?: string;
  type?: string;
  fromMe?: boolean;
  isStatus?: boolean;
  hasMedia?: boolean;
  /** Seconds since the epoch; now by default. */
  timestamp?: number;
  /** The message id part of `_serialized`; a fresh one by default. */
  id?: string;
  notifyName?: string;
  caption?: string;
  mimetype?: string;
  location?: WhatsAppMessageData['location'];
  /** Makes the message a reply quoting this one. */
  quoted?: WhatsAppMessageData;
  /** What getContact() answers with (its id); the sender by default. */
  contactId?: string;
}

export function serializedId(fromMe: boolean, chat: string, id: string, participant?: string): string {
  return `${fromMe}_${chat}_${id}${participant ? `_${participant}` : ''}`;
}

export function fakeMessage(options: FakeMessageOptions): WhatsAppMessageLike {
  messageCounter += 1;
  const fromMe = options.fromMe ?? false;
  const id = options.id ?? `3EB0FAKE${String(messageCounter).padStart(8, '0')}`;
  const isGroup = options.from.endsWith('@g.us');
  const data = {
    ...(options.notifyName !== undefined ? { notifyName: options.notifyName } : {}),
    ...(options.caption !== undefined ? { caption: options.caption } : {}),
    ...(options.mimetype !== undefined ? { mimetype: options.mimetype } : {}),
  };
  const contactId = options.contactId ?? options.author ?? options.from;
  return {
    id: { _serialized: serializedId(fromMe, options.from, id, isGroup ? options.author : undefined), fromMe },
    from: options.from,
    ...(options.author !== undefined ? { author: options.author } : {}),
    fromMe,
    isStatus: options.isStatus ?? options.from === 'status@broadcast',
    type: options.type ?? 'chat',
    body: options.body ?? '',
    hasMedia: options.hasMedia ?? false,
    hasQuotedMsg: options.quoted !== undefined,
    timestamp: options.timestamp ?? Math.floor(Date.now() / 1000),
    ...(options.location ? { location: options.location } : {}),
    _data: data,
    getQuotedMessage: () => Promise.resolve(options.quoted),
    getContact: (): Promise<WhatsAppContactLike> => Promise.resolve({ id: { _serialized: contactId } }),
  };
}

export class FakeChat implements WhatsAppChatLike {
  readonly id: { _serialized: string };
  readonly isGroup: boolean;
  unreadCount: number;
  seen = 0;
  typing = 0;
  readonly fetches: number[] = [];
  /** Makes fetchMessages fail. */
  fetchError: Error | undefined;

  constructor(
    id: string,
    readonly messages: WhatsAppMessageLike[] = [],
    unreadCount = messages.filter((message) => !message.fromMe).length,
  ) {
    this.id = { _serialized: id };
    this.isGroup = id.endsWith('@g.us');
    this.unreadCount = unreadCount;
  }

  fetchMessages(options: { limit: number }): Promise<WhatsAppMessageLike[]> {
    this.fetches.push(options.limit);
    if (this.fetchError !== undefined) return Promise.reject(this.fetchError);
    return Promise.resolve(this.messages.slice(-options.limit));
  }

  sendSeen(): Promise<boolean> {
    this.seen += 1;
    this.unreadCount = 0;
    return Promise.resolve(true);
  }

  sendStateTyping(): Promise<void> {
    this.typing += 1;
    return Promise.resolve();
  }
}

export interface SentWhatsApp {
  chatId: string;
  text: string;
  options: WhatsAppSendOptions | undefined;
  id: string;
  at: number;
}

export type InitializeMode = 'resolve' | 'hang' | { error: Error };

export class FakeWhatsAppClient extends EventEmitter implements WhatsAppClientLike {
  info: { wid?: { _serialized: string } } | undefined;
  /** How initialize() behaves: resolve at once, never settle (until destroy), or fail. */
  initializeMode: InitializeMode = 'resolve';
  initializeCalls = 0;
  destroyCalls = 0;
  destroyed = false;
  readonly sent: SentWhatsApp[] = [];
  readonly chats = new Map<string, FakeChat>();
  /** @lid <-> phone-number pairs WhatsApp Web knows. */
  readonly pairs: Array<{ lid: string; pn: string }> = [];
  readonly pairingRequests: string[] = [];
  pairingCode = 'ABCD1234';
  /** What getState() answers; an Error makes it reject. */
  state: string | Error = 'CONNECTED';
  /** Makes the next sendMessage calls fail with this. */
  sendError: Error | undefined;
  /** Makes sendMessage resolve to undefined (chat not found). */
  sendFindsNoChat = false;
  private hanging: ((error: Error) => void) | undefined;
  private sentCounter = 0;

  constructor(readonly config?: WhatsAppWebConfig) {
    super();
  }

  // ---- WhatsAppClientLike ----

  initialize(): Promise<void> {
    this.initializeCalls += 1;
    const mode = this.initializeMode;
    if (mode === 'resolve') return Promise.resolve();
    if (mode === 'hang') {
      // Like a page that never loads: settles only when the browser is closed.
      return new Promise<void>((_resolve, reject) => {
        this.hanging = reject;
      });
    }
    return Promise.reject(mode.error);
  }

  destroy(): Promise<void> {
    this.destroyCalls += 1;
    this.destroyed = true;
    this.hanging?.(new Error('Protocol error: Target closed'));
    this.hanging = undefined;
    return Promise.resolve();
  }

  sendMessage(chatId: string, text: string, options?: WhatsAppSendOptions): Promise<{ id: { _serialized: string } } | undefined> {
    if (this.destroyed) return Promise.reject(new Error('Protocol error (Runtime.callFunctionOn): Session closed.'));
    if (this.sendError !== undefined) return Promise.reject(this.sendError);
    if (this.sendFindsNoChat) return Promise.resolve(undefined);
    this.sentCounter += 1;
    // In groups WhatsApp Web adds our participant id to our own message ids.
    const participant = chatId.endsWith('@g.us') ? '6280000000000@c.us' : undefined;
    const id = serializedId(true, chatId, `3EB0OUT${String(this.sentCounter).padStart(6, '0')}`, participant);
    this.sent.push({ chatId, text, options, id, at: Date.now() });
    return Promise.resolve({ id: { _serialized: id } });
  }

  sendImage(chatId: string, image: { data: Buffer; mimeType: string; filename: string }): Promise<{ id: { _serialized: string } } | undefined> {
    if (this.sendError !== undefined) return Promise.reject(this.sendError);
    this.sentCounter += 1;
    const id = serializedId(true, chatId, `3EB0IMG${String(this.sentCounter).padStart(6, '0')}`);
    this.sent.push({ chatId, text: `[${image.mimeType} ${image.filename} ${image.data.length} B]`, options: undefined, id, at: Date.now() });
    return Promise.resolve({ id: { _serialized: id } });
  }

  getChats(): Promise<WhatsAppChatLike[]> {
    return Promise.resolve([...this.chats.values()]);
  }

  getChatById(chatId: string): Promise<WhatsAppChatLike | undefined> {
    return Promise.resolve(this.chats.get(chatId));
  }

  requestPairingCode(phoneNumber: string): Promise<string> {
    this.pairingRequests.push(phoneNumber);
    // The library emits `code` and also returns it.
    this.emit('code', this.pairingCode);
    return Promise.resolve(this.pairingCode);
  }

  getState(): Promise<string | null> {
    return this.state instanceof Error ? Promise.reject(this.state) : Promise.resolve(this.state);
  }

  getContactLidAndPhone(ids: string[]): Promise<Array<{ lid?: string; pn?: string }>> {
    return Promise.resolve(ids.map((id) => this.pairs.find((pair) => pair.lid === id || pair.pn === id) ?? {}));
  }

  // ---- playing WhatsApp ----

  private fire<E extends keyof WhatsAppClientEvents>(event: E, ...args: WhatsAppClientEvents[E]): void {
    this.emit(event, ...args);
  }

  emitQr(qr = 'QR-1'): void {
    this.fire('qr', qr);
  }

  emitCode(code: string): void {
    this.fire('code', code);
  }

  emitAuthenticated(): void {
    this.fire('authenticated');
  }

  emitReady(wid = '6280000000000@c.us'): void {
    this.info = { wid: { _serialized: wid } };
    this.fire('ready');
  }

  emitDisconnected(reason: string): void {
    this.fire('disconnected', reason);
  }

  emitChangeState(state: string): void {
    this.fire('change_state', state);
  }

  /** Delivers a message as the `message` event; its chat becomes known to getChatById. */
  emitMessage(options: FakeMessageOptions): WhatsAppMessageLike {
    const message = fakeMessage(options);
    if (!this.chats.has(options.from)) this.chats.set(options.from, new FakeChat(options.from, [], 0));
    this.fire('message', message);
    return message;
  }

  /** A chat with messages that arrived while we were away (unread). */
  addUnreadChat(chatId: string, messages: FakeMessageOptions[], unreadCount?: number): FakeChat {
    const chat = new FakeChat(chatId, messages.map(fakeMessage), unreadCount);
    this.chats.set(chatId, chat);
    return chat;
  }
}

/** Builds fake clients for the adapter (deps.createClient) and keeps every one it made. */
export class FakeWhatsAppFactory {
  readonly clients: FakeWhatsAppClient[] = [];
  /** Times (Date.now()) at which clients were asked for. */
  readonly createdAt: number[] = [];
  /** Prepares each new client before the adapter gets it (e.g. make initialize fail). */
  setup: (client: FakeWhatsAppClient, index: number) => void = () => undefined;
  /** Makes createClient itself fail (as createWhatsAppClient does when Chromium is missing). */
  createError: Error | undefined;

  readonly create = (config: WhatsAppWebConfig): Promise<WhatsAppClientLike> => {
    this.createdAt.push(Date.now());
    if (this.createError !== undefined) return Promise.reject(this.createError);
    const client = new FakeWhatsAppClient(config);
    this.setup(client, this.clients.length);
    this.clients.push(client);
    return Promise.resolve(client);
  };

  get latest(): FakeWhatsAppClient {
    const client = this.clients[this.clients.length - 1];
    if (!client) throw new Error('no client was created yet');
    return client;
  }
}
