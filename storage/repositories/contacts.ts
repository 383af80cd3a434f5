import { eq } from 'drizzle-orm';
import type { Db } from '../db.ts';
import { decodeRow, insertRowReturning, rawStatement } from '../raw.ts';
import { contacts } from '../schema.ts';

export type Contact = typeof contacts.$inferSelect;

export function findOrCreateContact(
  db: Db,
  channel: string,
  externalId: string,
  displayName: string | undefined,
  now: number,
): { contact: Contact; created: boolean } {
  const existing = findContact(db, channel, externalId);
  if (existing) {
    const patch: Partial<Contact> = { lastSeenAt: now };
    if (displayName && displayName !== existing.displayName) patch.displayName = displayName;
    // A resident who writes again is reachable again (they unblocked the bot).
    if (!existing.reachable) {
      patch.reachable = true;
      patch.unreachableReason = null;
    }
    if (Object.keys(patch).length === 1) {
      rawStatement(db, 'update contacts set last_seen_at = ? where id = ?').run(now, existing.id);
    } else {
      db.update(contacts).set(patch).where(eq(contacts.id, existing.id)).run();
    }
    return { contact: { ...existing, ...patch }, created: false };
  }
  const contact = insertRowReturning(db, contacts, { channel, externalId, displayName: displayName ?? null, createdAt: now, lastSeenAt: now });
  if (!contact) throw new Error('contact insert returned no row');
  return { contact, created: true };
}

export function getContact(db: Db, id: number): Contact | undefined {
  return decodeRow(contacts, rawStatement(db, 'select * from contacts where id = ?').get(id));
}

export function markPrivacyNoticeSent(db: Db, id: number, now: number): void {
  rawStatement(db, 'update contacts set privacy_notice_at = ? where id = ?').run(now, id);
}

export function markContactUnreachable(db: Db, id: number, reason: string): void {
  db.update(contacts).set({ reachable: false, unreachableReason: reason }).where(eq(contacts.id, id)).run();
}

export function findContact(db: Db, channel: string, externalId: string): Contact | undefined {
  return decodeRow(contacts, rawStatement(db, 'select * from contacts where channel = ? and external_id = ?').get(channel, externalId));
}
