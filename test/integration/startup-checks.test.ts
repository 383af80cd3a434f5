// Start-up checks name what is wrong, in Indonesian and English, and change nothing: an invalid
// village profile (file and field), a database made by a newer version, a file that is not a
// database, a damaged database. (Unwritable DATA_DIR and port in use: service.test.ts.)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, parseEnv } from '../../config/env.ts';
import { startService } from '../../scripts/service.ts';
import { openStore } from '../../storage/db.ts';
import { daytimeProfilePath, tempDir } from '../helpers.ts';
import { spawnScript } from './child.ts';

let data: { dir: string; cleanup: () => void };
let databaseFile: string;

beforeEach(() => {
  data = tempDir('aspirasi-startup-');
  databaseFile = join(data.dir, 'aspirasi.sqlite');
});

afterEach(() => {
  data.cleanup();
});

const start = (extra: Record<string, string> = {}) =>
  startService(parseEnv({ PORT: '0', DATA_DIR: data.dir, LOG_LEVEL: 'silent', ASPIRASI_CONFIG: daytimeProfilePath(), ...extra }, false));

async function startupFailure(extra: Record<string, string> = {}): Promise<string> {
  const error = await start(extra).then(
    async (service) => {
      await service.stop();
      throw new Error('the service started');
    },
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as Error).message;
}

describe('start-up checks', () => {
  it('an invalid profile: npm start prints the file and each field, in both languages, and exits 1', async () => {
    const profile = join(data.dir, 'desa.yaml');
    const demo = readFileSync(join(import.meta.dirname, '../../config/village.example.yaml'), 'utf8');
    writeFileSync(profile, demo.replace('role: kades,', 'role: lurah,').replace(/keep: 14/, 'keep: 0'));
    const { exited, output } = spawnScript(['scripts/start.ts'], { PORT: '0', DATA_DIR: join(data.dir, 'data'), ASPIRASI_CONFIG: profile });
    expect(await exited).toBe(1);
    const printed = output.join('');
    expect(printed).toContain('Aspirasi Desa tidak dapat dimulai / cannot start');
    expect(printed).toContain('Profil desa tidak valid / Invalid village profile');
    expect(printed).toMatch(new RegExp(`${profile}: officers\\[0\\]\\.role: `));
    expect(printed).toMatch(new RegExp(`${profile}: backup\\.keep: `));
  }, 30_000);

  it('a database made by a newer version is refused and left as it was', async () => {
    openStore(databaseFile).close();
    const raw = new Database(databaseFile);
    raw.prepare('insert into __drizzle_migrations (hash, created_at) values (?, ?)').run('a'.repeat(64), Date.UTC(2030, 0, 1));
    raw.close();
    const before = readFileSync(databaseFile);
    const message = await startupFailure();
    expect(message).toContain(databaseFile);
    expect(message).toMatch(/dibuat oleh versi Aspirasi Desa yang lebih baru[\s\S]*made by a newer version of Aspirasi Desa/);
    expect(readFileSync(databaseFile).equals(before)).toBe(true);
  });

  it('a file that is not a database is refused and left as it was', async () => {
    writeFileSync(databaseFile, 'bukan basis data\n'.repeat(400));
    const message = await startupFailure();
    expect(message).toContain(databaseFile);
    expect(message).toMatch(/rusak atau bukan basis data SQLite[\s\S]*damaged or not an SQLite database[\s\S]*npm run restore/);
    expect(readFileSync(databaseFile, 'utf8')).toBe('bukan basis data\n'.repeat(400));
  });

  it('a database with damaged pages is refused before it is used', async () => {
    const store = openStore(databaseFile);
    const insert = store.sqlite.prepare(
      "insert into contacts (channel, external_id, display_name, created_at, last_seen_at) values ('web', ?, 'Warga Desa Sukamaju', 0, 0)",
    );
    store.transaction(() => {
      for (let i = 0; i < 2000; i += 1) insert.run(`warga-${i}`);
    });
    store.close();
    const bytes = readFileSync(databaseFile);
    for (let i = bytes.length - 8 * 4096; i < bytes.length - 4 * 4096; i += 1) bytes[i] = (i * 13) & 0xff;
    writeFileSync(databaseFile, bytes);
    const message = await startupFailure();
    expect(message).toMatch(/rusak atau bukan basis data SQLite[\s\S]*damaged or not an SQLite database/);
  });
});
