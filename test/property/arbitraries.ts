// Generated residents' messages for the bad-input properties (issue #8): empty and whitespace-only
// texts, 100 KB texts, control characters, right-to-left marks, emoji only, markup (HTML, Markdown,
// Telegram entities), SQL look-alikes and lone surrogates (invalid UTF-16), mixed with ordinary
// Indonesian complaints.
import fc from 'fast-check';

export { wellFormed } from '../../core/text.ts';

const WHITESPACE = [' ', '\t', '\n', '\r', '\u00a0', '\u2003', '\u3000', '\u200b', '\ufeff', '\u2028'];
const RTL_MARKS = ['\u200f', '\u200e', '\u202e', '\u202b', '\u2066', '\u2067', '\u2069', '\u061c'];
const EMOJI = ['😀', '👍🏽', '🇮🇩', '👨‍👩‍👧', '🔥', '⭐', '❤️', '🙏', '🏚️', '💧'];
const MARKUP = [
  '<b>jalan</b>',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '&lt;b&gt; &amp; &#x27;',
  '*tebal* _miring_ `kode` ~coret~',
  '```\nkode\n```',
  '[tautan](http://contoh.test/?a=1&b=2)',
  '||spoiler||',
  '<a href="tg://user?id=1">x</a>',
  '/start',
  '/ambil@DesaSukamajuBot 12',
  '@everyone',
  '#JalanRusak',
  '\\*\\_\\[',
];
const SQL = [
  "'; DROP TABLE tickets; --",
  '" OR 1=1 --',
  "Robert'); DELETE FROM messages WHERE ('1'='1",
  '%\' ESCAPE \'\\',
  'UNION SELECT * FROM contacts',
  '\u0000',
];
const WORDS = ['jalan', 'rusak', 'lampu', 'mati', 'air', 'banjir', 'tolong', 'pak', 'RT 03', 'Dusun Krajan', 'sudah', 'seminggu', 'KTP', '081234567890'];

const pick = (items: readonly string[]) => fc.constantFrom(...items);
const control = fc.oneof(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f })).map((code) => String.fromCharCode(code));
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));

/** One small piece of a message. */
const piece = fc.oneof(
  { weight: 4, arbitrary: pick(WORDS) },
  { weight: 2, arbitrary: pick(WHITESPACE) },
  { weight: 1, arbitrary: pick(RTL_MARKS) },
  { weight: 2, arbitrary: pick(EMOJI) },
  { weight: 2, arbitrary: pick(MARKUP) },
  { weight: 1, arbitrary: pick(SQL) },
  { weight: 1, arbitrary: control },
  { weight: 1, arbitrary: loneSurrogate },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
);

/** A long text of `length` UTF-16 units made by repeating a generated piece. */
const huge = fc.tuple(fc.array(piece, { minLength: 1, maxLength: 8 }), fc.integer({ min: 4_000, max: 100_000 })).map(([pieces, length]) => {
  const unit = pieces.join(' ') || 'x';
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
});

/** A resident's message text, weighted towards the awkward cases. */
export const messageText: fc.Arbitrary<string> = fc.oneof(
  { weight: 1, arbitrary: fc.constant('') },
  { weight: 2, arbitrary: fc.array(pick(WHITESPACE), { minLength: 1, maxLength: 20 }).map((parts) => parts.join('')) },
  { weight: 2, arbitrary: fc.array(pick(EMOJI), { minLength: 1, maxLength: 8 }).map((parts) => parts.join('')) },
  {
    weight: 10,
    arbitrary: fc.tuple(fc.array(piece, { minLength: 1, maxLength: 30 }), fc.constantFrom(' ', '')).map(([parts, glue]) => parts.join(glue)),
  },
  { weight: 1, arbitrary: huge },
);

/** Text without huge ones, for paths that are slow per character (HTTP, the Bot API fake). */
export const shortMessageText: fc.Arbitrary<string> = fc.oneof(
  fc.constant(''),
  fc.array(pick(WHITESPACE), { minLength: 1, maxLength: 20 }).map((parts) => parts.join('')),
  fc.array(piece, { minLength: 1, maxLength: 30 }).map((parts) => parts.join(' ')),
);

/** Number of runs per property: FAST_CHECK_RUNS overrides, for a longer hunt. */
export function runs(defaultRuns: number): number {
  const given = Number(process.env.FAST_CHECK_RUNS);
  return Number.isInteger(given) && given > 0 ? given : defaultRuns;
}
