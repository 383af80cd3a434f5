// Small helpers for Indonesian chat text used by the baseline classifier, gazetteer and commands.

/** Lower-case, strip accents, collapse elongated letters ("rusaaak" -> "rusak") and spaces. */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/([a-z])\1{2,}/g, '$1')
    .replace(/[^\p{L}\p{N}?!/]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
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

/** Cuts text to at most `max` characters on a word boundary, with an ellipsis. */
export function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max * 0.6 ? cut.slice(0, space) : cut}…`;
}
