// Everything core needs, built once at start and passed explicitly.
import type { Logger } from 'pino';
import type { VillageProfile } from '../config/profile.ts';
import type { Store } from '../storage/db.ts';
import { KeywordClassifier } from './classifier/keyword.ts';
import type { Classifier } from './classifier/types.ts';
import { createGazetteer, type Gazetteer } from './gazetteer.ts';
import { createOfficerDirectory, type OfficerDirectory } from './officers.ts';

export interface CoreContext {
  store: Store;
  profile: VillageProfile;
  officers: OfficerDirectory;
  gazetteer: Gazetteer;
  classifier: Classifier;
  logger: Logger;
  /** Milliseconds since the epoch; injectable for tests. */
  now: () => number;
}

export function createCoreContext(input: {
  store: Store;
  profile: VillageProfile;
  logger: Logger;
  classifier?: Classifier;
  now?: () => number;
}): CoreContext {
  return {
    store: input.store,
    profile: input.profile,
    officers: createOfficerDirectory(input.profile),
    gazetteer: createGazetteer(input.profile),
    classifier: input.classifier ?? new KeywordClassifier(),
    logger: input.logger,
    now: input.now ?? Date.now,
  };
}
