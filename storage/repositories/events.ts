import { asc, eq } from 'drizzle-orm';
import type { Db } from '../db.ts';
import { insertRow } from '../raw.ts';
import { ticketEvents } from '../schema.ts';

export type TicketEvent = typeof ticketEvents.$inferSelect;
export type NewTicketEvent = typeof ticketEvents.$inferInsert;

export function addTicketEvent(db: Db, event: NewTicketEvent): void {
  insertRow(db, ticketEvents, { fromStatus: null, toStatus: null, note: null, data: null, ...event });
}

export function listTicketEvents(db: Db, ticketId: number): TicketEvent[] {
  return db.select().from(ticketEvents).where(eq(ticketEvents.ticketId, ticketId)).orderBy(asc(ticketEvents.id)).all();
}
