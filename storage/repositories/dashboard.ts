// The dashboard's ticket queries: a filtered, paginated list (also exported as CSV) and the
// proposals (usulan) for the next Musdes.
import { and, asc, count, desc, eq, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db.ts';
import { tickets } from '../schema.ts';
import { OPEN_STATUSES, openWithDeadlineBy, type Ticket } from './tickets.ts';

export interface TicketSearch {
  /** One status, or 'open' for new, assigned and in progress. */
  status?: string;
  category?: string;
  /** A dusun id, or '-' for tickets that named none. */
  dusun?: string;
  /** An officer id, or '-' for tickets nobody handles. */
  assignee?: string;
  /** Open and past a deadline at this moment (response or resolution due). */
  overdueAt?: number;
  /** Part of the summary or the code, case-insensitive. */
  text?: string;
  /** Who looks: confidential tickets are only for the BPD and their handler. */
  viewer: { officerId: string; bpd: boolean };
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

function conditions(search: TicketSearch): SQL | undefined {
  const parts: Array<SQL | undefined> = [];
  if (search.status === 'open') parts.push(inArray(tickets.status, [...OPEN_STATUSES]));
  else if (search.status) parts.push(eq(tickets.status, search.status));
  if (search.category) parts.push(eq(tickets.category, search.category));
  if (search.dusun === '-') parts.push(isNull(tickets.dusun));
  else if (search.dusun) parts.push(eq(tickets.dusun, search.dusun));
  if (search.assignee === '-') parts.push(isNull(tickets.assignee));
  else if (search.assignee) parts.push(eq(tickets.assignee, search.assignee));
  if (search.overdueAt !== undefined) parts.push(openWithDeadlineBy(search.overdueAt));
  const text = search.text?.trim();
  if (text) {
    const pattern = `%${escapeLike(text.toLowerCase())}%`;
    parts.push(or(sql`lower(${tickets.summary}) like ${pattern} escape '\\'`, sql`lower(${tickets.code}) like ${pattern} escape '\\'`));
  }
  if (!search.viewer.bpd) parts.push(or(eq(tickets.confidential, false), eq(tickets.assignee, search.viewer.officerId)));
  return and(...parts);
}

/** One page of matching tickets, newest first, and how many match in all. */
export function searchTickets(db: Db, search: TicketSearch, page: { limit: number; offset: number }): { rows: Ticket[]; total: number } {
  const where = conditions(search);
  const total = db.select({ n: count() }).from(tickets).where(where).get()?.n ?? 0;
  const rows = db.select().from(tickets).where(where).orderBy(desc(tickets.id)).limit(page.limit).offset(page.offset).all();
  return { rows, total };
}

/** Open proposals (kind usulan), by dusun then oldest first; confidential ones only for the BPD and their handler. */
export function listOpenProposals(db: Db, viewer: TicketSearch['viewer']): Ticket[] {
  return db
    .select()
    .from(tickets)
    .where(
      and(
        eq(tickets.kind, 'usulan'),
        inArray(tickets.status, [...OPEN_STATUSES]),
        viewer.bpd ? undefined : or(eq(tickets.confidential, false), eq(tickets.assignee, viewer.officerId)),
      ),
    )
    .orderBy(asc(tickets.dusun), asc(tickets.createdAt))
    .all();
}
