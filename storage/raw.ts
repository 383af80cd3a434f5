// Statements for the intake's hot path without drizzle's per-call query machinery. A prepared drizzle
// query still walks its placeholders, checks entity kinds and maps every value on each call: about
// 15 µs per outbox row and 60 µs per ticket, a third of the time SQLite itself spends. These helpers
// build plain better-sqlite3 statements once per database and shape, and use the schema's own
// column encoders and decoders (booleans, JSON), so rows read and written here are the same as
// drizzle's.
import type { Statement } from 'better-sqlite3';
import { getTableColumns, getTableName, is, SQL, type Column, type InferInsertModel, type InferSelectModel, type Table } from 'drizzle-orm';
import type { Db } from './db.ts';

interface Codec {
  table: string;
  /** Property name -> column, for encoding values. */
  byKey: Map<string, Column>;
  /** [property, SQL column name, column], for decoding rows. */
  fields: Array<[string, string, Column]>;
  /** How completeRow fills each property an insert left out (`computed`: only SQLite can). */
  stored: Array<[string, StoredFrom]>;
}

/** Where a stored row's property comes from when the insert did not set it. */
type StoredFrom = { id: true } | { value: unknown } | { computed: true };

const codecs = new WeakMap<Table, Codec>();

function codecOf(table: Table): Codec {
  let codec = codecs.get(table);
  if (!codec) {
    const columns = getTableColumns(table) as Record<string, Column>;
    codec = {
      table: getTableName(table),
      byKey: new Map(Object.entries(columns)),
      fields: Object.entries(columns).map(([key, column]) => [key, column.name, column]),
      stored: storedPlan(columns),
    };
    codecs.set(table, codec);
  }
  return codec;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** A database's statements: raw ones by source, inserts by table and shape (see Shape). */
interface Statements {
  raw: Map<string, Statement>;
  inserts: Map<Table, { plain: Shape; skipConflicts: Shape }>;
}

const statementsByDb = new WeakMap<Db, Statements>();

function statementsOf(db: Db): Statements {
  let statements = statementsByDb.get(db);
  if (!statements) {
    statements = { raw: new Map(), inserts: new Map() };
    statementsByDb.set(db, statements);
  }
  return statements;
}

/** A better-sqlite3 statement for `source`, prepared once per database. */
export function rawStatement(db: Db, source: string): Statement {
  const { raw } = statementsOf(db);
  let statement = raw.get(source);
  if (!statement) {
    statement = db.$client.prepare(source);
    raw.set(source, statement);
  }
  return statement;
}

/** Maps a row as SQLite returns it (SQL column names, driver values) to the table's row type. */
export function decodeRow<T extends Table>(table: T, row: unknown): InferSelectModel<T> | undefined {
  if (row === undefined || row === null) return undefined;
  const source = row as Record<string, unknown>;
  const result: Record<string, unknown> = {};
  for (const [key, name, column] of codecOf(table).fields) {
    const value = source[name];
    result[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return result as InferSelectModel<T>;
}

interface InsertOptions {
  /** `ON CONFLICT DO NOTHING`: a row that violates a unique index is skipped (changes = 0). */
  onConflictDoNothing?: boolean;
}

/**
 * Insert statements by the properties set, in order: a tree per database, table and options, walked
 * one property at a time. Looking a statement up by a key string joined from the property names
 * allocated and hashed a new string of about 200 characters for every row inserted.
 */
interface Shape {
  next: Map<string, Shape>;
  statement?: Statement;
}

/** The insert statement for a table, column list and options, prepared once per database. */
function insertStatement(db: Db, table: Table, keys: string[], options: InsertOptions): Statement {
  const { inserts } = statementsOf(db);
  let roots = inserts.get(table);
  if (!roots) {
    roots = { plain: { next: new Map() }, skipConflicts: { next: new Map() } };
    inserts.set(table, roots);
  }
  let shape = options.onConflictDoNothing ? roots.skipConflicts : roots.plain;
  for (const key of keys) {
    let next = shape.next.get(key);
    if (!next) {
      next = { next: new Map() };
      shape.next.set(key, next);
    }
    shape = next;
  }
  shape.statement ??= prepareInsert(db, codecOf(table), keys, options);
  return shape.statement;
}

function prepareInsert(db: Db, codec: Codec, keys: string[], options: InsertOptions): Statement {
  const names = keys.map((key) => {
    const column = codec.byKey.get(key);
    if (!column) throw new Error(`${codec.table} has no column ${key}`);
    return quote(column.name);
  });
  return db.$client.prepare(
    `insert into ${quote(codec.table)} (${names.join(', ')}) values (${keys.map(() => '?').join(', ')})` +
      (options.onConflictDoNothing ? ' on conflict do nothing' : ''),
  );
}

function encode(table: Table, values: Record<string, unknown>): { keys: string[]; params: unknown[] } {
  const { byKey } = codecOf(table);
  const keys: string[] = [];
  const params: unknown[] = [];
  for (const key in values) {
    const value = values[key];
    if (value === undefined) continue;
    keys.push(key);
    params.push(value === null ? null : (byKey.get(key)?.mapToDriverValue(value) ?? value));
  }
  return { keys, params };
}

/** Inserts one row; unset properties take the column's SQL default. */
export function insertRow<T extends Table>(
  db: Db,
  table: T,
  values: InferInsertModel<T>,
  options: InsertOptions = {},
): { changes: number; id: number } {
  const { keys, params } = encode(table, values);
  const result = insertStatement(db, table, keys, options).run(params);
  return { changes: result.changes, id: Number(result.lastInsertRowid) };
}

/**
 * Completes `values` in place into the row an insert stored, with the columns' defaults, instead of
 * reading it back: `RETURNING *` doubled the cost of a ticket insert (61 against 27 µs measured), and
 * a copy of a ticket's 30 columns cost an allocation on every report. False when a column left out
 * has a default only SQLite can compute (an SQL expression).
 */
function completeRow(table: Table, values: Record<string, unknown>, id: number): boolean {
  for (const [key, from] of codecOf(table).stored) {
    if (values[key] !== undefined) continue;
    if ('value' in from) values[key] = from.value;
    else if ('id' in from) values[key] = id;
    else return false;
  }
  return true;
}

/** For each property, what a stored row holds when the insert leaves it out (see completeRow). */
function storedPlan(columns: Record<string, Column>): Array<[string, StoredFrom]> {
  return Object.entries(columns).map(([key, column]): [string, StoredFrom] => {
    if (column.primary && column.columnType === 'SQLiteInteger') return [key, { id: true }];
    if (!column.hasDefault) return [key, { value: null }];
    if (column.default !== undefined && !is(column.default, SQL) && column.defaultFn === undefined) return [key, { value: column.default }];
    return [key, { computed: true }];
  });
}

/**
 * Inserts one row and returns it as stored (defaults filled), or undefined when skipped on conflict.
 * The row returned is usually `values` itself, completed: pass an object the caller no longer needs.
 */
export function insertRowReturning<T extends Table>(
  db: Db,
  table: T,
  values: InferInsertModel<T>,
  options: InsertOptions = {},
): InferSelectModel<T> | undefined {
  const { keys, params } = encode(table, values);
  const result = insertStatement(db, table, keys, options).run(params);
  if (result.changes === 0) return undefined;
  if (completeRow(table, values, Number(result.lastInsertRowid))) return values as InferSelectModel<T>;
  const codec = codecOf(table);
  const primary = codec.fields.find(([, , column]) => column.primary);
  if (!primary) throw new Error(`${codec.table} has no primary key to read the row back by`);
  return decodeRow(table, rawStatement(db, `select * from ${quote(codec.table)} where ${quote(primary[1])} = ?`).get(result.lastInsertRowid));
}
