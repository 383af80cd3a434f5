import { and, eq } from 'drizzle-orm';
import type { Db } from '../db.ts';
import { contacts } from '../schema.ts';

export type Contact = typeof contacts.$inferSelect;

export function findOrCreateContact(
  db: Db,
  channel: string,
  externalId: string,
  displayName: string | undefined,
  now: number,
): { contact: Contact; created: boolean } {
  const existing = db
    .select()
    .from(contacts)
    .where(and(eq(contacts.channel, channel), eq(contacts.externalId, externalId)))
    .get();
  if (existing) {
    const patch: Partial<Contact> = { lastSeenAt: now };
    if (displayName && displayName !== existing.displayName) patch.displayName = displayName;
    // A resident who writes again is reachable again (they unblocked the bot).
    if (!existing.reachable) {
      patch.reachable = true;
      patch.unreachableReason = null;
    }
    db.update(contacts).set(patch).where(eq(contacts.id, existing.id)).run();
    return { contact: { ...existing, ...patch }, created: false };
  }
  const contact = db
    .insert(contacts)
    .values({ channel, externalId, displayName: displayName ?? null, createdAt: now, lastSeenAt: now })
    .returning()
    .get();
  return { contact, created: true };
}

export function getContact(db: Db, id: number): Contact | undefined {
  return db.select().from(contacts).where(eq(contacts.id, id)).get();
}

export function markPrivacyNoticeSent(db: Db, id: number, now: number): void {
  db.update(contacts).set({ privacyNoticeAt: now }).where(eq(contacts.id, id)).run();
}

export function markContactUnreachable(db: Db, id: number, reason: string): void {
  db.update(contacts).set({ reachable: false, unreachableReason: reason }).where(eq(contacts.id, id)).run();
}

export function findContact(db: Db, channel: string, externalId: string): Contact | undefined {
  return db
    .select()
    .from(contacts)
    .where(and(eq(contacts.channel, channel), eq(contacts.externalId, externalId)))
    .get();
}
