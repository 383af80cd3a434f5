// Residents' data rights and retention: finding what is due for anonymisation, rewriting the rows
// that hold personal data, and the data_requests log (who asked, when; never the data itself).
import { and, asc, count, desc, eq, gt, inArray, isNotNull, isNull, lt, notExists, notLike, or, sql } from 'drizzle-orm';
import type { Db } from '../db.ts';
import {
  classifierCorrections,
  contacts,
  dataRequests,
  messages,
  outbox,
  ticketEvents,
  ticketFollowers,
  tickets,
} from '../schema.ts';
import type { Contact } from './contacts.ts';
import type { ClassifierCorrection } from './corrections.ts';
import type { TicketEvent } from './events.ts';
import type { StoredMessage } from './messages.ts';
import type { OutboxRow } from './outbox.ts';
import type { Ticket } from './tickets.ts';

export type DataRequest = typeof dataRequests.$inferSelect;
export type DataRequestKind = DataRequest['kind'];
export type DataRequestState = DataRequest['state'];

/** Statuses after which nobody acts on a ticket any more (resolved: the resident never rated it). */
const FINISHED_STATUSES = ['resolved', 'closed', 'rejected', 'referred', 'merged'];
const ANONYMOUS_LIKE = 'anon:%';

/**
 * Finished tickets (closed, rejected, referred, merged, or resolved and never rated) whose end lies
 * before `cutoff` and whose personal data is still there, by id after `afterId`.
 */
export function listTicketsDueForRetention(db: Db, cutoff: number, afterId: number, limit: number): Ticket[] {
  return db
    .select()
    .from(tickets)
    .where(
      and(
        gt(tickets.id, afterId),
        isNull(tickets.anonymizedAt),
        inArray(tickets.status, FINISHED_STATUSES),
        lt(sql`coalesce(${tickets.closedAt}, ${tickets.resolvedAt})`, cutoff),
      ),
    )
    .orderBy(asc(tickets.id))
    .limit(limit)
    .all();
}

/**
 * Contacts not seen since `cutoff`, not anonymised yet, whose own and followed tickets are all
 * anonymised (or who have none), by id after `afterId`.
 */
export function listContactsDueForRetention(db: Db, cutoff: number, afterId: number, limit: number): Contact[] {
  return db
    .select()
    .from(contacts)
    .where(
      and(
        gt(contacts.id, afterId),
        isNull(contacts.anonymizedAt),
        lt(contacts.lastSeenAt, cutoff),
        notExists(
          db
            .select({ one: sql`1` })
            .from(tickets)
            .where(and(eq(tickets.contactId, contacts.id), isNull(tickets.anonymizedAt))),
        ),
        notExists(
          db
            .select({ one: sql`1` })
            .from(ticketFollowers)
            .innerJoin(tickets, eq(tickets.id, ticketFollowers.ticketId))
            .where(and(eq(ticketFollowers.contactId, contacts.id), isNull(tickets.anonymizedAt))),
        ),
      ),
    )
    .orderBy(asc(contacts.id))
    .limit(limit)
    .all();
}

/** Every ticket the contact reported, newest first. */
export function listAllContactTickets(db: Db, contactId: number): Ticket[] {
  return db.select().from(tickets).where(eq(tickets.contactId, contactId)).orderBy(desc(tickets.id)).all();
}

/** Every message from or to the contact, oldest first. */
export function listContactMessages(db: Db, contactId: number): StoredMessage[] {
  return db.select().from(messages).where(eq(messages.contactId, contactId)).orderBy(asc(messages.id)).all();
}

/** What the contact wrote, newest first, and how many messages that is in all. */
export function listContactInbound(db: Db, contactId: number, limit: number): { rows: StoredMessage[]; total: number } {
  const where = and(eq(messages.contactId, contactId), eq(messages.direction, 'in'));
  const rows = db.select().from(messages).where(where).orderBy(desc(messages.at), desc(messages.id)).limit(limit).all();
  const total = db.select({ n: count() }).from(messages).where(where).get()?.n ?? 0;
  return { rows, total };
}

/** A contact and the chats they wrote from: the outbox is found by chat (indexed), then by contact. */
export interface ContactChats {
  contactId: number;
  chats: ReadonlyArray<{ channel: string; id: string }>;
}

/**
 * Outbox rows of a ticket or of a contact: those sent or given up, and with `withPending` also those
 * still waiting (for retention: a row pending for years waits for a channel that is gone).
 */
export function listOutboxOf(db: Db, by: { ticketId: number } | ContactChats, withPending: boolean): OutboxRow[] {
  const states = withPending ? [] : [inArray(outbox.state, ['sent', 'failed'])];
  if ('ticketId' in by) {
    return db.select().from(outbox).where(and(eq(outbox.ticketId, by.ticketId), ...states)).orderBy(asc(outbox.id)).all();
  }
  const byId = new Map<number, OutboxRow>();
  for (const chat of by.chats) {
    const rows = db
      .select()
      .from(outbox)
      .where(and(eq(outbox.channel, chat.channel), eq(outbox.chatId, chat.id), eq(outbox.contactId, by.contactId), ...states))
      .all();
    for (const row of rows) byId.set(row.id, row);
  }
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

export function listTicketNotes(db: Db, ticketId: number): TicketEvent[] {
  return db.select().from(ticketEvents).where(and(eq(ticketEvents.ticketId, ticketId), isNotNull(ticketEvents.note))).all();
}

export function listTicketCorrections(db: Db, ticketId: number): ClassifierCorrection[] {
  return db.select().from(classifierCorrections).where(eq(classifierCorrections.ticketId, ticketId)).all();
}

export type MessagePatch = Partial<Pick<StoredMessage, 'text' | 'attachments' | 'chatId' | 'senderId' | 'externalId' | 'replyToExternalId'>>;
export type OutboxPatch = Partial<Pick<OutboxRow, 'text' | 'chatId' | 'platformMessageId' | 'replyToExternalId' | 'lastError'>>;

export function patchMessage(db: Db, id: number, patch: MessagePatch): void {
  if (Object.keys(patch).length > 0) db.update(messages).set(patch).where(eq(messages.id, id)).run();
}

export function patchOutbox(db: Db, id: number, patch: OutboxPatch): void {
  if (Object.keys(patch).length > 0) db.update(outbox).set(patch).where(eq(outbox.id, id)).run();
}

export function setEventNote(db: Db, id: number, note: string): void {
  db.update(ticketEvents).set({ note }).where(eq(ticketEvents.id, id)).run();
}

export function setCorrectionText(db: Db, id: number, text: string): void {
  db.update(classifierCorrections).set({ text }).where(eq(classifierCorrections.id, id)).run();
}

export function setFollowerChat(db: Db, ticketId: number, contactId: number, chatId: string): void {
  db.update(ticketFollowers)
    .set({ chatId })
    .where(and(eq(ticketFollowers.ticketId, ticketId), eq(ticketFollowers.contactId, contactId)))
    .run();
}

/** The contact stops following tickets whose data is still kept (their reporters' tickets go on). */
export function removeFollowingOfOpenData(db: Db, contactId: number): number {
  return db
    .delete(ticketFollowers)
    .where(
      and(
        eq(ticketFollowers.contactId, contactId),
        inArray(ticketFollowers.ticketId, db.select({ id: tickets.id }).from(tickets).where(isNull(tickets.anonymizedAt))),
      ),
    )
    .run().changes;
}

/**
 * Gives up, as failed with `reason`, every pending outbox row to the contact or about the tickets,
 * so nothing of theirs goes out after their data was deleted. Returns how many.
 */
export function cancelPendingOutbox(db: Db, contactId: number, ticketIds: number[], reason: string): number {
  const owner = ticketIds.length > 0 ? or(eq(outbox.contactId, contactId), inArray(outbox.ticketId, ticketIds)) : eq(outbox.contactId, contactId);
  return db.update(outbox).set({ state: 'failed', lastError: reason }).where(and(eq(outbox.state, 'pending'), owner)).run().changes;
}

export function anonymizeContactRow(
  db: Db,
  id: number,
  values: { externalId: string; anonymizedAt: number; deletionRequestedAt?: number },
): void {
  db.update(contacts).set({ ...values, displayName: null }).where(eq(contacts.id, id)).run();
}

/**
 * Moves everything of contact `fromId` to `intoId` and removes `fromId`: the same person, anonymised
 * twice (they wrote again after their data was anonymised), stays one anonymous contact.
 */
export function mergeContactInto(db: Db, fromId: number, intoId: number): void {
  db.update(tickets).set({ contactId: intoId }).where(eq(tickets.contactId, fromId)).run();
  db.update(messages).set({ contactId: intoId }).where(eq(messages.contactId, fromId)).run();
  db.update(outbox).set({ contactId: intoId }).where(eq(outbox.contactId, fromId)).run();
  db.update(dataRequests).set({ contactId: intoId }).where(eq(dataRequests.contactId, fromId)).run();
  // A ticket both contacts follow keeps one follower row.
  db.run(sql`update or ignore ${ticketFollowers} set contact_id = ${intoId} where contact_id = ${fromId}`);
  db.delete(ticketFollowers).where(eq(ticketFollowers.contactId, fromId)).run();
  const from = db.select().from(contacts).where(eq(contacts.id, fromId)).get();
  if (from?.deletionRequestedAt) {
    db.update(contacts)
      .set({ deletionRequestedAt: sql`max(coalesce(${contacts.deletionRequestedAt}, 0), ${from.deletionRequestedAt})` })
      .where(eq(contacts.id, intoId))
      .run();
  }
  db.delete(contacts).where(eq(contacts.id, fromId)).run();
}

/** Outbox rows to anonymised contacts that still carry a chat id in clear (sent after the anonymisation). */
export function listClearOutboxOfAnonymousContacts(db: Db, limit: number): OutboxRow[] {
  return db
    .select()
    .from(outbox)
    .where(
      and(
        inArray(outbox.contactId, db.select({ id: contacts.id }).from(contacts).where(isNotNull(contacts.anonymizedAt))),
        inArray(outbox.state, ['sent', 'failed']),
        notLike(outbox.chatId, ANONYMOUS_LIKE),
      ),
    )
    .limit(limit)
    .all();
}

/** Message rows of anonymised contacts that still carry a chat id in clear. */
export function listClearMessagesOfAnonymousContacts(db: Db, limit: number): StoredMessage[] {
  return db
    .select()
    .from(messages)
    .where(
      and(
        inArray(messages.contactId, db.select({ id: contacts.id }).from(contacts).where(isNotNull(contacts.anonymizedAt))),
        notLike(messages.chatId, ANONYMOUS_LIKE),
      ),
    )
    .limit(limit)
    .all();
}

export function createDataRequest(
  db: Db,
  request: { contactId: number; kind: DataRequestKind; state: DataRequestState; requestedAt: number; completedAt?: number },
): DataRequest {
  return db.insert(dataRequests).values(request).returning().get();
}

/** The contact's latest request of a kind in a state. */
export function findDataRequest(db: Db, contactId: number, kind: DataRequestKind, state: DataRequestState): DataRequest | undefined {
  return db
    .select()
    .from(dataRequests)
    .where(and(eq(dataRequests.contactId, contactId), eq(dataRequests.kind, kind), eq(dataRequests.state, state)))
    .orderBy(desc(dataRequests.requestedAt), desc(dataRequests.id))
    .limit(1)
    .get();
}

export function setDataRequestState(db: Db, id: number, state: DataRequestState, completedAt: number | null): void {
  db.update(dataRequests).set({ state, completedAt }).where(eq(dataRequests.id, id)).run();
}

/** Confirmations not given in time: their requests expire. Returns how many. */
export function expireDataRequests(db: Db, requestedBefore: number, now: number): number {
  return db
    .update(dataRequests)
    .set({ state: 'expired', completedAt: now })
    .where(and(eq(dataRequests.state, 'awaiting_confirmation'), lt(dataRequests.requestedAt, requestedBefore)))
    .run().changes;
}
