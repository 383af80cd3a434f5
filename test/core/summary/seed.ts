// A seeded week with known answers (2026-W47: Monday 16 to Sunday 22 November 2026, WIB), shared by
// the figures test and the command-line integration test. Every ticket's text holds personal data
// that must never reach a public text.
import type { Db } from '../../../storage/db.ts';
import { createTicket, findOrCreateContact, type NewTicket } from '../../../storage/repositories/index.ts';
import { parseWeek } from '../../../core/summary/week.ts';

export const WEEK = parseWeek('2026-W47');
const H = 3_600_000;
const D = 24 * H;
const { start, end } = WEEK;

/** What residents wrote: names, phone numbers, a NIK and an e-mail. None of it may be published. */
export const RESIDENT_TEXT = 'Pak Budi Santoso 0812-3456-7890 NIK 3201012345670001 budi.santoso@gmail.com lampu gang mawar mati';
export const RESIDENT_NAMES = ['Budi Santoso', 'Ratna Kumalasari'];

type Seed = Partial<NewTicket> & Pick<NewTicket, 'category' | 'createdAt' | 'status'>;

export const SEEDS: Record<string, Seed> = {
  t1: { category: 'listrik', dusun: 'krajan', createdAt: start + 9 * H, firstResponseAt: start + 11 * H, resolvedAt: start + 19 * H, status: 'closed', rating: 5, closedAt: start + 29 * H },
  t2: { category: 'listrik', dusun: 'krajan', createdAt: start + 33 * H, firstResponseAt: start + 37 * H, resolvedAt: start + 63 * H, status: 'resolved' },
  t3: { category: 'listrik', dusun: 'krajan', createdAt: start + 2 * D, firstResponseAt: start + 2 * D + 6 * H, resolvedAt: start + 2 * D + 50 * H, status: 'closed', rating: 3, closedAt: start + 2 * D + 60 * H },
  // Thursday: 4 calendar days but only 2 working days (Thursday, Friday) unanswered at the week's
  // end: not overdue (the first response is due after 3 working days).
  t4: { category: 'air_bersih', createdAt: start + 3 * D, status: 'new' },
  // One day old at the week's end: not overdue.
  t5: { category: 'infrastruktur', dusun: 'sukasari', createdAt: start + 6 * D, status: 'new' },
  // From before the week, answered but unresolved after 17 days (11 working days): overdue, not received this week.
  t6: { category: 'keamanan', dusun: 'krajan', createdAt: start - 10 * D, firstResponseAt: start - 9 * D, status: 'assigned' },
  // Received the week before, resolved this week after 72 hours.
  t7: { category: 'kesehatan', dusun: 'cikoneng', createdAt: start - 2 * D, firstResponseAt: start - D, resolvedAt: start + D, status: 'resolved' },
  // Sunday 23:59:59.999 WIB of the week before: not received this week; 5 working days unanswered: overdue.
  t8: { category: 'lainnya', createdAt: start - 1, status: 'new' },
  // Sunday 23:59:59.999 WIB, the last moment of the week: received.
  t9: { category: 'lainnya', createdAt: end - 1, status: 'new' },
  // Monday 00:00 WIB of the next week: not received.
  t10: { category: 'lainnya', createdAt: end, status: 'new' },
  // A merged duplicate is not counted.
  t11: { category: 'listrik', dusun: 'krajan', createdAt: start + 4 * D, status: 'merged', closedAt: start + 4 * D + H },
  // A confidential complaint about an officer: counted, never a highlight.
  t12: { category: 'pelayanan_aparat', dusun: 'krajan', confidential: true, createdAt: start + H, firstResponseAt: start + 3 * H, resolvedAt: start + 5 * H, status: 'resolved' },
  // Resolved only after the week: it was open, unanswered and 21 days old at the week's end: overdue.
  t13: { category: 'infrastruktur', createdAt: start - 20 * D, firstResponseAt: end + D, resolvedAt: end + D, status: 'resolved' },
  // Resolved and rejected long before: not open.
  t14: { category: 'infrastruktur', createdAt: start - 20 * D, firstResponseAt: start - 19 * D, resolvedAt: start - 5 * D, status: 'resolved' },
  t15: { category: 'bansos', createdAt: start - 30 * D, closedAt: start - 25 * D, status: 'rejected' },
};

/** The figures the seed must produce for WEEK. */
export const EXPECTED = {
  received: { total: 7, byCategory: { listrik: 3, air_bersih: 1, infrastruktur: 1, lainnya: 1, pelayanan_aparat: 1 }, byDusun: { krajan: 4, sukasari: 1, tanpa_dusun: 2 } },
  resolved: { total: 5, byCategory: { listrik: 3, kesehatan: 1, pelayanan_aparat: 1 } },
  overdue: 3,
  // First responses this week: 2, 4, 6 and 2 hours.
  medianFirstResponseHours: 3,
  firstResponses: 4,
  // Resolutions this week: 10, 30, 50, 72 and 4 hours.
  medianResolutionHours: 30,
  rating: { average: 4, count: 2 },
  highlights: ['3 laporan listrik dan lampu jalan di Dusun Krajan selesai ditangani', '1 laporan kesehatan di Dusun Cikoneng selesai ditangani'],
};

/** Writes the seed (contacts with residents' names, tickets with their text); call inside a transaction or not. */
export function seedWeek(db: Db): void {
  const residents = RESIDENT_NAMES.map((name, index) => findOrCreateContact(db, 'web', `warga-${index}`, name, start - 40 * D).contact);
  Object.values(SEEDS).forEach((seed, index) => {
    const contact = residents[index % residents.length]!;
    createTicket(db, 'SKM', {
      contactId: contact.id,
      channel: 'web',
      chatId: contact.externalId,
      summary: RESIDENT_TEXT,
      kind: 'pengaduan',
      confidence: 0.9,
      lastActivityAt: seed.createdAt,
      ...seed,
    });
  });
}
