// `npm run --silent export-contact -- CHANNEL ID`: everything stored about one resident as one JSON
// document on stdout (their contact, tickets and messages), for a resident whose /dataku answer was
// cut short. Safe while the service runs. Example: npm run --silent export-contact -- whatsapp 6281234567890@c.us
import pino from 'pino';
import { loadDotEnv, parseEnv } from '../config/env.ts';
import { loadProfile } from '../config/profile.ts';
import { createCoreContext } from '../core/context.ts';
import { exportContactData } from '../core/privacy/export.ts';
import { openStore } from '../storage/db.ts';
import { runCli } from './cli.ts';

const USAGE = 'usage: npm run --silent export-contact -- CHANNEL ID   (e.g. telegram 123456789, whatsapp 6281234567890@c.us)';

function main(): Promise<number> {
  const [channel, id, ...extra] = process.argv.slice(2);
  if (!channel || !id || extra.length > 0) {
    process.stderr.write(`${USAGE}\n`);
    return Promise.resolve(2);
  }
  loadDotEnv();
  const env = parseEnv();
  const store = openStore(env.databaseFile, { synchronous: env.sqliteSynchronous });
  try {
    const logger = pino({ level: env.logLevel }, pino.destination(2));
    const ctx = createCoreContext({ store, profile: loadProfile(env.profilePath), logger });
    const data = store.transaction(() => exportContactData(ctx, channel, id));
    if (!data) {
      process.stderr.write(`Kontak ${channel} ${id} tidak ditemukan / no such contact (already deleted or anonymised?)\n`);
      return Promise.resolve(1);
    }
    process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
    return Promise.resolve(0);
  } finally {
    store.close();
  }
}

runCli(main);
