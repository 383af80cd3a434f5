import { eq } from 'drizzle-orm';
import type { Db } from '../db.ts';
import { channelCursors } from '../schema.ts';

export function getCursor(db: Db, channel: string): string | undefined {
  return db.select().from(channelCursors).where(eq(channelCursors.channel, channel)).get()?.cursor;
}

export function setCursor(db: Db, channel: string, cursor: string, now: number): void {
  db.insert(channelCursors)
    .values({ channel, cursor, updatedAt: now })
    .onConflictDoUpdate({ target: channelCursors.channel, set: { cursor, updatedAt: now } })
    .run();
}
