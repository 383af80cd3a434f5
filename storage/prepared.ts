// Prepared queries for the hot paths (intake, outbox): drizzle builds a query's SQL on every call,
// which costs more than running a small statement; a query built once with placeholders
// (`sql.placeholder`) and kept per database runs with only its values bound. Values still go through
// the columns' encoders (booleans, JSON).
import type { Db } from './db.ts';

const caches = new WeakMap<Db, Map<string, unknown>>();

/** The query `build` makes, built once per database and `key`. */
export function prepared<T>(db: Db, key: string, build: (db: Db) => T): T {
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  let query = cache.get(key) as T | undefined;
  if (query === undefined) {
    query = build(db);
    cache.set(key, query);
  }
  return query;
}
