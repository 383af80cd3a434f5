// Officer triage commands (core/commands/officer.ts) as officers and residents experience them:
// what lands in each chat's outbox, and what the ticket, its events and the corrections store hold.
import { afterEach, describe, expect, it } from 'vitest';
import { WebAdapter } from '../../bots/web/adapter.ts';
import { OFFICER_COMMANDS } from '../../core/commands/officer.ts';
import { OutboxWorker } from '../../core/outbox.ts';
import {
  findContact,
  getTicket,
  listCorrections,
  listOutboundToChat,
  listTicketEvents,
  listTicketFollowers,
  type StoredMessage,
  type Ticket,
} from '../../storage/repositories/index.ts';
import { classifierCorrections, outbox, ticketEvents, ticketFollowers, tickets } from '../../storage/schema.ts';
import { createTestCore, demoProfileWith, type TestCore } from '../helpers.ts';

let core: TestCore;
afterEach(() => core.close());

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** listrik -> kaur_umum (routing override in the demo profile); names Dusun Krajan. */
const LAMP = 'Lampu jalan di depan masjid Dusun Krajan mati sudah seminggu';
/** air_bersih -> kasi_kesejahteraan. */
const WATER = 'Air PAMSIMAS mati di dusun sukasari';
/** No keyword: confidence 10%, waits in the triage queue (sorted by sekdes). */
const VAGUE = 'halo pak saya mau menyampaikan sesuatu yang penting';
/** A complaint about the kades: confidential, to the BPD chair only. */
const ABOUT_KADES = 'Pak kades tidak pernah ada di kantor, pelayanan lambat dan minta uang pelicin';

const OFFICER_IDS = [
  'kades', 'sekdes', 'kasi_pemerintahan', 'kasi_kesejahteraan', 'kasi_pelayanan', 'kaur_umum', 'kaur_keuangan',
  'kaur_perencanaan', 'kadus_krajan', 'kadus_sukasari', 'kadus_karanganyar', 'kadus_cikoneng', 'bpd_ketua', 'bpd_wakil',
  'bpd_sekretaris', 'bpd_anggota_1', 'bpd_anggota_2',
];

const db = () => core.ctx.store.db;

function ticket(id: number): Ticket {
  const found = getTicket(db(), id);
  if (!found) throw new Error(`no ticket ${id}`);
  return found;
}

/** A resident reports; returns the new ticket's id. */
function report(user: string, text: string): number {
  const result = core.send(user, text);
  expect(result.outcome).toBe('new_ticket');
  return Number(result.ticketCode?.split('-')[1]);
}

/** The last text queued for a chat. */
function last(chatId: string): string {
  return core.queued(chatId).at(-1) ?? '';
}

/** Sends an officer command and returns the answer the officer got in that chat. */
function command(officer: string, text: string, options: { chat?: string } = {}): string {
  const before = core.queued(options.chat ?? officer).length;
  const result = core.send(officer, text, options);
  expect(result.outcome).toBe('officer_command');
  const after = core.queued(options.chat ?? officer);
  expect(after).toHaveLength(before + 1);
  return after.at(-1) ?? '';
}

function statusEvents(id: number) {
  return listTicketEvents(db(), id)
    .filter((event) => event.type === 'status')
    .map((event) => ({ from: event.fromStatus, to: event.toStatus, actor: event.actor }));
}

/** Everything stored that a command could change. */
function snapshot(exceptChat?: string) {
  return {
    tickets: db().select().from(tickets).all(),
    events: db().select().from(ticketEvents).all(),
    corrections: db().select().from(classifierCorrections).all(),
    followers: db().select().from(ticketFollowers).all(),
    outbox: db()
      .select()
      .from(outbox)
      .all()
      .filter((row) => row.chatId !== exceptChat),
  };
}

/** Sends everything queued through the web adapter, so outbound messages get platform ids. */
async function deliver(): Promise<void> {
  const worker = new OutboxWorker(core.ctx, new Map([['web', new WebAdapter()]]));
  while ((await worker.runOnce()) > 0) {
    /* until nothing is due */
  }
}

/** The delivered message to a chat with this purpose about this ticket (the latest one). */
function delivered(chatId: string, purpose: string, ticketId: number): StoredMessage {
  const found = listOutboundToChat(db(), 'web', chatId)
    .filter((message) => message.purpose === purpose && message.ticketId === ticketId)
    .at(-1);
  if (!found) throw new Error(`nothing delivered to ${chatId} with purpose ${purpose}`);
  return found;
}

describe('/bantuan and unknown commands', () => {
  it('/bantuan lists every officer command', () => {
    core = createTestCore();
    const help = command('kaur_umum', '/bantuan');
    expect(help.startsWith('Perintah petugas:')).toBe(true);
    for (const name of OFFICER_COMMANDS) expect(help).toContain(`/${name}`);
    expect(help).toContain('/tiket lewat');
    expect(help).toContain('tidak dikirim ke pelapor');
  });

  it('an unknown command is named back with a pointer to /bantuan, and changes nothing', () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    const before = snapshot('kaur_umum');
    expect(command('kaur_umum', `/hapus ${id}`)).toBe('Perintah /hapus tidak dikenal. Ketik /bantuan untuk daftar perintah.');
    expect(snapshot('kaur_umum')).toEqual(before);
  });

  it('a Telegram-style "/ambil@bot" and upper-case command names work', () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    expect(command('kasi_pemerintahan', `/AMBIL@AspirasiDesaBot ${id}`)).toContain('sekarang Anda tangani');
    expect(ticket(id).assignee).toBe('kasi_pemerintahan');
  });
});

describe('/tiket', () => {
  it('without argument and with "saya" lists the open tickets assigned to the officer', () => {
    core = createTestCore();
    const lamp = report('warga1', LAMP);
    report('warga2', WATER);
    core.clock.advance(5 * HOUR);
    const mine = command('kaur_umum', '/tiket');
    expect(mine).toBe(`Tiket saya:\n• SKM-${lamp} [Sudah ada petugas] listrik, 5 jam: ${LAMP}`);
    expect(command('kaur_umum', '/tiket saya')).toBe(mine);
    expect(command('kaur_umum', '/tiket SAYA')).toBe(mine);
  });

  it('says so when the officer has nothing, and stops listing tickets once they are closed', () => {
    core = createTestCore();
    expect(command('kaur_umum', '/tiket')).toBe('Tiket saya: tidak ada.');
    const id = report('warga1', LAMP);
    command('kaur_umum', `/tolak ${id} bukan aspirasi`);
    expect(command('kaur_umum', '/tiket')).toBe('Tiket saya: tidak ada.');
  });

  it('"terbuka" lists every open ticket with flags, oldest first, and leaves out finished ones', () => {
    core = createTestCore();
    const lamp = report('warga1', LAMP);
    core.clock.advance(HOUR);
    const water = report('warga2', WATER);
    core.clock.advance(HOUR);
    const vague = report('warga3', VAGUE);
    core.clock.advance(HOUR);
    const done = report('warga4', 'Jalan berlubang di gang mawar');
    command('kasi_kesejahteraan', `/selesai ${done} sudah ditambal`);
    const list = command('sekdes', '/tiket terbuka');
    expect(list.split('\n')).toEqual([
      'Tiket terbuka:',
      `• SKM-${lamp} [Sudah ada petugas] listrik, 3 jam: ${LAMP}`,
      `• SKM-${water} [Sudah ada petugas] air_bersih, 2 jam: ${WATER}`,
      `• SKM-${vague} ❓[Baru] lainnya, 1 jam: ${VAGUE}`,
    ]);
    expect(command('sekdes', '/tiket semua')).toBe(list);
  });

  it('"antrean" lists only tickets waiting for triage, until someone sorts them', () => {
    core = createTestCore();
    report('warga1', LAMP);
    const vague = report('warga2', VAGUE);
    const queue = command('sekdes', '/tiket antrean');
    expect(queue).toBe(`Antrean triase:\n• SKM-${vague} ❓[Baru] lainnya, baru saja: ${VAGUE}`);
    expect(command('sekdes', '/tiket antrian')).toBe(queue);
    command('sekdes', `/alihkan ${vague} kasi_pelayanan`);
    expect(command('sekdes', '/tiket antrean')).toBe('Antrean triase: tidak ada.');
  });

  it('"lewat" lists tickets past their deadlines: no first response in 3 working days, unresolved in 8', () => {
    core = createTestCore();
    const unanswered = report('warga1', LAMP);
    const answered = report('warga2', WATER);
    command('kasi_kesejahteraan', `/balas ${answered} Petugas PAMSIMAS sedang memeriksa pipa.`);
    core.clock.advance(3 * DAY - HOUR);
    expect(command('sekdes', '/tiket lewat')).toBe('Tiket lewat tenggat: tidak ada.');
    core.clock.advance(2 * HOUR);
    expect(command('sekdes', '/tiket lewat')).toBe(
      `Tiket lewat tenggat:\n• SKM-${unanswered} [Sudah ada petugas] listrik, 3 hari: ${LAMP}`,
    );
    // Answered but still not resolved 8 working days after the report (Monday 2 -> Thursday 12 November).
    core.clock.advance(8 * DAY);
    const overdue = command('sekdes', '/tiket terlambat');
    expect(overdue).toContain(`SKM-${unanswered} `);
    expect(overdue).toContain(`• SKM-${answered} [Sedang ditangani] air_bersih, 11 hari: ${WATER}`);
    // Resolving takes it off the list.
    command('kaur_umum', `/selesai ${unanswered} lampu diganti`);
    expect(command('sekdes', '/tiket lewat')).not.toContain(`SKM-${unanswered} `);
  });

  it('"lewat" follows the sla days of the profile', () => {
    const profile = demoProfileWith((raw) => {
      raw.sla = { first_response_days: 1, resolution_days: 2 };
    });
    core = createTestCore({ profile });
    const id = report('warga1', LAMP);
    core.clock.advance(DAY - HOUR);
    expect(command('sekdes', '/tiket lewat')).toBe('Tiket lewat tenggat: tidak ada.');
    core.clock.advance(2 * HOUR);
    expect(command('sekdes', '/tiket lewat')).toContain(`• SKM-${id} [Sudah ada petugas] listrik, 25 jam: `);
  });

  it('an unknown filter gets the usage', () => {
    core = createTestCore();
    expect(command('sekdes', '/tiket kemarin')).toBe('Format: /tiket [saya|terbuka|antrean|lewat]');
  });

  it('confidential tickets are listed to the BPD in private only', () => {
    core = createTestCore();
    const lamp = report('warga1', LAMP);
    const secret = report('warga2', ABOUT_KADES);
    const forBpd = command('bpd_ketua', '/tiket terbuka');
    expect(forBpd).toContain(`• SKM-${secret} 🔒[Sudah ada petugas] pelayanan_aparat`);
    expect(command('bpd_ketua', '/tiket')).toContain(`SKM-${secret} 🔒`);
    for (const officer of ['kaur_umum', 'sekdes', 'kades']) {
      const list = command(officer, '/tiket terbuka');
      expect(list).toContain(`SKM-${lamp} `);
      expect(list).not.toContain(`SKM-${secret}`);
      expect(list).not.toContain('pelicin');
    }
    const inGroup = command('bpd_ketua', '/tiket terbuka', { chat: 'grup-petugas' });
    expect(inGroup).toContain(`SKM-${lamp} `);
    expect(inGroup).not.toContain(`SKM-${secret}`);
    expect(command('bpd_ketua', '/tiket', { chat: 'grup-petugas' })).toBe('Tiket saya: tidak ada.');
  });
});

describe('/lihat', () => {
  it('shows the ticket, by number and by code forms', () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    const details = command('kadus_krajan', `/lihat ${id}`);
    const lines = details.split('\n');
    expect(lines[0]).toBe(`SKM-${id} — Sudah ada petugas`);
    expect(lines[1]).toBe('Pengaduan, Listrik dan penerangan jalan (60%)');
    expect(lines[2]).toBe('Petugas: Kaur Umum (Bambang Sutrisno)');
    expect(lines[3]).toBe('Lokasi: Dusun Krajan');
    expect(lines[4]).toMatch(/^Masuk: /);
    expect(details).toContain('Percakapan:');
    expect(details).not.toContain('Tanggapan pertama');
    for (const ref of [`SKM-${id}`, `#${id}`, `skm-${id}`, `skm${id}`]) {
      expect(command('kadus_krajan', `/lihat ${ref}`)).toBe(details);
    }
  });

  it('a triage ticket shows the queue instead of an officer', () => {
    core = createTestCore();
    const id = report('warga1', VAGUE);
    const details = command('sekdes', `/lihat ${id}`);
    expect(details.split('\n')[0]).toBe(`SKM-${id} — Baru`);
    expect(details).toContain('Petugas: antrean triase');
  });

  it('the conversation shows what resident and village said to each other, not officer chatter', async () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    command('kaur_umum', `/ambil ${id}`);
    await deliver();
    const notification = delivered('kaur_umum', 'notify_new', id);
    core.send('kaur_umum', 'Sudah dilaporkan ke PLN, besok diganti', { replyTo: notification.externalId });
    command('kaur_umum', `/catatan ${id} cek lagi hari Kamis`);
    await deliver();
    const details = command('kaur_umum', `/lihat ${id}`);
    const conversation = details
      .split('\n')
      .filter((line) => / (Warga|Desa): /.test(line))
      .map((line) => line.replace(/^.*? (Warga|Desa): /, '$1: '));
    expect(conversation).toEqual([
      `Warga: ${LAMP}`,
      expect.stringMatching(new RegExp(`^Desa: Terima kasih, laporan Anda sudah kami terima dengan nomor SKM-${id}\\.`)),
      `Desa: Tanggapan untuk laporan SKM-${id} dari Kaur Umum (Bambang Sutrisno): Sudah dilaporkan ke PLN, besok diganti`,
    ]);
    expect(details).not.toContain('Tiket baru');
    expect(details).not.toContain('Anda tangani');
    expect(details).not.toContain('dikirim ke pelapor');
    expect(details).toMatch(/Tanggapan pertama: /);
    expect(details).toMatch(/\nCatatan internal:\n.* kaur_umum: cek lagi hari Kamis$/);
  });

  it('missing, malformed and unknown references get clear answers', () => {
    core = createTestCore();
    report('warga1', LAMP);
    expect(command('kaur_umum', '/lihat')).toBe('Format: /lihat 42');
    expect(command('kaur_umum', '/lihat lampu')).toBe('Format: /lihat 42');
    expect(command('kaur_umum', '/lihat 0')).toBe('Format: /lihat 42');
    expect(command('kaur_umum', '/lihat 42')).toBe('Tiket 42 tidak ditemukan.');
    expect(command('kaur_umum', '/lihat SKM-42')).toBe('Tiket SKM-42 tidak ditemukan.');
  });

  it('a closed ticket can still be viewed, with its rating', () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    command('kaur_umum', `/selesai ${id} Lampu sudah diganti`);
    core.send('warga1', '4');
    const details = command('kaur_umum', `/lihat ${id}`);
    expect(details.split('\n')[0]).toBe(`SKM-${id} — Ditutup`);
    expect(details).toContain('Nilai pelapor: 4/5');
    expect(details).toMatch(/\nSelesai: /);
  });

  it('a merged ticket points to the ticket it was merged into', () => {
    core = createTestCore();
    const first = report('warga1', LAMP);
    const second = report('warga2', LAMP);
    command('kaur_umum', `/gabung ${second} ${first}`);
    expect(command('kaur_umum', `/lihat ${second}`)).toBe(`Tiket SKM-${second} sudah digabung ke SKM-${first}.`);
  });
});

describe('/ambil', () => {
  it('claiming a ticket that is already mine changes nothing and tells the resident nothing again', () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    const residentBefore = core.queued('warga1').length;
    expect(command('kaur_umum', `/ambil ${id}`)).toBe(`Tiket SKM-${id} sekarang Anda tangani.`);
    expect(core.queued('warga1')).toHaveLength(residentBefore);
    expect(ticket(id).firstResponseAt).toBeNull();
  });

  it('takes a ticket from another officer; the resident learns who handles it', () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    const residentBefore = core.queued('warga1').length;
    expect(command('kasi_pemerintahan', `/ambil ${id}`)).toBe(`Tiket SKM-${id} sekarang Anda tangani. (sebelumnya: kaur_umum)`);
    const after = ticket(id);
    expect(after.assignee).toBe('kasi_pemerintahan');
    expect(after.status).toBe('assigned');
    expect(core.queued('warga1')).toHaveLength(residentBefore + 1);
    expect(last('warga1')).toBe(`Laporan SKM-${id} sekarang ditangani oleh Kasi Pemerintahan (Agus Setiawan).`);
    const claim = listTicketEvents(db(), id).at(-1);
    expect(claim).toMatchObject({ type: 'status', actor: 'kasi_pemerintahan', fromStatus: 'assigned', toStatus: 'assigned' });
    expect(claim?.data).toMatchObject({ action: 'claim', previousAssignee: 'kaur_umum' });
  });

  it('takes a ticket out of the triage queue', () => {
    core = createTestCore();
    const id = report('warga1', VAGUE);
    expect(command('sekdes', `/ambil SKM-${id}`)).toBe(`Tiket SKM-${id} sekarang Anda tangani.`);
    expect(ticket(id)).toMatchObject({ assignee: 'sekdes', status: 'assigned', needsTriage: false });
    expect(last('warga1')).toBe(`Laporan SKM-${id} sekarang ditangani oleh Sekretaris Desa (Siti Rahmawati).`);
    expect(command('sekdes', '/tiket antrean')).toBe('Antrean triase: tidak ada.');
  });

  it('keeps a ticket in progress in progress', () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    command('kaur_umum', `/balas ${id} Sedang kami cek.`);
    command('kadus_krajan', `/ambil ${id}`);
    expect(ticket(id)).toMatchObject({ assignee: 'kadus_krajan', status: 'in_progress' });
  });

  it('does not take or hand over a resolved ticket: the resident, asked to rate it, is not told otherwise', () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    command('kaur_umum', `/selesai ${id} Lampu sudah diganti.`);
    const residentBefore = core.queued('warga1').length;
    for (const [officer, text] of [
      ['sekdes', `/ambil ${id}`],
      ['kaur_umum', `/alihkan ${id} kadus_krajan`],
    ] as const) {
      expect(command(officer, text)).toBe(
        `Tiket SKM-${id} sudah selesai ditangani dan pelapor sudah diminta menilai. Jika ternyata belum beres, pelapor dapat membalas pesan penyelesaiannya untuk membukanya kembali; untuk memberi kabar, gunakan /balas SKM-${id} ...`,
      );
    }
    expect(ticket(id)).toMatchObject({ status: 'resolved', assignee: 'kaur_umum' });
    expect(core.queued('warga1')).toHaveLength(residentBefore);
    // The rating the resident was asked for still closes it.
    core.send('warga1', '5');
    expect(ticket(id)).toMatchObject({ status: 'closed', rating: 5 });
  });
});

describe('/balas', () => {
  it('sends the text to the resident, marks the first response and puts the ticket in progress', () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    core.clock.advance(2 * HOUR);
    const answeredAt = core.clock.now;
    expect(command('kaur_umum', `/balas ${id} Besok pagi petugas PLN datang.`)).toBe(`Jawaban untuk SKM-${id} dikirim ke pelapor.`);
    expect(last('warga1')).toBe(`Tanggapan untuk laporan SKM-${id} dari Kaur Umum (Bambang Sutrisno):\nBesok pagi petugas PLN datang.`);
    expect(ticket(id)).toMatchObject({ status: 'in_progress', firstResponseAt: answeredAt, assignee: 'kaur_umum' });
    expect(statusEvents(id).at(-1)).toEqual({ from: 'assigned', to: 'in_progress', actor: 'kaur_umum' });
    expect(listTicketEvents(db(), id).at(-1)?.note).toBe('Besok pagi petugas PLN datang.');

    // A second answer reaches the resident too but keeps the first response time.
    core.clock.advance(DAY);
    command('kaur_umum', `/balas #${id} Sudah diganti, silakan dicek.`);
    expect(last('warga1')).toContain('Sudah diganti, silakan dicek.');
    expect(ticket(id)).toMatchObject({ status: 'in_progress', firstResponseAt: answeredAt });
  });

  it('keeps line breaks of a longer answer', () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    command('kaur_umum', `/balas ${id} Terima kasih laporannya.\nLampu akan diganti Kamis.`);
    expect(last('warga1').endsWith(':\nTerima kasih laporannya.\nLampu akan diganti Kamis.')).toBe(true);
  });

  it('an answer to a ticket in the triage queue makes the answering officer its handler', () => {
    core = createTestCore();
    const id = report('warga1', VAGUE);
    command('sekdes', `/balas ${id} Silakan sampaikan apa yang ingin dilaporkan, Pak.`);
    expect(ticket(id)).toMatchObject({ assignee: 'sekdes', needsTriage: false, status: 'in_progress' });
    expect(last('warga1')).toContain('dari Sekretaris Desa (Siti Rahmawati):\nSilakan sampaikan');
  });

  it('without text: usage, and the resident hears nothing', () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    const before = snapshot('kaur_umum');
    expect(command('kaur_umum', `/balas ${id}`)).toBe(`Format: /balas ${id} teks jawaban`);
    expect(command('kaur_umum', '/balas')).toBe('Format: /balas 42 teks jawaban');
    expect(snapshot('kaur_umum')).toEqual(before);
  });

  it('an answer to a closed ticket still reaches the resident but does not reopen it', () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    command('kaur_umum', `/selesai ${id}`);
    core.send('warga1', '5');
    command('kaur_umum', `/balas ${id} Terima kasih atas penilaiannya.`);
    expect(last('warga1')).toContain('Terima kasih atas penilaiannya.');
    expect(ticket(id).status).toBe('closed');
  });
});

describe('replying to a notification', () => {
  it('answers the resident like /balas', async () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    await deliver();
    const notification = delivered('kaur_umum', 'notify_new', id);
    expect(notification.text).toContain(`Tiket baru SKM-${id}`);
    const residentBefore = core.queued('warga1').length;
    const result = core.send('kaur_umum', 'Sudah kami laporkan ke PLN, besok diperbaiki', { replyTo: notification.externalId });
    expect(result).toMatchObject({ outcome: 'officer_command', ticketCode: `SKM-${id}` });
    expect(core.queued('warga1')).toHaveLength(residentBefore + 1);
    expect(last('warga1')).toBe(
      `Tanggapan untuk laporan SKM-${id} dari Kaur Umum (Bambang Sutrisno):\nSudah kami laporkan ke PLN, besok diperbaiki`,
    );
    expect(last('kaur_umum')).toBe(`Jawaban untuk SKM-${id} dikirim ke pelapor.`);
    expect(ticket(id)).toMatchObject({ status: 'in_progress', firstResponseAt: core.clock.now });
  });

  it('works from the officers\' group, answering as the officer who replied', async () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    await deliver();
    const notification = delivered('grup-petugas', 'notify_new', id);
    core.send('kadus_krajan', 'Nanti sore saya lihat ke lokasi', { chat: 'grup-petugas', replyTo: notification.externalId });
    expect(last('warga1')).toBe(`Tanggapan untuk laporan SKM-${id} dari Kepala Dusun Krajan (Slamet Riyadi):\nNanti sore saya lihat ke lokasi`);
    expect(last('grup-petugas')).toBe(`Jawaban untuk SKM-${id} dikirim ke pelapor.`);
    // The handler stays who it was.
    expect(ticket(id)).toMatchObject({ status: 'in_progress', assignee: 'kaur_umum' });
  });

  it('works on the notification of a reassignment', async () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    command('kaur_umum', `/alihkan ${id} kadus_krajan`);
    await deliver();
    const notification = delivered('kadus_krajan', 'notify_assigned', id);
    core.send('kadus_krajan', 'Siap, saya cek', { replyTo: notification.externalId });
    expect(last('warga1')).toContain('dari Kepala Dusun Krajan (Slamet Riyadi):\nSiap, saya cek');
  });

  it('a reply to a command answer is not sent to the resident', async () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    command('kaur_umum', `/lihat ${id}`);
    await deliver();
    const details = delivered('kaur_umum', 'command_reply', id);
    const before = snapshot('kaur_umum');
    expect(core.send('kaur_umum', 'oke', { replyTo: details.externalId }).outcome).toBe('ignored');
    expect(last('kaur_umum')).toContain('balas (reply) pesan notifikasi');
    expect(snapshot('kaur_umum')).toEqual(before);
  });
});

describe('/alihkan', () => {
  it('hands the ticket to another officer by id, who is notified and can answer', () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    expect(command('kaur_umum', `/alihkan ${id} kadus_krajan`)).toBe(`Tiket SKM-${id} dialihkan ke Slamet Riyadi (kadus_krajan).`);
    expect(ticket(id)).toMatchObject({ assignee: 'kadus_krajan', status: 'assigned' });
    expect(last('kadus_krajan')).toBe(
      `Tiket SKM-${id} dialihkan kepada Anda oleh Bambang Sutrisno (kaur_umum):\n${LAMP}\n\nBalas pesan ini untuk menjawab pelapor.`,
    );
    const event = listTicketEvents(db(), id).at(-1);
    expect(event).toMatchObject({ type: 'status', actor: 'kaur_umum' });
    expect(event?.data).toEqual({ action: 'reassign', from: 'kaur_umum', to: 'kadus_krajan' });
    expect(command('kadus_krajan', '/tiket')).toContain(`SKM-${id} `);
    expect(command('kaur_umum', '/tiket')).toBe('Tiket saya: tidak ada.');
  });

  it('accepts a role that has exactly one holder, in any case', () => {
    // Give the kaur umum an id that differs from the role, so the role is what resolves.
    const profile = demoProfileWith((raw) => {
      const officers = raw.officers as Array<Record<string, unknown>>;
      const kaur = officers.find((officer) => officer.id === 'kaur_umum');
      if (!kaur) throw new Error('demo profile changed');
      kaur.id = 'bambang';
      kaur.contacts = [{ channel: 'web', id: 'bambang' }];
    });
    core = createTestCore({ profile });
    const id = report('warga1', WATER);
    expect(command('kasi_kesejahteraan', `/alihkan ${id} KAUR_UMUM`)).toBe(`Tiket SKM-${id} dialihkan ke Bambang Sutrisno (bambang).`);
    expect(ticket(id).assignee).toBe('bambang');
    expect(last('bambang')).toContain(`Tiket SKM-${id} dialihkan kepada Anda oleh Dewi Lestari (kasi_kesejahteraan)`);
  });

  it('an unknown officer, or a role with several holders, gets the list of officer ids and changes nothing', () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    const before = snapshot('kaur_umum');
    const choices = `Pilihan: ${OFFICER_IDS.join(', ')}`;
    expect(command('kaur_umum', `/alihkan ${id} pak_budi`)).toBe(`Petugas "pak_budi" tidak dikenal. ${choices}`);
    expect(command('kaur_umum', `/alihkan ${id} kadus`)).toBe(`Petugas "kadus" tidak dikenal. ${choices}`);
    expect(command('kaur_umum', `/alihkan ${id}`)).toBe(`Format: /alihkan ${id} kadus_krajan`);
    expect(snapshot('kaur_umum')).toEqual(before);
  });

  it('sorts a ticket out of the triage queue and keeps a ticket in progress in progress', () => {
    core = createTestCore();
    const vague = report('warga1', VAGUE);
    command('sekdes', `/alihkan ${vague} kasi_pelayanan`);
    expect(ticket(vague)).toMatchObject({ assignee: 'kasi_pelayanan', status: 'assigned', needsTriage: false });
    expect(statusEvents(vague).at(-1)).toEqual({ from: 'new', to: 'assigned', actor: 'sekdes' });
    const lamp = report('warga2', LAMP);
    command('kaur_umum', `/balas ${lamp} Sedang dicek.`);
    command('kaur_umum', `/alihkan ${lamp} kadus_krajan`);
    expect(ticket(lamp)).toMatchObject({ assignee: 'kadus_krajan', status: 'in_progress' });
  });
});

describe('/kategori', () => {
  it('a ticket in the triage queue is stored as a correction and goes to the new category\'s handler', () => {
    core = createTestCore();
    const id = report('warga1', VAGUE);
    expect(command('sekdes', `/kategori ${id} air_bersih`)).toBe(
      `Kategori SKM-${id}: lainnya -> air_bersih. Koreksi disimpan untuk melatih klasifikasi. Diteruskan ke Dewi Lestari (kasi_kesejahteraan).`,
    );
    expect(ticket(id)).toMatchObject({ category: 'air_bersih', assignee: 'kasi_kesejahteraan', status: 'assigned', needsTriage: false });
    expect(listCorrections(db())).toEqual([
      expect.objectContaining({ ticketId: id, text: VAGUE, predicted: 'lainnya', corrected: 'air_bersih', officer: 'sekdes', at: core.clock.now }),
    ]);
    const events = listTicketEvents(db(), id);
    expect(events.find((event) => event.type === 'recategorised')?.data).toEqual({ from: 'lainnya', to: 'air_bersih' });
    expect(last('kasi_kesejahteraan')).toContain(`Tiket SKM-${id} dialihkan kepada Anda oleh Siti Rahmawati (sekdes)`);
    expect(command('sekdes', '/tiket antrean')).toBe('Antrean triase: tidak ada.');
  });

  it('an assigned ticket keeps its handler; the category and the correction change', () => {
    core = createTestCore();
    const id = report('warga1', WATER);
    expect(command('kasi_kesejahteraan', `/kategori ${id} INFRASTRUKTUR`)).toBe(
      `Kategori SKM-${id}: air_bersih -> infrastruktur. Koreksi disimpan untuk melatih klasifikasi.`,
    );
    expect(ticket(id)).toMatchObject({ category: 'infrastruktur', assignee: 'kasi_kesejahteraan', status: 'assigned' });
    expect(listCorrections(db()).map((c) => [c.predicted, c.corrected])).toEqual([['air_bersih', 'infrastruktur']]);
  });

  it('an unknown category lists the categories and stores nothing', () => {
    core = createTestCore();
    const id = report('warga1', WATER);
    const before = snapshot('kasi_kesejahteraan');
    expect(command('kasi_kesejahteraan', `/kategori ${id} jalan`)).toBe(
      'Kategori "jalan" tidak dikenal. Pilihan: infrastruktur, air_bersih, listrik, kesehatan, pendidikan, kependudukan, bansos, keamanan, lingkungan, bencana, pertanian, keuangan_desa, pelayanan_aparat, lainnya',
    );
    expect(command('kasi_kesejahteraan', `/kategori ${id}`)).toMatch(new RegExp(`^Format: /kategori ${id} air_bersih \\(infrastruktur, `));
    expect(snapshot('kasi_kesejahteraan')).toEqual(before);
  });

  it('a closed ticket can still be corrected, for training, without reopening it', () => {
    core = createTestCore();
    const id = report('warga1', WATER);
    command('kasi_kesejahteraan', `/tolak ${id} dobel`);
    command('sekdes', `/kategori ${id} infrastruktur`);
    expect(ticket(id)).toMatchObject({ category: 'infrastruktur', status: 'rejected' });
    expect(listCorrections(db())).toHaveLength(1);
  });

  it('a complaint recategorised as about officials becomes confidential and goes to the BPD chair', () => {
    core = createTestCore();
    const vague = report('warga1', VAGUE);
    command('sekdes', `/kategori ${vague} pelayanan_aparat`);
    expect(ticket(vague)).toMatchObject({ category: 'pelayanan_aparat', assignee: 'bpd_ketua', confidential: true, needsTriage: false });
    expect(last('bpd_ketua')).toContain(`Tiket SKM-${vague} dialihkan kepada Anda`);
    expect(command('sekdes', '/tiket terbuka')).toBe('Tiket terbuka: tidak ada.');
    expect(command('kaur_umum', `/lihat ${vague}`)).toBe(`Tiket SKM-${vague} bersifat rahasia dan hanya dapat ditangani BPD.`);

    // Also when an officer already handles it: the rule matters more than who had it.
    const water = report('warga2', WATER);
    command('kasi_kesejahteraan', `/balas ${water} Sedang kami cek.`);
    expect(command('kasi_kesejahteraan', `/kategori ${water} pelayanan_aparat`)).toBe(
      `Kategori SKM-${water}: air_bersih -> pelayanan_aparat. Koreksi disimpan untuk melatih klasifikasi. Diteruskan ke Sri Wahyuni (bpd_ketua).`,
    );
    expect(ticket(water)).toMatchObject({ assignee: 'bpd_ketua', confidential: true, status: 'in_progress' });
    expect(listTicketEvents(db(), water).at(-1)?.data).toEqual({ action: 'recategorise', from: 'kasi_kesejahteraan', to: 'bpd_ketua' });
    expect(command('kasi_kesejahteraan', '/tiket')).toBe('Tiket saya: tidak ada.');
    expect(command('kasi_kesejahteraan', `/lihat ${water}`)).toBe(`Tiket SKM-${water} bersifat rahasia dan hanya dapat ditangani BPD.`);
  });
});

describe('/catatan', () => {
  it('stores an internal note that the resident never receives', () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    const residentBefore = core.queued('warga1');
    const statusBefore = ticket(id).status;
    expect(command('kaur_umum', `/catatan ${id} Pelapor ini sudah 3x lapor hal sama, cek ke PLN`)).toBe(
      `Catatan internal disimpan di SKM-${id} (tidak dikirim ke pelapor).`,
    );
    expect(core.queued('warga1')).toEqual(residentBefore);
    expect(ticket(id).status).toBe(statusBefore);
    expect(listTicketEvents(db(), id).at(-1)).toMatchObject({
      type: 'note',
      actor: 'kaur_umum',
      note: 'Pelapor ini sudah 3x lapor hal sama, cek ke PLN',
    });
    expect(command('kaur_umum', `/lihat ${id}`)).toContain('kaur_umum: Pelapor ini sudah 3x lapor hal sama, cek ke PLN');
  });

  it('without text: usage, nothing stored', () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    const before = snapshot('kaur_umum');
    expect(command('kaur_umum', `/catatan ${id}`)).toBe(`Format: /catatan ${id} teks catatan`);
    expect(snapshot('kaur_umum')).toEqual(before);
  });
});

describe('/selesai and the rating', () => {
  it('asks the resident for 1-5; "4" stores the rating and closes the ticket', () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    core.clock.advance(HOUR);
    const resolvedAt = core.clock.now;
    expect(command('kaur_umum', `/selesai ${id} Lampu sudah diganti`)).toBe(`Tiket SKM-${id} ditandai selesai; pelapor diminta memberi nilai.`);
    expect(last('warga1')).toBe(
      `Laporan SKM-${id} telah selesai ditangani.\nLampu sudah diganti\n\n` +
        'Bagaimana penanganannya? Balas dengan angka 1 sampai 5 (1 = sangat buruk, 5 = sangat baik).',
    );
    expect(ticket(id)).toMatchObject({ status: 'resolved', resolvedAt, ratingRequestedAt: resolvedAt, firstResponseAt: resolvedAt, rating: null });

    core.clock.advance(HOUR);
    expect(core.send('warga1', '4')).toMatchObject({ outcome: 'rating', ticketCode: `SKM-${id}` });
    expect(ticket(id)).toMatchObject({ status: 'closed', rating: 4, closedAt: core.clock.now });
    expect(last('warga1')).toBe(
      `Terima kasih atas penilaian 4/5 untuk laporan SKM-${id}. Masukan Anda membantu desa memperbaiki pelayanan.`,
    );
    expect(last('kaur_umum')).toBe(`Pelapor SKM-${id} memberi nilai 4/5.`);
    expect(statusEvents(id).slice(-2)).toEqual([
      { from: 'assigned', to: 'resolved', actor: 'kaur_umum' },
      { from: 'resolved', to: 'closed', actor: `contact:${findContact(db(), 'web', 'warga1')?.id}` },
    ]);
  });

  it('accepts "nilai 5"; without a text the resident gets a default line', () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    command('kaur_umum', `/selesai ${id}`);
    expect(last('warga1')).toContain(`Laporan SKM-${id} telah selesai ditangani.\nTerima kasih atas laporan Anda.\n\n`);
    core.send('warga1', 'nilai 5');
    expect(ticket(id)).toMatchObject({ status: 'closed', rating: 5 });
  });

  it('a ticket resolved from the triage queue becomes the resolving officer\'s', () => {
    core = createTestCore();
    const id = report('warga1', VAGUE);
    command('sekdes', `/selesai ${id} Sudah dijawab lewat telepon.`);
    expect(ticket(id)).toMatchObject({ status: 'resolved', assignee: 'sekdes', needsTriage: false });
  });

  it('cannot resolve twice or after closing, and the resident is not asked again', () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    command('kaur_umum', `/selesai ${id}`);
    const residentCount = core.queued('warga1').length;
    expect(command('kaur_umum', `/selesai ${id}`)).toBe(`Tiket SKM-${id} sudah berstatus "Selesai ditangani".`);
    expect(core.queued('warga1')).toHaveLength(residentCount);
    core.send('warga1', '3');
    expect(command('kaur_umum', `/selesai ${id} lagi`)).toBe(`Tiket SKM-${id} sudah berstatus "Ditutup".`);
    expect(ticket(id).rating).toBe(3);
  });

  it('a resident who replies to the resolution with words reopens the ticket', async () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    command('kaur_umum', `/selesai ${id}`);
    await deliver();
    const resolution = delivered('warga1', 'resolved', id);
    expect(core.send('warga1', 'belum beres pak, masih mati', { replyTo: resolution.externalId }).ticketCode).toBe(`SKM-${id}`);
    expect(ticket(id)).toMatchObject({ status: 'in_progress', rating: null, resolvedAt: null, ratingRequestedAt: null });
    expect(last('warga1')).toBe(`Laporan SKM-${id} kami buka kembali dan tanggapan Anda diteruskan ke petugas.`);
    expect(core.send('warga1', '5').outcome).not.toBe('rating');
  });
});

describe('/tolak', () => {
  it('requires a reason', () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    const before = snapshot('kaur_umum');
    expect(command('kaur_umum', `/tolak ${id}`)).toBe(`Format: /tolak ${id} alasan penolakan`);
    expect(snapshot('kaur_umum')).toEqual(before);
  });

  it('rejects the ticket and tells the resident the reason', () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    expect(command('kaur_umum', `/tolak ${id} Pesan iklan, bukan aspirasi warga.`)).toBe(`Tiket SKM-${id} ditolak; alasan dikirim ke pelapor.`);
    expect(last('warga1')).toBe(`Mohon maaf, laporan SKM-${id} tidak dapat kami tindak lanjuti.\nAlasan: Pesan iklan, bukan aspirasi warga.`);
    expect(ticket(id)).toMatchObject({ status: 'rejected', closeReason: 'Pesan iklan, bukan aspirasi warga.', closedAt: core.clock.now });
    expect(statusEvents(id).at(-1)).toEqual({ from: 'assigned', to: 'rejected', actor: 'kaur_umum' });
  });
});

describe('/gabung', () => {
  it('merges a duplicate: its reporter is told and then hears about the surviving ticket', () => {
    core = createTestCore();
    const survivor = report('warga1', LAMP);
    const duplicate = report('warga2', 'Lampu PJU dekat masjid krajan mati pak');
    expect(command('kaur_umum', `/gabung ${duplicate} ${survivor}`)).toBe(
      `Tiket SKM-${duplicate} digabung ke SKM-${survivor}; pelapornya mengikuti SKM-${survivor}.`,
    );
    expect(last('warga2')).toBe(
      `Laporan SKM-${duplicate} sama dengan laporan SKM-${survivor} yang sedang ditangani, jadi kami gabungkan. ` +
        `Anda akan menerima kabar perkembangan SKM-${survivor}.`,
    );
    expect(ticket(duplicate)).toMatchObject({ status: 'merged', mergedInto: survivor, closedAt: core.clock.now, needsTriage: false });
    expect(ticket(survivor).status).toBe('assigned');
    expect(listTicketEvents(db(), survivor).at(-1)).toMatchObject({ type: 'merged_from', actor: 'kaur_umum', data: { from: `SKM-${duplicate}` } });
    expect(command('kaur_umum', `/lihat ${survivor}`)).toContain('Pengikut (laporan yang digabung): 1');

    command('kaur_umum', `/balas ${survivor} Besok lampu diganti.`);
    const reply = `Tanggapan untuk laporan SKM-${survivor} dari Kaur Umum (Bambang Sutrisno):\nBesok lampu diganti.`;
    expect(last('warga1')).toBe(reply);
    expect(last('warga2')).toBe(reply);
    // Both hear of the resolution; only the reporter, whose answer counts, is asked for a rating.
    command('kaur_umum', `/selesai ${survivor} Sudah diganti.`);
    expect(last('warga1')).toContain('Balas dengan angka 1 sampai 5');
    expect(last('warga2')).toBe(`Laporan SKM-${survivor} telah selesai ditangani.\nSudah diganti.`);

    // The duplicate itself can no longer be acted on.
    expect(command('kaur_umum', `/balas ${duplicate} halo`)).toBe(`Tiket SKM-${duplicate} sudah digabung ke SKM-${survivor}.`);
    expect(command('kaur_umum', `/gabung ${survivor} ${duplicate}`)).toBe(`Tiket SKM-${duplicate} sudah digabung ke SKM-${survivor}.`);
  });

  it('followers of a merged duplicate move on to the next surviving ticket', () => {
    core = createTestCore();
    const a = report('warga1', LAMP);
    const b = report('warga2', LAMP);
    const c = report('warga3', LAMP);
    command('kaur_umum', `/gabung ${c} ${b}`);
    command('kaur_umum', `/gabung ${b} ${a}`);
    expect(listTicketFollowers(db(), a).map((f) => f.chatId).sort()).toEqual(['warga2', 'warga3']);
    command('kaur_umum', `/balas ${a} Sedang diperbaiki.`);
    for (const resident of ['warga1', 'warga2', 'warga3']) expect(last(resident)).toContain('Sedang diperbaiki.');
  });

  it('refuses to merge a ticket with itself, needs two tickets, and both must exist', () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    const before = snapshot('kaur_umum');
    expect(command('kaur_umum', `/gabung ${id} SKM-${id}`)).toBe('Tiket tidak bisa digabung dengan dirinya sendiri.');
    expect(command('kaur_umum', `/gabung ${id}`)).toBe('Format: /gabung 42 17 (42 duplikat dari 17)');
    expect(command('kaur_umum', `/gabung ${id} 99`)).toBe('Tiket 99 tidak ditemukan.');
    expect(command('kaur_umum', `/gabung 99 ${id}`)).toBe('Tiket 99 tidak ditemukan.');
    expect(snapshot('kaur_umum')).toEqual(before);
  });
});

describe('/rujuk', () => {
  it('refers the ticket outside the village and tells the resident', () => {
    core = createTestCore();
    const id = report('warga1', 'Jalan kabupaten di depan pasar berlubang besar');
    expect(command('kasi_kesejahteraan', `/rujuk ${id} kecamatan Jalan kabupaten, bukan kewenangan desa`)).toBe(
      `Tiket SKM-${id} dirujuk ke kecamatan; pelapor diberi tahu.`,
    );
    expect(last('warga1')).toBe(
      `Laporan SKM-${id} berada di luar kewenangan desa dan telah kami teruskan ke kecamatan.\n` +
        'Keterangan: Jalan kabupaten, bukan kewenangan desa\n' +
        'Anda juga dapat memantau atau melapor langsung melalui SP4N-LAPOR! (lapor.go.id).',
    );
    expect(ticket(id)).toMatchObject({ status: 'referred', referredTo: 'kecamatan', closedAt: core.clock.now });
    expect(statusEvents(id).at(-1)).toEqual({ from: 'assigned', to: 'referred', actor: 'kasi_kesejahteraan' });
  });

  it('without a target: usage', () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    const before = snapshot('kaur_umum');
    expect(command('kaur_umum', `/rujuk ${id}`)).toBe(`Format: /rujuk ${id} kecamatan [keterangan]`);
    expect(snapshot('kaur_umum')).toEqual(before);
  });
});

describe('bad references and finished tickets', () => {
  it('every command on a ticket that does not exist says so and changes nothing', () => {
    core = createTestCore();
    report('warga1', LAMP);
    const before = snapshot('kaur_umum');
    for (const text of [
      '/lihat 99', '/ambil 99', '/balas 99 halo', '/alihkan 99 sekdes', '/kategori 99 bansos', '/catatan 99 catatan',
      '/selesai 99', '/tolak 99 alasan', '/gabung 99 1', '/rujuk 99 kecamatan',
    ]) {
      expect(command('kaur_umum', text), text).toBe('Tiket 99 tidak ditemukan.');
    }
    expect(snapshot('kaur_umum')).toEqual(before);
  });

  it('a command without a ticket reference gets its usage', () => {
    core = createTestCore();
    const usages: Array<[string, string]> = [
      ['/lihat', 'Format: /lihat 42'],
      ['/ambil', 'Format: /ambil 42'],
      ['/ambil lampu', 'Format: /ambil 42'],
      ['/selesai', 'Format: /selesai 42 teks penyelesaian'],
      ['/balas', 'Format: /balas 42 teks jawaban'],
      ['/alihkan', 'Format: /alihkan 42 kadus_krajan'],
      ['/catatan', 'Format: /catatan 42 teks catatan'],
      ['/tolak', 'Format: /tolak 42 alasan penolakan'],
      ['/gabung', 'Format: /gabung 42 17 (42 duplikat dari 17)'],
      ['/rujuk', 'Format: /rujuk 42 kecamatan [keterangan]'],
    ];
    for (const [text, usage] of usages) expect(command('sekdes', text), text).toBe(usage);
  });

  it('a closed ticket cannot be taken, handed on, resolved, rejected or referred', () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    command('kaur_umum', `/selesai ${id}`);
    core.send('warga1', '4');
    const before = snapshot('kaur_umum');
    for (const text of [`/ambil ${id}`, `/alihkan ${id} sekdes`, `/selesai ${id}`, `/tolak ${id} spam`, `/rujuk ${id} kecamatan`]) {
      expect(command('kaur_umum', text), text).toBe(`Tiket SKM-${id} sudah berstatus "Ditutup".`);
    }
    expect(snapshot('kaur_umum')).toEqual(before);
  });

  it('rejected and referred tickets are finished too', () => {
    core = createTestCore();
    const rejected = report('warga1', LAMP);
    const referred = report('warga2', WATER);
    command('kaur_umum', `/tolak ${rejected} spam`);
    command('kasi_kesejahteraan', `/rujuk ${referred} PDAM`);
    expect(command('sekdes', `/ambil ${rejected}`)).toBe(`Tiket SKM-${rejected} sudah berstatus "Ditolak".`);
    expect(command('sekdes', `/selesai ${referred}`)).toBe(`Tiket SKM-${referred} sudah berstatus "Dirujuk ke instansi lain".`);
  });
});

describe('the officers\' group chat', () => {
  it('commands work there and are answered there, not in private', () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    const privateBefore = core.queued('kasi_pemerintahan').length;
    expect(command('kasi_pemerintahan', `/ambil ${id}`, { chat: 'grup-petugas' })).toBe(
      `Tiket SKM-${id} sekarang Anda tangani. (sebelumnya: kaur_umum)`,
    );
    expect(core.queued('kasi_pemerintahan')).toHaveLength(privateBefore);
    expect(ticket(id).assignee).toBe('kasi_pemerintahan');
    expect(last('warga1')).toContain('sekarang ditangani oleh Kasi Pemerintahan (Agus Setiawan)');
    command('kasi_pemerintahan', `/balas ${id} Sudah dicek.`, { chat: 'grup-petugas' });
    expect(last('warga1')).toContain(':\nSudah dicek.');
    expect(command('sekdes', '/tiket terbuka', { chat: 'grup-petugas' })).toContain(`SKM-${id} [Sedang ditangani]`);
  });

  it('a resident in the group cannot use officer commands', () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    const before = snapshot('grup-petugas');
    expect(core.send('warga9', `/ambil ${id}`, { chat: 'grup-petugas' }).outcome).toBe('ignored');
    expect(last('grup-petugas')).toContain('Maaf, perintah /ambil hanya untuk perangkat desa');
    expect(snapshot('grup-petugas')).toEqual(before);
  });
});

describe('commands from residents', () => {
  for (const name of OFFICER_COMMANDS.filter((n) => n !== 'bantuan')) {
    it(`/${name} from a resident is refused and changes nothing`, () => {
      core = createTestCore();
      const id = report('warga1', LAMP);
      report('warga2', LAMP);
      const args: Record<string, string> = {
        tiket: 'terbuka',
        lihat: `${id}`,
        ambil: `${id}`,
        balas: `${id} halo`,
        alihkan: `${id} sekdes`,
        kategori: `${id} bansos`,
        catatan: `${id} catatan`,
        selesai: `${id} beres`,
        tolak: `${id} spam`,
        gabung: `2 ${id}`,
        rujuk: `${id} kecamatan`,
      };
      const before = snapshot('warga9');
      expect(core.send('warga9', `/${name} ${args[name]}`).outcome).toBe('resident_command');
      expect(core.queued('warga9')).toHaveLength(1);
      expect(core.queued('warga9')[0]).toContain(`Maaf, perintah /${name} hanya untuk perangkat desa`);
      expect(core.queued('warga9')[0]).not.toContain(LAMP);
      expect(snapshot('warga9')).toEqual(before);
    });
  }

  it('/bantuan from a resident is the residents\' help, not the officers\'', () => {
    core = createTestCore();
    core.send('warga9', '/bantuan');
    expect(core.queued('warga9')[0]).toContain('Cara menggunakan layanan aspirasi desa');
    expect(core.queued('warga9')[0]).not.toContain('/ambil');
  });
});

describe('confidential tickets', () => {
  it('go to the BPD chair only', () => {
    core = createTestCore();
    const id = report('warga1', ABOUT_KADES);
    expect(ticket(id)).toMatchObject({ confidential: true, assignee: 'bpd_ketua', category: 'pelayanan_aparat' });
    expect(last('warga1')).toContain('RAHASIA');
    expect(last('bpd_ketua')).toContain(`🔒 RAHASIA — Tiket baru SKM-${id}`);
    for (const chat of [...OFFICER_IDS.filter((o) => o !== 'bpd_ketua'), 'grup-petugas']) {
      expect(core.queued(chat), chat).toEqual([]);
    }
  });

  it('other officers cannot see or act on them', () => {
    core = createTestCore();
    const id = report('warga1', ABOUT_KADES);
    const residentBefore = core.queued('warga1');
    const denied = `Tiket SKM-${id} bersifat rahasia dan hanya dapat ditangani BPD.`;
    expect(command('kaur_umum', `/lihat ${id}`)).toBe(denied);
    for (const text of [`/lihat ${id}`, `/ambil ${id}`, `/balas ${id} Saya tidak pernah minta uang`, `/tolak ${id} fitnah`, `/catatan ${id} x`]) {
      expect(command('kades', text), text).toBe(denied);
    }
    expect(core.queued('warga1')).toEqual(residentBefore);
    expect(ticket(id)).toMatchObject({ status: 'assigned', assignee: 'bpd_ketua' });
    expect(listTicketEvents(db(), id).filter((event) => event.actor !== 'system')).toEqual([]);
  });

  it('are never shown in the group chat, not even to the BPD', () => {
    core = createTestCore();
    const id = report('warga1', ABOUT_KADES);
    const here = `Tiket SKM-${id} bersifat rahasia. Buka di chat pribadi dengan bot.`;
    expect(command('bpd_ketua', `/lihat ${id}`, { chat: 'grup-petugas' })).toBe(here);
    expect(command('kaur_umum', `/lihat ${id}`, { chat: 'grup-petugas' })).toBe(here);
    expect(command('bpd_ketua', `/balas ${id} halo`, { chat: 'grup-petugas' })).toBe(here);
    expect(core.queued('grup-petugas').join('\n')).not.toContain('pelicin');
  });

  it('the BPD handles them in private and can hand them to another BPD member only', () => {
    core = createTestCore();
    const id = report('warga1', ABOUT_KADES);
    const details = command('bpd_ketua', `/lihat ${id}`);
    expect(details.split('\n')[0]).toBe(`🔒 SKM-${id} — Sudah ada petugas`);
    expect(details).toContain('Petugas: Ketua BPD (Sri Wahyuni)');
    expect(command('bpd_ketua', `/alihkan ${id} kades`)).toBe(`Tiket SKM-${id} bersifat rahasia dan hanya dapat ditangani BPD.`);
    expect(ticket(id).assignee).toBe('bpd_ketua');
    expect(core.queued('kades')).toEqual([]);
    expect(command('bpd_ketua', `/alihkan ${id} bpd_wakil`)).toBe(`Tiket SKM-${id} dialihkan ke Joko Susilo (bpd_wakil).`);
    expect(ticket(id).assignee).toBe('bpd_wakil');
    command('bpd_wakil', `/balas ${id} Terima kasih, BPD akan menindaklanjuti.`);
    expect(last('warga1')).toBe(`Tanggapan untuk laporan SKM-${id} dari Wakil Ketua BPD (Joko Susilo):\nTerima kasih, BPD akan menindaklanjuti.`);
  });
});

describe('follow-up details', () => {
  it('/alihkan tells the resident who handles the matter now', () => {
    core = createTestCore();
    const id = report('warga1', LAMP);
    command('kaur_umum', `/alihkan ${id} kadus_krajan`);
    expect(last('warga1')).toBe(`Laporan SKM-${id} sekarang ditangani oleh Kepala Dusun Krajan (Slamet Riyadi).`);
  });

  it('/kategori to the same category stores no correction; a correction keeps the whole first message', () => {
    core = createTestCore();
    const long = `${LAMP}. ${'Sudah berkali-kali dilaporkan ke RT tapi belum ada tindakan. '.repeat(8)}`;
    const id = report('warga1', long);
    expect(command('kaur_umum', `/kategori ${id} listrik`)).toContain('tidak ada yang diubah');
    expect(listCorrections(db())).toHaveLength(0);
    command('kaur_umum', `/kategori ${id} infrastruktur`);
    expect(listCorrections(db())[0]?.text).toBe(long);
  });

  it('a refusal in the officers\' group carries no privacy notice', () => {
    core = createTestCore();
    core.send('warga9', '/tiket', { chat: 'grup-petugas' });
    const refusal = core.queued('grup-petugas').at(-1) ?? '';
    expect(refusal).toContain('hanya untuk perangkat desa');
    expect(refusal).not.toContain('Privasi');
  });
});
