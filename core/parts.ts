// Sending a message that a channel splits into several platform messages (a long text, a photo and
// its text, a thread of posts) so that a retry after a failure in the middle, or after a crash,
// does not deliver the first parts twice.
import type { PartsProgress } from './types.ts';

/**
 * Sends `parts` in order, skipping those an earlier attempt delivered, and returns the platform ids
 * of all parts, the earlier ones included. `send` gets each part, its index and the id of the part
 * before it (a thread replies to it). After each part but the last, progress is recorded, so the
 * next attempt starts where this one stopped.
 */
export async function sendInParts<T>(
  parts: readonly T[],
  progress: PartsProgress | undefined,
  send: (part: T, index: number, previousId: string | undefined) => Promise<string>,
): Promise<string[]> {
  const already = progress?.sent;
  const ids = already ? already.ids.slice(0, Math.min(already.count, parts.length)) : [];
  for (let index = ids.length; index < parts.length; index += 1) {
    ids.push(await send(parts[index] as T, index, ids.at(-1)));
    if (progress && index < parts.length - 1) progress.delivered({ count: ids.length, ids: [...ids] });
  }
  return ids;
}
