// The scrubber is the last guard on public texts: phone numbers, NIK, e-mails and people's names go.
import { describe, expect, it } from 'vitest';
import { createScrubber, REDACTED } from '../../../core/summary/scrub.ts';

const scrubber = createScrubber({
  names: ['Budi Santoso', 'Siti Rahmawati', "Ma'ruf", 'Krajan Official'],
  keep: ['Desa Sukamaju', 'Krajan'],
});

function expectRedacted(text: string, kind: string, secret: string): void {
  const scrubbed = scrubber.scrub(text);
  expect(scrubbed, text).not.toContain(secret);
  expect(scrubbed, text).toContain(REDACTED);
  expect(scrubber.findings(text).map((finding) => finding.kind), text).toContain(kind);
  expect(scrubber.findings(scrubbed), scrubbed).toEqual([]);
}

describe('the public-text scrubber', () => {
  it.each([
    ['08xx-xxxx-xxxx', 'hubungi 0812-3456-7890 ya', '3456'],
    ['08xx xxxx xxxx', 'nomor saya 0812 3456 7890.', '3456'],
    ['08xxxxxxxxx', 'wa 081234567890', '081234567890'],
    ['08xx.xxxx.xxxx', 'telp 0857.1234.5678', '1234'],
    ['+62 8xx', 'hp +62 812 3456 7890', '812'],
    ['+628xx', 'hp +6281234567890!', '81234567890'],
    ['+62-8xx-', 'hp +62-812-3456-789', '3456'],
    ['62 8xx', 'hp 62 812-3456-7890', '3456'],
    ['628xx', 'wa.me/6281234567890', '81234567890'],
    ['(021) 555-1234', 'kantor (021) 555-1234', '555'],
    ['021-5551234', 'kantor 021-5551234', '5551234'],
    ['0274 123456', 'rumah 0274 123456', '123456'],
    ['+62 21 5551234', 'kantor +62 21 5551234', '5551234'],
  ])('removes a phone number written as %s', (_form, text, secret) => {
    expectRedacted(text, 'phone', secret);
  });

  it.each([
    ['16 digits', 'NIK 3201012345670001', '3201012345670001'],
    ['groups of four', 'nik: 3201 0123 4567 0001', '4567'],
    ['dots', 'NIK 3201.0123.4567.0001', '4567'],
    ['region dots', 'NIK 32.01.01.120390.0001', '120390'],
  ])('removes a NIK written in %s', (_form, text, secret) => {
    expectRedacted(text, 'nik', secret);
  });

  it('removes e-mail addresses', () => {
    expectRedacted('email budi.santoso+desa@gmail.co.id ok', 'email', 'gmail');
    expectRedacted('kirim ke SITI_R@desa-sukamaju.id', 'email', 'SITI_R');
  });

  it('removes residents\' and officers\' names in any case, whole words only', () => {
    expectRedacted('Terima kasih pak budi santoso', 'name', 'budi');
    expectRedacted('BU SITI sudah datang', 'name', 'SITI');
    expectRedacted("kata pak Ma'ruf", 'name', "Ma'ruf");
    // "Budiman" is not "Budi".
    expect(scrubber.scrub('Budiman')).toBe('Budiman');
  });

  it('keeps place names and ordinary words even when a display name contains them', () => {
    const text = 'Senin 16 – Minggu 22 November 2026: 12 laporan di Dusun Krajan, Desa Sukamaju; median 4,5 jam, nilai 4,2 (5 penilaian). 2026-W47';
    expect(scrubber.scrub(text)).toBe(text);
    expect(scrubber.findings(text)).toEqual([]);
  });

  it('leaves short numbers, dates and counts alone', () => {
    const text = '3 laporan, 120 warga, tanggal 16.11.2026, RT 02/RW 05, jam 08.00, 1234567';
    expect(scrubber.scrub(text)).toBe(text);
  });
});
