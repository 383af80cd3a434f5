// Acceptance of issue #10's backup: with the service running and writing, `npm run --silent backup --
// --to DIR --json` writes one SQLite file into DIR that passes integrity_check and holds every ticket
// acknowledged before the backup started; stdout carries only the JSON line.
import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.ts';
import { burst, killChildren, openDb, runCommand, sleep, startChild, stopGracefully, type BurstMessage } from './child.ts';

const data = tempDir('aspirasi-backup-');
const target = tempDir('aspirasi-backup-to-');

afterAll(async () => {
  await killChildren();
  data.cleanup();
  target.cleanup();
});

const MESSAGES: BurstMessage[] = Array.from({ length: 5000 }, (_, i) => ({
  id: `bk-${i}`,
  user: `warga-bk-${i}`,
  text: `Saluran air di RT ${(i % 5) + 1} tersumbat, mohon dibersihkan (laporan ${i})`,
}));

const runBackup = () =>
  runCommand('npm', ['run', '--silent', 'backup', '--', '--to', target.dir, '--json'], { DATA_DIR: data.dir, LOG_LEVEL: 'info' });

describe('npm run backup while the service is writing', () => {
  it('writes one checked SQLite file holding every ticket acknowledged before it started', async () => {
    const running = await startChild(data.dir);
    const acknowledged: string[] = [];
    let backupDone = false;
    // Residents keep writing until the backup has finished.
    const writing = burst(running, MESSAGES, { concurrency: 8, onConfirmed: (id) => acknowledged.push(id), until: () => backupDone });
    while (acknowledged.length < 100) await sleep(10);
    const before = new Set(acknowledged);
    const backup = await runBackup();
    backupDone = true;
    const duringBackup = acknowledged.length - before.size;
    const { confirmed, failed } = await writing;
    await stopGracefully(running);
    expect(failed).toBe(0);

    expect(backup.code, backup.stderr).toBe(0);
    const lines = backup.stdout.trim().split('\n');
    expect(lines, 'stdout carries only the JSON line').toHaveLength(1);
    const result = JSON.parse(lines[0] ?? '') as { file: string; bytes: number; tickets: number; ms: number };
    expect(readdirSync(target.dir)).toEqual([result.file.slice(target.dir.length + 1)]);
    expect(result.file).toMatch(/aspirasi-desa-\d{8}-\d{6}\.sqlite$/);

    const copy = openDb(result.file);
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      const tickets = (copy.prepare('select count(*) as n from tickets').get() as { n: number }).n;
      expect(tickets).toBe(result.tickets);
      const withTicket = new Set(
        (
          copy.prepare("select external_id from messages where direction = 'in' and ticket_id is not null").all() as Array<{
            external_id: string;
          }>
        ).map((row) => row.external_id),
      );
      expect([...before].filter((id) => !withTicket.has(id)), 'acknowledged before the backup, missing from it').toEqual([]);
      // Taken in the middle of the burst: messages stored after it are not in it (and it is still whole).
      expect(withTicket.size).toBeLessThan(confirmed.size);
    } finally {
      copy.close();
    }
    console.info(`backup during a burst: ${before.size} acknowledged before, ${duringBackup} during; ${result.tickets} tickets, ${result.bytes} bytes, ${result.ms} ms`);
  }, 120_000);
});
