// Parsing "/perintah arg arg..." from chat text, and ticket references ("42", "#42", "SKM-42").

export interface ParsedCommand {
  /** Lower-case name without the slash or a Telegram "@botname" suffix. */
  name: string;
  /** The command as typed, for messages ("/ambil"). */
  raw: string;
  /** The text after the command name, trimmed. */
  rest: string;
}

export function parseCommand(text: string): ParsedCommand | undefined {
  const match = /^\s*\/([\p{L}\p{N}_]+)(?:@[\w]+)?(?:\s+([\s\S]*))?$/u.exec(text);
  if (!match?.[1]) return undefined;
  return { name: match[1].toLowerCase(), raw: `/${match[1]}`, rest: (match[2] ?? '').trim() };
}

/** Splits off the first word: "42 lampu sudah diganti" -> ["42", "lampu sudah diganti"]. */
export function firstWord(text: string): [string, string] {
  const match = /^(\S+)(?:\s+([\s\S]*))?$/.exec(text.trim());
  return [match?.[1] ?? '', (match?.[2] ?? '').trim()];
}

/** Ticket id from "42", "#42", "SKM-42", "skm42"; undefined when it is not a reference. */
export function parseTicketRef(ref: string): number | undefined {
  const match = /^#?(?:[A-Za-z]{2,5}-?)?(\d{1,9})$/.exec(ref.trim());
  if (!match?.[1]) return undefined;
  const id = Number(match[1]);
  return id > 0 ? id : undefined;
}

/** Longer than any rating a resident types ("nilai 5 dari 5", five stars with spaces). */
const RATING_MAX_LENGTH = 40;

/** A rating 1..5 written as "5", "nilai 4", "3 bintang", "4/5" or as stars "⭐⭐⭐". */
export function parseRating(text: string): number | undefined {
  const trimmed = text.trim();
  // A longer text is a report: not worth lower-casing whole.
  if (trimmed.length > RATING_MAX_LENGTH) return undefined;
  const lower = trimmed.toLowerCase();
  const number = /^(?:nilai|nilainya|rating|skor)?\s*([1-5])\s*(?:bintang|\/\s*5|dari 5)?\s*[.!]*$/.exec(lower);
  if (number?.[1]) return Number(number[1]);
  const stars = /^(?:⭐|★|🌟){1,5}$/u.exec(lower.replace(/\s+/g, ''));
  if (stars) return [...stars[0]].length;
  return undefined;
}
