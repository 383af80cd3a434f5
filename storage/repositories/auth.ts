// Dashboard logins: officers' password hashes, one-time login links and sessions. Only hashes of
// link and session tokens are stored, so a copy of the database opens no session.
import { and, eq, gt, isNull, lt, or } from 'drizzle-orm';
import type { Db } from '../db.ts';
import { loginLinks, officerCredentials, webSessions } from '../schema.ts';

export type WebSession = typeof webSessions.$inferSelect;
export type LoginLink = typeof loginLinks.$inferSelect;

export function setPasswordHash(db: Db, officerId: string, passwordHash: string, at: number): void {
  db.insert(officerCredentials)
    .values({ officerId, passwordHash, updatedAt: at })
    .onConflictDoUpdate({ target: officerCredentials.officerId, set: { passwordHash, updatedAt: at } })
    .run();
}

export function getPasswordHash(db: Db, officerId: string): string | undefined {
  return db.select().from(officerCredentials).where(eq(officerCredentials.officerId, officerId)).get()?.passwordHash;
}

export function insertLoginLink(db: Db, link: Omit<LoginLink, 'usedAt'>): void {
  db.insert(loginLinks).values(link).run();
}

/** Marks an unused, unexpired link used and returns it; undefined when it cannot be used (any more). */
export function useLoginLink(db: Db, tokenHash: string, at: number): LoginLink | undefined {
  return db
    .update(loginLinks)
    .set({ usedAt: at })
    .where(and(eq(loginLinks.tokenHash, tokenHash), isNull(loginLinks.usedAt), gt(loginLinks.expiresAt, at)))
    .returning()
    .get();
}

export function insertWebSession(db: Db, session: WebSession): void {
  db.insert(webSessions).values(session).run();
}

export function getWebSession(db: Db, tokenHash: string): WebSession | undefined {
  return db.select().from(webSessions).where(eq(webSessions.tokenHash, tokenHash)).get();
}

export function touchWebSession(db: Db, tokenHash: string, at: number): void {
  db.update(webSessions).set({ lastSeenAt: at }).where(eq(webSessions.tokenHash, tokenHash)).run();
}

export function deleteWebSession(db: Db, tokenHash: string): void {
  db.delete(webSessions).where(eq(webSessions.tokenHash, tokenHash)).run();
}

/** Drops sessions past their maximum age or idle since `idleBefore`, and spent or expired links. */
export function pruneLogins(db: Db, now: number, idleBefore: number): void {
  db.delete(webSessions).where(or(lt(webSessions.expiresAt, now), lt(webSessions.lastSeenAt, idleBefore))).run();
  db.delete(loginLinks).where(lt(loginLinks.expiresAt, now)).run();
}
