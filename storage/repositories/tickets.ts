import { and, asc, desc, eq, inArray, isNotNull, isNull, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db.ts';
import { prepared } from '../prepared.ts';
import { decodeRow, insertRowReturning, rawStatement } from '../raw.ts';
import { ticketFollowers, tickets } from '../schema.ts';

export type Ticket = typeof tickets.$inferSelect;
export type NewTicket = Omit<typeof tickets.$inferInsert, 'id' | 'code'>;
export type TicketPatch = Partial<Omit<Ticket, 'id' | 'code'>>;
export type TicketFollower = typeof ticketFollowers.$inferSelect;

/** Statuses in which a ticket still waits for the village to act. */
export const OPEN_STATUSES = ['new', 'assigned', 'in_progress'] as const;

/** Creates a ticket whose public code is `${prefix}-${id}`; call inside a transaction. Takes `values` over. */
export function createTicket(db: Db, prefix: string, values: NewTicket): Ticket {
  const next = rawStatement(db, 'select coalesce(max(id), 0) + 1 as id from tickets').get() as { id: number } | undefined;
  const id = next?.id ?? 1;
  // `values` is completed into the row returned: no copy of its 30 columns per ticket.
  const row = insertRowReturning(db, tickets, Object.assign(values, { id, code: `${prefix}-${id}` }));
  if (!row) throw new Error('ticket insert returned no row');
  return row;
}

export function getTicket(db: Db, id: number): Ticket | undefined {
  return decodeRow(tickets, rawStatement(db, 'select * from tickets where id = ?').get(id));
}

export function updateTicket(db: Db, id: number, patch: TicketPatch): Ticket {
  const row = db.update(tickets).set(patch).where(eq(tickets.id, id)).returning().get();
  if (!row) throw new Error(`ticket ${id} does not exist`);
  return row;
}

/** The contact's most recently active open ticket, if any. */
export function findLatestOpenTicket(db: Db, contactId: number): Ticket | undefined {
  // A resident has few open tickets: picking the latest here avoids SQLite's sorter, which with a
  // bound LIMIT costs ten times the index lookup itself on every message.
  const open = prepared(db, 'tickets.open', (d) =>
    d
      .select()
      .from(tickets)
      .where(and(eq(tickets.contactId, sql.placeholder('contactId')), inArray(tickets.status, [...OPEN_STATUSES])))
      .prepare(),
  ).all({ contactId });
  let latest: Ticket | undefined;
  for (const ticket of open) if (!latest || ticket.lastActivityAt > latest.lastActivityAt) latest = ticket;
  return latest;
}

/** A resolved ticket of the contact that asked for a rating and has none yet. */
export function findTicketAwaitingRating(db: Db, contactId: number): Ticket | undefined {
  return db
    .select()
    .from(tickets)
    .where(
      and(
        eq(tickets.contactId, contactId),
        eq(tickets.status, 'resolved'),
        isNotNull(tickets.ratingRequestedAt),
        isNull(tickets.rating),
      ),
    )
    .orderBy(desc(tickets.resolvedAt))
    .limit(1)
    .get();
}

export function listContactTickets(db: Db, contactId: number, limit = 10): Ticket[] {
  return db
    .select()
    .from(tickets)
    .where(eq(tickets.contactId, contactId))
    .orderBy(desc(tickets.id))
    .limit(limit)
    .all();
}

export interface TicketListFilter {
  assignee?: string;
  triageQueue?: boolean;
  /** Open tickets created before this time (overdue). */
  createdBefore?: number;
  limit?: number;
}

/** Open tickets, oldest first, narrowed by the filter. */
export function listOpenTickets(db: Db, filter: TicketListFilter = {}): Ticket[] {
  const conditions = [inArray(tickets.status, [...OPEN_STATUSES])];
  if (filter.assignee !== undefined) conditions.push(eq(tickets.assignee, filter.assignee));
  if (filter.triageQueue) conditions.push(eq(tickets.needsTriage, true));
  if (filter.createdBefore !== undefined) conditions.push(lt(tickets.createdAt, filter.createdBefore));
  return db
    .select()
    .from(tickets)
    .where(and(...conditions))
    .orderBy(asc(tickets.createdAt))
    .limit(filter.limit ?? 20)
    .all();
}

/**
 * Open tickets with a stored deadline (core/deadlines/sla.ts) not met by `until`: overdue when
 * `until` is now, due by then otherwise. Shared by /tiket lewat, the reminders and escalation, and
 * the dashboard's overdue filter.
 */
export function openWithDeadlineBy(until: number): SQL {
  return and(
    inArray(tickets.status, [...OPEN_STATUSES]),
    or(
      and(isNull(tickets.firstResponseAt), lte(tickets.responseDueAt, until)),
      and(isNull(tickets.resolvedAt), lte(tickets.resolutionDueAt, until)),
    ),
  ) as SQL;
}

/** Open tickets past a deadline at `now`, oldest first. */
export function listOverdueTickets(db: Db, now: number, limit = 20): Ticket[] {
  return db
    .select()
    .from(tickets)
    .where(openWithDeadlineBy(now))
    .orderBy(asc(tickets.createdAt))
    .limit(limit)
    .all();
}

export function countOpenTickets(db: Db): number {
  return (
    db
      .select({ n: sql<number>`count(*)` })
      .from(tickets)
      .where(inArray(tickets.status, [...OPEN_STATUSES]))
      .get()?.n ?? 0
  );
}

export function addTicketFollower(db: Db, follower: TicketFollower): void {
  db.insert(ticketFollowers).values(follower).onConflictDoNothing().run();
}

export function listTicketFollowers(db: Db, ticketId: number): TicketFollower[] {
  return prepared(db, 'tickets.followers', (d) =>
    d.select().from(ticketFollowers).where(eq(ticketFollowers.ticketId, sql.placeholder('ticketId'))).prepare(),
  ).all({ ticketId });
}
