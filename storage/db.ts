import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.ts';
import { assertSchemaUsable, corruptDatabaseError, isCorruption, MIGRATIONS_FOLDER as migrationsFolder } from './schema-version.ts';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export interface Store {
  db: Db;
  sqlite: Database.Database;
  /** Runs fn in one SQLite transaction (a savepoint when nested). */
  transaction<T>(fn: () => T): T;
  close(): void;
  /** Set when opening applied migrations to a database that had some: how many it had, and has now. */
  upgraded?: { from: number; to: number };
}

export interface OpenOptions {
  /** SQLite `synchronous`: FULL survives power loss at each commit; NORMAL survives process crashes. */
  synchronous?: 'FULL' | 'NORMAL';
}

/**
 * drizzle prepares every query anew; preparing costs about as much as running a small statement.
 * The SQL text of a query is the same each time (values are bound), so statements are kept by text.
 * better-sqlite3 statements are reusable, and drizzle runs them with run/get/all/values, never as
 * open iterators, so one statement is never in use twice at once.
 */
function cacheStatements(sqlite: Database.Database, limit = 500): void {
  const prepare = sqlite.prepare.bind(sqlite);
  const cache = new Map<string, Database.Statement>();
  sqlite.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (!statement) {
      statement = prepare(source);
      if (cache.size >= limit) cache.clear();
      cache.set(source, statement);
    }
    return statement;
  }) as typeof sqlite.prepare;
}

/**
 * Opens (creating if needed) the database file and applies pending migrations. A file that is not a
 * database, is damaged, or was made by a newer version throws DatabaseFileError naming the file.
 */
export function openStore(file: string, options: OpenOptions = {}): Store {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new Database(file);
  let upgraded: Store['upgraded'];
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    const state = assertSchemaUsable(sqlite, file);
    migrate(drizzle(sqlite, { schema }), { migrationsFolder });
    if (state.kind === 'known' && state.applied < state.shipped) upgraded = { from: state.applied, to: state.shipped };
  } catch (error) {
    sqlite.close();
    throw isCorruption(error) ? corruptDatabaseError(file, error) : error;
  }
  cacheStatements(sqlite);
  const db = drizzle(sqlite, { schema });
  return {
    db,
    sqlite,
    transaction: <T>(fn: () => T): T => sqlite.transaction(fn).immediate(),
    close: () => sqlite.close(),
    ...(upgraded ? { upgraded } : {}),
  };
}
