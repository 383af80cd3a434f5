import { loadProfile } from '../config/profile.ts';

const DEFAULT_TIMEZONE = 'Asia/Jakarta';

/**
 * The village's time zone, for the time in backup file names. A profile that does not load must not
 * stop a backup or a restore: the default zone is used and a warning goes to stderr.
 */
export function villageTimeZone(profilePath: string | undefined): string {
  try {
    return loadProfile(profilePath).village.timezone;
  } catch (error) {
    process.stderr.write(
      `Peringatan / warning: profil desa tidak terbaca, waktu pada nama berkas memakai ${DEFAULT_TIMEZONE} / ` +
        `the village profile did not load, file names use ${DEFAULT_TIMEZONE} time: ${(error as Error).message}\n`,
    );
    return DEFAULT_TIMEZONE;
  }
}
