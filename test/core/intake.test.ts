import { afterEach, describe, expect, it } from 'vitest';
import { WebAdapter } from '../../bots/web/adapter.ts';
import { OutboxWorker } from '../../core/outbox.ts';
import {
  findContact,
  getTicket,
  listContactTickets,
  listOutboundToChat,
  listTicketMessages,
} from '../../storage/repositories/index.ts';
import { messages, tickets } from '../../storage/schema.ts';
import { createTestCore, type TestCore } from '../helpers.ts';

let core: TestCore;
afterEach(() => core.close());

const LAMP = 'Lampu jalan di depan masjid Dusun Krajan mati sudah seminggu';
const MINUTE = 60_000;

function ticketCount(): number {
  return core.ctx.store.db.select().from(tickets).all().length;
}

/** Sends everything queued through the web adapter, so our messages get platform ids. */
async function deliver(): Promise<void> {
  const worker = new OutboxWorker(core.ctx, new Map([['web', new WebAdapter()]]));
  while ((await worker.runOnce()) > 0) {
    /* until nothing is due */
  }
}

describe('idempotent intake', () => {
  it('the same message id twice creates one ticket and one acknowledgement', () => {
    core = createTestCore();
    const first = core.send('warga1', LAMP, { id: 'wa-1' });
    const second = core.send('warga1', LAMP, { id: 'wa-1' });
    expect(first.outcome).toBe('new_ticket');
    expect(second).toEqual({ duplicate: true, outcome: 'duplicate' });
    expect(ticketCount()).toBe(1);
    expect(core.queued('warga1')).toHaveLength(1);
    expect(core.ctx.store.db.select().from(messages).all()).toHaveLength(1);
  });

  it('a failure inside intake rolls back everything, so a redelivery starts clean', () => {
    core = createTestCore({
      classifier: {
        name: 'broken',
        classify: () => {
          throw new Error('model file corrupt');
        },
      },
    });
    expect(() => core.send('warga1', LAMP, { id: 'wa-2' })).toThrow('model file corrupt');
    expect(core.ctx.store.db.select().from(messages).all()).toHaveLength(0);
    expect(findContact(core.ctx.store.db, 'web', 'warga1')).toBeUndefined();
  });
});

describe('acknowledgement and privacy notice', () => {
  it('acknowledges in Indonesian with the ticket code and adds the privacy notice on first contact only', () => {
    core = createTestCore({ start: Date.UTC(2026, 10, 2) });
    const first = core.send('warga1', LAMP);
    const [ack] = core.queued('warga1');
    expect(ack).toContain(`nomor ${first.ticketCode}`);
    expect(ack).toContain('Privasi');
    expect(ack).toContain('tidak memuat nama');
    core.clock.advance(24 * 60 * MINUTE);
    const second = core.send('warga1', 'Saluran air di RT 03 RW 01 mampet');
    expect(second.ticketCode).not.toBe(first.ticketCode);
    const last = core.queued('warga1').at(-1) ?? '';
    expect(last).toContain(second.ticketCode);
    expect(last).not.toContain('Privasi');
  });
});

describe('threading', () => {
  it('a message within the window joins the open ticket and the handler hears of it', () => {
    core = createTestCore();
    const first = core.send('warga1', LAMP);
    core.clock.advance(30 * MINUTE);
    const follow = core.send('warga1', 'sudah tiga tiang yang mati pak');
    expect(follow).toMatchObject({ outcome: 'follow_up', ticketCode: first.ticketCode });
    expect(ticketCount()).toBe(1);
    expect(core.queued('kaur_umum').at(-1)).toContain('sudah tiga tiang yang mati pak');
  });

  it('a message after the window opens a new ticket', () => {
    core = createTestCore();
    const first = core.send('warga1', LAMP);
    core.clock.advance(241 * MINUTE);
    const later = core.send('warga1', 'Sampah menumpuk di pinggir sungai dusun Sukasari');
    expect(later.outcome).toBe('new_ticket');
    expect(later.ticketCode).not.toBe(first.ticketCode);
  });

  it('activity on the ticket keeps the window open', () => {
    core = createTestCore();
    const first = core.send('warga1', LAMP);
    core.clock.advance(200 * MINUTE);
    core.send('warga1', 'masih mati');
    core.clock.advance(200 * MINUTE);
    expect(core.send('warga1', 'tolong dicek').ticketCode).toBe(first.ticketCode);
  });

  it('a reply to one of our messages joins that ticket even after the window', async () => {
    core = createTestCore();
    const first = core.send('warga1', LAMP);
    await deliver();
    const ack = listOutboundToChat(core.ctx.store.db, 'web', 'warga1')[0];
    core.clock.advance(3 * 24 * 60 * MINUTE);
    core.send('warga1', 'Jalan berlubang di gang mawar', {}); // a different, newer matter
    const reply = core.send('warga1', 'ini fotonya pak', { replyTo: ack?.externalId });
    expect(reply).toMatchObject({ outcome: 'follow_up', ticketCode: first.ticketCode });
  });

  it('follow-ups in a burst are acknowledged once', () => {
    core = createTestCore();
    core.send('warga1', LAMP);
    core.send('warga1', 'tambahan 1');
    core.send('warga1', 'tambahan 2');
    core.send('warga1', 'tambahan 3');
    // The first acknowledgement covers the burst: nothing more for 10 minutes.
    expect(core.queued('warga1')).toHaveLength(1);
    core.clock.advance(9 * MINUTE);
    core.send('warga1', 'tambahan 3b');
    expect(core.queued('warga1')).toHaveLength(1);
    core.clock.advance(2 * MINUTE);
    core.send('warga1', 'tambahan 4');
    expect(core.queued('warga1')).toHaveLength(2);
    expect(core.queued('warga1')[1]).toContain('Tambahan keterangan');
  });

  it('two residents never share a ticket', () => {
    core = createTestCore();
    const a = core.send('warga1', LAMP);
    const b = core.send('warga2', LAMP);
    expect(a.ticketCode).not.toBe(b.ticketCode);
  });
});

describe('resident commands', () => {
  it('"status" and "cek" list the resident\'s own tickets with their states', () => {
    core = createTestCore();
    const mine = core.send('warga1', LAMP);
    core.send('warga2', 'Air PAMSIMAS mati di dusun sukasari');
    core.send('warga1', 'status');
    const answer = core.queued('warga1').at(-1) ?? '';
    expect(answer).toContain(`${mine.ticketCode} — Sudah ada petugas`);
    expect(answer).not.toContain('PAMSIMAS');
    core.send('warga1', '/cek');
    expect(core.queued('warga1').at(-1)).toBe(answer);
    expect(ticketCount()).toBe(2);
  });

  it('a resident with no tickets is told how to report', () => {
    core = createTestCore();
    expect(core.send('warga1', 'cek').outcome).toBe('resident_command');
    expect(core.queued('warga1')[0]).toContain('belum punya laporan');
    expect(core.queued('warga1')[0]).toContain('Privasi');
  });

  it('/start greets with the privacy notice; unknown commands get help', () => {
    core = createTestCore();
    core.send('warga1', '/start');
    expect(core.queued('warga1')[0]).toContain('Selamat datang di layanan aspirasi Desa Sukamaju');
    expect(core.queued('warga1')[0]).toContain('Privasi');
    core.send('warga1', '/hapusin');
    expect(core.queued('warga1')[1]).toContain('Perintah /hapusin tidak dikenal');
    expect(ticketCount()).toBe(0);
  });

  it('officer commands from a resident are refused and change nothing', () => {
    core = createTestCore();
    const mine = core.send('warga1', LAMP);
    core.send('warga2', `/selesai ${mine.ticketCode} beres`);
    expect(core.queued('warga2')[0]).toContain('hanya untuk perangkat desa');
    expect(getTicket(core.ctx.store.db, 1)?.status).toBe('assigned');
  });
});

describe('officers writing to the bot', () => {
  it('free text from an officer opens no ticket and explains how to answer', () => {
    core = createTestCore();
    expect(core.send('kaur_umum', 'sudah saya cek tadi pagi').outcome).toBe('ignored');
    expect(ticketCount()).toBe(0);
    expect(core.queued('kaur_umum')[0]).toContain('/balas 42');
  });

  it('an officer typing a resident command gets the officer equivalent', () => {
    core = createTestCore();
    core.send('warga1', LAMP);
    core.send('kaur_umum', 'status'); // plain words are not commands for officers: a hint
    core.send('kaur_umum', '/status');
    expect(core.queued('kaur_umum').at(-1)).toContain('Tiket saya:');
    core.send('kaur_umum', '/start');
    expect(core.queued('kaur_umum').at(-1)).toContain('Perintah petugas');
  });
});

describe('rating after resolution', () => {
  it('asks for 1-5 and stores the answer, closing the ticket', () => {
    core = createTestCore();
    const mine = core.send('warga1', LAMP);
    core.send('kaur_umum', `/selesai ${mine.ticketCode} Lampu sudah diganti`);
    expect(core.queued('warga1').at(-1)).toContain('angka 1 sampai 5');
    expect(core.send('warga1', '4').outcome).toBe('rating');
    const ticket = getTicket(core.ctx.store.db, 1);
    expect(ticket?.rating).toBe(4);
    expect(ticket?.status).toBe('closed');
    expect(core.queued('warga1').at(-1)).toContain('penilaian 4/5');
    expect(core.queued('kaur_umum').at(-1)).toContain('memberi nilai 4/5');
  });

  it('accepts "nilai 5" and stars, and a digit with nothing to rate is an ordinary message', () => {
    core = createTestCore();
    const mine = core.send('warga1', LAMP);
    core.send('kaur_umum', `/selesai ${mine.ticketCode}`);
    core.send('warga1', '⭐⭐⭐');
    expect(getTicket(core.ctx.store.db, 1)?.rating).toBe(3);
    // Now nothing awaits a rating: "5" is not a rating (and has no words: asked to write).
    expect(core.send('warga1', '5').outcome).not.toBe('rating');
  });
});

describe('bad input gets a clear answer and loses nothing', () => {
  it('empty and whitespace-only messages: asked to write, stored, no ticket', () => {
    core = createTestCore();
    expect(core.send('warga1', '').outcome).toBe('needs_text');
    expect(core.send('warga1', '   \n\t ').outcome).toBe('needs_text');
    expect(core.queued('warga1')[0]).toContain('Pesan Anda kosong');
    expect(ticketCount()).toBe(0);
    expect(core.ctx.store.db.select().from(messages).all()).toHaveLength(2);
  });

  it('emoji-only and sticker messages are kept and the resident is asked for words', () => {
    core = createTestCore();
    expect(core.send('warga1', '😡😡😡').outcome).toBe('needs_text');
    expect(core.send('warga1', '', { attachments: [{ kind: 'sticker', fileId: 'stk-1' }] }).outcome).toBe('needs_text');
    expect(core.queued('warga1').at(-1)).toContain('Mohon tulis singkat');
    expect(ticketCount()).toBe(0);
  });

  it('a voice note first, then text: the voice note belongs to the new ticket', () => {
    core = createTestCore();
    core.send('warga1', '', { attachments: [{ kind: 'voice', fileId: 'voice-1', mimeType: 'audio/ogg' }] });
    const result = core.send('warga1', 'Jalan di depan SD ambles pak');
    const stored = listTicketMessages(core.ctx.store.db, Number(result.ticketCode?.split('-')[1]));
    expect(stored.map((message) => message.attachments?.[0]?.kind ?? message.text)).toEqual(['voice', 'Jalan di depan SD ambles pak']);
  });

  it('a location fills the ticket coordinates', () => {
    core = createTestCore();
    const result = core.send('warga1', 'pohon tumbang menutup jalan', {
      attachments: [{ kind: 'location', latitude: -7.1, longitude: 110.4 }],
    });
    const ticket = getTicket(core.ctx.store.db, Number(result.ticketCode?.split('-')[1]));
    expect([ticket?.latitude, ticket?.longitude]).toEqual([-7.1, 110.4]);
  });

  it('huge, control-character and markup texts are stored verbatim', () => {
    core = createTestCore();
    const huge = `${'jalan rusak parah '.repeat(6000)}\u0000\u202e<b>x</b>'; DROP TABLE tickets;--`;
    const result = core.send('warga1', huge);
    expect(result.outcome).toBe('new_ticket');
    const stored = core.ctx.store.db.select().from(messages).all()[0];
    expect(stored?.text).toBe(huge);
    const ticket = listContactTickets(core.ctx.store.db, 1)[0];
    expect(ticket?.summary.length).toBeLessThanOrEqual(280);
    // Officers see a shortened text in chat.
    expect((core.queued('kasi_kesejahteraan')[0] ?? '').length).toBeLessThan(2500);
  });

  it('resident chatter in a group chat is stored but never becomes a ticket', () => {
    core = createTestCore();
    expect(core.send('warga1', LAMP, { chat: 'grup-petugas' }).outcome).toBe('ignored');
    expect(ticketCount()).toBe(0);
    expect(core.ctx.store.db.select().from(messages).all()).toHaveLength(1);
  });
});
