// Migrations only move forward: a shipped migration is never edited (databases in villages already
// ran it, and drizzle would not run it again), and a database from a newer version is refused.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../storage/db.ts';
import { DatabaseFileError, MIGRATIONS_FOLDER, schemaState, shippedMigrations } from '../../storage/schema-version.ts';
import { tempDir } from '../helpers.ts';

/** Every migration released so far: file, sha256 of its text, and its journal time. Append, never change. */
const RELEASED = [
  { tag: '0000_initial', sha256: 'c5a219341b8c0fa21095ef3e1fcb7f76b3b72bbd368624d050cfae76e079d765', when: 1795563898501 },
  { tag: '0001_outbox_actions', sha256: '762b1e6d82e102b4ddd22be782f8828845461fcaa13554be641642d345d70494', when: 1796015183375 },
  { tag: '0002_outbox_platform_message_index', sha256: 'd750b562679b5a7f34b1afc7d74571b615646d37566c1424a1ca8673e02dbfef', when: 1796016774588 },
  { tag: '0003_summary_indexes', sha256: '56d484f902c218782d542de8f22888e20e12cd3bb4cd25c8aea1a1096d314e3e', when: 1796018417990 },
  {
    tag: '0004_deadlines_dashboard_data_rights',
    sha256: '1189cda92e2aa33fc492463a1a4333d5a5601b41b63c73b36d1890487f5095a3',
    when: 1796022008616,
  },
  { tag: '0005_outbox_attachment_list_indexes', sha256: '36b6dc5bbfe53c324b184b788064069104a570f33693c50fc191547a0dc0535f', when: 1796027270690 },
  { tag: '0006_partial_null_indexes', sha256: '9fcc28d586f870b67abe2e1a51fbb5b8e950478f81f9262042a35596c9cdfc6c', when: 1796032142378 },
  { tag: '0007_outbox_sent_parts', sha256: 'b77423d08ca765a9937ea8cad63977224da1f1192dad5544e3f15cefaa207dd5', when: 1796057874804 },
];

describe('shipped migrations', () => {
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta/_journal.json'), 'utf8')) as {
    entries: Array<{ idx: number; tag: string; when: number }>;
  };

  it.each(RELEASED)('$tag is unchanged', ({ tag, sha256, when }) => {
    const text = readFileSync(join(MIGRATIONS_FOLDER, `${tag}.sql`), 'utf8');
    const actual = createHash('sha256').update(text).digest('hex');
    expect(actual, `${tag}.sql was changed after release: migrations only move forward; revert it and add a new migration instead (npx drizzle-kit generate --name ...)`).toBe(sha256);
    const entry = journal.entries.find((e) => e.tag === tag);
    expect(entry?.when, `the journal entry of ${tag} was changed: add a new migration instead`).toBe(when);
  });

  it('are applied in journal order, released ones first, each later than the one before', () => {
    expect(journal.entries.slice(0, RELEASED.length).map((e) => e.tag)).toEqual(RELEASED.map((m) => m.tag));
    const times = journal.entries.map((e) => e.when);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(times).size).toBe(times.length);
  });
});

describe('a database from a newer version', () => {
  it('is refused by name, in Indonesian and English, and left as it was', () => {
    const data = tempDir();
    try {
      const file = join(data.dir, 'aspirasi.sqlite');
      openStore(file).close();
      const raw = new Database(file);
      raw.prepare('insert into __drizzle_migrations (hash, created_at) values (?, ?)').run('f'.repeat(64), Date.UTC(2030, 0, 1));
      raw.close();
      expect(() => openStore(file)).toThrow(DatabaseFileError);
      const shipped = shippedMigrations().length;
      expect(() => openStore(file)).toThrow(
        new RegExp(
          `lebih baru \\(${shipped + 1} migrasi, versi ini mengenal ${shipped}\\)[\\s\\S]*newer version of Aspirasi Desa \\(${shipped + 1} migrations, this version knows ${shipped}\\)`,
        ),
      );
      const after = new Database(file, { readonly: true });
      expect(schemaState(after)).toMatchObject({ kind: 'newer', applied: shipped + 1, shipped });
      after.close();
    } finally {
      data.cleanup();
    }
  });
});
