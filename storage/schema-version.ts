// Which migrations a database file has, compared with the ones this version ships. Migrations only
// move forward: a database from an older version is upgraded at start, one from a newer version (or
// with migrations this version does not know) is refused rather than run with a schema it cannot read.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';
import { readMigrationFiles } from 'drizzle-orm/migrator';

export const MIGRATIONS_FOLDER = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface Migration {
  hash: string;
  /** drizzle's journal time of the migration: the key drizzle orders and compares by. */
  createdAt: number;
}

export type SchemaState =
  /** No migrations table: a new, empty database (or not one of ours). */
  | { kind: 'empty'; applied: 0; shipped: number }
  /** Every migration applied is one of ours, in order; `applied < shipped` means an older version. */
  | { kind: 'known'; applied: number; shipped: number }
  /** More migrations than shipped: made by a newer version. */
  | { kind: 'newer'; applied: number; shipped: number }
  /** A migration differs from the shipped one at the same place. */
  | { kind: 'different'; applied: number; shipped: number; at: number };

export function shippedMigrations(folder = MIGRATIONS_FOLDER): Migration[] {
  return readMigrationFiles({ migrationsFolder: folder }).map((m) => ({ hash: m.hash, createdAt: m.folderMillis }));
}

export function appliedMigrations(sqlite: Database.Database): Migration[] | undefined {
  const table = sqlite.prepare("select 1 from sqlite_master where type = 'table' and name = '__drizzle_migrations'").get();
  if (!table) return undefined;
  const rows = sqlite.prepare('select hash, created_at from __drizzle_migrations order by created_at').all() as Array<{
    hash: string;
    created_at: number | string;
  }>;
  return rows.map((row) => ({ hash: row.hash, createdAt: Number(row.created_at) }));
}

/** Compares the database's applied migrations with the shipped ones. */
export function schemaState(sqlite: Database.Database, shipped: Migration[] = shippedMigrations()): SchemaState {
  const applied = appliedMigrations(sqlite);
  if (!applied || applied.length === 0) return { kind: 'empty', applied: 0, shipped: shipped.length };
  for (const [i, migration] of applied.entries()) {
    const ours = shipped[i];
    if (!ours) return { kind: 'newer', applied: applied.length, shipped: shipped.length };
    if (ours.createdAt !== migration.createdAt || ours.hash !== migration.hash) {
      return { kind: 'different', applied: applied.length, shipped: shipped.length, at: i };
    }
  }
  return { kind: 'known', applied: applied.length, shipped: shipped.length };
}

/** A database this version must not open; the message names the file, in Indonesian and English. */
export class DatabaseFileError extends Error {
  override name = 'DatabaseFileError';
}

/** Throws DatabaseFileError for a database made by a newer version or with unknown migrations. */
export function assertSchemaUsable(sqlite: Database.Database, file: string): SchemaState {
  const state = schemaState(sqlite);
  if (state.kind === 'newer') {
    throw new DatabaseFileError(
      `Basis data ${file} dibuat oleh versi Aspirasi Desa yang lebih baru (${state.applied} migrasi, versi ini mengenal ${state.shipped}); ` +
        `perbarui aplikasi atau pulihkan cadangan yang lebih lama.\n` +
        `The database ${file} was made by a newer version of Aspirasi Desa (${state.applied} migrations, this version knows ${state.shipped}); ` +
        `upgrade the application or restore an older backup.`,
    );
  }
  if (state.kind === 'different') {
    throw new DatabaseFileError(
      `Basis data ${file}: migrasi ke-${state.at + 1} berbeda dari yang dikirim bersama versi ini.\n` +
        `The database ${file}: migration ${state.at + 1} differs from the one shipped with this version.`,
    );
  }
  return state;
}

/** SQLite's answer for a file that is not a database or is damaged. */
export function isCorruption(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'));
}

export function corruptDatabaseError(file: string, cause: unknown): DatabaseFileError {
  const detail = (cause as Error).message;
  return new DatabaseFileError(
    `Basis data ${file} rusak atau bukan basis data SQLite (${detail}); pulihkan cadangan: npm run restore -- FILE.\n` +
      `The database ${file} is damaged or not an SQLite database (${detail}); restore a backup: npm run restore -- FILE.`,
    { cause },
  );
}
