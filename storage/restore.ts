// Restoring a backup: the file is checked before anything is replaced (a whole SQLite database, ours,
// not from a newer version), the current database is saved next to the backups, and the restored
// file is moved into place atomically.
import { copyFileSync, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { BackupError, backupDatabase, fileTimestamp, freshBackupPath, fsyncFile, integrityProblems } from './backup.ts';
import { makeDirectories } from './dirs.ts';
import { isCorruption, schemaState, type SchemaState } from './schema-version.ts';

export type BackupCheck =
  | { ok: true; tickets: number; schema: SchemaState }
  /** `reason` is in Indonesian and English. */
  | { ok: false; reason: string };

function refuse(id: string, en: string): BackupCheck {
  return { ok: false, reason: `${id}\n${en}` };
}

/** Checks a backup file without changing it: integrity, our migrations table, not from a newer version. */
export function checkBackupFile(file: string): BackupCheck {
  if (!existsSync(file) || !statSync(file).isFile()) {
    return refuse(`Berkas ${file} tidak ada.`, `The file ${file} does not exist.`);
  }
  let sqlite: Database.Database;
  try {
    sqlite = new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    return refuse(`Berkas ${file} tidak dapat dibuka: ${(error as Error).message}`, `The file ${file} cannot be opened: ${(error as Error).message}`);
  }
  try {
    const problems = integrityProblems(sqlite);
    if (problems.length > 0) {
      const detail = problems.slice(0, 3).join('; ');
      return refuse(`Berkas ${file} rusak (integrity_check: ${detail}).`, `The file ${file} is damaged (integrity_check: ${detail}).`);
    }
    const schema = schemaState(sqlite);
    if (schema.kind === 'empty') {
      return refuse(
        `Berkas ${file} bukan basis data Aspirasi Desa (tidak ada tabel __drizzle_migrations).`,
        `The file ${file} is not an Aspirasi Desa database (no __drizzle_migrations table).`,
      );
    }
    if (schema.kind === 'newer') {
      return refuse(
        `Berkas ${file} dibuat oleh versi yang lebih baru (${schema.applied} migrasi, versi ini mengenal ${schema.shipped}); perbarui aplikasi dulu.`,
        `The file ${file} was made by a newer version (${schema.applied} migrations, this version knows ${schema.shipped}); upgrade the application first.`,
      );
    }
    if (schema.kind === 'different') {
      return refuse(
        `Berkas ${file}: migrasi ke-${schema.at + 1} berbeda dari versi ini.`,
        `The file ${file}: migration ${schema.at + 1} differs from this version's.`,
      );
    }
    const tickets = (sqlite.prepare('select count(*) as n from tickets').get() as { n: number }).n;
    return { ok: true, tickets, schema };
  } catch (error) {
    if (!isCorruption(error)) throw error;
    return refuse(
      `Berkas ${file} rusak atau bukan basis data SQLite: ${(error as Error).message}`,
      `The file ${file} is damaged or not an SQLite database: ${(error as Error).message}`,
    );
  } finally {
    sqlite.close();
  }
}

export interface RestoreResult {
  /** Where the database that was replaced was saved (undefined when there was none). */
  previous: string | undefined;
  /** The previous database could not be opened: its raw files were copied instead. */
  previousRaw: boolean;
}

/**
 * Saves the current database (if any) as `<backupsDir>/before-restore-<ts>.sqlite`, removes its
 * `-wal`/`-shm`, and puts a copy of `file` in its place (temporary file + rename). Call only after
 * checkBackupFile and with the service stopped.
 */
export async function restoreDatabase(
  file: string,
  databaseFile: string,
  backupsDir: string,
  options: { at: number; timeZone: string },
): Promise<RestoreResult> {
  let previous: string | undefined;
  let previousRaw = false;
  if (existsSync(databaseFile)) {
    try {
      const current = new Database(databaseFile, { fileMustExist: true });
      try {
        previous = (await backupDatabase(current, backupsDir, { ...options, prefix: 'before-restore-' })).file;
      } finally {
        current.close();
      }
    } catch (error) {
      // A damaged database (often the reason for restoring) cannot be copied page by page: keep its files as they are.
      if (!isCorruption(error) && !(error instanceof BackupError)) throw error;
      makeDirectories(backupsDir);
      previous = freshBackupPath(backupsDir, 'before-restore-raw-', fileTimestamp(options.at, options.timeZone));
      copyFileSync(databaseFile, previous);
      if (existsSync(`${databaseFile}-wal`)) copyFileSync(`${databaseFile}-wal`, `${previous}-wal`);
      previousRaw = true;
    }
  }
  const temporary = `${databaseFile}.restoring`;
  makeDirectories(dirname(databaseFile));
  rmSync(temporary, { force: true });
  // Copied with the backup API rather than as a file, so a backup kept in WAL mode comes with its -wal.
  const source = new Database(file, { readonly: true, fileMustExist: true });
  try {
    await source.backup(temporary);
  } finally {
    source.close();
  }
  // The restored file becomes a single-file database; the service turns WAL on again when it opens it.
  const copy = new Database(temporary, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
  fsyncFile(temporary);
  for (const stale of [`${databaseFile}-wal`, `${databaseFile}-shm`, `${databaseFile}-journal`]) rmSync(stale, { force: true });
  renameSync(temporary, databaseFile);
  return { previous, previousRaw };
}
