// Backups of the database with SQLite's online backup API: a consistent copy taken while the service
// keeps writing (WAL mode), verified before it gets its final name, so a file named like a backup is
// always a whole, checked one.
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { makeDirectories } from './dirs.ts';

export const BACKUP_PREFIX = 'aspirasi-desa-';
/** Names of the backups this code writes and prunes: aspirasi-desa-20261130-023000.sqlite (-2 … in the same second). */
export const BACKUP_NAME = /^aspirasi-desa-(\d{8}-\d{6})(?:-(\d+))?\.sqlite$/;

export interface BackupResult {
  /** Absolute path of the backup file. */
  file: string;
  bytes: number;
  /** Tickets in the copy. */
  tickets: number;
  /** Time taken, copy and check. */
  ms: number;
}

export class BackupError extends Error {
  override name = 'BackupError';
}

/** "20261130-023000": the local time in `timeZone`, for file names that sort by time. */
export function fileTimestamp(at: number, timeZone: string): string {
  // Swedish formatting is ISO-like: "2026-11-30 02:30:00".
  const local = new Intl.DateTimeFormat('sv-SE', { timeZone, dateStyle: 'short', timeStyle: 'medium' }).format(new Date(at));
  const digits = local.replace(/\D/g, '');
  return `${digits.slice(0, 8)}-${digits.slice(8, 14)}`;
}

/** A path in `dir` named `<prefix><timestamp>.sqlite` that does not exist yet. */
export function freshBackupPath(dir: string, prefix: string, timestamp: string): string {
  for (let n = 1; ; n += 1) {
    const path = join(dir, `${prefix}${timestamp}${n === 1 ? '' : `-${n}`}.sqlite`);
    try {
      statSync(path);
    } catch {
      return path;
    }
  }
}

/** Runs PRAGMA integrity_check (or the faster quick_check) on an open database; [] when it is ok. */
export function integrityProblems(sqlite: Database.Database, check: 'integrity_check' | 'quick_check' = 'integrity_check'): string[] {
  const rows = sqlite.pragma(check, { simple: false }) as Array<Record<string, string>>;
  return rows.map((row) => row[check] ?? '').filter((line) => line !== 'ok');
}

export function fsyncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Copies the database `source` (an open connection: the service's own, or one opened for the copy)
 * into a new file in `dir`, checks the copy and returns it. The copy is written under a temporary
 * name, turned into a single file (journal mode DELETE), checked with integrity_check, synced and
 * renamed; a failed copy leaves nothing behind.
 *
 * `pagesPerStep`: the service copies its own database in steps (its writes between steps go into the
 * copy too) so it keeps answering; another process copies in one step, since a write by another
 * connection between steps would restart the copy.
 */
export async function backupDatabase(
  source: Database.Database,
  dir: string,
  options: { at: number; timeZone: string; prefix?: string; pagesPerStep?: number },
): Promise<BackupResult> {
  const started = performance.now();
  try {
    makeDirectories(dir);
  } catch (error) {
    throw new BackupError(`Folder ${dir} tidak dapat dibuat / cannot be created: ${(error as Error).message}`, { cause: error });
  }
  const file = freshBackupPath(dir, options.prefix ?? BACKUP_PREFIX, fileTimestamp(options.at, options.timeZone));
  const partial = `${file}.partial`;
  const pagesPerStep = options.pagesPerStep ?? 0x7fffffff;
  try {
    await source.backup(partial, { progress: () => pagesPerStep });
    const copy = new Database(partial, { fileMustExist: true });
    let tickets: number;
    try {
      copy.pragma('journal_mode = DELETE');
      const problems = integrityProblems(copy);
      if (problems.length > 0) {
        throw new BackupError(`salinan gagal diperiksa / the copy failed integrity_check: ${problems.slice(0, 5).join('; ')}`);
      }
      tickets = ticketCount(copy);
    } finally {
      copy.close();
    }
    fsyncFile(partial);
    renameSync(partial, file);
    return { file, bytes: statSync(file).size, tickets, ms: Math.round(performance.now() - started) };
  } catch (error) {
    for (const leftover of [partial, `${partial}-wal`, `${partial}-shm`, `${partial}-journal`]) rmSync(leftover, { force: true });
    throw error;
  }
}

function ticketCount(sqlite: Database.Database): number {
  const table = sqlite.prepare("select 1 from sqlite_master where type = 'table' and name = 'tickets'").get();
  if (!table) return 0;
  return (sqlite.prepare('select count(*) as n from tickets').get() as { n: number }).n;
}

/** Copies the database file `databaseFile` (which a running service may be writing) into `dir`. */
export async function backupFile(
  databaseFile: string,
  dir: string,
  options: { at: number; timeZone: string; prefix?: string },
): Promise<BackupResult> {
  let source: Database.Database;
  try {
    source = new Database(databaseFile, { fileMustExist: true });
  } catch (error) {
    throw new BackupError(
      `Basis data ${databaseFile} tidak dapat dibuka / cannot be opened: ${(error as Error).message}. Periksa DATA_DIR / check DATA_DIR.`,
      { cause: error },
    );
  }
  try {
    source.pragma('busy_timeout = 5000');
    return await backupDatabase(source, dir, options);
  } finally {
    source.close();
  }
}

/** The backups in `dir` written by this code, newest first. */
export function listBackups(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const keyed = names.flatMap((name) => {
    const match = BACKUP_NAME.exec(name);
    return match ? [{ name, stamp: match[1] ?? '', n: Number(match[2] ?? 1) }] : [];
  });
  keyed.sort((a, b) => (a.stamp === b.stamp ? b.n - a.n : a.stamp < b.stamp ? 1 : -1));
  return keyed.map((entry) => join(dir, entry.name));
}

/** Deletes the oldest backups beyond `keep`; other files in `dir` are never touched. Returns the deleted paths. */
export function pruneBackups(dir: string, keep: number): string[] {
  const stale = listBackups(dir).slice(keep);
  for (const path of stale) rmSync(path, { force: true });
  return stale;
}
