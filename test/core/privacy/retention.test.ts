// Retention: personal data of tickets finished longer ago than the profile's limit is anonymised,
// while every figure of the weekly summary stays the same.
import { afterEach, describe, expect, it } from 'vitest';
import { anonymizeTicket, PersonalDataIndex } from '../../../core/privacy/anonymize.ts';
import { keyedHash } from '../../../core/privacy/key.ts';
import { RETENTION_JOB, runRetention, scheduleRetention } from '../../../core/privacy/retention.ts';
import { computeWeeklyStats } from '../../../core/summary/stats.ts';
import { findContact, getContact, getJobRun, getTicket } from '../../../storage/repositories/index.ts';
import { contacts, messages, tickets } from '../../../storage/schema.ts';
import { createTestCore, demoProfileWith, type TestCore } from '../../helpers.ts';
import { seedWeek, WEEK } from '../summary/seed.ts';
import { deliver, REPORT, RESIDENT, RESIDENT_NAME, SECRETS, whereStored } from './fixtures.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MONTH = 31 * DAY;

let core: TestCore;
afterEach(() => core.close());

const db = () => core.ctx.store.db;

function ticketId(code: string | undefined): number {
  return Number(code?.split('-')[1]);
}

/** A resident's whole story: report, officer's answer, note, correction, resolution, rating. */
async function finishedStory(user: string, name: string, text: string): Promise<number> {
  const id = ticketId(core.send(user, text, { name }).ticketCode);
  core.send('kaur_umum', `/balas ${id} Baik Pak ${name.split(' ')[0]}, besok kami cek.`);
  core.send('kaur_umum', `/catatan ${id} ${text.slice(0, 80)}`);
  core.send('kaur_umum', `/kategori ${id} infrastruktur`);
  core.send('kasi_kesejahteraan', `/selesai ${id} Sudah diperbaiki`);
  await deliver(core);
  core.send(user, '5');
  await deliver(core);
  return id;
}

describe('retention', () => {
  it('leaves every figure of an old week unchanged', async () => {
    core = createTestCore({ start: WEEK.end + 3 * DAY });
    seedWeek(db());
    core.clock.advance(25 * MONTH);
    const before = computeWeeklyStats(core.ctx, WEEK);
    const result = await runRetention(core.ctx);
    expect(result.tickets).toBeGreaterThan(5);
    expect(computeWeeklyStats(core.ctx, WEEK)).toEqual(before);
    // The finished tickets lost the residents' words; the open ones wait for an officer and keep them.
    const rows = db().select().from(tickets).all();
    for (const row of rows) {
      const finished = ['closed', 'rejected', 'referred', 'merged', 'resolved'].includes(row.status);
      expect(row.anonymizedAt !== null, `${row.code} ${row.status}`).toBe(finished);
      // Names of other people than the reporter cannot be told from words; numbers and e-mails can.
      if (finished) expect(row.summary).not.toMatch(/0812|3201012345670001|gmail/);
      const reporter = row.contactId === 1 ? /Budi|Santoso/ : /Ratna|Kumalasari/;
      if (finished) expect(row.summary).not.toMatch(reporter);
    }
  });

  it('removes every trace of the resident from old finished tickets, and only from those', async () => {
    core = createTestCore();
    const old = await finishedStory(RESIDENT, RESIDENT_NAME, REPORT);
    // Another resident's ticket finished long ago too, and one that is still open from back then.
    const openOld = ticketId(core.send('warga-lama', 'Jalan berlubang di RT 03 dekat sekolah, nama saya Kartini Wulandari', { name: 'Kartini' }).ticketCode);
    core.clock.advance(25 * MONTH);
    // A recent finished ticket of a third resident.
    const recent = await finishedStory('6289876543210@c.us', 'Sutarni Handayani', 'Air PAMSIMAS mati di dusun sukasari, nama saya Sutarni Handayani');
    const countsBefore = { messages: db().select().from(messages).all().length, ticket: getTicket(db(), old) };

    const result = await runRetention(core.ctx);

    expect(result).toMatchObject({ tickets: 1, contacts: 1 });
    for (const secret of SECRETS) expect(whereStored(core.ctx.store, secret), secret).toEqual([]);
    // Counts, category, dates, response times and the rating stay.
    expect(db().select().from(messages).all()).toHaveLength(countsBefore.messages);
    const after = getTicket(db(), old);
    const kept = ['category', 'status', 'createdAt', 'firstResponseAt', 'resolvedAt', 'closedAt', 'rating', 'dusun', 'assignee'] as const;
    for (const field of kept) expect(after?.[field], field).toEqual(countsBefore.ticket?.[field]);
    expect(after?.chatId).toBe(keyedHash(core.ctx.privacyKey(), 'web', RESIDENT));
    expect(after?.summary).toContain('Lampu jalan di depan masjid Dusun Krajan');
    // The contact is a keyed hash without a name: the same person stays countable, not identifiable.
    const contact = getContact(db(), countsBefore.ticket?.contactId ?? 0);
    expect(contact).toMatchObject({ externalId: keyedHash(core.ctx.privacyKey(), 'web', RESIDENT), displayName: null });
    expect(contact?.anonymizedAt).not.toBeNull();
    // The open ticket and the recent one keep everything.
    expect(getTicket(db(), openOld)?.anonymizedAt).toBeNull();
    expect(whereStored(core.ctx.store, 'Kartini')).toContain('tickets.summary');
    expect(getTicket(db(), recent)?.anonymizedAt).toBeNull();
    expect(whereStored(core.ctx.store, 'Sutarni')).toEqual(expect.arrayContaining(['tickets.summary', 'messages.text', 'contacts.display_name']));
    expect(findContact(db(), 'web', '6289876543210@c.us')?.displayName).toBe('Sutarni Handayani');
  });

  it('is idempotent: a second run changes nothing', async () => {
    core = createTestCore();
    await finishedStory(RESIDENT, RESIDENT_NAME, REPORT);
    core.clock.advance(25 * MONTH);
    await runRetention(core.ctx);
    const snapshot = () => ({
      tickets: db().select().from(tickets).all(),
      contacts: db().select().from(contacts).all(),
      messages: db().select().from(messages).all(),
    });
    const first = snapshot();
    const second = await runRetention(core.ctx);
    expect(second).toMatchObject({ tickets: 0, contacts: 0, sentAfterDeletion: 0 });
    expect(snapshot()).toEqual(first);
  });

  it('keeps what is younger than the limit the profile sets', async () => {
    core = createTestCore({ profile: demoProfileWith((raw) => (raw.retention = { personal_data_months: 6 })) });
    const id = await finishedStory(RESIDENT, RESIDENT_NAME, REPORT);
    core.clock.advance(5 * MONTH);
    expect((await runRetention(core.ctx)).tickets).toBe(0);
    expect(getTicket(db(), id)?.anonymizedAt).toBeNull();
    core.clock.advance(2 * MONTH);
    expect((await runRetention(core.ctx)).tickets).toBe(1);
  });

  it('works through a large backlog in batches', async () => {
    core = createTestCore();
    const ids: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      const id = ticketId(core.send(`warga-${i}`, `Lampu jalan RT 0${i} mati, hubungi 0812-3456-700${i}`).ticketCode);
      core.send('kaur_umum', `/tolak ${id} Sudah dilaporkan`);
      ids.push(id);
    }
    core.clock.advance(25 * MONTH);
    const result = await runRetention(core.ctx, { batchSize: 2 });
    expect(result).toMatchObject({ tickets: 7, contacts: 7 });
    for (const id of ids) expect(getTicket(db(), id)?.anonymizedAt).not.toBeNull();
    expect(whereStored(core.ctx.store, '3456-700')).toEqual([]);
  });

  it('a resident anonymised twice (they wrote again in between) stays one anonymous contact', async () => {
    core = createTestCore();
    await finishedStory(RESIDENT, RESIDENT_NAME, REPORT);
    core.clock.advance(25 * MONTH);
    await runRetention(core.ctx);
    const again = await finishedStory(RESIDENT, RESIDENT_NAME, 'Sampah menumpuk di pinggir jalan Dusun Krajan');
    core.clock.advance(25 * MONTH);
    await runRetention(core.ctx);
    const hash = keyedHash(core.ctx.privacyKey(), 'web', RESIDENT);
    const residentRows = db().select().from(contacts).all().filter((row) => row.externalId === hash);
    expect(residentRows).toHaveLength(1);
    expect(getTicket(db(), again)?.contactId).toBe(residentRows[0]?.id);
    expect(db().select().from(tickets).all().filter((row) => row.contactId === residentRows[0]?.id)).toHaveLength(2);
  });

  it('the daily job runs once per village day and records its counts', async () => {
    // 04:00 WIB: the 03:15 run of the day is due at start.
    core = createTestCore({ start: Date.UTC(2026, 10, 2, 21, 0, 0) });
    await finishedStory(RESIDENT, RESIDENT_NAME, REPORT);
    core.clock.advance(25 * MONTH);
    const cancel = scheduleRetention(core.ctx);
    await cancel.pending;
    cancel();
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Jakarta' }).format(new Date(core.clock.now));
    expect(getJobRun(db(), RETENTION_JOB, day)?.detail).toMatchObject({ tickets: 1, contacts: 1 });
    // Started again the same day: nothing runs twice.
    const again = scheduleRetention(core.ctx);
    await again.pending;
    again();
    expect(getJobRun(db(), RETENTION_JOB, day)?.detail).toMatchObject({ tickets: 1 });
  });

  it('scrubs what officers wrote about the resident in internal notes and corrections', () => {
    core = createTestCore();
    const id = ticketId(core.send(RESIDENT, REPORT, { name: RESIDENT_NAME }).ticketCode);
    core.send('kaur_umum', `/catatan ${id} Pak Gatot minta ditelepon di 0857-1122-3344`);
    core.send('kaur_umum', `/kategori ${id} infrastruktur`);
    expect(whereStored(core.ctx.store, 'Gatot')).toContain('classifier_corrections.text');
    core.send('kaur_umum', `/tolak ${id} Bukan wewenang desa`);
    core.clock.advance(25 * MONTH);
    core.ctx.store.transaction(() => {
      const ticket = getTicket(db(), id);
      if (ticket) anonymizeTicket(core.ctx, new PersonalDataIndex(core.ctx, true), ticket);
    });
    expect(whereStored(core.ctx.store, 'Gatot')).toEqual([]);
    expect(whereStored(core.ctx.store, '1122-3344')).toEqual([]);
  });
});
