import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  categoryFeatures,
  LEXICON_DIR,
  LEXICON_FILES,
  loadLexicon,
  parseLexicon,
  stem,
  styleFeatures,
  tokenize,
} from '../../core/classifier/preprocess.ts';

describe('tokenize', () => {
  const none = new Map<string, string[]>();

  it('drops URLs, mentions, emoji and punctuation, keeps hashtag words, lowers case', () => {
    expect(tokenize('@desasukamaju Lampu MATI!!! 😡 https://t.co/xyz #JalanRusak #banjir', none)).toEqual([
      'lampu', 'mati', 'jalan', 'rusak', 'banjir',
    ]);
  });

  it('shrinks elongated letters and reduplication, and abstracts numbers and RT/RW codes', () => {
    expect(tokenize('rusaaaak parahhh anak2 RT.003/RW 05 sejak 2024', none)).toEqual([
      'rusak', 'parah', 'anak', 'rt', 'rw', 'sejak', '<angka>',
    ]);
  });

  it('maps dictionary words, including several-word replacements and dropped particles', () => {
    const lexicon = parseLexicon('gk\ttidak\ngpp\ttidak apa apa\nsih\t-\n', 'test.tsv');
    expect(tokenize('gk gpp sih', lexicon)).toEqual(['tidak', 'tidak', 'apa', 'apa']);
  });

  it('survives binary junk, control characters and huge input', () => {
    expect(tokenize('\u0000\u0007\uFFFD\u202E', none)).toEqual([]);
    expect(tokenize('jalan '.repeat(100_000), none).length).toBeLessThanOrEqual(1000);
  });
});

describe('lexicon files', () => {
  it('reject malformed lines, naming file and line', () => {
    expect(() => parseLexicon('ok\tbaik\nno tab here\n', 'slang.tsv')).toThrow('slang.tsv:2');
    expect(() => parseLexicon('two words\tx\n', 'slang.tsv')).toThrow('slang.tsv:1');
  });

  it.each(LEXICON_FILES)('%s is well formed: one lower-case word per source, no duplicates, no identities', (file) => {
    const text = readFileSync(join(LEXICON_DIR, file), 'utf8');
    const sources = new Set<string>();
    for (const line of text.split('\n')) {
      if (line.trim() === '' || line.startsWith('#')) continue;
      const [source, target] = line.split('\t');
      expect(source, line).toMatch(/^[a-z0-9-]+$/);
      expect(target, line).toMatch(/^(-|[a-z]+( [a-z]+)*)$/);
      expect(sources.has(source ?? ''), `duplicate ${source}`).toBe(false);
      expect(target, `identity ${source}`).not.toBe(source);
      sources.add(source ?? '');
    }
    expect(sources.size).toBeGreaterThan(200);
  });

  it('turn chat slang and regional words into Indonesian', () => {
    const lexicon = loadLexicon();
    expect(tokenize('lampu pju dkt mkm mati lg pak, pdhl udh lapor', lexicon)).toEqual(
      expect.arrayContaining(['dekat', 'lagi', 'padahal', 'sudah']),
    );
    expect(tokenize('banyune durung mili', lexicon)).toContain('belum');
    expect(tokenize('caina teu acan ngocor', lexicon)).toEqual(expect.arrayContaining(['tidak', 'belum']));
  });
});

describe('features', () => {
  it('stems with natural\'s Indonesian stemmer and drops stopwords for the category model', () => {
    expect(stem('diperbaiki')).toBe('baik');
    expect(stem('penerangan')).toBe('terang');
    const features = categoryFeatures('Jalannya berlubang dan belum diperbaiki');
    expect(features).toEqual(expect.arrayContaining(['jalan', 'lubang', 'baik', 'jalan_lubang']));
    expect(features).not.toContain('dan');
  });

  it('keeps question words and punctuation cues for kind and urgency', () => {
    const features = styleFeatures('Kapan dibetulkan?');
    expect(features).toEqual(expect.arrayContaining(['w:kapan', 'first:kapan', 'has:question_mark']));
  });
});
