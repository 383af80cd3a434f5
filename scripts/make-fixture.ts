// `node --import tsx scripts/make-fixture.ts`: rebuilds test/fixtures/db-0003.sqlite, the upgrade
// fixture, with the code of the last version before migration 0004 (commit 526edfe): that version is
// extracted with `git archive` into a temporary folder (sharing this checkout's node_modules), and
// test/fixtures/db-0003.generate.ts is run there, so the rows are exactly what the old code wrote.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OLD_VERSION = '526edfe';
const GENERATOR = 'test/fixtures/db-0003.generate.ts';
const OUTPUT = join(ROOT, 'test/fixtures/db-0003.sqlite');

function run(command: string, args: string[], options: { cwd: string; input?: Buffer }): Buffer {
  const result = spawnSync(command, args, { cwd: options.cwd, input: options.input, maxBuffer: 1 << 28 });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal}): ${result.stderr.toString()}`);
  }
  return result.stdout;
}

const work = mkdtempSync(join(tmpdir(), 'aspirasi-fixture-'));
try {
  run('tar', ['-x', '-C', work], { cwd: ROOT, input: run('git', ['archive', OLD_VERSION], { cwd: ROOT }) });
  symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'));
  mkdirSync(join(work, dirname(GENERATOR)), { recursive: true });
  copyFileSync(join(ROOT, GENERATOR), join(work, GENERATOR));
  const database = join(work, 'fixture.sqlite');
  run(process.execPath, ['--import', 'tsx', GENERATOR, database], { cwd: work });
  copyFileSync(database, OUTPUT);
  process.stdout.write(`${OUTPUT} (${statSync(OUTPUT).size} bytes, written by ${OLD_VERSION})\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
