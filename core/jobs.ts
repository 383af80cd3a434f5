// Periodic jobs that must run once per period (a day, a week) even across restarts: the period is
// claimed in the database before the work starts, and a claimed period is never run again.
import { claimJobRun, finishJobRun } from '../storage/repositories/index.ts';
import type { CoreContext } from './context.ts';

/** The calendar day in the village's time zone, e.g. "2026-11-30". */
export function villageDay(ctx: Pick<CoreContext, 'profile'>, at: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: ctx.profile.village.timezone }).format(new Date(at));
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
