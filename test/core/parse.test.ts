import { describe, expect, it } from 'vitest';
import { KeywordClassifier } from '../../core/classifier/keyword.ts';
import { parseCommand, parseRating, parseTicketRef } from '../../core/commands/parse.ts';
import { createGazetteer } from '../../core/gazetteer.ts';
import { loadProfile } from '../../config/profile.ts';

describe('commands', () => {
  it('parses names, Telegram @bot suffixes and arguments', () => {
    expect(parseCommand('/balas 42 lampu sudah diganti')).toEqual({ name: 'balas', raw: '/balas', rest: '42 lampu sudah diganti' });
    expect(parseCommand('/Ambil@DesaSukamajuBot 7')).toEqual({ name: 'ambil', raw: '/Ambil', rest: '7' });
    expect(parseCommand('/tiket')).toEqual({ name: 'tiket', raw: '/tiket', rest: '' });
    expect(parseCommand('/balas 42 baris satu\nbaris dua')?.rest).toBe('42 baris satu\nbaris dua');
    expect(parseCommand('jalan rusak / berlubang')).toBeUndefined();
    expect(parseCommand('/')).toBeUndefined();
  });

  it('accepts ticket references in the forms officers type', () => {
    for (const ref of ['42', '#42', 'SKM-42', 'skm42', 'skm-42']) expect(parseTicketRef(ref), ref).toBe(42);
    for (const ref of ['', 'abc', '0', '-1', '4.2', 'SKM-']) expect(parseTicketRef(ref), ref).toBeUndefined();
  });

  it('reads ratings written in several ways, and nothing else', () => {
    expect(['5', ' 4 ', 'nilai 3', '2 bintang', '4/5', '5 dari 5', '1.'].map(parseRating)).toEqual([5, 4, 3, 2, 4, 5, 1]);
    expect(parseRating('⭐⭐⭐⭐')).toBe(4);
    for (const text of ['6', '0', '10', 'lima', 'rt 5', '5 lampu mati']) expect(parseRating(text), text).toBeUndefined();
  });
});

describe('gazetteer', () => {
  const gazetteer = createGazetteer(loadProfile());

  it('finds dusun by name and alias, and RW/RT in the usual spellings', () => {
    expect(gazetteer.locate('Lampu di Dusun Krajan mati')).toEqual({ dusun: 'krajan' });
    expect(gazetteer.locate('dsn krajan')).toEqual({ dusun: 'krajan' });
    expect(gazetteer.locate('di krg anyar')).toEqual({ dusun: 'karanganyar' });
    expect(gazetteer.locate('RT.003/RW.006 banjir')).toEqual({ dusun: 'cikoneng', rw: 6, rt: 3 });
    expect(gazetteer.locate('rt3 rw4')).toEqual({ dusun: 'sukasari', rw: 4, rt: 3 });
    expect(gazetteer.locate('RT/RW 02/05')).toEqual({ dusun: 'karanganyar', rw: 5, rt: 2 });
  });

  it('does not invent places', () => {
    expect(gazetteer.locate('jalan ke kota rusak')).toEqual({});
    expect(gazetteer.locate('rw 99')).toEqual({ rw: 99 });
    expect(gazetteer.locate('pekrajanan')).toEqual({});
  });
});

describe('keyword baseline classifier', () => {
  const classifier = new KeywordClassifier();

  it('routes clear messages, with alternatives best first', () => {
    const lamp = classifier.classify('Lampu jalan di depan masjid Dusun Krajan mati sudah seminggu');
    expect(lamp.category).toBe('listrik');
    expect(lamp.alternatives[0]?.category).toBe('listrik');
    expect(lamp.alternatives.length).toBeLessThanOrEqual(3);
    expect(classifier.classify('air pamsimas gak ngalir 3 hari').category).toBe('air_bersih');
    expect(classifier.classify('mau bikin KTP syaratnya apa?').category).toBe('kependudukan');
    expect(classifier.classify('kok saya ga dapat BLT padahal janda').category).toBe('bansos');
  });

  it('tells complaints, proposals and questions apart', () => {
    expect(classifier.classify('jalan rusak parah').kind).toBe('pengaduan');
    expect(classifier.classify('usul dibangun pos ronda di RT 2').kind).toBe('usulan');
    expect(classifier.classify('kapan posyandu buka?').kind).toBe('pertanyaan');
  });

  it('flags urgency, but not every polite "tolong"', () => {
    expect(classifier.classify('kebakaran rumah warga di rt 1!').urgent).toBe(true);
    expect(classifier.classify('tolong segera, ada pohon tumbang menutup jalan').urgent).toBe(true);
    expect(classifier.classify('tolong jalan di gang mawar diperbaiki').urgent).toBe(false);
  });

  it('is unsure about messages it has no words for', () => {
    const result = classifier.classify('pak mohon perhatiannya');
    expect(result.confidence).toBeLessThan(0.35);
  });
});
