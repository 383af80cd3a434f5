// `npm run officer:password -- <officer_id>` as an administrator runs it, with the password on a pipe.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProfile } from '../../config/profile.ts';
import { checkOfficerPassword } from '../../core/auth/password.ts';
import { createCoreContext } from '../../core/context.ts';
import { openStore } from '../../storage/db.ts';
import { silentLogger, tempDir } from '../helpers.ts';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

function setPassword(args: string[], input: string, dataDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/officer-password.ts', ...args], {
      env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('npm run officer:password', () => {
  it('stores the piped password (first line) hashed, so the dashboard accepts it and nothing else', async () => {
    const data = tempDir();
    cleanups.push(data.cleanup);
    const result = await setPassword(['sekdes'], 'sandi-dari-pipa-123\n', data.dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Kata sandi dasbor untuk sekdes disimpan');

    const store = openStore(join(data.dir, 'aspirasi.sqlite'));
    cleanups.unshift(() => store.close());
    const ctx = createCoreContext({ store, profile: loadProfile(), logger: silentLogger });
    expect(await checkOfficerPassword(ctx, 'sekdes', 'sandi-dari-pipa-123')).toBe('sekdes');
    expect(await checkOfficerPassword(ctx, 'sekdes', 'sandi-dari-pipa-123\n')).toBeUndefined();
    const row = store.sqlite.prepare('select password_hash as hash from officer_credentials').get() as { hash: string };
    expect(row.hash).toMatch(/^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(row.hash).not.toContain('sandi-dari-pipa');
  }, 60_000);

  it('refuses an unknown officer, a short password and a missing argument with a clear message', async () => {
    const data = tempDir();
    cleanups.push(data.cleanup);
    const unknown = await setPassword(['lurah_palsu'], 'sandi-panjang-sekali\n', data.dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Petugas "lurah_palsu" tidak ada di profil desa. Pilihan: kades, sekdes');
    const short = await setPassword(['kades'], 'pendek\n', data.dir);
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('Kata sandi minimal 10 karakter.');
    const missing = await setPassword([], '', data.dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('usage: npm run officer:password -- <officer_id>');
  }, 60_000);
});
