// Everything core needs, built once at start and passed explicitly.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { VillageProfile } from '../config/profile.ts';
import type { Store } from '../storage/db.ts';
import { KeywordClassifier } from './classifier/keyword.ts';
import type { Classifier } from './classifier/types.ts';
import { createCalendar, type WorkingCalendar } from './deadlines/calendar.ts';
import { createGazetteer, type Gazetteer } from './gazetteer.ts';
import { createOfficerDirectory, type OfficerDirectory } from './officers.ts';
import type { NotificationHold } from './notify.ts';

export interface CoreContext {
  store: Store;
  profile: VillageProfile;
  officers: OfficerDirectory;
  gazetteer: Gazetteer;
  classifier: Classifier;
  /** The village's working days, for deadlines. */
  calendar: WorkingCalendar;
  logger: Logger;
  /** Milliseconds since the epoch; injectable for tests. */
  now: () => number;
  /** Where people reach the web pages (PUBLIC_URL), without a trailing slash; used in login links. */
  publicUrl: string;
  /** Key of the hash that replaces residents' identifiers when their data is anonymised (core/privacy/key.ts). */
  privacyKey: () => Buffer;
  /** Set while IntakeBatcher stores a burst: officers' notifications wait here to be merged into digests. */
  notificationHold?: NotificationHold;
}

export function createCoreContext(input: {
  store: Store;
  profile: VillageProfile;
  logger: Logger;
  classifier?: Classifier;
  now?: () => number;
  publicUrl?: string;
  /** The service passes the configured key; tests and tools that never anonymise get a random one. */
  privacyKey?: () => Buffer;
}): CoreContext {
  return {
    store: input.store,
    profile: input.profile,
    officers: createOfficerDirectory(input.profile),
    gazetteer: createGazetteer(input.profile),
    classifier: input.classifier ?? new KeywordClassifier(),
    calendar: createCalendar(input.profile),
    logger: input.logger,
    now: input.now ?? Date.now,
    publicUrl: (input.publicUrl ?? 'http://localhost:3000').replace(/\/+$/, ''),
    privacyKey: input.privacyKey ?? ephemeralKey(),
  };
}

function ephemeralKey(): () => Buffer {
  const key = randomBytes(32);
  return () => key;
}
