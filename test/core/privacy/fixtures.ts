// Shared by the privacy tests: a resident whose messages are full of personal data, delivery through
// the web adapter, and a search of every text column of every table.
import { WebAdapter } from '../../../bots/web/adapter.ts';
import { OutboxWorker } from '../../../core/outbox.ts';
import type { Store } from '../../../storage/db.ts';
import type { TestCore } from '../../helpers.ts';

/** A WhatsApp-style account id: the phone number is the id. */
export const RESIDENT = '6281234567890@c.us';
export const RESIDENT_NAME = 'Budi Santoso';
/** What the resident wrote: their own name, a NIK, an e-mail and another phone number. */
export const REPORT =
  'Nama saya Gatot Prasetyo, NIK 3201012345670001, email gatot.prasetyo@gmail.com, hp 0857-1122-3344. ' +
  'Lampu jalan di depan masjid Dusun Krajan mati sudah seminggu';
/** Strings none of which may remain anywhere once the resident's data is anonymised. */
export const SECRETS = ['6281234567890', '3201012345670001', 'gatot.prasetyo@gmail.com', '1122-3344', 'Gatot', 'Prasetyo', 'Budi', 'Santoso'];

/** Sends everything due through the web adapter, so outbound rows are sent and messages recorded. */
export async function deliver(core: TestCore): Promise<void> {
  const worker = new OutboxWorker(core.ctx, new Map([['web', new WebAdapter()]]));
  while ((await worker.runOnce()) > 0) {
    /* until nothing is due */
  }
}

/** Every `table.column` (text columns, JSON included) whose value contains `needle`, ignoring case. */
export function whereStored(store: Store, needle: string): string[] {
  const tables = store.sqlite
    .prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%'`)
    .all() as Array<{ name: string }>;
  const found: string[] = [];
  for (const { name } of tables) {
    const columns = store.sqlite.prepare(`pragma table_info("${name}")`).all() as Array<{ name: string; type: string }>;
    for (const column of columns) {
      if (!/text/i.test(column.type)) continue;
      const row = store.sqlite
        .prepare(`select count(*) as n from "${name}" where instr(lower("${column.name}"), lower(?)) > 0`)
        .get(needle) as { n: number };
      if (row.n > 0) found.push(`${name}.${column.name}`);
    }
  }
  return found;
}
