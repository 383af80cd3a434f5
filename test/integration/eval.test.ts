// The DESIGN.md evaluation contract, run as outside checks run it: a JSON-lines file in, one JSON line out.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.ts';

const run = promisify(execFile);
const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

function evalScript(args: string[], dataDir: string) {
  return run(process.execPath, ['--import', 'tsx', 'scripts/eval.ts', ...args], {
    env: { ...process.env, DATA_DIR: dataDir },
    timeout: 60_000,
  });
}

describe('npm run --silent eval -- FILE.jsonl', () => {
  it('prints one JSON line with n, accuracy, macro_f1, top3_accuracy and per-label figures, plus kind accuracy', async () => {
    const data = tempDir();
    cleanups.push(data.cleanup);
    const file = join(data.dir, 'set.jsonl');
    const lines = [
      { text: 'lampu jalan di gang mawar mati semua, gelap gulita', category: 'listrik', kind: 'pengaduan' },
      { text: 'Jembatan bambu ke sawah sudah lapuk dan hampir putus', category: 'infrastruktur', kind: 'pengaduan' },
      { text: 'bagaimana cara mengurus akta kelahiran anak saya?', category: 'kependudukan', kind: 'pertanyaan' },
      { text: 'sumur warga kering, air bersih susah sekali', category: 'air_bersih' },
    ];
    writeFileSync(file, `${lines.map((line) => JSON.stringify(line)).join('\n')}\n\n`);

    const { stdout } = await evalScript([file], data.dir);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    const report = JSON.parse(stdout) as Record<string, unknown> & { per_label: Record<string, Record<string, number>> };
    expect(report).toMatchObject({ n: 4 });
    for (const key of ['accuracy', 'macro_f1', 'top3_accuracy', 'kind_accuracy']) {
      expect(report[key], key).toBeGreaterThanOrEqual(0);
      expect(report[key], key).toBeLessThanOrEqual(1);
    }
    expect(Object.keys(report.per_label).sort()).toEqual(['air_bersih', 'infrastruktur', 'kependudukan', 'listrik']);
    expect(Object.keys(report.per_label.listrik ?? {}).sort()).toEqual(['f1', 'precision', 'recall', 'support']);
    expect(report.accuracy).toBeGreaterThanOrEqual(0.75);
  });

  it('names the file and line of a malformed entry and exits non-zero', async () => {
    const data = tempDir();
    cleanups.push(data.cleanup);
    const file = join(data.dir, 'bad.jsonl');
    writeFileSync(file, '{"text":"jalan rusak","category":"infrastruktur"}\n{"text": 5}\n');
    const failure = (await evalScript([file], data.dir).then(
      () => undefined,
      (error: unknown) => error,
    )) as { code?: number; stderr?: string } | undefined;
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('bad.jsonl:2');
  });
});
