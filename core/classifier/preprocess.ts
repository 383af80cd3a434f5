// Preprocessing of Indonesian chat text for the classifier: normalisation, slang and regional words
// mapped to Indonesian (data files in lexicon/), natural's Indonesian stemmer and stopwords.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// natural's index module pulls in storage back-ends that load dotenv (and print tips) on import;
// only the Indonesian stemmer and stopword list are needed here.
const require = createRequire(import.meta.url);
const stemmerId = require('natural/lib/natural/stemmers/indonesian/stemmer_id.js') as { stem(word: string): string };
const stopwordsId = require('natural/lib/natural/util/stopwords_id.js') as { words: string[] };

export const LEXICON_DIR = join(dirname(fileURLToPath(import.meta.url)), 'lexicon');
/** Lexicon files, in order of precedence: a word in an earlier file wins. */
export const LEXICON_FILES = ['slang.tsv', 'javanese.tsv', 'sundanese.tsv'] as const;

export type Lexicon = Map<string, string[]>;

/** Parses `source<TAB>replacement` lines; `-` as replacement drops the word; `#` starts a comment. */
export function parseLexicon(text: string, source: string): Lexicon {
  const lexicon: Lexicon = new Map();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const [word, replacement, extra] = line.split('\t');
    if (!word || replacement === undefined || extra !== undefined || /\s/.test(word)) {
      throw new Error(`${source}:${index + 1}: expected "word<TAB>replacement", got ${JSON.stringify(raw)}`);
    }
    const target = replacement.trim();
    lexicon.set(word.toLowerCase(), target === '-' ? [] : target.toLowerCase().split(/\s+/));
  });
  return lexicon;
}

let defaultLexicon: Lexicon | undefined;

/** The shipped slang, Javanese and Sundanese dictionaries merged (earlier files win). */
export function loadLexicon(dir = LEXICON_DIR): Lexicon {
  if (dir === LEXICON_DIR && defaultLexicon) return defaultLexicon;
  const merged: Lexicon = new Map();
  for (const file of LEXICON_FILES) {
    const path = join(dir, file);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    for (const [word, replacement] of parseLexicon(text, path)) if (!merged.has(word)) merged.set(word, replacement);
  }
  if (dir === LEXICON_DIR) defaultLexicon = merged;
  return merged;
}

const STOPWORDS = new Set(stopwordsId.words);
// Words natural lists as stopwords that carry meaning for routing or urgency.
for (const keep of ['masuk', 'keluar', 'segera', 'tinggi', 'bawah', 'atas', 'besar', 'baru', 'lama', 'kerja', 'buka', 'tutup', 'malam', 'hari', 'bulan']) {
  STOPWORDS.delete(keep);
}
// Chat fillers natural does not list.
for (const filler of ['pak', 'bu', 'bapak', 'ibu', 'mas', 'mbak', 'min', 'admin', 'kak', 'gan', 'sih', 'dong', 'deh', 'nih', 'ya', 'yah', 'iya', 'kok', 'lho', 'loh', 'toh', 'kan', 'nya', 'assalamualaikum', 'wr', 'wb', 'salam', 'selamat', 'pagi', 'siang', 'sore', 'mohon', 'tolong', 'terima', 'kasih', 'warga', 'desa']) {
  STOPWORDS.add(filler);
}

export function isStopword(token: string): boolean {
  return STOPWORDS.has(token);
}

const stemCache = new Map<string, string>();

/** natural's Indonesian stemmer, memoised (chat vocabularies repeat). */
export function stem(token: string): string {
  let stemmed = stemCache.get(token);
  if (stemmed === undefined) {
    stemmed = token.length <= 3 || /\d/.test(token) ? token : stemmerId.stem(token) || token;
    if (stemCache.size < 200_000) stemCache.set(token, stemmed);
  }
  return stemmed;
}

const URL = /\b(?:https?:\/\/|www\.)\S+/gi;
const MENTION = /(^|\s)@\w+/g;
const HASHTAG = /#(\w+)/g;
/** RT/RW codes ("RT 02/RW 05", "rt3", "RT.003") become plain tokens: the numbers say nothing about the topic. */
const RT_RW = /\b(rt|rw)\s*\.?\s*\d{1,3}\b/gi;

/**
 * Normalised word tokens of a message, with slang and regional words mapped to Indonesian. Case,
 * URLs, mentions, emoji and punctuation go; hashtags keep their words ("#JalanRusak" -> jalan rusak);
 * elongated letters shrink ("rusaaak" -> rusak); reduplication "anak2" -> anak; numbers -> "<angka>".
 */
export function tokenize(text: string, lexicon: Lexicon = loadLexicon()): string[] {
  const cleaned = text
    .slice(0, 5000)
    .replace(URL, ' ')
    .replace(MENTION, ' ')
    .replace(HASHTAG, (_match, word: string) => ` ${word.replace(/([a-z])([A-Z])/g, '$1 $2')} `)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(RT_RW, ' $1 ')
    .replace(/([a-z])\1{2,}/g, '$1')
    .replace(/([a-z]{2,})2\b/g, '$1')
    .replace(/[^a-z0-9]+/g, ' ');
  const tokens: string[] = [];
  for (const word of cleaned.split(' ')) {
    if (word === '') continue;
    if (/^\d+$/.test(word)) {
      tokens.push('<angka>');
      continue;
    }
    const mapped = lexicon.get(word);
    if (mapped) tokens.push(...mapped);
    else tokens.push(word);
  }
  return tokens;
}

/** Content features for the category model: stems without stopwords, plus adjacent-stem bigrams. */
export function categoryFeatures(text: string, lexicon?: Lexicon): string[] {
  return categoryFeaturesOf(tokenize(text, lexicon));
}

/** `categoryFeatures` from the message's tokens (so one message is tokenized once for every model). */
export function categoryFeaturesOf(tokens: readonly string[]): string[] {
  const stems = tokens
    .filter((token) => token !== '<angka>' && !isStopword(token) && token.length > 1)
    .map(stem);
  const features = [...stems];
  for (let i = 1; i < stems.length; i += 1) features.push(`${stems[i - 1]}_${stems[i]}`);
  return features;
}

/** Features for kind and urgency: every token (question words and "segera" matter) and punctuation cues. */
export function styleFeatures(text: string, lexicon?: Lexicon): string[] {
  return styleFeaturesOf(text, tokenize(text, lexicon));
}

/** `styleFeatures` from the message's text and its tokens. */
export function styleFeaturesOf(text: string, tokens: readonly string[]): string[] {
  const features = tokens.map((token) => `w:${token}`);
  if (tokens[0]) features.push(`first:${tokens[0]}`);
  if (text.includes('?')) features.push('has:question_mark');
  if (/!{2,}/.test(text)) features.push('has:exclamations');
  if (text.length > 0 && text === text.toUpperCase() && /[A-Z]{4,}/.test(text)) features.push('has:all_caps');
  return features;
}
