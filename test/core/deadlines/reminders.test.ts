// Deadlines as officers live them: reminders each working morning, escalation of what is overdue,
// notifications held through the night. Times are village time (WIB, UTC+7).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { escalateOverdue, runDailyReminder, scheduleDeadlines, sendReminders } from '../../../core/deadlines/check.ts';
import { createCoreContext } from '../../../core/context.ts';
import { getTicket, listDueOutbox, updateTicket } from '../../../storage/repositories/index.ts';
import { outbox } from '../../../storage/schema.ts';
import { healthReport } from '../../../web/server.ts';
import { createTestCore, silentLogger, type TestCore } from '../../helpers.ts';

const wib = (iso: string) => Date.parse(`${iso}+07:00`);

let core: TestCore;
afterEach(() => {
  vi.useRealTimers();
  core.close();
});

/** Creates a ticket as `user` at `at`, returns it. */
function report(user: string, text: string, at: number) {
  core.clock.now = at;
  const result = core.send(user, text);
  const id = Number(result.ticketCode?.split('-')[1]);
  const ticket = getTicket(core.ctx.store.db, id);
  if (!ticket) throw new Error(`no ticket for ${text}`);
  return ticket;
}

const texts = (chat: string, purpose: string) => core.rows(chat).filter((row) => row.purpose === purpose).map((row) => row.text);

describe('deadlines on tickets', () => {
  it('a report gets its deadlines at intake from the working-day calendar', () => {
    core = createTestCore();
    const ticket = report('warga-1', 'Lampu jalan di gang mawar mati sudah seminggu', wib('2026-11-27T10:00'));
    expect(ticket.category).toBe('listrik');
    expect(ticket.responseDueAt).toBe(wib('2026-12-02T10:00'));
    expect(ticket.resolutionDueAt).toBe(wib('2026-12-09T10:00'));
  });

  it('a new category brings its own deadlines (/kategori bencana: hours)', () => {
    core = createTestCore();
    const ticket = report('warga-1', 'Lampu jalan di gang mawar mati sudah seminggu', wib('2026-11-27T10:00'));
    core.clock.now = wib('2026-11-27T11:00');
    core.send('sekdes', `/kategori ${ticket.code} bencana`);
    const updated = getTicket(core.ctx.store.db, ticket.id);
    expect(updated?.responseDueAt).toBe(wib('2026-11-27T12:00'));
    expect(updated?.resolutionDueAt).toBe(wib('2026-11-28T10:00'));
  });
});

describe('/lihat', () => {
  it('shows the deadlines still to meet, marked when missed, and the escalation step', () => {
    core = createTestCore();
    const ticket = report('warga-1', 'Lampu jalan di gang mawar mati sudah seminggu', wib('2026-11-27T10:00'));
    core.clock.now = wib('2026-12-02T10:15');
    escalateOverdue(core.ctx);
    core.send('kaur_umum', `/lihat ${ticket.code}`);
    const details = core.queued('kaur_umum').at(-1) ?? '';
    expect(details).toContain('Tenggat tanggapan pertama: 2 Des 2026, 10.00 — LEWAT TENGGAT\n');
    expect(details).toContain('Tenggat penyelesaian: 9 Des 2026, 10.00\n');
    expect(details).toContain('Dieskalasi: tahap 1');
  });
});

describe('quiet hours', () => {
  it("hold an officer's notification of a report made at 22:00 until 06:00, but not the resident's acknowledgement", () => {
    core = createTestCore();
    const ticket = report('warga-1', 'Lampu jalan di gang mawar mati sudah seminggu', wib('2026-11-30T22:00'));
    const [notification] = core.rows('kaur_umum').filter((row) => row.ticketId === ticket.id);
    expect(notification?.nextAttemptAt).toBe(wib('2026-12-01T06:00'));
    const [ack] = core.rows('warga-1');
    expect(ack?.purpose).toBe('ack');
    expect(ack?.nextAttemptAt).toBe(wib('2026-11-30T22:00'));
  });

  it('let an urgent report through at night, ahead of the held notifications in the same chat', () => {
    core = createTestCore();
    report('warga-1', 'Lampu jalan di gang mawar mati sudah seminggu', wib('2026-11-30T22:00'));
    const flood = report('warga-2', 'Tolong banjir bandang, rumah warga terendam sampai atap', wib('2026-11-30T22:30'));
    expect(flood.urgent).toBe(true);
    const due = listDueOutbox(core.ctx.store.db, wib('2026-11-30T22:31'), 100).filter((row) => row.chatId === 'grup-petugas');
    expect(due.map((row) => row.ticketId)).toEqual([flood.id]);
    // In the morning both are due, the held one first.
    const morning = listDueOutbox(core.ctx.store.db, wib('2026-12-01T06:00'), 100).filter((row) => row.chatId === 'grup-petugas');
    expect(morning.map((row) => row.ticketId)).toHaveLength(2);
  });

  it('are counted in /healthz as rows for later, which the burst script does not wait for', () => {
    core = createTestCore();
    report('warga-1', 'Lampu jalan di gang mawar mati sudah seminggu', wib('2026-11-30T22:00'));
    const night = healthReport(core.ctx, [], core.clock.now);
    const rows = core.ctx.store.db.select().from(outbox).all();
    const held = rows.filter((row) => row.purpose.startsWith('notify_'));
    expect(held.length).toBeGreaterThan(0);
    expect(night.outboxLater).toBe(held.length);
    // The acknowledgement is pending too, but due now.
    expect(rows.map((row) => row.purpose).sort()).toEqual(['ack', ...held.map((row) => row.purpose)].sort());
    expect(night.outbox.pending).toBe(rows.length);
    core.clock.now = wib('2026-12-01T06:00');
    expect(healthReport(core.ctx, [], core.clock.now).outboxLater).toBe(0);
  });

  it("do not hold an officer's answers to their own commands", () => {
    core = createTestCore();
    core.clock.now = wib('2026-11-30T23:00');
    core.send('kaur_umum', '/tiket');
    const [reply] = core.rows('kaur_umum');
    expect(reply?.nextAttemptAt).toBe(wib('2026-11-30T23:00'));
  });
});

describe('the daily reminder', () => {
  function seed() {
    core = createTestCore();
    // Due Wednesday 2 December 10:00 (first response): overdue on Thursday.
    const late = report('warga-1', 'Lampu jalan di gang mawar mati sudah seminggu', wib('2026-11-27T10:00'));
    // Due Thursday 3 December 09:00: due today on Thursday.
    const today = report('warga-2', 'Lampu penerangan jalan depan masjid padam', wib('2026-11-30T09:00'));
    // Due next week: not listed.
    const later = report('warga-3', 'Lampu jalan di pertigaan rusak dan berkedip', wib('2026-12-02T09:00'));
    return { late, today, later };
  }

  it("lists for each assignee what is overdue and what is due today, with the deadline's time", () => {
    const { late, today, later } = seed();
    core.clock.now = wib('2026-12-03T07:00');
    const counts = sendReminders(core.ctx);
    expect(counts).toEqual({ kaur_umum: 2 });
    const [text] = texts('kaur_umum', 'reminder');
    expect(text).toContain('Pengingat tenggat — Kamis, 3 Desember 2026');
    expect(text).toMatch(new RegExp(`Lewat tenggat \\(1\\):\\n• ${late.code} .*tenggat Rabu 02/12 10\\.00`));
    expect(text).toMatch(new RegExp(`Jatuh tempo hari ini \\(1\\):\\n• ${today.code} .*paling lambat Kamis 03/12 09\\.00`));
    expect(text).not.toContain(later.code);
  });

  it('goes out once per working day, also across a restart, and never on weekends or holidays', async () => {
    seed();
    core.clock.now = wib('2026-12-03T07:00');
    expect(await runDailyReminder(core.ctx)).toEqual({ kaur_umum: 2 });
    const restarted = createCoreContext({ store: core.ctx.store, profile: core.ctx.profile, logger: silentLogger, now: () => wib('2026-12-03T08:00') });
    expect(await runDailyReminder(restarted)).toBeUndefined();
    expect(texts('kaur_umum', 'reminder')).toHaveLength(1);
    core.clock.now = wib('2026-12-05T07:00');
    expect(await runDailyReminder(core.ctx)).toBeUndefined();
    core.clock.now = wib('2026-12-24T07:00');
    expect(await runDailyReminder(core.ctx)).toBeUndefined();
    expect(texts('kaur_umum', 'reminder')).toHaveLength(1);
  });

  it('sends tickets nobody handles yet to the triage sorters (sekdes)', () => {
    core = createTestCore();
    const ticket = report('warga-1', 'Lampu jalan di gang mawar mati sudah seminggu', wib('2026-11-27T10:00'));
    updateTicket(core.ctx.store.db, ticket.id, { assignee: null, status: 'new', needsTriage: true });
    core.clock.now = wib('2026-12-03T07:00');
    expect(sendReminders(core.ctx)).toEqual({ sekdes: 1 });
  });

  it('fires from the schedule at 07:00 WIB (00:00 UTC) and is made up on a later start the same day', async () => {
    seed();
    vi.useFakeTimers({ now: wib('2026-12-03T06:59:30'), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const ctx = { ...core.ctx, now: () => Date.now() };
    const cancel = scheduleDeadlines(ctx);
    expect(texts('kaur_umum', 'reminder')).toHaveLength(0);
    for (let i = 0; i < 120 && texts('kaur_umum', 'reminder').length === 0; i += 1) await vi.advanceTimersByTimeAsync(1_000);
    cancel();
    expect(texts('kaur_umum', 'reminder')).toHaveLength(1);
    expect(Date.now()).toBeGreaterThanOrEqual(wib('2026-12-03T07:00'));
    vi.useRealTimers();

    // A service started at 09:00 on a day whose reminder did not run sends it at once.
    const other = createTestCore();
    try {
      other.clock.now = wib('2026-11-27T10:00');
      other.send('warga-1', 'Lampu jalan di gang mawar mati sudah seminggu');
      other.clock.now = wib('2026-12-03T09:00');
      scheduleDeadlines(other.ctx)();
      expect(other.rows('kaur_umum').filter((row) => row.purpose === 'reminder')).toHaveLength(1);
      // Started at 22:00 it waits for tomorrow's.
      other.clock.now = wib('2026-12-04T22:00');
      scheduleDeadlines(other.ctx)();
      expect(other.rows('kaur_umum').filter((row) => row.purpose === 'reminder')).toHaveLength(1);
    } finally {
      other.close();
    }
  });
});

describe('escalation', () => {
  it('goes to sekdes when a deadline is missed, then kades and the BPD chair one working day apart', () => {
    core = createTestCore();
    const ticket = report('warga-1', 'Lampu jalan di gang mawar mati sudah seminggu', wib('2026-11-27T10:00'));
    core.clock.now = wib('2026-12-02T09:59');
    expect(escalateOverdue(core.ctx).escalated).toEqual([]);
    core.clock.now = wib('2026-12-02T10:15');
    expect(escalateOverdue(core.ctx).escalated).toEqual([{ code: ticket.code, level: 1, to: ['sekdes'] }]);
    const [message] = texts('sekdes', 'escalation');
    expect(message).toContain(`Eskalasi ${ticket.code} (tahap 1: Sekretaris Desa)`);
    expect(message).toContain('Belum ada tanggapan pertama kepada pelapor; tenggat Rabu 02/12 10.00.');
    expect(escalateOverdue(core.ctx).escalated).toEqual([]);
    // Thursday 10:15: one working day later -> kades. Friday -> BPD chair. Then nothing more.
    core.clock.now = wib('2026-12-03T10:15');
    expect(escalateOverdue(core.ctx).escalated).toEqual([{ code: ticket.code, level: 2, to: ['kades'] }]);
    core.clock.now = wib('2026-12-04T10:15');
    expect(escalateOverdue(core.ctx).escalated).toEqual([{ code: ticket.code, level: 3, to: ['bpd_ketua'] }]);
    core.clock.now = wib('2026-12-10T10:15');
    expect(escalateOverdue(core.ctx).escalated).toEqual([]);
    expect(getTicket(core.ctx.store.db, ticket.id)?.escalationLevel).toBe(3);
  });

  it('jumps to the step due after the service was down, telling only that officer', () => {
    core = createTestCore();
    const ticket = report('warga-1', 'Lampu jalan di gang mawar mati sudah seminggu', wib('2026-11-27T10:00'));
    core.clock.now = wib('2026-12-07T08:00');
    expect(escalateOverdue(core.ctx).escalated).toEqual([{ code: ticket.code, level: 3, to: ['bpd_ketua'] }]);
    expect(texts('sekdes', 'escalation')).toEqual([]);
    expect(texts('bpd_ketua', 'escalation')).toHaveLength(1);
  });

  it('skips the assignee in the chain, and starts again when a later deadline is missed', () => {
    core = createTestCore();
    const ticket = report('warga-1', 'Lampu jalan di gang mawar mati sudah seminggu', wib('2026-11-27T10:00'));
    updateTicket(core.ctx.store.db, ticket.id, { assignee: 'sekdes' });
    core.clock.now = wib('2026-12-02T10:15');
    expect(escalateOverdue(core.ctx).escalated).toEqual([{ code: ticket.code, level: 1, to: ['kades'] }]);
    // The sekdes answers: the escalation is over.
    core.clock.now = wib('2026-12-02T11:00');
    core.send('sekdes', `/balas ${ticket.code} Sudah kami laporkan ke PLN, petugas datang besok.`);
    expect(escalateOverdue(core.ctx)).toMatchObject({ escalated: [], reset: 1 });
    // Not resolved by Wednesday 9 December 10:00: the chain starts again.
    core.clock.now = wib('2026-12-09T10:15');
    expect(escalateOverdue(core.ctx).escalated).toEqual([{ code: ticket.code, level: 1, to: ['kades'] }]);
    expect(texts('kades', 'escalation').at(-1)).toContain('Belum selesai ditangani; tenggat Rabu 09/12 10.00.');
  });

  it('keeps a confidential complaint about officials within the BPD', () => {
    core = createTestCore();
    const ticket = report('warga-1', 'Saya mau melaporkan pak sekdes yang minta uang pungli untuk surat pengantar', wib('2026-11-27T10:00'));
    expect(ticket.confidential).toBe(true);
    core.clock.now = wib('2026-12-07T08:00');
    const [escalated] = escalateOverdue(core.ctx).escalated;
    // It is handled by the BPD chair, so its deputy is told.
    expect(ticket.assignee).toBe('bpd_ketua');
    expect(escalated?.to).toEqual(['bpd_wakil']);
    expect(texts('sekdes', 'escalation')).toEqual([]);
    expect(texts('kades', 'escalation')).toEqual([]);
  });

  it('is urgent, and so not held at night, for urgent tickets', () => {
    core = createTestCore();
    const flood = report('warga-2', 'Tolong banjir bandang, rumah warga terendam sampai atap', wib('2026-11-30T22:00'));
    core.clock.now = wib('2026-12-01T00:30');
    const [escalated] = escalateOverdue(core.ctx).escalated;
    expect(escalated?.code).toBe(flood.code);
    const row = core.rows(escalated?.to[0] ?? '').find((candidate) => candidate.purpose === 'escalation');
    expect(row?.urgent).toBe(true);
    expect(row?.nextAttemptAt).toBe(wib('2026-12-01T00:30'));
  });
});

describe('tickets from before deadlines existed', () => {
  it('get deadlines when the jobs start', () => {
    core = createTestCore();
    const ticket = report('warga-1', 'Lampu jalan di gang mawar mati sudah seminggu', wib('2026-11-27T10:00'));
    updateTicket(core.ctx.store.db, ticket.id, { responseDueAt: null, resolutionDueAt: null });
    core.clock.now = wib('2026-11-27T12:00');
    scheduleDeadlines(core.ctx)();
    expect(getTicket(core.ctx.store.db, ticket.id)?.responseDueAt).toBe(wib('2026-12-02T10:00'));
  });
});
