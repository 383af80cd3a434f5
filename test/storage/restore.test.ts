// Restoring a backup: the file is checked before anything is touched (damaged, not ours, from a newer
// version: refused), nothing is replaced while the service runs, the current database (with what
// is still in its WAL) is saved first, and the backup is put in place as a single file.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../storage/db.ts';
import { checkBackupFile, restoreDatabase } from '../../storage/restore.ts';
import { runCommand } from '../integration/child.ts';
import { tempDir } from '../helpers.ts';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/db-0003.sqlite');

let data: { dir: string; cleanup: () => void };
let files: { dir: string; cleanup: () => void };
let databaseFile: string;

beforeEach(() => {
  data = tempDir('aspirasi-restore-data-');
  files = tempDir('aspirasi-restore-files-');
  databaseFile = join(data.dir, 'aspirasi.sqlite');
});

afterEach(() => {
  data.cleanup();
  files.cleanup();
});

/** A current database with one ticket per code given (status 'new'), through the real migrations. */
function databaseWith(file: string, codes: string[]): void {
  const store = openStore(file, { synchronous: 'NORMAL' });
  insertTickets(store.sqlite, codes);
  store.close();
}

function insertTickets(sqlite: Database.Database, codes: string[]): void {
  const contact = sqlite
    .prepare("insert into contacts (channel, external_id, created_at, last_seen_at) values ('web', ?, 0, 0)")
    .run(`warga-${codes.join('-')}`).lastInsertRowid;
  for (const code of codes) {
    sqlite
      .prepare(
        `insert into tickets (code, contact_id, channel, chat_id, summary, category, kind, confidence, status, created_at, last_activity_at)
         values (?, ?, 'web', 'warga', 'Jalan rusak', 'infrastruktur', 'pengaduan', 0.9, 'new', 0, 0)`,
      )
      .run(code, contact);
  }
}

function codesIn(file: string): string[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('select code from tickets order by id').all() as Array<{ code: string }>).map((row) => row.code);
  } finally {
    db.close();
  }
}

/** Overwrites bytes in the middle of the file: pages of a table are damaged, the header is intact. */
function damage(file: string): void {
  const bytes = readFileSync(file);
  for (let i = 8192; i < Math.min(bytes.length, 8192 * 3); i += 1) bytes[i] = (i * 31) & 0xff;
  writeFileSync(file, bytes);
}

/** Why checkBackupFile refuses the file (fails when it accepts it). */
function refusal(file: string): string {
  const check = checkBackupFile(file);
  expect(check.ok, `${file} accepted`).toBe(false);
  return check.ok ? '' : check.reason;
}

describe('checkBackupFile', () => {
  it('accepts a backup of this version and one of an older version', () => {
    const current = join(files.dir, 'current.sqlite');
    databaseWith(current, ['SKM-1', 'SKM-2']);
    expect(checkBackupFile(current)).toMatchObject({ ok: true, tickets: 2, schema: { kind: 'known' } });
    const older = checkBackupFile(FIXTURE);
    expect(older).toMatchObject({ ok: true, tickets: 5, schema: { kind: 'known', applied: 4 } });
  });

  it('refuses a file that is not a database, a damaged one, someone else’s, and one from a newer version', () => {
    const garbage = join(files.dir, 'garbage.sqlite');
    writeFileSync(garbage, 'ini bukan basis data '.repeat(500));
    expect(refusal(garbage)).toMatch(/rusak atau bukan basis data SQLite[\s\S]*damaged or not an SQLite database/);

    const damaged = join(files.dir, 'damaged.sqlite');
    databaseWith(damaged, Array.from({ length: 300 }, (_, i) => `SKM-${i + 1}`));
    damage(damaged);
    expect(refusal(damaged)).toMatch(/rusak[\s\S]*damaged/);

    const foreign = join(files.dir, 'foreign.sqlite');
    const other = new Database(foreign);
    other.exec('create table notes (text text)');
    other.close();
    expect(refusal(foreign)).toMatch(/bukan basis data Aspirasi Desa[\s\S]*not an Aspirasi Desa database/);

    const newer = join(files.dir, 'newer.sqlite');
    databaseWith(newer, ['SKM-1']);
    const raw = new Database(newer);
    raw.prepare('insert into __drizzle_migrations (hash, created_at) values (?, ?)').run('e'.repeat(64), Date.UTC(2031, 0, 1));
    raw.close();
    expect(refusal(newer)).toMatch(/versi yang lebih baru[\s\S]*newer version/);

    expect(refusal(join(files.dir, 'missing.sqlite'))).toMatch(/tidak ada[\s\S]*does not exist/);
  });
});

describe('restoreDatabase', () => {
  it('saves the current database with what is still in its WAL, then puts the backup in place as one file', async () => {
    const backup = join(files.dir, 'aspirasi-desa-20261101-023000.sqlite');
    databaseWith(backup, ['SKM-1', 'SKM-2', 'SKM-3']);

    // A DATA_DIR as a crashed service leaves it: the last ticket only in the -wal file.
    const live = join(files.dir, 'live.sqlite');
    const store = openStore(live, { synchronous: 'NORMAL' });
    store.sqlite.pragma('wal_autocheckpoint = 0');
    insertTickets(store.sqlite, ['SKM-1']);
    store.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    insertTickets(store.sqlite, ['SKM-2']);
    for (const suffix of ['', '-wal', '-shm']) copyFileSync(`${live}${suffix}`, `${databaseFile}${suffix}`);
    store.close();
    expect(existsSync(`${databaseFile}-wal`)).toBe(true);

    const result = await restoreDatabase(backup, databaseFile, join(data.dir, 'backups'), { at: Date.UTC(2026, 10, 2, 5, 0, 0), timeZone: 'Asia/Jakarta' });
    expect(result).toEqual({ previous: join(data.dir, 'backups', 'before-restore-20261102-120000.sqlite'), previousRaw: false });
    expect(codesIn(result.previous ?? '')).toEqual(['SKM-1', 'SKM-2']);
    expect(codesIn(databaseFile)).toEqual(['SKM-1', 'SKM-2', 'SKM-3']);
    expect(readdirSync(data.dir).sort()).toEqual(['aspirasi.sqlite', 'backups']);
    // The service opens the restored file as usual.
    const reopened = openStore(databaseFile);
    expect((reopened.sqlite.prepare('select count(*) as n from tickets').get() as { n: number }).n).toBe(3);
    reopened.close();
  });

  it('replaces a damaged database, keeping its raw file', async () => {
    const backup = join(files.dir, 'backup.sqlite');
    databaseWith(backup, ['SKM-1']);
    writeFileSync(databaseFile, 'rusak '.repeat(1000));
    const result = await restoreDatabase(backup, databaseFile, join(data.dir, 'backups'), { at: Date.UTC(2026, 10, 2, 5, 0, 0), timeZone: 'Asia/Jakarta' });
    expect(result).toEqual({ previous: join(data.dir, 'backups', 'before-restore-raw-20261102-120000.sqlite'), previousRaw: true });
    expect(readFileSync(result.previous ?? '', 'utf8')).toBe('rusak '.repeat(1000));
    expect(codesIn(databaseFile)).toEqual(['SKM-1']);
  });
});

const runRestore = (file: string) => runCommand(process.execPath, ['--import', 'tsx', 'scripts/restore.ts', file], { DATA_DIR: data.dir });

describe('npm run restore', () => {
  it('refuses a damaged file and changes nothing', async () => {
    databaseWith(databaseFile, ['SKM-1']);
    const before = readFileSync(databaseFile);
    const damaged = join(files.dir, 'damaged.sqlite');
    databaseWith(damaged, Array.from({ length: 300 }, (_, i) => `SKM-${i + 1}`));
    damage(damaged);
    const result = await runRestore(damaged);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Pemulihan ditolak \/ restore refused[\s\S]*rusak[\s\S]*damaged[\s\S]*Tidak ada yang diubah \/ nothing was changed/);
    expect(readFileSync(databaseFile).equals(before)).toBe(true);
    expect(existsSync(join(data.dir, 'backups'))).toBe(false);
  }, 30_000);

  it('refuses while the service runs on DATA_DIR, and goes ahead when the pid file is stale', async () => {
    databaseWith(databaseFile, ['SKM-1']);
    const backup = join(files.dir, 'backup.sqlite');
    databaseWith(backup, ['SKM-1', 'SKM-2']);
    // A live process in the pid file: this test's own.
    writeFileSync(join(data.dir, 'aspirasi-desa.pid'), `${process.pid}\n`);
    const refused = await runRestore(backup);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`Layanan sedang berjalan \\(pid ${process.pid}[\\s\\S]*The service is running`));
    expect(codesIn(databaseFile)).toEqual(['SKM-1']);

    // The pid of a process that has ended: left by a crash.
    const ended = spawnSync(process.execPath, ['-e', '']);
    writeFileSync(join(data.dir, 'aspirasi-desa.pid'), `${ended.pid}\n`);
    const restored = await runRestore(backup);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toMatch(/Dipulihkan \/ restored: .*backup\.sqlite .* \(2 tiket \/ tickets\)/);
    expect(restored.stdout).toMatch(/before-restore-\d{8}-\d{6}\.sqlite/);
    expect(codesIn(databaseFile)).toEqual(['SKM-1', 'SKM-2']);
    expect(readdirSync(join(data.dir, 'backups'))).toHaveLength(1);
  }, 30_000);
});
