// Small helpers for Indonesian chat text used by the baseline classifier, gazetteer and commands,
// and for splitting long texts into the parts a platform accepts.
import type { InboundMessage } from './types.ts';

/** The last text normalised and its result: routing and the gazetteer normalise the same message one after the other. */
let lastNormalized: { text: string; result: string } | undefined;

/** Lower-case, strip accents, collapse elongated letters ("rusaaak" -> "rusak") and spaces. */
export function normalizeText(text: string): string {
  if (lastNormalized?.text === text) return lastNormalized.result;
  const result = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/([a-z])\1{2,}/g, '$1')
    .replace(/[^\p{L}\p{N}?!/]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  lastNormalized = { text, result };
  return result;
}

/** Whether the text has anything a person could read as words or numbers (not only emoji/punctuation). */
export function hasSubstance(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(text);
}

/** Escapes a literal for use inside a RegExp. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A regexp matching any of the phrases as whole words in normalized text. */
export function phraseRegExp(phrases: readonly string[]): RegExp | undefined {
  const parts = phrases.map((phrase) => normalizeText(phrase)).filter((phrase) => phrase.length > 0);
  if (parts.length === 0) return undefined;
  return new RegExp(`(?:^|\\s)(?:${parts.map(escapeRegExp).join('|')})(?=$|\\s)`);
}

/** Whitespace that flattening would change: other than single spaces between words. */
const NOT_FLAT = /[^\S ]| {2}|^ | $/;

/** Cuts text to at most `max` characters on a word boundary, with an ellipsis. */
export function truncate(text: string, max: number): string {
  // Most texts have nothing to flatten: testing first spares a copy of each.
  const flat = NOT_FLAT.test(text) ? text.replace(/\s+/g, ' ').trim() : text;
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max * 0.6 ? cut.slice(0, space) : cut}…`;
}

/**
 * Where to cut a text that is too long, within `window` (the longest part that fits): after the last
 * paragraph break, line break, sentence end or space (in that order of preference) that leaves at
 * least half the window, else at the window's end, so parts are never many and small.
 */
export function cutPoint(window: string): number {
  const minimum = Math.floor(window.length / 2);
  const candidates = [lastEnd(window, /\n\n/g), lastEnd(window, /\n/g), lastEnd(window, /[.!?…]+[)"'”’]*\s/g), lastEnd(window, /\s/g)];
  return candidates.find((index) => index >= minimum) ?? window.length;
}

/** Index just after the last match of a global pattern, or -1. */
function lastEnd(text: string, pattern: RegExp): number {
  let end = -1;
  for (const match of text.matchAll(pattern)) end = match.index + match[0].length;
  return end;
}

/**
 * Splits a text into parts of at most `limit` characters (UTF-16 units, as chat platforms count),
 * cut at `cutPoint` and never inside a surrogate pair.
 */
export function splitAtBoundaries(text: string, limit: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    let end = cutPoint(rest.slice(0, limit));
    // Do not split an emoji (a surrogate pair) in two.
    const code = rest.charCodeAt(end - 1);
    if (code >= 0xd800 && code <= 0xdbff) end -= 1;
    parts.push(rest.slice(0, end).trimEnd());
    rest = rest.slice(end).trimStart();
  }
  if (rest.length > 0 || parts.length === 0) parts.push(rest);
  return parts;
}

/** A lone surrogate: half of a UTF-16 pair without its other half (invalid UTF-16). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * The text with each lone surrogate replaced by U+FFFD, as String.prototype.toWellFormed does.
 * UTF-8 (SQLite, every platform's API) cannot carry lone surrogates: stored as they are, each comes
 * back as three U+FFFD, and ids holding one no longer match themselves.
 */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd');
}

/** An inbound message whose strings are all well-formed (the same object when they already are). */
export function wellFormedMessage(message: InboundMessage): InboundMessage {
  const fields = [message.externalId, message.sender.id, message.sender.displayName, message.chat.id, message.text, message.replyTo];
  const strings = [...fields, ...message.attachments.flatMap((a) => [a.fileId, a.mimeType, a.caption])];
  if (!strings.some((value) => value !== undefined && wellFormed(value) !== value)) return message;
  const clean = <T extends string | undefined>(value: T): T => (value === undefined ? value : (wellFormed(value) as T));
  return {
    ...message,
    externalId: clean(message.externalId),
    sender: { ...message.sender, id: clean(message.sender.id), ...(message.sender.displayName !== undefined ? { displayName: clean(message.sender.displayName) } : {}) },
    chat: { ...message.chat, id: clean(message.chat.id) },
    text: clean(message.text),
    attachments: message.attachments.map((a) => ({
      ...a,
      ...(a.fileId !== undefined ? { fileId: clean(a.fileId) } : {}),
      ...(a.mimeType !== undefined ? { mimeType: clean(a.mimeType) } : {}),
      ...(a.caption !== undefined ? { caption: clean(a.caption) } : {}),
    })),
    ...(message.replyTo !== undefined ? { replyTo: clean(message.replyTo) } : {}),
  };
}
