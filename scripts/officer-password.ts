// `npm run officer:password -- <officer_id>`: sets an officer's dashboard password. The password is
// read from the terminal without echo, or from a pipe (`printf '%s\n' "$PW" | npm run ...`), never
// from the command line (it would stay in the shell history and the process list).
import pino from 'pino';
import { loadDotEnv, parseEnv } from '../config/env.ts';
import { loadProfile } from '../config/profile.ts';
import { setOfficerPassword } from '../core/auth/password.ts';
import { createCoreContext } from '../core/context.ts';
import { openStore } from '../storage/db.ts';
import { runCli } from './cli.ts';

const USAGE = 'usage: npm run officer:password -- <officer_id>   (the password is read from the terminal or stdin)';

/** Reads one line from a terminal without showing what is typed. */
function readHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const input = process.stdin;
    process.stderr.write(prompt);
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    let value = '';
    const finish = (error?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.removeListener('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n' || char === '\u0004') return finish();
        if (char === '\u0003') return finish(new Error('dibatalkan'));
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else value += char;
      }
    };
    input.on('data', onData);
  });
}

async function readPiped(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // The first line is the password; a trailing newline from echo/printf is not part of it.
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.length !== 1 || args[0] === '--help' || args[0] === '-h') {
    process.stderr.write(`${USAGE}\n`);
    return args[0] === '--help' || args[0] === '-h' ? 0 : 2;
  }
  const officerId = (args[0] ?? '').trim().toLowerCase();
  loadDotEnv();
  const env = parseEnv();
  const profile = loadProfile(env.profilePath);
  if (!profile.officers.some((officer) => officer.id === officerId)) {
    process.stderr.write(`Petugas "${officerId}" tidak ada di profil desa. Pilihan: ${profile.officers.map((o) => o.id).join(', ')}\n`);
    return 2;
  }
  let password: string;
  if (process.stdin.isTTY) {
    password = await readHidden(`Kata sandi baru untuk ${officerId}: `);
    const again = await readHidden('Ulangi kata sandi: ');
    if (again !== password) {
      process.stderr.write('Kedua kata sandi tidak sama; tidak ada yang diubah.\n');
      return 1;
    }
  } else {
    password = await readPiped();
  }
  const store = openStore(env.databaseFile, { synchronous: env.sqliteSynchronous });
  try {
    const ctx = createCoreContext({ store, profile, logger: pino({ level: env.logLevel }, pino.destination(2)) });
    await setOfficerPassword(ctx, officerId, password);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 1;
  } finally {
    store.close();
  }
  process.stdout.write(`Kata sandi dasbor untuk ${officerId} disimpan. Masuk di /masuk dengan ID "${officerId}".\n`);
  return 0;
}

runCli(main);
