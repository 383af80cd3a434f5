import { and, eq } from 'drizzle-orm';
import type { Db } from '../db.ts';
import { jobRuns } from '../schema.ts';

export type JobRun = typeof jobRuns.$inferSelect;

/**
 * Claims a period of a job (e.g. 'reminders' / '2026-11-30'). Returns false when the period was
 * already claimed, so a job runs once per period across restarts and concurrent schedulers.
 */
export function claimJobRun(db: Db, job: string, period: string, at: number): boolean {
  return db.insert(jobRuns).values({ job, period, startedAt: at }).onConflictDoNothing().run().changes > 0;
}

export function finishJobRun(db: Db, job: string, period: string, at: number, detail?: Record<string, unknown>): void {
  db.update(jobRuns)
    .set({ finishedAt: at, detail: detail ?? null })
    .where(and(eq(jobRuns.job, job), eq(jobRuns.period, period)))
    .run();
}

export function getJobRun(db: Db, job: string, period: string): JobRun | undefined {
  return db.select().from(jobRuns).where(and(eq(jobRuns.job, job), eq(jobRuns.period, period))).get();
}
