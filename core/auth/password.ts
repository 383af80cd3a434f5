// Officers' dashboard passwords: scrypt with a random salt per password, compared in constant time.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { getPasswordHash, setPasswordHash } from '../../storage/repositories/index.ts';
import type { CoreContext } from '../context.ts';

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 200;

const PARAMS = { N: 16384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** "scrypt$N$r$p$salt$hash" (base64url), so parameters can grow without breaking stored hashes. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** Why a password cannot be used, in Indonesian, or undefined when it can. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `Kata sandi minimal ${MIN_PASSWORD_LENGTH} karakter.`;
  if (password.length > MAX_PASSWORD_LENGTH) return `Kata sandi maksimal ${MAX_PASSWORD_LENGTH} karakter.`;
  return undefined;
}

/** Stores an officer's password (the CLI's job); throws with a clear reason when it cannot. */
export async function setOfficerPassword(ctx: CoreContext, officerId: string, password: string): Promise<void> {
  if (!ctx.officers.byId(officerId)) {
    throw new Error(`Petugas "${officerId}" tidak ada di profil desa. Pilihan: ${ctx.officers.all.map((o) => o.id).join(', ')}`);
  }
  const problem = passwordProblem(password);
  if (problem) throw new Error(problem);
  setPasswordHash(ctx.store.db, officerId, await hashPassword(password), ctx.now());
}

// Checked against when the officer has no password, so an unknown id takes as long as a wrong password.
const DUMMY_HASH = hashPassword(randomBytes(16).toString('hex'));

/** The officer when the password is theirs; undefined otherwise (unknown id, no password, wrong password). */
export async function checkOfficerPassword(ctx: CoreContext, officerId: string, password: string): Promise<string | undefined> {
  const officer = ctx.officers.byId(officerId.trim().toLowerCase());
  const stored = officer ? getPasswordHash(ctx.store.db, officer.id) : undefined;
  const ok = await verifyPassword(password.slice(0, MAX_PASSWORD_LENGTH), stored ?? (await DUMMY_HASH));
  return ok && officer && stored ? officer.id : undefined;
}
