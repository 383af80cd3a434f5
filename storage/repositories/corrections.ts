import { asc } from 'drizzle-orm';
import type { Db } from '../db.ts';
import { classifierCorrections } from '../schema.ts';

export type ClassifierCorrection = typeof classifierCorrections.$inferSelect;

export function addCorrection(db: Db, correction: typeof classifierCorrections.$inferInsert): void {
  db.insert(classifierCorrections).values(correction).run();
}

export function listCorrections(db: Db): ClassifierCorrection[] {
  return db.select().from(classifierCorrections).orderBy(asc(classifierCorrections.id)).all();
}
