import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db.ts';
import { prepared } from '../prepared.ts';
import { ticketEvents } from '../schema.ts';

export type TicketEvent = typeof ticketEvents.$inferSelect;
export type NewTicketEvent = typeof ticketEvents.$inferInsert;

export function addTicketEvent(db: Db, event: NewTicketEvent): void {
  prepared(db, 'events.add', (d) =>
    d
      .insert(ticketEvents)
      .values({
        ticketId: sql.placeholder('ticketId'),
        type: sql.placeholder('type'),
        actor: sql.placeholder('actor'),
        fromStatus: sql.placeholder('fromStatus'),
        toStatus: sql.placeholder('toStatus'),
        note: sql.placeholder('note'),
        data: sql.placeholder('data'),
        at: sql.placeholder('at'),
      })
      .prepare(),
  ).run({ fromStatus: null, toStatus: null, note: null, data: null, ...event });
}

export function listTicketEvents(db: Db, ticketId: number): TicketEvent[] {
  return db.select().from(ticketEvents).where(eq(ticketEvents.ticketId, ticketId)).orderBy(asc(ticketEvents.id)).all();
}
