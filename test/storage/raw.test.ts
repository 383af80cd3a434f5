// The intake's raw statements (storage/raw.ts) must store and return exactly what drizzle would:
// the same encodings (booleans, JSON) and the same row, defaults included, as read back.
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../storage/db.ts';
import { decodeRow, insertRow, insertRowReturning } from '../../storage/raw.ts';
import { contacts, messages, outbox, tickets } from '../../storage/schema.ts';
import { createTicket, findOrCreateContact, getTicket, insertInboundMessage } from '../../storage/repositories/index.ts';

let store: Store;

beforeEach(() => {
  store = openStore(':memory:');
});

afterEach(() => store.close());

describe('raw statements', () => {
  it('returns the ticket row exactly as drizzle reads it back, defaults included', () => {
    const { contact } = findOrCreateContact(store.db, 'web', 'warga-1', 'Bu Sri', 1_000);
    const created = createTicket(store.db, 'SKM', {
      contactId: contact.id,
      channel: 'web',
      chatId: 'warga-1',
      summary: 'Jalan berlubang',
      category: 'infrastruktur',
      kind: 'pengaduan',
      confidence: 0.8,
      status: 'new',
      urgent: true,
      createdAt: 2_000,
      lastActivityAt: 2_000,
    });
    const read = store.db.select().from(tickets).where(eq(tickets.id, created.id)).get();
    expect(created).toEqual(read);
    expect(created).toMatchObject({ code: `SKM-${created.id}`, urgent: true, confidential: false, escalationLevel: 0, dusun: null });
    expect(getTicket(store.db, created.id)).toEqual(read);
  });

  it('returns the contact row as stored', () => {
    const created = insertRowReturning(store.db, contacts, { channel: 'telegram', externalId: '42', createdAt: 5, lastSeenAt: 5 });
    const read = store.db.select().from(contacts).where(eq(contacts.externalId, '42')).get();
    expect(created).toEqual(read);
    expect(read?.reachable).toBe(true);
  });

  it('encodes booleans and JSON columns as drizzle does', () => {
    const { id } = insertRow(store.db, outbox, {
      channel: 'web',
      chatId: 'warga-1',
      text: 'Terima kasih',
      purpose: 'ack',
      urgent: true,
      state: 'pending',
      attempts: 0,
      nextAttemptAt: 1,
      createdAt: 1,
      actions: [{ label: 'Ambil', command: '/ambil SKM-1' }],
    });
    const raw = store.sqlite.prepare('select urgent, actions from outbox where id = ?').get(id) as { urgent: number; actions: string };
    expect(raw.urgent).toBe(1);
    expect(JSON.parse(raw.actions)).toEqual([{ label: 'Ambil', command: '/ambil SKM-1' }]);
    const row = decodeRow(outbox, store.sqlite.prepare('select * from outbox where id = ?').get(id));
    expect(row).toEqual(store.db.select().from(outbox).where(eq(outbox.id, id)).get());
  });

  it('stores each row with its own columns when inserts into one table set different columns', () => {
    // Statements are looked up by the properties set, one after another: a row setting a prefix of
    // another row's properties, or more of them, must get its own statement.
    const base = { channel: 'web', chatId: 'warga-1', text: 'satu', purpose: 'ack', state: 'pending' as const, nextAttemptAt: 1, createdAt: 1 };
    const plain = insertRow(store.db, outbox, base).id;
    const more = insertRow(store.db, outbox, { ...base, text: 'dua', urgent: true, replyToExternalId: 'm-9' }).id;
    const undefinedSkipped = insertRow(store.db, outbox, { ...base, text: 'tiga', urgent: undefined, replyToExternalId: undefined }).id;
    const rows = store.sqlite.prepare('select id, text, urgent, reply_to_external_id as replyTo from outbox order by id').all();
    expect(rows).toEqual([
      { id: plain, text: 'satu', urgent: 0, replyTo: null },
      { id: more, text: 'dua', urgent: 1, replyTo: 'm-9' },
      { id: undefinedSkipped, text: 'tiga', urgent: 0, replyTo: null },
    ]);
  });

  it('skips a redelivered message and reports it as a duplicate', () => {
    const message = { channel: 'telegram', externalId: 'm-1', chatId: 'c', text: 'halo', at: 1 };
    const first = insertInboundMessage(store.db, message);
    expect(first).toBeTypeOf('number');
    expect(insertInboundMessage(store.db, { ...message, text: 'lain' })).toBeUndefined();
    const stored = store.db.select().from(messages).all();
    expect(stored).toHaveLength(1);
    expect(stored[0]?.text).toBe('halo');
  });
});
