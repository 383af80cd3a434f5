// Queueing messages to residents and officers. Everything goes through the outbox table,
// inside the caller's transaction, so a message is queued exactly when its cause is committed.
import type { Officer } from '../config/profile.ts';
import {
  enqueueOutbox,
  getContact,
  listTicketFollowers,
  markPrivacyNoticeSent,
  type Contact,
  type Ticket,
} from '../storage/repositories/index.ts';
import type { CoreContext } from './context.ts';
import { quietHoursEnd } from './deadlines/quiet.ts';
import { officerText, ROLE_LABELS, residentText } from './messages.ts';
import type { MessageAction, OutboundAttachment } from './types.ts';

export interface QueueInput {
  channel: string;
  chatId: string;
  text: string;
  purpose: string;
  ticketId?: number;
  contactId?: number;
  replyTo?: string;
  urgent?: boolean;
  actions?: MessageAction[];
  /** Do not send before this time (quiet hours); by default at once. */
  notBefore?: number;
  attachment?: OutboundAttachment;
}

export function queueMessage(ctx: CoreContext, input: QueueInput): number {
  return enqueueOutbox(ctx.store.db, {
    channel: input.channel,
    chatId: input.chatId,
    text: input.text,
    purpose: input.purpose,
    ticketId: input.ticketId,
    contactId: input.contactId,
    replyToExternalId: input.replyTo,
    actions: input.actions && input.actions.length > 0 ? input.actions : null,
    attachment: input.attachment,
    urgent: input.urgent,
    nextAttemptAt: Math.max(ctx.now(), input.notBefore ?? 0),
    createdAt: ctx.now(),
  });
}

/**
 * Queues a reply to a resident; their first reply ever carries the privacy notice. Takes the contact
 * row when the caller has it (intake), else reads it by id.
 */
export function queueToResident(
  ctx: CoreContext,
  contactOrId: number | Contact,
  target: { channel: string; chatId: string },
  text: string,
  purpose: string,
  extra: { ticketId?: number; replyTo?: string; urgent?: boolean; actions?: MessageAction[] } = {},
): void {
  const [contactId, contact] = typeof contactOrId === 'number' ? [contactOrId, getContact(ctx.store.db, contactOrId)] : [contactOrId.id, contactOrId];
  let body = text;
  if (contact && contact.privacyNoticeAt === null) {
    body = `${text}\n\n${residentText.privacyNotice(ctx.profile.village.name)}`;
    const now = ctx.now();
    markPrivacyNoticeSent(ctx.store.db, contactId, now);
    contact.privacyNoticeAt = now;
  }
  // Built property by property: object spreads cost a runtime call and a slow object on every reply.
  queueMessage(ctx, {
    channel: target.channel,
    chatId: target.chatId,
    text: body,
    purpose,
    contactId,
    ticketId: extra.ticketId,
    replyTo: extra.replyTo,
    urgent: extra.urgent,
    actions: extra.actions,
  });
}

/**
 * Queues a message to a ticket's reporter and to everyone following it (reporters of merged duplicates);
 * `followerText`, when given, is what the followers get instead; `reporterActions` go to the reporter only.
 */
export function queueToTicketResidents(
  ctx: CoreContext,
  ticket: Ticket,
  text: string,
  purpose: string,
  followerText = text,
  reporterActions?: MessageAction[],
): void {
  queueToResident(ctx, ticket.contactId, { channel: ticket.channel, chatId: ticket.chatId }, text, purpose, {
    ticketId: ticket.id,
    ...(reporterActions ? { actions: reporterActions } : {}),
  });
  for (const follower of listTicketFollowers(ctx.store.db, ticket.id)) {
    queueToResident(ctx, follower.contactId, { channel: follower.channel, chatId: follower.chatId }, followerText, purpose, {
      ticketId: ticket.id,
    });
  }
}

/** What officer-bound queueing takes besides the text. */
export interface OfficerExtra {
  ticketId?: number;
  urgent?: boolean;
  actions?: MessageAction[];
  /**
   * The notification as one line of a digest ("SKM-12 baru · Infrastruktur · Krajan: …"). Given, a
   * non-urgent notification queued while a burst is stored may be merged into its chat's digest.
   */
  digestLine?: string;
}

/** Sends to an officer's first registered contact; officers without one are only reachable in groups. */
export function queueToOfficer(ctx: CoreContext, officer: Officer, text: string, purpose: string, extra: OfficerExtra = {}): boolean {
  const contact = officer.contacts[0];
  if (!contact) return false;
  queueOfficerMessage(ctx, contact.channel, contact.id, text, purpose, extra);
  return true;
}

export function queueToOfficerGroups(ctx: CoreContext, text: string, purpose: string, extra: OfficerExtra = {}): void {
  for (const chat of ctx.profile.triage.chats) queueOfficerMessage(ctx, chat.channel, chat.chat, text, purpose, extra);
}

function queueOfficerMessage(ctx: CoreContext, channel: string, chatId: string, text: string, purpose: string, extra: OfficerExtra): void {
  const input: QueueInput = {
    channel,
    chatId,
    text,
    purpose,
    ticketId: extra.ticketId,
    urgent: extra.urgent,
    actions: extra.actions,
    notBefore: quietUntil(ctx, purpose, extra.urgent),
  };
  if (extra.digestLine !== undefined && !extra.urgent && ctx.notificationHold) ctx.notificationHold.add(input, extra.digestLine);
  else queueMessage(ctx, input);
}

/** A chat due this many notifications from one burst of arrivals gets them as one digest. */
export const DIGEST_MIN = 3;
/** Lines per digest message; a longer burst gets several. */
export const DIGEST_MAX_LINES = 25;

/**
 * Officers' notifications held while a burst of arrivals is stored in one transaction (IntakeBatcher).
 * A chat that would get DIGEST_MIN or more of them gets one digest listing the tickets instead: in a
 * flood an officer's phone shows one message per burst, not one per report, and a group chat (which
 * Telegram lets a bot write to about 20 times a minute) is not hours behind. Urgent notifications are
 * never held. Marks let a message whose savepoint rolled back take its notifications with it.
 */
export class NotificationHold {
  private held: Array<{ key: string; input: QueueInput; line: string }> = [];

  add(input: QueueInput, line: string): void {
    this.held.push({ key: `${input.channel}\u0000${input.chatId}`, input, line });
  }

  mark(): number {
    return this.held.length;
  }

  rollback(mark: number): void {
    this.held.length = mark;
  }

  /** Queues what was held: one by one for chats with few, as digests for the others. */
  release(ctx: CoreContext): void {
    const byChat = new Map<string, Array<{ input: QueueInput; line: string }>>();
    for (const { key, input, line } of this.held.splice(0)) {
      const chat = byChat.get(key);
      if (chat) chat.push({ input, line });
      else byChat.set(key, [{ input, line }]);
    }
    for (const items of byChat.values()) {
      const first = items[0];
      if (!first) continue;
      if (items.length < DIGEST_MIN) {
        for (const item of items) queueMessage(ctx, item.input);
        continue;
      }
      for (let start = 0; start < items.length; start += DIGEST_MAX_LINES) {
        const lines = items.slice(start, start + DIGEST_MAX_LINES).map((item) => item.line);
        queueMessage(ctx, {
          channel: first.input.channel,
          chatId: first.input.chatId,
          text: officerText.digest(lines, items.length, start),
          purpose: 'notify_digest',
          notBefore: first.input.notBefore,
        });
      }
    }
  }
}

/** Notifications, reminders and escalations: what waits through quiet hours unless urgent. */
const QUIET_PURPOSE = /^(notify_|reminder|escalation)/;

/** The end of quiet hours when an officer-bound message of this purpose must wait for it. */
function quietUntil(ctx: CoreContext, purpose: string, urgent: boolean | undefined): number | undefined {
  if (urgent || !QUIET_PURPOSE.test(purpose)) return undefined;
  return quietHoursEnd(ctx.profile, ctx.calendar, ctx.now());
}

export function officerLabel(officer: Officer): string {
  const role = ROLE_LABELS[officer.role];
  return officer.dusun ? `${role} ${officer.dusun}` : role;
}

/** "Kaur Umum (Bambang Sutrisno)": how residents see who handles their matter. */
export function handlerLabel(ctx: CoreContext, officerId: string | null | undefined): string | undefined {
  if (!officerId) return undefined;
  const officer = ctx.officers.byId(officerId);
  if (!officer) return officerId;
  const dusun = officer.dusun ? ctx.profile.dusun.find((d) => d.id === officer.dusun)?.name : undefined;
  return `${ROLE_LABELS[officer.role]}${dusun ? ` ${dusun}` : ''} (${officer.name})`;
}

/**
 * Tells the officers that something needs a person (a channel logged out, say) through every
 * channel except the one in trouble: the officers' groups and the triage queue's sorters.
 */
export function alertOfficers(ctx: CoreContext, text: string, exceptChannel: string): number {
  let queued = 0;
  for (const chat of ctx.profile.triage.chats) {
    if (chat.channel === exceptChannel) continue;
    queueMessage(ctx, { channel: chat.channel, chatId: chat.chat, text, purpose: 'system_alert', urgent: true });
    queued += 1;
  }
  for (const role of ctx.profile.triage.queue_roles) {
    for (const officer of ctx.officers.withRole(role)) {
      const contact = officer.contacts.find((candidate) => candidate.channel !== exceptChannel);
      if (!contact) continue;
      queueMessage(ctx, { channel: contact.channel, chatId: contact.id, text, purpose: 'system_alert', urgent: true });
      queued += 1;
    }
  }
  return queued;
}
