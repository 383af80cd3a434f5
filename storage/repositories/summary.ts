// The weekly summary's queries: aggregated in SQL over index range scans (created_at, first_response_at,
// resolved_at, closed_at), so a week costs the same on a million tickets as on a thousand.
import { and, asc, count, desc, eq, gte, isNotNull, lt, ne, sql } from 'drizzle-orm';
import type { Db } from '../db.ts';
import { contacts, summaries, tickets } from '../schema.ts';
import { rawStatement } from '../raw.ts';
import { OPEN_STATUSES } from './tickets.ts';

export type SummaryRecord = typeof summaries.$inferSelect;

export interface Range {
  /** Inclusive, UTC milliseconds. */
  start: number;
  /** Exclusive, UTC milliseconds. */
  end: number;
}

export interface ReceivedCounts {
  total: number;
  byCategory: Array<{ category: string; count: number }>;
  /** `dusun` is null for tickets that named no dusun. */
  byDusun: Array<{ dusun: string | null; count: number }>;
}

// A merged ticket is a duplicate of another report: it is not counted twice.
const notMerged = ne(tickets.status, 'merged');

/** Tickets received in the range, by category and by dusun. */
export function countReceived(db: Db, range: Range): ReceivedCounts {
  // One pass over the week's tickets, grouped by both; the two breakdowns are summed from it.
  const groups = db
    .select({ category: tickets.category, dusun: tickets.dusun, count: count() })
    .from(tickets)
    .where(and(gte(tickets.createdAt, range.start), lt(tickets.createdAt, range.end), notMerged))
    .groupBy(tickets.category, tickets.dusun)
    .all();
  const byCategory = new Map<string, number>();
  const byDusun = new Map<string | null, number>();
  for (const group of groups) {
    byCategory.set(group.category, (byCategory.get(group.category) ?? 0) + group.count);
    byDusun.set(group.dusun, (byDusun.get(group.dusun) ?? 0) + group.count);
  }
  // Sorted as SQL sorts them: by name, no dusun first.
  const byName = (a: string | null, b: string | null) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1);
  return {
    total: groups.reduce((sum, group) => sum + group.count, 0),
    byCategory: [...byCategory].sort(([a], [b]) => byName(a, b)).map(([category, n]) => ({ category, count: n })),
    byDusun: [...byDusun].sort(([a], [b]) => byName(a, b)).map(([dusun, n]) => ({ dusun, count: n })),
  };
}

/** Tickets resolved in the range, by category. */
export function countResolved(db: Db, range: Range): Array<{ category: string; count: number }> {
  return db
    .select({ category: tickets.category, count: count() })
    .from(tickets)
    .where(and(gte(tickets.resolvedAt, range.start), lt(tickets.resolvedAt, range.end)))
    .groupBy(tickets.category)
    .orderBy(asc(tickets.category))
    .all();
}

/** Resolved tickets in the range grouped by category and dusun, for highlights; confidential ones are left out. */
export function resolvedGroups(db: Db, range: Range): Array<{ category: string; dusun: string | null; count: number }> {
  return db
    .select({ category: tickets.category, dusun: tickets.dusun, count: count() })
    .from(tickets)
    .where(and(gte(tickets.resolvedAt, range.start), lt(tickets.resolvedAt, range.end), eq(tickets.confidential, false)))
    .groupBy(tickets.category, tickets.dusun)
    .orderBy(sql`count(*) desc`, asc(tickets.category), asc(tickets.dusun))
    .all();
}

export interface TicketAt {
  id: number;
  category: string;
  urgent: boolean;
  createdAt: number;
  /** As they stood at the moment asked about: null when they came later. */
  firstResponseAt: number | null;
  resolvedAt: number | null;
  responseDueAt: number | null;
  resolutionDueAt: number | null;
}

/** The columns of a ticket the deadline check needs, for each branch of OPEN_AT. */
const OPEN_AT_COLUMNS = 'id, category, urgent, created_at, first_response_at, resolved_at, closed_at, response_due_at, resolution_due_at';

const OPEN_LIST = `(${OPEN_STATUSES.map((status) => `'${status}'`).join(', ')})`;

/**
 * Tickets that were open at `@at`: created before, neither resolved nor closed by then. Three indexed
 * queries instead of one OR: tickets open now, and tickets resolved or closed only after `@at`. The
 * three are disjoint, so `union all`: a plain `union` sorted them to remove duplicates and made
 * SQLite scan the whole table (700 against 220 ms at a million tickets).
 */
const OPEN_AT = `
  with branches as (
    select ${OPEN_AT_COLUMNS} from tickets where status in ${OPEN_LIST} and created_at < @at
    union all
    select ${OPEN_AT_COLUMNS} from tickets where resolved_at >= @at and created_at < @at and status not in ${OPEN_LIST}
    union all
    select ${OPEN_AT_COLUMNS} from tickets
      where closed_at >= @at and resolved_at is null and created_at < @at and status <> 'merged' and status not in ${OPEN_LIST}
  )
  select *, response_due_at is not null and resolution_due_at is not null as dated from branches
  where (closed_at is null or closed_at >= @at) and (resolved_at is null or resolved_at >= @at)`;

/**
 * How many tickets open at `at` were past a deadline then (no first response by its response
 * deadline, or not resolved by its resolution deadline), counted in SQL for tickets that store their
 * deadlines. Tickets stored before deadlines existed come back (`undated`, times as they stood at
 * `at`) to be checked against the profile's rules. Counting in SQL instead of returning every open
 * ticket matters at scale: 30,000 rows cost SQLite a few milliseconds to read and JavaScript over
 * 100 ms to receive.
 */
export function overdueOpenAt(db: Db, at: number): { overdue: number; undated: TicketAt[] } {
  const row = rawStatement(
    db,
    `select
       count(*) filter (where dated and (resolution_due_at <= @at or (response_due_at <= @at and (first_response_at is null or first_response_at >= @at)))) as overdue,
       json_group_array(json_array(id, category, urgent, created_at, first_response_at, response_due_at, resolution_due_at)) filter (where not dated) as undated
     from (${OPEN_AT})`,
  ).get({ at }) as { overdue: number; undated: string };
  const undated = (JSON.parse(row.undated) as Array<[number, string, number, number, number | null, number | null, number | null]>).map(
    ([id, category, urgent, createdAt, firstResponseAt, responseDueAt, resolutionDueAt]): TicketAt => ({
      id,
      category,
      urgent: urgent === 1,
      createdAt,
      firstResponseAt: firstResponseAt !== null && firstResponseAt < at ? firstResponseAt : null,
      resolvedAt: null,
      responseDueAt,
      resolutionDueAt,
    }),
  );
  return { overdue: row.overdue, undated };
}

/** The median of a duration column expression over the rows selected by `where`, or null when there are none. */
function medianOf(db: Db, duration: ReturnType<typeof sql<number>>, where: ReturnType<typeof and>): { median: number | null; count: number } {
  const n = db.select({ n: count() }).from(tickets).where(where).get()?.n ?? 0;
  if (n === 0) return { median: null, count: 0 };
  // The middle one or two values, sorted in SQL; only those rows come back.
  const middle = db
    .select({ value: duration })
    .from(tickets)
    .where(where)
    .orderBy(duration)
    .limit(n % 2 === 0 ? 2 : 1)
    .offset(Math.floor((n - 1) / 2))
    .all();
  const sum = middle.reduce((total, row) => total + Number(row.value), 0);
  return { median: middle.length > 0 ? sum / middle.length : null, count: n };
}

/** Median milliseconds from receipt to the first response, over first responses given in the range. */
export function medianFirstResponseMs(db: Db, range: Range): { median: number | null; count: number } {
  return medianOf(
    db,
    sql<number>`${tickets.firstResponseAt} - ${tickets.createdAt}`,
    and(gte(tickets.firstResponseAt, range.start), lt(tickets.firstResponseAt, range.end)),
  );
}

/** Median milliseconds from receipt to resolution, over tickets resolved in the range. */
export function medianResolutionMs(db: Db, range: Range): { median: number | null; count: number } {
  return medianOf(
    db,
    sql<number>`${tickets.resolvedAt} - ${tickets.createdAt}`,
    and(gte(tickets.resolvedAt, range.start), lt(tickets.resolvedAt, range.end)),
  );
}

/** Average of the ratings residents gave in the range (a rating closes its ticket, so closed_at is when it was given). */
export function ratingInRange(db: Db, range: Range): { average: number | null; count: number } {
  const row = db
    .select({ average: sql<number | null>`avg(${tickets.rating})`, count: count() })
    .from(tickets)
    .where(and(gte(tickets.closedAt, range.start), lt(tickets.closedAt, range.end), isNotNull(tickets.rating)))
    .get();
  return { average: row?.average ?? null, count: row?.count ?? 0 };
}

export function getSummaryRecord(db: Db, week: string): SummaryRecord | undefined {
  return db.select().from(summaries).where(eq(summaries.week, week)).get();
}

/** The most recently posted week (by posting time), if any. */
export function latestSummaryWeek(db: Db): string | undefined {
  return db.select({ week: summaries.week }).from(summaries).orderBy(desc(summaries.postedAt)).limit(1).get()?.week;
}

/** Records the week's summary; false when the week already has one (nothing is changed then). */
export function insertSummaryRecord(db: Db, record: SummaryRecord): boolean {
  return db.insert(summaries).values(record).onConflictDoNothing().run().changes > 0;
}

/** Every distinct display name residents and officers have on record, for the public-text scrubber. */
export function listContactDisplayNames(db: Db): string[] {
  return db
    .selectDistinct({ name: contacts.displayName })
    .from(contacts)
    .where(isNotNull(contacts.displayName))
    .all()
    .flatMap((row) => (row.name ? [row.name] : []));
}
