// `npm run --silent summary -- [--dry-run] [--json] [--week 2026-W47]`: the weekly public summary of a
// week (by default the previous one, Monday–Sunday WIB). `--dry-run` only prints it (and writes the
// chart PNG); without it the summary is queued in the outbox for the profile's summary targets, and
// the running service (`npm start`) sends it.
import { join } from 'node:path';
import pino from 'pino';
import { loadDotEnv, parseEnv } from '../config/env.ts';
import { loadProfile } from '../config/profile.ts';
import { createCoreContext } from '../core/context.ts';
import { buildSummary, postSummary } from '../core/summary/run.ts';
import { parseWeek, previousWeek, WeekFormatError, type Week } from '../core/summary/week.ts';
import { openStore } from '../storage/db.ts';
import { parseCliArgs, runCli } from './cli.ts';

const USAGE = 'usage: npm run --silent summary -- [--dry-run] [--json] [--week YYYY-Www]';

async function main(): Promise<number> {
  const parsed = parseCliArgs(USAGE, {
    options: {
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      week: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  let week: Week;
  try {
    week = values.week !== undefined ? parseWeek(values.week) : previousWeek(Date.now());
  } catch (error) {
    if (!(error instanceof WeekFormatError)) throw error;
    process.stderr.write(`--week: ${error.message}\n`);
    return 2;
  }

  loadDotEnv();
  const env = parseEnv();
  const profile = loadProfile(env.profilePath);
  const store = openStore(env.databaseFile, { synchronous: env.sqliteSynchronous });
  try {
    // Logs go to stderr: stdout carries only the result.
    const logger = pino({ level: env.logLevel }, pino.destination(2));
    const ctx = createCoreContext({ store, profile, logger });
    const summary = await buildSummary(ctx, week, { imageDir: join(env.dataDir, 'summaries') });
    const result = values['dry-run'] ? undefined : postSummary(ctx, summary, profile.summary.targets);

    if (values.json) {
      const output = { week: summary.week, text: summary.text, image: summary.image.path, stats: summary.stats };
      process.stdout.write(`${JSON.stringify(result ? { ...output, ...result } : output)}\n`);
      return 0;
    }
    process.stdout.write(`${summary.text}\n\nGrafik: ${summary.image.path}\n`);
    if (!result) {
      process.stdout.write('(uji coba: tidak ada yang dikirim)\n');
    } else if (!result.posted) {
      process.stdout.write(`Ringkasan ${summary.week} sudah pernah dikirim; tidak dikirim lagi.\n`);
    } else if (result.queued === 0) {
      process.stdout.write('Profil desa belum punya tujuan ringkasan (summary.targets); minggu ini dicatat tanpa dikirim.\n');
    } else {
      process.stdout.write(`Ringkasan masuk antrean untuk ${result.queued} tujuan; layanan yang berjalan (npm start) akan mengirimnya.\n`);
    }
    return 0;
  } finally {
    store.close();
  }
}

runCli(main);
