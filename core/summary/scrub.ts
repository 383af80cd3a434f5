// The final guard on every public text: removes phone numbers, NIK, e-mail addresses and the names of
// residents and officers. Texts are built from counts and categories already; this catches mistakes.

export const REDACTED = '[disembunyikan]';

export type FindingKind = 'email' | 'nik' | 'phone' | 'name';

export interface Finding {
  kind: FindingKind;
  match: string;
}

// Digits that continue a number on either side (with one separator) belong to it: no partial matches.
const NOT_AFTER_NUMBER = String.raw`(?<![\d+][ .\-]?)(?<![\d+])`;
const NOT_BEFORE_NUMBER = String.raw`(?![ .\-]?\d)`;

const PATTERNS: ReadonlyArray<{ kind: Exclude<FindingKind, 'name'>; pattern: RegExp }> = [
  { kind: 'email', pattern: /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu },
  // NIK: 16 digits, as one run or grouped with spaces or dots (3201 0123 4567 0001, 32.01.01.120390.0001).
  { kind: 'nik', pattern: new RegExp(String.raw`${NOT_AFTER_NUMBER}\d(?:[ .]?\d){15}${NOT_BEFORE_NUMBER}`, 'gu') },
  // Mobile: 08xx, +62 8xx, 62 8xx, with spaces, dots, dashes or brackets between groups (10-13 digits).
  {
    kind: 'phone',
    pattern: new RegExp(String.raw`${NOT_AFTER_NUMBER}(?:\+\s?62|62|0)[ .\-]?\(?8\d{1,3}\)?(?:[ .\-]?\d){6,9}${NOT_BEFORE_NUMBER}`, 'gu'),
  },
  // Landline: (021) 555-1234, 021-5551234, 0274 123456, +62 21 555 1234.
  {
    kind: 'phone',
    pattern: new RegExp(
      String.raw`(?:\(\s*0\d{1,3}\s*\)|${NOT_AFTER_NUMBER}0\d{1,3}|${NOT_AFTER_NUMBER}\+\s?62[ .\-]?\(?\d{1,3}\)?)[ .\-]?\d{3,4}[ .\-]?\d{3,5}${NOT_BEFORE_NUMBER}`,
      'gu',
    ),
  },
];

// Words a display name often contains that are not names; they are never redacted on their own.
const NOT_NAMES = [
  'pak', 'bapak', 'bu', 'ibu', 'mas', 'mbak', 'kang', 'teh', 'mang', 'bang', 'kak', 'om', 'tante', 'haji', 'hajjah', 'hj',
  'warga', 'desa', 'dusun', 'kampung', 'rt', 'rw', 'admin', 'official', 'resmi', 'kepala', 'ketua', 'sekretaris',
  'laporan', 'selesai', 'ditangani', 'minggu', 'senin', 'selasa', 'rabu', 'kamis', 'jumat', 'sabtu', 'dan', 'yang',
  'januari', 'februari', 'maret', 'april', 'mei', 'juni', 'juli', 'agustus', 'september', 'oktober', 'november', 'desember',
];

const WORD = /[\p{L}\p{M}]+(?:['’][\p{L}\p{M}]+)*/gu;
const MIN_NAME_TOKEN = 3;

function normalize(word: string): string {
  return word.normalize('NFC').toLocaleLowerCase('id');
}

export interface ScrubberOptions {
  /** Names of residents (contacts' display names) and officers; every word of 3+ letters is redacted. */
  names?: Iterable<string>;
  /** Words that must stay even if someone's name contains them (the village's and dusun names, the texts' own words). */
  keep?: Iterable<string>;
}

export interface Scrubber {
  scrub(text: string): string;
  /** What `scrub` would remove; empty for a text that is safe to publish. */
  findings(text: string): Finding[];
}

/**
 * Builds a scrubber. Names are matched word by word against a set (not one huge regular expression),
 * so tens of thousands of contacts cost little.
 */
export function createScrubber(options: ScrubberOptions = {}): Scrubber {
  const keep = new Set(NOT_NAMES);
  for (const phrase of options.keep ?? []) for (const word of phrase.match(WORD) ?? []) keep.add(normalize(word));
  const nameWords = new Set<string>();
  for (const name of options.names ?? []) {
    for (const word of name.match(WORD) ?? []) {
      const normalized = normalize(word);
      if ([...normalized].length >= MIN_NAME_TOKEN && !keep.has(normalized)) nameWords.add(normalized);
    }
  }
  const isName = (word: string) => nameWords.has(normalize(word));

  return {
    scrub(text) {
      let result = text;
      for (const { pattern } of PATTERNS) result = result.replace(pattern, REDACTED);
      return result.replace(WORD, (word) => (isName(word) ? REDACTED : word));
    },
    findings(text) {
      const found: Finding[] = [];
      let rest = text;
      for (const { kind, pattern } of PATTERNS) {
        for (const match of rest.matchAll(pattern)) found.push({ kind, match: match[0] });
        rest = rest.replace(pattern, REDACTED);
      }
      for (const match of rest.matchAll(WORD)) if (isName(match[0])) found.push({ kind: 'name', match: match[0] });
      return found;
    },
  };
}

// "nama saya Budi Santoso", "saya bernama Siti", "perkenalkan, saya Pak Joko", "atas nama Ani",
// "saya Bu Ratna dari RT 2": the words after such an opening are the writer's own name.
const SELF_INTRODUCTION =
  /(?<![\p{L}\p{N}])(?:nama\s*(?:saya|sy|aku|ku|gue|gw)(?:\s+(?:adalah|ialah))?|(?:saya|sy|aku)\s+bernama|perkenalkan\s*,?\s*(?:saya|aku|nama\s+saya)?|atas\s+nama|a\.n\.?|(?:saya|sy|aku)\s+(?=(?:pak|bu|bapak|ibu|mas|mbak|kang|teh|sdr)\.?\s))\s*[:,-]?\s*(?:(?:pak|bu|bapak|ibu|mas|mbak|kang|teh|sdr|saudara|saudari)\.?\s+)?/giu;
// Words that end a name: where the sentence goes on ("dari RT 2", "warga Krajan", "mau lapor").
const AFTER_NAME = new Set([
  'dari', 'di', 'warga', 'tinggal', 'asal', 'rt', 'rw', 'dusun', 'desa', 'kampung', 'mau', 'ingin', 'hendak', 'yang', 'dan',
  'mohon', 'minta', 'umur', 'usia', 'alamat', 'no', 'nomor', 'nomer', 'hp', 'wa', 'nik', 'selaku', 'sebagai', 'ini', 'itu',
  'sudah', 'belum', 'tidak', 'mengadu', 'melapor', 'lapor', 'melaporkan', 'mengeluhkan', 'menyampaikan', 'kami', 'saya',
  'aku', 'dengan', 'untuk', 'ke', 'karena', 'tolong', 'pak', 'bu', 'mengenai', 'tentang', 'soal', 'punya', 'ada', 'juga',
]);
const NAME_WORD = /^[ \t]*([\p{L}][\p{L}\p{M}'’]*)(\.?)/u;
const MAX_NAME_WORDS = 3;

/** Names the writer gives as their own in a text ("nama saya Budi Santoso" -> "Budi Santoso"). */
export function namesIntroducedIn(text: string): string[] {
  const names: string[] = [];
  for (const intro of text.matchAll(SELF_INTRODUCTION)) {
    let rest = text.slice((intro.index ?? 0) + intro[0].length);
    const words: string[] = [];
    while (words.length < MAX_NAME_WORDS) {
      const match = NAME_WORD.exec(rest);
      const word = match?.[1];
      if (!match || !word || AFTER_NAME.has(normalize(word))) break;
      words.push(word);
      rest = rest.slice(match[0].length);
      // "M. Yusuf": a dot after one letter is an initial; after a word it ends the sentence.
      if (match[2] === '.' && [...word].length > 1) break;
    }
    if (words.length > 0) names.push(words.join(' '));
  }
  return names;
}
