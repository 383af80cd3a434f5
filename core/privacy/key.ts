// The keyed hash that replaces a resident's identifiers when their data is anonymised: the same
// channel identity always gives the same hash (so "the same person" stays countable), and without
// the key nobody can go from a hash back to a phone number by trying all numbers.
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ANONYMOUS_PREFIX = 'anon:';
const KEY_FILE = 'secret.key';
const KEY_BYTES = 32;

/** `anon:` and the first 32 hex digits of HMAC-SHA256(key, "channel:id"). */
export function keyedHash(key: Buffer, channel: string, id: string): string {
  return ANONYMOUS_PREFIX + createHmac('sha256', key).update(`${channel}:${id}`).digest('hex').slice(0, 32);
}

export function isAnonymous(id: string): boolean {
  return id.startsWith(ANONYMOUS_PREFIX);
}

/**
 * The key: ASPIRASI_SECRET when set, else DATA_DIR/secret.key, created with 32 random bytes (mode
 * 0600) the first time a key is needed. Read once, then kept in memory.
 */
export function privacyKeyLoader(options: { secret: string | undefined; dataDir: string }): () => Buffer {
  let key: Buffer | undefined;
  return () => {
    key ??= options.secret !== undefined ? Buffer.from(options.secret, 'utf8') : keyFromFile(join(options.dataDir, KEY_FILE));
    return key;
  };
}

function keyFromFile(file: string): Buffer {
  try {
    return readKey(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(join(file, '..'), { recursive: true });
  try {
    // 'wx': when two processes race, the second one reads the first one's key instead of replacing it.
    writeFileSync(file, randomBytes(KEY_BYTES), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readKey(file);
}

function readKey(file: string): Buffer {
  const key = readFileSync(file);
  if (key.length < 16) throw new Error(`${file} is too short to be a key (${key.length} bytes); remove it or set ASPIRASI_SECRET`);
  return key;
}
