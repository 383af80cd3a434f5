// One-time login links: sent to the officer's own chat through the outbox, valid 15 minutes, used
// once. Only the token's sha256 is stored; the link itself exists only in the message sent.
import { createHash, randomBytes } from 'node:crypto';
import type { Officer } from '../../config/profile.ts';
import { insertLoginLink, useLoginLink } from '../../storage/repositories/index.ts';
import type { CoreContext } from '../context.ts';
import { officerText } from '../messages.ts';
import { queueToOfficer } from '../notify.ts';

export const LOGIN_LINK_TTL_MS = 15 * 60_000;
export const LOGIN_LINK_PATH = '/masuk/tautan/';
export const LOGIN_LINK_PURPOSE = 'login_link';

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Creates a link for the officer and returns its URL; call inside a transaction. */
export function createLoginLink(ctx: CoreContext, officer: Officer): string {
  const token = randomToken();
  const now = ctx.now();
  insertLoginLink(ctx.store.db, { tokenHash: sha256(token), officerId: officer.id, createdAt: now, expiresAt: now + LOGIN_LINK_TTL_MS });
  return `${ctx.publicUrl}${LOGIN_LINK_PATH}${token}`;
}

/** The officer an id or one of their chat ids names ("sekdes", "1002", "6281234567890@c.us"). */
export function findOfficerByLoginName(ctx: CoreContext, name: string): Officer | undefined {
  const key = name.trim();
  if (key === '') return undefined;
  return ctx.officers.byId(key.toLowerCase()) ?? ctx.officers.all.find((officer) => officer.contacts.some((contact) => contact.id === key));
}

/**
 * Queues a login link to the officer's first registered contact. Returns false when the name
 * matches no officer or the officer has no contact (the caller answers the same either way).
 */
export function sendLoginLink(ctx: CoreContext, name: string): boolean {
  return ctx.store.transaction(() => {
    const officer = findOfficerByLoginName(ctx, name);
    if (!officer || officer.contacts.length === 0) return false;
    return queueToOfficer(ctx, officer, officerText.loginLink(createLoginLink(ctx, officer)), LOGIN_LINK_PURPOSE);
  });
}

/** Spends a link's token; the officer id when it was valid, unused and unexpired. */
export function redeemLoginLink(ctx: CoreContext, token: string): string | undefined {
  if (!/^[\w-]{20,100}$/.test(token)) return undefined;
  return useLoginLink(ctx.store.db, sha256(token), ctx.now())?.officerId;
}
