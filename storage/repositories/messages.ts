import { and, asc, desc, eq } from 'drizzle-orm';
import type { Db } from '../db.ts';
import { insertRow, rawStatement } from '../raw.ts';
import { messages, outbox, type StoredAction, type StoredAttachment } from '../schema.ts';

export type StoredMessage = typeof messages.$inferSelect;
export type NewMessage = typeof messages.$inferInsert;

/** Stores an inbound message; returns its id, or undefined when (channel, externalId) was seen before. */
export function insertInboundMessage(db: Db, message: Omit<NewMessage, 'direction'>): number | undefined {
  // A redelivery of the same (channel, external id) hits the unique index and is skipped.
  const { changes, id } = insertRow(
    db,
    messages,
    { senderId: null, contactId: null, ticketId: null, purpose: null, attachments: null, replyToExternalId: null, ...message, direction: 'in' },
    { onConflictDoNothing: true },
  );
  return changes > 0 ? id : undefined;
}

export function insertOutboundMessage(db: Db, message: Omit<NewMessage, 'direction'>): void {
  db.insert(messages)
    .values({ ...message, direction: 'out' })
    .onConflictDoNothing({ target: [messages.channel, messages.externalId] })
    .run();
}

export function findMessageByExternalId(db: Db, channel: string, externalId: string): StoredMessage | undefined {
  return db
    .select()
    .from(messages)
    .where(and(eq(messages.channel, channel), eq(messages.externalId, externalId)))
    .get();
}

export function setMessageTicket(db: Db, id: number, ticketId: number): void {
  rawStatement(db, 'update messages set ticket_id = ? where id = ?').run(ticketId, id);
}

/** Links a contact's recent inbound messages that belong to no ticket (e.g. a voice note sent first). */
export function attachLooseMessages(db: Db, contactId: number, since: number, ticketId: number): void {
  rawStatement(
    db,
    `update messages set ticket_id = ?
     where contact_id = ? and direction = 'in' and ticket_id is null and purpose is null and at >= ?`,
  ).run(ticketId, contactId, since);
}

export function listTicketMessages(db: Db, ticketId: number): StoredMessage[] {
  return db.select().from(messages).where(eq(messages.ticketId, ticketId)).orderBy(asc(messages.id)).all();
}

/** What was sent to a chat, oldest first, with the quick actions the message offered. */
export function listOutboundToChat(
  db: Db,
  channel: string,
  chatId: string,
  limit = 500,
): Array<StoredMessage & { actions: StoredAction[] | null }> {
  const rows = db
    .select({ message: messages, actions: outbox.actions })
    .from(messages)
    .leftJoin(outbox, and(eq(outbox.channel, messages.channel), eq(outbox.platformMessageId, messages.externalId)))
    .where(and(eq(messages.channel, channel), eq(messages.chatId, chatId), eq(messages.direction, 'out')))
    .orderBy(desc(messages.id))
    .limit(limit)
    .all();
  return rows.reverse().map((row) => ({ ...row.message, actions: row.actions }));
}

export type { StoredAttachment };

/** When the chat last wrote to us on this channel (ms), or undefined if it never did. */
export function lastInboundAt(db: Db, channel: string, chatId: string): number | undefined {
  return db
    .select({ at: messages.at })
    .from(messages)
    .where(and(eq(messages.channel, channel), eq(messages.chatId, chatId), eq(messages.direction, 'in')))
    .orderBy(desc(messages.at))
    .limit(1)
    .get()?.at;
}
