// `npm run --silent backup -- [--to DIR] [--json]`: a consistent copy of the database of DATA_DIR,
// taken with SQLite's online backup while the service may be running, checked with integrity_check,
// written as DIR/aspirasi-desa-<YYYYMMDD-HHMMSS>.sqlite (default DIR: DATA_DIR/backups, time in the
// village's time zone). Prints the file's path, or with --json one line {file, bytes, tickets, ms}.
import { join, resolve } from 'node:path';
import { loadDotEnv, parseEnv } from '../config/env.ts';
import { BackupError, backupFile, type BackupResult } from '../storage/backup.ts';
import { parseCliArgs, runCli } from './cli.ts';
import { villageTimeZone } from './village-timezone.ts';

const USAGE = 'usage: npm run --silent backup -- [--to DIR] [--json]';
async function main(): Promise<number> {
  const parsed = parseCliArgs(USAGE, {
    options: { to: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    strict: true,
    allowPositionals: false,
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  loadDotEnv();
  const env = parseEnv();
  const dir = values.to !== undefined ? resolve(values.to) : join(env.dataDir, 'backups');
  let result: BackupResult;
  try {
    result = await backupFile(env.databaseFile, dir, { at: Date.now(), timeZone: villageTimeZone(env.profilePath) });
  } catch (error) {
    if (!(error instanceof BackupError)) throw error;
    process.stderr.write(`Cadangan gagal / backup failed:\n${error.message}\n`);
    return 1;
  }
  process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : `${result.file}\n`);
  return 0;
}

runCli(main);
