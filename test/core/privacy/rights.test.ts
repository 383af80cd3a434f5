// Residents' data rights in chat: /dataku shows what is stored, /hapus deletes it after "YA HAPUS",
// only for the resident's own data and only in a private chat.
import { afterEach, describe, expect, it } from 'vitest';
import { exportContactData } from '../../../core/privacy/export.ts';
import { keyedHash } from '../../../core/privacy/key.ts';
import { runRetention } from '../../../core/privacy/retention.ts';
import { findContact, getContact, getTicket, listTicketEvents } from '../../../storage/repositories/index.ts';
import { contacts, dataRequests, outbox, tickets } from '../../../storage/schema.ts';
import { createTestCore, demoProfileWith, type TestCore } from '../../helpers.ts';
import { deliver, REPORT, RESIDENT, RESIDENT_NAME, SECRETS, whereStored } from './fixtures.ts';

const HOUR = 3_600_000;

let core: TestCore;
afterEach(() => core.close());

const db = () => core.ctx.store.db;

function last(chatId: string): string {
  return core.queued(chatId).at(-1) ?? '';
}

/** The resident reports; returns the ticket's id. */
function report(user = RESIDENT, text = REPORT): number {
  const result = core.send(user, text, { name: RESIDENT_NAME });
  expect(result.outcome).toBe('new_ticket');
  return Number(result.ticketCode?.split('-')[1]);
}

function requests() {
  return db().select().from(dataRequests).all();
}

describe('/dataku', () => {
  it('sends the resident what is stored about them, newest message first', () => {
    core = createTestCore();
    const id = report();
    core.clock.advance(HOUR);
    core.send(RESIDENT, 'Tambahan: tiangnya juga miring');
    core.clock.advance(HOUR);
    core.send(RESIDENT, '/dataku');
    const answer = last(RESIDENT);
    expect(answer).toContain('Data Anda yang tersimpan di layanan aspirasi Desa Sukamaju');
    expect(answer).toContain(`Akun: web ${RESIDENT}`);
    expect(answer).toContain(`Nama tampilan: ${RESIDENT_NAME}`);
    expect(answer).toContain(`SKM-${id} — Listrik dan penerangan jalan — Sudah ada petugas; masuk`);
    expect(answer).toContain('Pesan yang Anda kirim (2, terbaru dulu)');
    expect(answer.indexOf('tiangnya juga miring')).toBeLessThan(answer.indexOf('Nama saya Gatot Prasetyo'));
    expect(answer).not.toContain('/dataku');
    expect(answer).toContain('/hapus');
    // Recorded as who and when, nothing else.
    expect(requests()).toEqual([
      expect.objectContaining({ kind: 'export', state: 'done', contactId: getTicket(db(), id)?.contactId }),
    ]);
  });

  it('answers the plain words "data saya", "dataku" and "lihat data saya"', () => {
    core = createTestCore();
    report();
    for (const words of ['data saya', 'Dataku', 'lihat data saya!']) {
      expect(core.send(RESIDENT, words).outcome).toBe('resident_command');
      expect(last(RESIDENT)).toContain(`Akun: web ${RESIDENT}`);
    }
  });

  it('caps a long history and says how many messages are not shown', () => {
    core = createTestCore();
    report();
    for (let i = 0; i < 60; i += 1) {
      core.clock.advance(HOUR);
      core.send(RESIDENT, `Pesan tambahan nomor ${i}: ${'jalan masih rusak dan berlubang, mohon segera diperbaiki. '.repeat(4)}`);
    }
    core.send(RESIDENT, '/dataku');
    const answer = last(RESIDENT);
    expect(answer.length).toBeLessThanOrEqual(4096);
    expect(answer).toContain('Pesan yang Anda kirim (61, terbaru dulu)');
    expect(answer).toContain('Pesan tambahan nomor 59');
    expect(answer).toMatch(/… \d+ pesan lain tidak ditampilkan di sini\. Petugas desa dapat mengekspor seluruh data Anda/);
    // The officer's export has all of it.
    const exported = core.ctx.store.transaction(() => exportContactData(core.ctx, 'web', RESIDENT));
    expect(exported?.messages.filter((message) => message.direction === 'in')).toHaveLength(62);
    expect(exported?.tickets).toEqual([expect.objectContaining({ code: 'SKM-1', category: 'listrik' })]);
    expect(requests().filter((row) => row.kind === 'export')).toHaveLength(2);
  });

  it('in a group, says to ask in a private chat and shows nothing', () => {
    core = createTestCore();
    report();
    core.send(RESIDENT, '/dataku', { chat: 'grup-warga' });
    const answer = last('grup-warga');
    expect(answer).toContain('hanya dapat digunakan di chat pribadi');
    for (const secret of [RESIDENT, 'Gatot', 'SKM-1', RESIDENT_NAME]) expect(answer).not.toContain(secret);
    core.send(RESIDENT, '/hapus', { chat: 'grup-warga' });
    expect(last('grup-warga')).toContain('/hapus hanya dapat digunakan di chat pribadi');
    expect(requests()).toEqual([]);
  });

  it.each([
    ['/dataku 081234567890', '/dataku'],
    ['/dataku SKM-1', '/dataku'],
    ['/hapus SKM-1', '/hapus'],
    ['/hapus 6289876543210', '/hapus'],
  ])('refuses "%s": only your own data, from your own chat', (text, command) => {
    core = createTestCore();
    report('warga-lain', 'Jalan berlubang di RT 03, nama saya Kartini Wulandari');
    report();
    core.send(RESIDENT, text);
    const answer = last(RESIDENT);
    expect(answer).toContain(`Maaf, ${command} hanya untuk data Anda sendiri, dan hanya dari chat Anda sendiri.`);
    expect(answer).not.toContain('Kartini');
    expect(requests()).toEqual([]);
  });
});

describe('/hapus', () => {
  it('asks for confirmation, explaining what goes and what stays, and changes nothing yet', () => {
    core = createTestCore();
    const id = report();
    const before = db().select().from(tickets).all();
    core.send(RESIDENT, 'hapus data saya');
    const answer = last(RESIDENT);
    expect(answer).toContain('Balas YA HAPUS dalam 24 jam');
    expect(answer).toContain('nomor laporan, kategori, tanggal');
    expect(answer).toContain(`(SKM-${id}) akan ditutup dan tidak dapat lagi dijawab petugas`);
    expect(db().select().from(tickets).all()).toEqual(before);
    expect(requests()).toEqual([expect.objectContaining({ kind: 'delete', state: 'awaiting_confirmation', completedAt: null })]);
  });

  it('"YA HAPUS" within 24 hours anonymises everything of the resident and tells them', async () => {
    core = createTestCore();
    const id = report();
    core.send('kaur_umum', `/balas ${id} Baik Pak Gatot, kami cek besok`);
    await deliver(core);
    // Something still waiting to go to the resident is not sent after the deletion.
    core.send('kaur_umum', `/balas ${id} Pak Gatot, petugas datang jam 9`);
    core.clock.advance(HOUR);
    core.send(RESIDENT, '/hapus');
    core.clock.advance(2 * HOUR);
    // Anything else in between is a normal message and cancels nothing.
    expect(core.send(RESIDENT, 'lampunya masih mati').outcome).toBe('follow_up');
    expect(core.send(RESIDENT, 'ya hapus').outcome).toBe('resident_command');

    const ticket = getTicket(db(), id);
    expect(ticket).toMatchObject({ status: 'closed', closeReason: 'Pelapor meminta datanya dihapus' });
    expect(ticket?.anonymizedAt).not.toBeNull();
    expect(ticket?.category).toBe('listrik');
    expect(listTicketEvents(db(), id).at(-1)).toMatchObject({ toStatus: 'closed', actor: `contact:${ticket?.contactId}` });
    const contact = getContact(db(), ticket?.contactId ?? 0);
    expect(contact).toMatchObject({ externalId: keyedHash(core.ctx.privacyKey(), 'web', RESIDENT), displayName: null });
    expect(contact?.deletionRequestedAt).toBe(core.clock.now);
    // The last message goes to the resident's chat, the only row that still knows it.
    const rows = core.rows(RESIDENT);
    expect(rows.map((row) => row.state)).toEqual(['pending']);
    expect(rows[0]?.text).toContain('Data pribadi Anda sudah dihapus');
    const cancelled = db().select().from(outbox).all().filter((row) => row.lastError?.startsWith('dibatalkan'));
    expect(cancelled.length).toBeGreaterThan(0);
    expect(cancelled.every((row) => row.state === 'failed' && !row.chatId.includes('6281234567890'))).toBe(true);
    // The request: who and when, done; no personal data in it.
    expect(requests()).toEqual([
      { id: 1, contactId: contact?.id, kind: 'delete', state: 'done', requestedAt: core.clock.now - 2 * HOUR, completedAt: core.clock.now },
    ]);
    // The assignee learns the ticket was closed.
    expect(last('kaur_umum')).toBe(`Tiket SKM-${id} ditutup: pelapor meminta datanya dihapus. Tiket ini tidak dapat dijawab lagi.`);

    // Delivered; the next retention run hashes the chat id of that last message too.
    await deliver(core);
    expect(core.rows(RESIDENT)[0]?.state).toBe('sent');
    await runRetention(core.ctx);
    for (const secret of SECRETS) expect(whereStored(core.ctx.store, secret), secret).toEqual([]);
  });

  it("leaves a group the resident once wrote in alone: the officers' group is nobody's personal data", () => {
    core = createTestCore({ profile: demoProfileWith((raw) => ((raw.triage as Record<string, unknown>).chats = [{ channel: 'web', chat: 'grup-petugas' }])) });
    core.send(RESIDENT, '/dataku', { chat: 'grup-petugas' });
    report();
    const groupRows = core.rows('grup-petugas').length;
    expect(groupRows).toBeGreaterThan(1);
    core.send(RESIDENT, '/hapus');
    core.send(RESIDENT, 'YA HAPUS');
    expect(core.rows('grup-petugas')).toHaveLength(groupRows);
    expect(whereStored(core.ctx.store, 'Gatot')).toEqual([]);
  });

  it('officers viewing the ticket see that its reporter asked for deletion', () => {
    core = createTestCore();
    const id = report();
    core.send(RESIDENT, '/hapus');
    core.send(RESIDENT, 'YA HAPUS');
    core.send('kaur_umum', `/lihat ${id}`);
    const view = last('kaur_umum');
    expect(view).toContain('Pelapor meminta datanya dihapus pada 2 Nov 2026');
    expect(view).not.toContain('Gatot');
    expect(view).not.toContain('3201012345670001');
    // Nothing can reach the reporter any more: an answer is refused, not sent to nowhere.
    const before = db().select().from(outbox).all().length;
    core.send('kaur_umum', `/balas ${id} Apakah lampunya sudah menyala?`);
    expect(last('kaur_umum')).toBe(`Tiket SKM-${id} tidak dapat dijawab: data pelapornya sudah dihapus atau dianonimkan, sehingga pesan tidak bisa sampai kepadanya.`);
    expect(db().select().from(outbox).all()).toHaveLength(before + 1);
  });

  it('expires after 24 hours: "YA HAPUS" then deletes nothing', () => {
    core = createTestCore();
    const id = report();
    core.send(RESIDENT, '/hapus');
    core.clock.advance(25 * HOUR);
    core.send(RESIDENT, 'YA HAPUS');
    expect(last(RESIDENT)).toContain('sudah kedaluwarsa');
    expect(getTicket(db(), id)?.anonymizedAt).toBeNull();
    expect(findContact(db(), 'web', RESIDENT)?.displayName).toBe(RESIDENT_NAME);
    expect(requests()).toEqual([expect.objectContaining({ state: 'expired' })]);
  });

  it('"YA HAPUS" from someone else, or without a request, deletes nothing', () => {
    core = createTestCore();
    const id = report();
    core.send(RESIDENT, '/hapus');
    core.send('tetangga', 'YA HAPUS');
    expect(last('tetangga')).toContain('Tidak ada permintaan penghapusan data yang menunggu konfirmasi');
    expect(getTicket(db(), id)?.anonymizedAt).toBeNull();
    expect(requests()).toEqual([expect.objectContaining({ state: 'awaiting_confirmation' })]);
  });

  it('a resident who writes again after deletion starts afresh; a second deletion keeps one anonymous contact', () => {
    core = createTestCore();
    report();
    core.send(RESIDENT, '/hapus');
    core.send(RESIDENT, 'YA HAPUS');
    core.clock.advance(HOUR);
    const again = report(RESIDENT, 'Sampah menumpuk di pinggir jalan Dusun Krajan');
    core.send(RESIDENT, '/dataku');
    expect(last(RESIDENT)).toContain('Laporan Anda (1)');
    core.send(RESIDENT, '/hapus');
    core.send(RESIDENT, 'YA HAPUS');
    const hash = keyedHash(core.ctx.privacyKey(), 'web', RESIDENT);
    const rows = db().select().from(contacts).all().filter((row) => row.externalId === hash);
    expect(rows).toHaveLength(1);
    expect(getTicket(db(), again)?.contactId).toBe(rows[0]?.id);
    expect(requests().filter((row) => row.kind === 'delete').every((row) => row.contactId === rows[0]?.id && row.state === 'done')).toBe(true);
  });
});
