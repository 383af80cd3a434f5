// Periodic jobs that must run once per period (a day, a week) even across restarts: the period is
// claimed in the database before the work starts, and a claimed period is never run again.
import { claimJobRun, finishJobRun } from '../storage/repositories/index.ts';
import type { CoreContext } from './context.ts';

/** The calendar day in the village's time zone, e.g. "2026-11-30". */
export function villageDay(ctx: Pick<CoreContext, 'calendar'>, at: number): string {
  return ctx.calendar.dayKey(at);
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/**
 * Whether a daily schedule (a node-cron task, or anything with `match`) last fired earlier today,
 * village day, at or before `now`: at start, today's run is due if it has not run yet.
 */
export function firedToday(ctx: Pick<CoreContext, 'calendar'>, task: { match(date: Date): boolean }, now: number): boolean {
  const today = villageDay(ctx, now);
  for (let at = Math.floor(now / MINUTE_MS) * MINUTE_MS; at > now - DAY_MS; at -= MINUTE_MS) {
    if (task.match(new Date(at))) return villageDay(ctx, at) === today;
  }
  return false;
}

/**
 * Runs `work` for `period` of `job` unless that period already ran. Returns undefined when it had
 * already run. A run that throws stays claimed (it is not retried in a loop); the error propagates.
 */
export async function runOncePerPeriod<T extends Record<string, unknown> | void>(
  ctx: CoreContext,
  job: string,
  period: string,
  work: () => T | Promise<T>,
): Promise<{ result: T } | undefined> {
  if (!claimJobRun(ctx.store.db, job, period, ctx.now())) return undefined;
  const result = await work();
  finishJobRun(ctx.store.db, job, period, ctx.now(), result ?? undefined);
  return { result };
}
