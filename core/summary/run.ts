// Building, posting and scheduling the weekly public summary. Posting goes through the outbox, in the
// same transaction that records the week, so each week is posted once even across restarts.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import cron, { type ScheduledTask } from 'node-cron';
import type { SummaryTarget, VillageProfile } from '../../config/profile.ts';
import { getSummaryRecord, insertSummaryRecord, latestSummaryWeek, listContactDisplayNames } from '../../storage/repositories/index.ts';
import type { CoreContext } from '../context.ts';
import { queueMessage } from '../notify.ts';
import { renderChartPng, renderVariants, type SummaryVariants } from './render.ts';
import { createScrubber, type Scrubber } from './scrub.ts';
import { CATEGORY_PHRASES, CATEGORY_SHORT_LABELS, computeWeeklyStats, type WeeklyStats } from './stats.ts';
import { parseWeek, previousWeek, weekOf, type Week } from './week.ts';

export const SUMMARY_PURPOSE = 'weekly_summary';

export interface WeeklySummary {
  /** ISO week key, e.g. "2026-W47". */
  week: string;
  /** The Telegram variant: the plain text shown by the command line. */
  text: string;
  variants: SummaryVariants;
  stats: WeeklyStats;
  image: { path: string; png: Buffer };
}

export interface PostResult {
  /** False when the week had already been posted: nothing was queued. */
  posted: boolean;
  /** Outbox rows queued. */
  queued: number;
}

/**
 * The scrubber for public texts: every resident's and officer's name on record is redacted; the
 * village's own place names and the texts' category words are kept.
 */
export function publicScrubber(ctx: CoreContext): Scrubber {
  const { profile } = ctx;
  return createScrubber({
    names: [...profile.officers.map((officer) => officer.name), ...listContactDisplayNames(ctx.store.db)],
    keep: [
      profile.village.name,
      profile.village.kecamatan,
      profile.village.kabupaten,
      ...profile.dusun.flatMap((dusun) => [dusun.name, ...dusun.aliases]),
      ...Object.values(CATEGORY_PHRASES),
      ...Object.values(CATEGORY_SHORT_LABELS),
    ],
  });
}

/** Computes the week's figures, renders its texts and writes its chart to `<imageDir>/<week>.png`. */
export async function buildSummary(ctx: CoreContext, week: Week, options: { imageDir: string }): Promise<WeeklySummary> {
  const stats = computeWeeklyStats(ctx, week);
  const variants = renderVariants({ profile: ctx.profile, week, stats, scrubber: publicScrubber(ctx) });
  const png = await renderChartPng({ profile: ctx.profile, week, stats });
  mkdirSync(options.imageDir, { recursive: true });
  const path = join(options.imageDir, `${week.key}.png`);
  // Write then rename, so nobody reads half a file.
  writeFileSync(`${path}.tmp`, png);
  renameSync(`${path}.tmp`, path);
  return { week: week.key, text: variants.telegram, variants, stats, image: { path, png } };
}

function textFor(summary: WeeklySummary, target: SummaryTarget): string {
  const format = target.format;
  // A thread goes out as one outbox row: the X adapter splits a long text into a thread itself
  // (splitThread), so its posts are the same as variants.x.
  return format === 'x' ? summary.variants.xPost : summary.variants[format];
}

/**
 * Records the week in `summaries` and queues one outbox row per target, in one transaction. A week
 * that is already recorded queues nothing. Each row carries the chart; channels that can send an
 * image send it with the text (Telegram, X, WhatsApp), the others send the text alone.
 */
export function postSummary(ctx: CoreContext, summary: WeeklySummary, targets: readonly SummaryTarget[]): PostResult {
  return ctx.store.transaction(() => {
    const recorded = insertSummaryRecord(ctx.store.db, {
      week: summary.week,
      postedAt: ctx.now(),
      text: summary.text,
      stats: { ...summary.stats },
      imagePath: summary.image.path,
    });
    if (!recorded) return { posted: false, queued: 0 };
    for (const target of targets) {
      queueMessage(ctx, {
        channel: target.channel,
        chatId: target.chat,
        text: textFor(summary, target),
        purpose: SUMMARY_PURPOSE,
        attachment: { kind: 'photo', path: summary.image.path, mimeType: 'image/png' },
      });
    }
    return { posted: true, queued: targets.length };
  });
}

export interface ScheduleOptions {
  /** Where chart images are written (DATA_DIR/summaries). */
  imageDir: string;
  /** Called after rows were queued, to wake the outbox worker. */
  wake?: () => void;
}

const MINUTE_MS = 60_000;

/** The first time the schedule fires in [from, to], minute by minute (at most a week of minutes), or undefined. */
function firstFiring(task: Pick<ScheduledTask, 'match'>, from: number, to: number): number | undefined {
  for (let at = Math.ceil(from / MINUTE_MS) * MINUTE_MS; at <= to; at += MINUTE_MS) {
    if (task.match(new Date(at))) return at;
  }
  return undefined;
}

/** Weeks made up at most on one start (a service down for longer posts the last ones). */
const MAX_MADE_UP_WEEKS = 4;

/**
 * The weeks whose scheduled summary was missed while the service was down, oldest first: every week
 * after the last one posted, up to the latest one whose run is due (the previous week once this
 * week's schedule has fired), at most MAX_MADE_UP_WEEKS. A village that never posted gets only the
 * previous week, and only once this week's schedule has fired.
 */
function missedWeeks(ctx: CoreContext, task: Pick<ScheduledTask, 'match'>): Week[] {
  const now = ctx.now();
  const firedThisWeek = firstFiring(task, weekOf(now).start, now) !== undefined;
  const latestDue = firedThisWeek ? previousWeek(now) : previousWeek(previousWeek(now).start);
  const last = latestSummaryWeek(ctx.store.db);
  if (last === undefined) return firedThisWeek ? [latestDue] : [];
  const lastStart = parseWeek(last).start;
  const weeks: Week[] = [];
  for (let week = latestDue; week.start > lastStart && weeks.length < MAX_MADE_UP_WEEKS; week = previousWeek(week.start)) {
    weeks.unshift(week);
  }
  return weeks.filter((week) => !getSummaryRecord(ctx.store.db, week.key));
}

/** A cancel function; `pending` settles when the made-up run started at scheduling (if any) is done. */
export type CancelSchedule = (() => void) & { pending: Promise<void> };

/**
 * Posts the previous week's summary on the profile's schedule (cron in the village timezone), and
 * on start makes up a run missed while the service was down: when the previous week has no summary
 * yet and the schedule has already fired since this week began. Does nothing when the profile has
 * no targets. Failures are logged; the next start or firing tries again.
 */
export function scheduleWeeklySummary(ctx: CoreContext, profile: VillageProfile, options: ScheduleOptions): CancelSchedule {
  const { targets, schedule } = profile.summary;
  if (targets.length === 0) {
    ctx.logger.info('weekly summary not scheduled: the profile has no summary targets');
    return Object.assign(() => undefined, { pending: Promise.resolve() });
  }
  let cancelled = false;
  const runFor = async (week: Week, reason: 'scheduled' | 'missed'): Promise<void> => {
    if (cancelled || getSummaryRecord(ctx.store.db, week.key)) return;
    try {
      const summary = await buildSummary(ctx, week, { imageDir: options.imageDir });
      if (cancelled) return;
      const result = postSummary(ctx, summary, targets);
      if (result.queued > 0) options.wake?.();
      ctx.logger.info({ week: week.key, reason, ...result }, 'weekly summary queued');
    } catch (error) {
      ctx.logger.error({ err: error, week: week.key }, 'weekly summary failed');
    }
  };
  const task = cron.schedule(schedule, () => runFor(previousWeek(ctx.now()), 'scheduled'), {
    timezone: profile.village.timezone,
    noOverlap: true,
    name: 'weekly-summary',
  });
  const pending = (async () => {
    for (const week of missedWeeks(ctx, task)) await runFor(week, 'missed');
  })();
  ctx.logger.info({ schedule, timezone: profile.village.timezone, targets: targets.length }, 'weekly summary scheduled');
  const cancel = () => {
    cancelled = true;
    void task.destroy();
  };
  return Object.assign(cancel, { pending });
}
