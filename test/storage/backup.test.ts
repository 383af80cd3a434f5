// Backups: a checked single-file copy under the backup name, pruning that keeps the newest and
// touches nothing else, and the daily schedule (once per village day, a missed day made up at start).
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadProfile } from '../../config/profile.ts';
import { getJobRun } from '../../storage/repositories/index.ts';
import { backupDatabase, fileTimestamp, listBackups, pruneBackups } from '../../storage/backup.ts';
import { BACKUP_JOB, scheduleBackups } from '../../scripts/scheduled-backup.ts';
import { createTestCore, demoProfileWith, silentLogger, tempDir, type TestCore } from '../helpers.ts';

let core: TestCore;
let dir: { dir: string; cleanup: () => void };

beforeEach(() => {
  dir = tempDir('aspirasi-backups-');
});

afterEach(() => {
  core.close();
  dir.cleanup();
});

function ticketsIn(file: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    return (db.prepare('select count(*) as n from tickets').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('backupDatabase', () => {
  it('writes one checked single-file copy named by the village time, with every ticket', async () => {
    core = createTestCore();
    core.send('warga1', 'Lampu jalan di depan masjid Dusun Krajan mati sudah seminggu');
    core.send('warga2', 'Air PAMSIMAS tidak mengalir sejak kemarin');
    // 2026-11-02 02:00 UTC is 09:00 in Jakarta.
    const result = await backupDatabase(core.ctx.store.sqlite, dir.dir, { at: core.clock.now, timeZone: 'Asia/Jakarta' });
    expect(result.file).toBe(join(dir.dir, 'aspirasi-desa-20261102-090000.sqlite'));
    expect(result.tickets).toBe(2);
    expect(readdirSync(dir.dir)).toEqual(['aspirasi-desa-20261102-090000.sqlite']);
    expect(ticketsIn(result.file)).toBe(2);
    const copy = new Database(result.file, { readonly: true });
    expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
    copy.close();

    // A second backup in the same second gets its own name; the first is kept.
    const second = await backupDatabase(core.ctx.store.sqlite, dir.dir, { at: core.clock.now, timeZone: 'Asia/Jakarta' });
    expect(second.file).toBe(join(dir.dir, 'aspirasi-desa-20261102-090000-2.sqlite'));
    expect(readdirSync(dir.dir)).toHaveLength(2);
  });

  it('leaves nothing behind when the copy cannot be written', async () => {
    core = createTestCore();
    const blocked = join(dir.dir, 'not-a-dir');
    writeFileSync(blocked, 'a file where the folder should be');
    await expect(backupDatabase(core.ctx.store.sqlite, join(blocked, 'backups'), { at: core.clock.now, timeZone: 'Asia/Jakarta' })).rejects.toThrow(
      /tidak dapat dibuat \/ cannot be created/,
    );
    expect(readdirSync(dir.dir)).toEqual(['not-a-dir']);
  });
});

describe('pruneBackups', () => {
  it('deletes the oldest backups beyond keep and never other files', () => {
    core = createTestCore();
    const names = [
      'aspirasi-desa-20261101-023000.sqlite',
      'aspirasi-desa-20261102-023000.sqlite',
      'aspirasi-desa-20261102-023000-2.sqlite',
      'aspirasi-desa-20261103-023000.sqlite',
      'before-restore-20261101-120000.sqlite',
      'aspirasi-desa-catatan.txt',
      'my-copy.sqlite',
    ];
    for (const name of names) writeFileSync(join(dir.dir, name), '');
    expect(listBackups(dir.dir).map((path) => path.slice(dir.dir.length + 1))).toEqual([
      'aspirasi-desa-20261103-023000.sqlite',
      'aspirasi-desa-20261102-023000-2.sqlite',
      'aspirasi-desa-20261102-023000.sqlite',
      'aspirasi-desa-20261101-023000.sqlite',
    ]);
    const deleted = pruneBackups(dir.dir, 2).map((path) => path.slice(dir.dir.length + 1));
    expect(deleted).toEqual(['aspirasi-desa-20261102-023000.sqlite', 'aspirasi-desa-20261101-023000.sqlite']);
    expect(readdirSync(dir.dir).sort()).toEqual(
      [
        'aspirasi-desa-20261103-023000.sqlite',
        'aspirasi-desa-20261102-023000-2.sqlite',
        'before-restore-20261101-120000.sqlite',
        'aspirasi-desa-catatan.txt',
        'my-copy.sqlite',
      ].sort(),
    );
  });
});

describe('scheduleBackups', () => {
  it('by default backs up at 02:30 village time and keeps 14', () => {
    core = createTestCore();
    const withoutSection = demoProfileWith((raw) => {
      delete raw.backup;
    });
    expect(withoutSection.backup).toEqual({ schedule: '30 2 * * *', keep: 14 });
    expect(loadProfile().backup).toEqual(withoutSection.backup);
  });

  const profile = demoProfileWith((raw) => {
    raw.backup = { schedule: '30 2 * * *', keep: 2 };
  });

  it('makes up today’s backup at start when 02:30 has passed, once per day, keeping the newest', async () => {
    // 09:00 in Jakarta: today's 02:30 run was missed.
    core = createTestCore({ profile });
    core.send('warga1', 'Jalan di Dusun Krajan berlubang besar');
    const backups = join(dir.dir, 'backups');
    const old = ['aspirasi-desa-20261030-023000.sqlite', 'aspirasi-desa-20261031-023000.sqlite', 'aspirasi-desa-20261101-023000.sqlite'];
    mkdirSync(backups);
    for (const name of old) writeFileSync(join(backups, name), '');

    const cancel = scheduleBackups(core.ctx, profile, { dataDir: dir.dir }, silentLogger);
    await cancel.pending;
    cancel();
    const made = join(backups, `aspirasi-desa-${fileTimestamp(core.clock.now, 'Asia/Jakarta')}.sqlite`);
    expect(ticketsIn(made)).toBe(1);
    expect(readdirSync(backups).sort()).toEqual(['aspirasi-desa-20261101-023000.sqlite', made.slice(backups.length + 1)].sort());
    expect(getJobRun(core.ctx.store.db, BACKUP_JOB, '2026-11-02')?.finishedAt).toBe(core.clock.now);

    // Started again the same day: nothing new.
    core.clock.advance(60 * 60_000);
    const again = scheduleBackups(core.ctx, profile, { dataDir: dir.dir }, silentLogger);
    await again.pending;
    again();
    expect(readdirSync(backups)).toHaveLength(2);
  });

  it('does not back up at start before the day’s scheduled time', async () => {
    // 01:00 in Jakarta (18:00 UTC the day before): today's 02:30 has not come yet.
    core = createTestCore({ profile, start: Date.UTC(2026, 10, 1, 18, 0, 0) });
    const cancel = scheduleBackups(core.ctx, profile, { dataDir: dir.dir }, silentLogger);
    await cancel.pending;
    cancel();
    expect(existsSync(join(dir.dir, 'backups'))).toBe(false);
    expect(getJobRun(core.ctx.store.db, BACKUP_JOB, '2026-11-02')).toBeUndefined();
  });
});
