import { and, asc, eq, gt, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../db.ts';
import { tickets } from '../schema.ts';
import { OPEN_STATUSES, openWithDeadlineBy } from './tickets.ts';

const deadlineColumns = {
  id: tickets.id,
  code: tickets.code,
  summary: tickets.summary,
  category: tickets.category,
  dusun: tickets.dusun,
  urgent: tickets.urgent,
  confidential: tickets.confidential,
  assignee: tickets.assignee,
  createdAt: tickets.createdAt,
  firstResponseAt: tickets.firstResponseAt,
  resolvedAt: tickets.resolvedAt,
  responseDueAt: tickets.responseDueAt,
  resolutionDueAt: tickets.resolutionDueAt,
  escalationLevel: tickets.escalationLevel,
  escalatedAt: tickets.escalatedAt,
};

export interface DeadlineRow {
  id: number;
  code: string;
  summary: string;
  category: string;
  dusun: string | null;
  urgent: boolean;
  confidential: boolean;
  assignee: string | null;
  createdAt: number;
  firstResponseAt: number | null;
  resolvedAt: number | null;
  responseDueAt: number | null;
  resolutionDueAt: number | null;
  escalationLevel: number;
  escalatedAt: number | null;
}

const open = inArray(tickets.status, [...OPEN_STATUSES]);

/**
 * Open tickets with a deadline not met before `until` (a missed one when `until` is now; due today
 * when it is the end of today), oldest deadline first. Two indexed ranges: (status, response_due_at)
 * and (status, resolution_due_at).
 */
export function listOpenDueBefore(db: Db, until: number): DeadlineRow[] {
  return db
    .select(deadlineColumns)
    .from(tickets)
    .where(openWithDeadlineBy(until))
    .orderBy(asc(tickets.responseDueAt), asc(tickets.id))
    .all();
}

/** Open tickets stored before deadlines existed (or escalated and since answered): for backfill and reset. */
export function listOpenWithoutDeadlines(db: Db, limit: number): Array<{ id: number; category: string; createdAt: number }> {
  return db
    .select({ id: tickets.id, category: tickets.category, createdAt: tickets.createdAt })
    .from(tickets)
    .where(and(open, isNull(tickets.responseDueAt)))
    .limit(limit)
    .all();
}

export function setTicketDeadlines(db: Db, id: number, responseDueAt: number, resolutionDueAt: number): void {
  db.update(tickets).set({ responseDueAt, resolutionDueAt }).where(eq(tickets.id, id)).run();
}

/** Open tickets that were escalated, to reset those whose missed deadline has since been met. */
export function listOpenEscalated(db: Db): DeadlineRow[] {
  return db
    .select(deadlineColumns)
    .from(tickets)
    .where(and(open, gt(tickets.escalationLevel, 0)))
    .all();
}

export function setEscalation(db: Db, id: number, level: number, at: number | null): void {
  db.update(tickets).set({ escalationLevel: level, escalatedAt: at }).where(eq(tickets.id, id)).run();
}
