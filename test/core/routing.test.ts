import { afterEach, describe, expect, it } from 'vitest';
import type { Classification, Classifier } from '../../core/classifier/types.ts';
import type { Category } from '../../core/domain.ts';
import { decisionByIds, decisionFromIds, route } from '../../core/router.ts';
import { getTicket, listTicketEvents } from '../../storage/repositories/index.ts';
import { createTestCore, demoProfileWith, type TestCore } from '../helpers.ts';

let core: TestCore;
afterEach(() => core.close());

/** A classifier that answers what the test says, to isolate routing from classification. */
function fixedClassifier(answer: Partial<Classification> & { category: Category }): Classifier {
  return {
    name: 'fixed',
    classify: () => ({
      confidence: 0.9,
      alternatives: [{ category: answer.category, confidence: answer.confidence ?? 0.9 }],
      kind: 'pengaduan',
      urgent: false,
      ...answer,
    }),
  };
}

const OFFICER_IDS = [
  'kades', 'sekdes', 'kasi_pemerintahan', 'kasi_kesejahteraan', 'kasi_pelayanan', 'kaur_umum', 'kaur_keuangan',
  'kaur_perencanaan', 'kadus_krajan', 'kadus_sukasari', 'kadus_karanganyar', 'kadus_cikoneng', 'bpd_ketua', 'bpd_wakil',
  'bpd_sekretaris', 'bpd_anggota_1', 'bpd_anggota_2',
];

/** Officers whose private chat received a notification about the ticket. */
function notifiedOfficers(code: string): string[] {
  return OFFICER_IDS.filter((id) => core.queued(id).some((text) => text.includes(`Tiket baru ${code}`)));
}

function ticketOf(code: string | undefined) {
  const id = Number(code?.split('-')[1]);
  const ticket = getTicket(core.ctx.store.db, id);
  if (!ticket) throw new Error(`no ticket ${code}`);
  return ticket;
}

describe('category -> roles from the profile', () => {
  const expectations: Array<[Category, string]> = [
    ['air_bersih', 'kasi_kesejahteraan'],
    ['kependudukan', 'kasi_pemerintahan'],
    ['keuangan_desa', 'bpd_ketua'],
    ['lainnya', 'bpd_sekretaris'],
    ['listrik', 'kaur_umum'],
  ];
  for (const [category, handler] of expectations) {
    it(`${category} goes to ${handler}`, () => {
      core = createTestCore({ classifier: fixedClassifier({ category }) });
      const result = core.send('warga1', 'ada masalah di desa');
      const ticket = ticketOf(result.ticketCode);
      expect(ticket.assignee).toBe(handler);
      expect(ticket.status).toBe('assigned');
      expect(notifiedOfficers(ticket.code)).toEqual([handler]);
      // The officers' group sees every non-confidential ticket.
      expect(core.queued('grup-petugas').some((text) => text.includes(ticket.code))).toBe(true);
    });
  }

  it('follows a routing override in the profile', () => {
    const profile = demoProfileWith((raw) => ((raw.routing as Record<string, unknown>).air_bersih = ['kaur_perencanaan']));
    core = createTestCore({ profile, classifier: fixedClassifier({ category: 'air_bersih' }) });
    expect(ticketOf(core.send('warga1', 'air mati').ticketCode).assignee).toBe('kaur_perencanaan');
  });

  it('tells the resident who handles the matter', () => {
    core = createTestCore();
    const result = core.send('warga1', 'Lampu jalan di depan masjid Dusun Krajan mati sudah seminggu');
    expect(core.queued('warga1')[0]).toContain('Kaur Umum (Bambang Sutrisno)');
    expect(ticketOf(result.ticketCode).category).toBe('listrik');
  });
});

describe('dusun, RW and RT gazetteer', () => {
  it('a message naming a dusun also notifies its kadus', () => {
    core = createTestCore();
    const result = core.send('warga1', 'Lampu jalan di depan masjid Dusun Krajan mati sudah seminggu');
    const ticket = ticketOf(result.ticketCode);
    expect(ticket.dusun).toBe('krajan');
    expect(notifiedOfficers(ticket.code)).toEqual(['kaur_umum', 'kadus_krajan']);
  });

  it('an RW number finds its dusun and RT is kept', () => {
    core = createTestCore({ classifier: fixedClassifier({ category: 'listrik' }) });
    const ticket = ticketOf(core.send('warga1', 'lampu mati di rt 02 rw 05').ticketCode);
    expect([ticket.dusun, ticket.rw, ticket.rt]).toEqual(['karanganyar', 5, 2]);
    expect(notifiedOfficers(ticket.code)).toContain('kadus_karanganyar');
  });

  it('"kadus" in the routing means the kadus of the named dusun', () => {
    core = createTestCore({ classifier: fixedClassifier({ category: 'infrastruktur' }) });
    const ticket = ticketOf(core.send('warga1', 'jalan di dusun cikoneng berlubang').ticketCode);
    expect(ticket.assignee).toBe('kasi_kesejahteraan');
    expect(notifiedOfficers(ticket.code)).toEqual(['kasi_kesejahteraan', 'kadus_cikoneng']);
  });

  it('no dusun named: no kadus is bothered', () => {
    core = createTestCore({ classifier: fixedClassifier({ category: 'infrastruktur' }) });
    const ticket = ticketOf(core.send('warga1', 'jalan ke pasar berlubang').ticketCode);
    expect(notifiedOfficers(ticket.code)).toEqual(['kasi_kesejahteraan']);
  });
});

describe('complaints about officials', () => {
  it('pelayanan_aparat goes to the BPD chair only, confidential, never to the group', () => {
    core = createTestCore();
    const result = core.send('warga1', 'Pelayanan di kantor desa lambat, saya dipersulit dan diminta uang pelicin');
    const ticket = ticketOf(result.ticketCode);
    expect(ticket.category).toBe('pelayanan_aparat');
    expect(ticket.confidential).toBe(true);
    expect(ticket.assignee).toBe('bpd_ketua');
    expect(notifiedOfficers(ticket.code)).toEqual(['bpd_ketua']);
    expect(core.queued('grup-petugas')).toEqual([]);
    expect(core.queued('warga1')[0]).toContain('RAHASIA');
  });

  it('a complaint naming an officer never reaches that officer', () => {
    core = createTestCore({ classifier: fixedClassifier({ category: 'listrik' }) });
    const ticket = ticketOf(core.send('warga1', 'Pak Bambang sudah dilapori lampu mati tapi tidak pernah datang').ticketCode);
    expect(ticket.confidential).toBe(true);
    expect(ticket.assignee).toBe('bpd_ketua');
    expect(notifiedOfficers(ticket.code)).not.toContain('kaur_umum');
  });

  it('a complaint about the BPD chair goes to the vice chair', () => {
    core = createTestCore({ classifier: fixedClassifier({ category: 'pelayanan_aparat' }) });
    const ticket = ticketOf(core.send('warga1', 'Bu Sri ketua BPD tidak pernah menanggapi warga').ticketCode);
    expect(ticket.assignee).toBe('bpd_wakil');
    expect(notifiedOfficers(ticket.code)).toEqual(['bpd_wakil']);
  });

  it('"pak kadus" with a dusun names that kadus only', () => {
    core = createTestCore({ classifier: fixedClassifier({ category: 'infrastruktur' }) });
    const ticket = ticketOf(core.send('warga1', 'pak kadus sukasari tidak mau mengurus jalan rusak di dusun sukasari').ticketCode);
    expect(ticket.confidential).toBe(true);
    expect(notifiedOfficers(ticket.code)).not.toContain('kadus_sukasari');
  });

  it('a proposal that mentions an officer is not a complaint about them', () => {
    core = createTestCore({ classifier: fixedClassifier({ category: 'infrastruktur', kind: 'usulan' }) });
    const ticket = ticketOf(core.send('warga1', 'usul ke pak kades agar jalan diaspal').ticketCode);
    expect(ticket.confidential).toBe(false);
    expect(ticket.assignee).toBe('kasi_kesejahteraan');
  });
});

describe('low confidence', () => {
  it('goes to the triage queue, not to an officer, with the alternatives shown', () => {
    core = createTestCore({
      classifier: fixedClassifier({
        category: 'lingkungan',
        confidence: 0.2,
        alternatives: [
          { category: 'lingkungan', confidence: 0.2 },
          { category: 'kesehatan', confidence: 0.18 },
          { category: 'pertanian', confidence: 0.1 },
        ],
      }),
    });
    const ticket = ticketOf(core.send('warga1', 'ada yang aneh di belakang rumah').ticketCode);
    expect(ticket.needsTriage).toBe(true);
    expect(ticket.assignee).toBeNull();
    expect(ticket.status).toBe('new');
    expect(notifiedOfficers(ticket.code)).toEqual(['sekdes']);
    const notification = core.queued('sekdes')[0] ?? '';
    expect(notification).toContain('kesehatan 18%');
    expect(notification).toContain('Perlu dipilah');
    expect(core.queued('warga1')[0]).toContain('memilah');
  });

  it('a message with no known words at all is triaged', () => {
    core = createTestCore();
    const ticket = ticketOf(core.send('warga1', 'pak mohon perhatiannya').ticketCode);
    expect(ticket.needsTriage).toBe(true);
  });

  it('the threshold comes from the profile', () => {
    const profile = demoProfileWith((raw) => ((raw.triage as Record<string, unknown>).confidence_threshold = 0.95));
    core = createTestCore({ profile, classifier: fixedClassifier({ category: 'listrik', confidence: 0.9 }) });
    expect(ticketOf(core.send('warga1', 'lampu mati').ticketCode).needsTriage).toBe(true);
  });
});

describe('urgent matters', () => {
  it('a flood notifies kasi pemerintahan and the kades at once, marked urgent', () => {
    core = createTestCore();
    const result = core.send('warga1', 'Banjir masuk rumah warga di RT 01 RW 06, air setinggi lutut, tolong segera!');
    const ticket = ticketOf(result.ticketCode);
    expect(ticket.category).toBe('bencana');
    expect(ticket.urgent).toBe(true);
    expect(ticket.assignee).toBe('kasi_pemerintahan');
    expect(notifiedOfficers(ticket.code)).toEqual(['kades', 'kasi_pemerintahan', 'kadus_cikoneng']);
    const kadesRow = core.rows('kades')[0];
    expect(kadesRow?.urgent).toBe(true);
    expect(kadesRow?.text).toContain('MENDESAK');
  });

  it('urgency words make any category urgent and bring in the kades', () => {
    core = createTestCore({ classifier: fixedClassifier({ category: 'kesehatan', urgent: true }) });
    const ticket = ticketOf(core.send('warga1', 'darurat ada warga pingsan').ticketCode);
    expect(ticket.urgent).toBe(true);
    expect(notifiedOfficers(ticket.code)).toEqual(['kades', 'kasi_kesejahteraan']);
  });

  it('records why the ticket was routed as it was', () => {
    core = createTestCore();
    const ticket = ticketOf(core.send('warga1', 'Lampu jalan di Dusun Krajan mati').ticketCode);
    const created = listTicketEvents(core.ctx.store.db, ticket.id)[0];
    expect(created?.toStatus).toBe('assigned');
    expect(created?.note).toContain('kategori listrik -> kaur_umum');
    expect(created?.note).toContain('menyebut dusun krajan');
  });

  it('a decision crosses threads by officer ids and comes back the same; an unknown id is refused', () => {
    core = createTestCore();
    const { profile, officers } = core.ctx;
    const text = 'Lampu jalan di dusun krajan mati semua, bahaya kalau malam';
    const classification = fixedClassifier({ category: 'listrik', urgent: true }).classify(text);
    const decision = route(profile, officers, classification, core.ctx.gazetteer.locate(text), text);
    expect(decision.notify.length).toBeGreaterThan(0);
    const byIds = decisionByIds(decision);
    expect(structuredClone(byIds)).toEqual(byIds);
    expect(decisionFromIds(officers, structuredClone(byIds))).toEqual(decision);
    // A profile edited since the worker started: that decision is not used.
    expect(decisionFromIds(officers, { ...byIds, assignee: 'pensiunan' })).toBeUndefined();
    expect(decisionFromIds(officers, { ...byIds, notify: [...byIds.notify, 'pensiunan'] })).toBeUndefined();
  });
});
