// A graceful stop (SIGTERM, as systemd sends) in the middle of a burst loses nothing: every message
// answered 2xx is stored, its acknowledgement is sent or still waiting in the outbox (none left half
// sent), the service exits 0 and removes its pid file, and the next start sends what was waiting.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.ts';
import { burst, killChildren, openDb, startChild, stopGracefully, storedInboundIds, waitDrained, type BurstMessage } from './child.ts';

const data = tempDir('aspirasi-sigterm-');

afterAll(async () => {
  await killChildren();
  data.cleanup();
});

const TEXTS = [
  'Jalan di gang dekat rumah saya berlubang besar',
  'Lampu jalan di depan mushola mati sudah dua minggu',
  'Air PAMSIMAS tidak mengalir sejak kemarin pagi',
];
// One message per resident: each opens its own ticket and gets its own acknowledgement.
const MESSAGES: BurstMessage[] = Array.from({ length: 300 }, (_, i) => ({
  id: `term-${i}`,
  user: `warga-term-${i}`,
  text: `${TEXTS[i % TEXTS.length] ?? ''} (laporan ${i})`,
}));

interface AckRow {
  external_id: string;
  state: string | null;
}

function acknowledgements(): AckRow[] {
  const db = openDb(data.dir);
  try {
    return db
      .prepare(
        `select m.external_id, o.state from messages m
         left join outbox o on o.ticket_id = m.ticket_id and o.purpose = 'ack'
         where m.channel = 'web' and m.direction = 'in'`,
      )
      .all() as AckRow[];
  } finally {
    db.close();
  }
}

describe('graceful stop on SIGTERM during a burst', () => {
  it('keeps every confirmed message and its acknowledgement, and sends what was waiting after the restart', async () => {
    const running = await startChild(data.dir);
    // While it runs, the pid file tells `npm run restore` so.
    expect(readFileSync(join(data.dir, 'aspirasi-desa.pid'), 'utf8')).toBe(`${running.child.pid}\n`);
    const started = performance.now();
    const elapsed = () => `${Math.round(performance.now() - started)} ms`;
    const { confirmed, stopMs } = await burst(running, MESSAGES, { interrupt: { responses: 80, delayMs: 5, signal: 'SIGTERM' } });
    const stoppedAfter = elapsed();
    expect(await running.exited, running.output.join('')).toBe(0);
    // systemd (config/systemd/aspirasi-desa.service) sends SIGKILL after TimeoutStopSec=30.
    expect(stopMs, 'time from SIGTERM to exit, ms').toBeLessThan(30_000);
    expect(confirmed.size).toBeGreaterThanOrEqual(80);
    expect(confirmed.size).toBeLessThan(MESSAGES.length);
    expect(existsSync(join(data.dir, 'aspirasi-desa.pid')), 'pid file left after a clean stop').toBe(false);

    const db = openDb(data.dir);
    const stored = storedInboundIds(db);
    db.close();
    expect([...confirmed].filter((id) => !stored.has(id)), 'confirmed messages lost').toEqual([]);
    const acks = acknowledgements();
    const byMessage = new Map(acks.map((row) => [row.external_id, row.state]));
    for (const id of confirmed) {
      expect(['sent', 'pending'], `acknowledgement of ${id}`).toContain(byMessage.get(id));
    }
    expect(acks.filter((row) => row.state === 'sending'), 'rows left half sent').toEqual([]);

    // The next start sends what was still waiting.
    const pending = acks.filter((row) => row.state === 'pending').length;
    const again = await startChild(data.dir);
    const restartedAfter = elapsed();
    await waitDrained(again);
    await stopGracefully(again);
    // Shown with the test's output; useful when a run is slow.
    console.info(
      `graceful stop: ${confirmed.size} confirmed, stopped after ${stoppedAfter} (${stopMs} ms after SIGTERM), ${pending} acknowledgements pending; restarted after ${restartedAfter}, drained and stopped after ${elapsed()}`,
    );
    const after = acknowledgements();
    expect(after.filter((row) => row.state !== 'sent')).toEqual([]);
  }, 120_000);
});
