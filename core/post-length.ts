// The length of a short public post as X counts it (twitter-text v3 weights), and splitting a text
// into a numbered thread. Shared by the X channel and the weekly summary.
import { cutPoint } from './text.ts';

/** X's limit for one post, in weighted characters. */
export const TWEET_LIMIT = 280;
/** Every URL counts as a t.co link of this length, whatever its real length. */
const URL_LENGTH = 23;

// twitter-text v3 configuration: code points in these ranges weigh 1, all others 2.
const LIGHT_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0, 4351],
  [8192, 8205],
  [8208, 8223],
  [8242, 8247],
];

// What twitter-text recognises as a link: with a scheme, with www., or a bare domain with a common TLD.
const URL_PATTERN = /\b(?:https?:\/\/[^\s<>"]+|www\.[^\s<>"]+|[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|net|org|id|co|io|info|me)(?:\/[^\s<>"]*)?)(?<![.,!?)\]:;'"])/giu;
// An emoji with its variation selectors, skin tones and ZWJ joins, or a flag pair: twitter-text counts each as 2.
const EMOJI_PATTERN = /(?:\p{Regional_Indicator}{2}|\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})*(?:\u200D\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})*)*|[#*0-9]\uFE0F?\u20E3)/gu;

function codePointWeight(codePoint: number): number {
  return LIGHT_RANGES.some(([from, to]) => codePoint >= from && codePoint <= to) ? 1 : 2;
}

function plainLength(text: string): number {
  let length = 0;
  for (const match of text.split(EMOJI_PATTERN)) {
    for (const char of match) {
      const codePoint = char.codePointAt(0) ?? 0;
      length += codePointWeight(codePoint);
    }
  }
  const emoji = text.match(EMOJI_PATTERN) ?? [];
  return length + emoji.length * 2;
}

/** The length of a text as X counts it (twitter-text v3: weighted code points, URLs as 23, emoji as 2). */
export function countTweetLength(text: string): number {
  const normalized = text.normalize('NFC');
  let length = 0;
  let last = 0;
  for (const match of normalized.matchAll(URL_PATTERN)) {
    length += plainLength(normalized.slice(last, match.index)) + URL_LENGTH;
    last = match.index + match[0].length;
  }
  return length + plainLength(normalized.slice(last));
}

/**
 * Splits a text into posts of at most `limit` as X counts, each numbered " (i/n)" (the numbering
 * counted in the limit), cutting at the last paragraph break, line break, sentence end or space.
 * A text that fits is one post, without numbering.
 */
export function splitThread(text: string, limit = TWEET_LIMIT): string[] {
  const trimmed = text.trim();
  if (countTweetLength(trimmed) <= limit) return [trimmed];
  // The numbering's width depends on the number of parts: split again until the count is stable.
  let total = Math.max(2, Math.ceil(countTweetLength(trimmed) / (limit - 8)));
  for (let round = 0; round < 5; round += 1) {
    const suffixLength = countTweetLength(` (${total}/${total})`);
    const parts = splitPlain(trimmed, limit - suffixLength);
    if (parts.length === total || round === 4) return parts.map((part, index) => `${part} (${index + 1}/${parts.length})`);
    total = parts.length;
  }
  return [trimmed];
}

/** Greedy split into parts of at most `budget` weighted characters, at the best boundary. */
function splitPlain(text: string, budget: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (countTweetLength(rest) > budget) {
    const chars = Array.from(rest);
    // The longest prefix (in whole code points) that fits.
    let low = 1;
    let high = chars.length;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (countTweetLength(chars.slice(0, mid).join('').trimEnd()) <= budget) low = mid;
      else high = mid - 1;
    }
    const end = cutPoint(chars.slice(0, low).join(''));
    parts.push(rest.slice(0, end).trimEnd());
    rest = rest.slice(end).trimStart();
  }
  if (rest.length > 0) parts.push(rest);
  return parts;
}
