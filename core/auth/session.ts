// Dashboard sessions: a random token in an HttpOnly cookie, its sha256 in web_sessions, a CSRF token
// per session. A session ends after 12 hours without use or 7 days after login, whichever is first.
import { randomBytes } from 'node:crypto';
import type { Officer } from '../../config/profile.ts';
import { deleteWebSession, getWebSession, insertWebSession, pruneLogins, touchWebSession } from '../../storage/repositories/index.ts';
import type { CoreContext } from '../context.ts';
import { randomToken, sha256 } from './login-link.ts';

export const SESSION_IDLE_MS = 12 * 3_600_000;
export const SESSION_MAX_MS = 7 * 24 * 3_600_000;
// lastSeenAt is written at most this often, so page views do not each write to the database.
const TOUCH_EVERY_MS = 60_000;

export interface ActiveSession {
  officer: Officer;
  csrfToken: string;
  tokenHash: string;
}

/** Starts a session for the officer; returns the cookie's token. */
export function startSession(ctx: CoreContext, officerId: string): string {
  const token = randomToken();
  const now = ctx.now();
  ctx.store.transaction(() => {
    pruneLogins(ctx.store.db, now, now - SESSION_IDLE_MS);
    insertWebSession(ctx.store.db, {
      tokenHash: sha256(token),
      officerId,
      csrfToken: randomBytes(24).toString('base64url'),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + SESSION_MAX_MS,
    });
  });
  return token;
}

/** The session a cookie token opens, or undefined (unknown, expired, idle too long, officer removed from the profile). */
export function loadSession(ctx: CoreContext, token: string | undefined): ActiveSession | undefined {
  if (!token) return undefined;
  const tokenHash = sha256(token);
  const session = getWebSession(ctx.store.db, tokenHash);
  if (!session) return undefined;
  const now = ctx.now();
  const officer = ctx.officers.byId(session.officerId);
  if (!officer || now >= session.expiresAt || now - session.lastSeenAt >= SESSION_IDLE_MS) {
    deleteWebSession(ctx.store.db, tokenHash);
    return undefined;
  }
  if (now - session.lastSeenAt >= TOUCH_EVERY_MS) touchWebSession(ctx.store.db, tokenHash, now);
  return { officer, csrfToken: session.csrfToken, tokenHash };
}

export function endSession(ctx: CoreContext, session: ActiveSession): void {
  deleteWebSession(ctx.store.db, session.tokenHash);
}
