// `npm run --silent summary -- --dry-run --json --week ...` as outside checks run it: a child process
// on a seeded database in a temporary DATA_DIR, one JSON line out, a PNG on disk, nothing posted.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { SUMMARY_PURPOSE } from '../../core/summary/run.ts';
import { openStore } from '../../storage/db.ts';
import { outbox, summaries } from '../../storage/schema.ts';
import { EXPECTED, seedWeek } from '../core/summary/seed.ts';
import { daytimeProfilePath, tempDir } from '../helpers.ts';

const run = promisify(execFile);
const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

function summaryScript(args: string[], dataDir: string) {
  return run(process.execPath, ['--import', 'tsx', 'scripts/summary.ts', ...args], {
    env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent', ASPIRASI_CONFIG: daytimeProfilePath() },
    timeout: 60_000,
  });
}

function seededDataDir(): string {
  const data = tempDir('aspirasi-summary-cli-');
  cleanups.push(data.cleanup);
  const store = openStore(join(data.dir, 'aspirasi.sqlite'));
  store.transaction(() => seedWeek(store.db));
  store.close();
  return data.dir;
}

describe('npm run --silent summary -- --dry-run --json --week 2026-W47', () => {
  it('prints exactly one JSON object {week, text, image, stats}, writes the PNG and posts nothing', async () => {
    const dataDir = seededDataDir();
    const { stdout } = await summaryScript(['--dry-run', '--json', '--week', '2026-W47'], dataDir);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const output = JSON.parse(lines[0]!) as { week: string; text: string; image: string; stats: Record<string, unknown> };
    expect(Object.keys(output).sort()).toEqual(['image', 'stats', 'text', 'week']);
    expect(output.week).toBe('2026-W47');
    expect(output.text).toContain('Senin 16 – Minggu 22 November 2026');
    expect(output.stats).toMatchObject(EXPECTED);
    expect(output.image).toBe(join(dataDir, 'summaries', '2026-W47.png'));
    expect(existsSync(output.image)).toBe(true);
    expect(readFileSync(output.image).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));

    const store = openStore(join(dataDir, 'aspirasi.sqlite'));
    try {
      expect(store.db.select().from(summaries).all()).toEqual([]);
      expect(store.db.select().from(outbox).where(eq(outbox.purpose, SUMMARY_PURPOSE)).all()).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('refuses a bad --week with a clear message and exit code 2', async () => {
    const dataDir = seededDataDir();
    const failure = await summaryScript(['--dry-run', '--json', '--week', '2026-W60'], dataDir).then(
      () => undefined,
      (error: unknown) => error as { code: number; stdout: string; stderr: string },
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stdout).toBe('');
    expect(failure?.stderr).toContain('--week: 2026 has ISO weeks 1 to 53, not 60');
  });
});
