// `npm run restore -- FILE`: replaces the database of DATA_DIR with a backup. The file is checked first
// (integrity_check, an Aspirasi Desa database, not from a newer version); nothing is replaced while
// the service runs on DATA_DIR; the current database is saved as DATA_DIR/backups/before-restore-*.sqlite.
import { join, resolve } from 'node:path';
import { loadDotEnv, parseEnv } from '../config/env.ts';
import { checkBackupFile, restoreDatabase } from '../storage/restore.ts';
import { parseCliArgs, runCli } from './cli.ts';
import { pidFilePath, runningServicePid } from './pidfile.ts';
import { villageTimeZone } from './village-timezone.ts';

const USAGE = 'usage: npm run restore -- FILE';

function refuse(reason: string): number {
  process.stderr.write(`Pemulihan ditolak / restore refused:\n${reason}\nTidak ada yang diubah / nothing was changed.\n`);
  return 1;
}

async function main(): Promise<number> {
  const parsed = parseCliArgs(USAGE, { options: { help: { type: 'boolean', short: 'h', default: false } }, strict: true, allowPositionals: true });
  if (typeof parsed === 'number') return parsed;
  const [given, ...extra] = parsed.positionals;
  if (given === undefined || extra.length > 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  loadDotEnv();
  const env = parseEnv();
  const file = resolve(given);
  if (file === env.databaseFile) return refuse('Berkas itu adalah basis data yang sedang dipakai.\nThat file is the database in use.');

  const check = checkBackupFile(file);
  if (!check.ok) return refuse(check.reason);
  const pid = runningServicePid(env.dataDir);
  if (pid !== undefined) {
    return refuse(
      `Layanan sedang berjalan (pid ${pid}, ${pidFilePath(env.dataDir)}); hentikan dulu, mis. sudo systemctl stop aspirasi-desa.\n` +
        `The service is running (pid ${pid}, ${pidFilePath(env.dataDir)}); stop it first, e.g. sudo systemctl stop aspirasi-desa.`,
    );
  }
  const { previous, previousRaw } = await restoreDatabase(file, env.databaseFile, join(env.dataDir, 'backups'), {
    at: Date.now(),
    timeZone: villageTimeZone(env.profilePath),
  });
  const lines = [`Dipulihkan / restored: ${file} -> ${env.databaseFile} (${check.tickets} tiket / tickets).`];
  if (previous) {
    lines.push(
      `Basis data sebelumnya disimpan di / the previous database was saved as: ${previous}${previousRaw ? ' (salinan mentah, basis data itu rusak / raw copy, it was damaged)' : ''}`,
    );
  }
  if (check.schema.applied < check.schema.shipped) {
    lines.push(
      `Cadangan ini dari versi lebih lama; migrasi dijalankan saat layanan dimulai / this backup is from an older version; migrations run when the service starts.`,
    );
  }
  lines.push('Mulai lagi layanannya / start the service again: npm start (or sudo systemctl start aspirasi-desa).');
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

runCli(main);
