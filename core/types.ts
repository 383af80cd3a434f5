// Values that cross the boundary between channel adapters and core. No platform types here.

/** Where a message comes from or goes to: a chat on a channel, and the user within it. */
export interface Address {
  channel: string;
  chatId: string;
  userId: string;
}

export type AttachmentKind = 'photo' | 'video' | 'voice' | 'audio' | 'document' | 'location' | 'sticker' | 'other';

export interface Attachment {
  kind: AttachmentKind;
  /** The platform's file id, to fetch the file later. */
  fileId?: string;
  mimeType?: string;
  caption?: string;
  latitude?: number;
  longitude?: number;
}

export interface InboundMessage {
  channel: string;
  /** The platform's id of this message; (channel, externalId) is unique. */
  externalId: string;
  sender: { id: string; displayName?: string };
  /** The chat the message was written in: equal to sender.id for private chats. */
  chat: { id: string; isGroup: boolean };
  text: string;
  attachments: Attachment[];
  /** The platform id of the message this one replies to (quotes), if any. */
  replyTo?: string;
  receivedAt: Date;
}

/**
 * A quick action offered with a message: where the channel has buttons, pressing one sends
 * `command` as if the user had typed it (e.g. "/ambil SKM-12", or "5" for a rating).
 */
export interface MessageAction {
  label: string;
  command: string;
}

export interface OutboundMessage {
  channel: string;
  chatId: string;
  text: string;
  /** The platform id of a message to reply to (quote). */
  replyTo?: string;
  actions?: MessageAction[];
  /** An image to send with the text where the channel can (the weekly summary's chart). */
  attachment?: OutboundAttachment;
  /**
   * For a message the channel sends in several parts: what an earlier attempt delivered (skipped
   * now), and where to record each part as it is delivered, so a failure or a crash in the middle
   * does not send the first parts again (see sendInParts).
   */
  parts?: PartsProgress;
}

/** The parts of one outbound message delivered so far, with their platform ids in order. */
export interface SentParts {
  count: number;
  ids: string[];
}

export interface PartsProgress {
  /** Delivered by earlier attempts; undefined when none was. */
  sent: SentParts | undefined;
  /** Called after each part but the last, with every part delivered so far. */
  delivered(sent: SentParts): void;
}

export interface OutboundAttachment {
  kind: 'photo';
  /** A file on local disk. */
  path: string;
  mimeType: string;
}

/** What an adapter reports after a successful send. */
export interface SendResult {
  platformMessageId: string;
  /** Ids of further parts when the platform needed the text split into several messages. */
  extraPlatformMessageIds?: string[];
}

export interface ChannelHealth {
  state: 'connected' | 'connecting' | 'disconnected' | 'degraded' | 'disabled';
  detail?: string;
}

export interface IntakeResult {
  duplicate: boolean;
  ticketCode?: string;
  outcome:
    | 'duplicate'
    | 'new_ticket'
    | 'follow_up'
    | 'officer_command'
    | 'resident_command'
    | 'rating'
    | 'ignored'
    | 'needs_text';
}

/** A channel adapter: translates one platform to core values and back; no business logic. */
export interface ChannelAdapter {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  send(message: OutboundMessage): Promise<SendResult>;
  health(): ChannelHealth;
  /** Sends per second the platform tolerates for this channel, enforced by the outbox. */
  readonly sendsPerSecond?: number;
}
