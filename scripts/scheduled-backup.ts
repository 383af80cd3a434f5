// The daily backup (profile `backup`): once per village day on its schedule, into DATA_DIR/backups,
// keeping the newest `keep`. Taken from the service's own connection in steps, so the service keeps
// answering and its writes during the copy go into the copy too.
import { join } from 'node:path';
import cron from 'node-cron';
import type { Logger } from 'pino';
import type { Env } from '../config/env.ts';
import type { VillageProfile } from '../config/profile.ts';
import type { CoreContext } from '../core/context.ts';
import { firedToday, runOncePerPeriod, villageDay } from '../core/jobs.ts';
import { backupDatabase, pruneBackups } from '../storage/backup.ts';

export const BACKUP_JOB = 'backup';
/** About 4 MB per step: short enough that messages arriving during a backup are not held up. */
const PAGES_PER_STEP = 1000;

export function backupsDir(env: Pick<Env, 'dataDir'>): string {
  return join(env.dataDir, 'backups');
}

/** A cancel function; `pending` settles when the backup in progress (if any) is finished. */
export type CancelBackups = (() => void) & { readonly pending: Promise<void> };

/**
 * Backs up the database once per village day on `backup.schedule` (cron, village time) and deletes
 * the oldest backups beyond `backup.keep`. At start, makes up today's backup when the schedule has
 * already fired today and it has not run. A failed backup is logged; the next day tries again.
 */
export function scheduleBackups(ctx: CoreContext, profile: VillageProfile, env: Pick<Env, 'dataDir'>, logger: Logger): CancelBackups {
  const { schedule, keep } = profile.backup;
  const timezone = profile.village.timezone;
  const dir = backupsDir(env);
  let cancelled = false;
  let pending: Promise<void> = Promise.resolve();
  const run = (reason: 'scheduled' | 'missed') => {
    if (cancelled) return pending;
    pending = pending.then(async () => {
      if (cancelled) return;
      try {
        const ran = await runOncePerPeriod(ctx, BACKUP_JOB, villageDay(ctx, ctx.now()), async () => {
          const result = await backupDatabase(ctx.store.sqlite, dir, { at: ctx.now(), timeZone: timezone, pagesPerStep: PAGES_PER_STEP });
          return { ...result, deleted: pruneBackups(dir, keep).length };
        });
        if (ran) logger.info({ reason, ...ran.result }, 'daily backup written');
      } catch (error) {
        logger.error({ err: error, dir }, 'daily backup failed');
      }
    });
    return pending;
  };
  // A backup in progress is allowed to finish at stop (stop awaits `pending`): the day stays claimed either way.
  const task = cron.schedule(schedule, () => run('scheduled'), { timezone, noOverlap: true, name: 'backup' });
  if (firedToday(ctx, task, ctx.now())) void run('missed');
  logger.info({ schedule, timezone, keep, dir }, 'daily backup scheduled');
  const cancel = () => {
    cancelled = true;
    void task.destroy();
  };
  return Object.defineProperty(cancel, 'pending', { get: () => pending }) as CancelBackups;
}
