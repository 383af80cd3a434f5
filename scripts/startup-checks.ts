// Start-up checks of the database that name what is wrong, in Indonesian and English: a file that is
// not a database or is damaged, and one made by a newer version. (DATA_DIR and the port are checked
// in service.ts, the profile in config/profile.ts.)
import { ConfigError, type Env } from '../config/env.ts';
import { integrityProblems } from '../storage/backup.ts';
import { openStore, type Store } from '../storage/db.ts';
import { corruptDatabaseError, DatabaseFileError, isCorruption } from '../storage/schema-version.ts';

/** Opens the service's database, applying pending migrations; throws ConfigError when it cannot be used. */
export function openCheckedStore(env: Pick<Env, 'databaseFile' | 'sqliteSynchronous'>): Store {
  let store: Store;
  try {
    store = openStore(env.databaseFile, { synchronous: env.sqliteSynchronous });
  } catch (error) {
    if (error instanceof DatabaseFileError) throw new ConfigError(error.message, { cause: error });
    throw error;
  }
  // quick_check reads every page (about 1 s per 150 MB here): damage is found now, not in the middle of a message.
  let problems: string[];
  try {
    problems = integrityProblems(store.sqlite, 'quick_check');
  } catch (error) {
    store.close();
    if (isCorruption(error)) throw new ConfigError(corruptDatabaseError(env.databaseFile, error).message, { cause: error });
    throw error;
  }
  if (problems.length > 0) {
    store.close();
    throw new ConfigError(corruptDatabaseError(env.databaseFile, new Error(`quick_check: ${problems.slice(0, 3).join('; ')}`)).message);
  }
  return store;
}
