// Finds the dusun, RW and RT a message names, from the village profile's gazetteer.
import type { VillageProfile } from '../config/profile.ts';
import { normalizeText, phraseRegExp } from './text.ts';

export interface Place {
  dusun?: string;
  rw?: number;
  rt?: number;
}

export interface Gazetteer {
  locate(text: string): Place;
}

const RW = /\brw\s*\.?\s*0*(\d{1,3})\b/;
const RT = /\brt\s*\.?\s*0*(\d{1,3})\b/;
/** "RT 03/RW 02" written as "03/02". */
const RT_RW_PAIR = /\brt\s*\/?\s*rw\s*0*(\d{1,3})\s*\/\s*0*(\d{1,3})\b/;

export function createGazetteer(profile: VillageProfile): Gazetteer {
  const byName = profile.dusun.map((dusun) => ({
    id: dusun.id,
    regexp: phraseRegExp([dusun.name, `dusun ${dusun.name}`, `dsn ${dusun.name}`, ...dusun.aliases]),
  }));
  const dusunOfRw = new Map<number, string>();
  for (const dusun of profile.dusun) for (const rw of dusun.rw) dusunOfRw.set(rw.number, dusun.id);

  return {
    locate(text: string): Place {
      const normalized = normalizeText(text.slice(0, 4000));
      const place: Place = {};
      const pair = RT_RW_PAIR.exec(normalized);
      const rw = pair?.[2] ?? RW.exec(normalized)?.[1];
      const rt = pair?.[1] ?? RT.exec(normalized)?.[1];
      if (rw) place.rw = Number(rw);
      if (rt) place.rt = Number(rt);
      const named = byName.find(({ regexp }) => regexp?.test(normalized));
      if (named) place.dusun = named.id;
      else if (place.rw !== undefined) place.dusun = dusunOfRw.get(place.rw);
      if (place.dusun === undefined) delete place.dusun;
      return place;
    },
  };
}

/** "Dusun Krajan, RW 2, RT 3" for people; undefined when nothing is known. */
export function placeLabel(
  profile: VillageProfile,
  place: { dusun?: string | null; rw?: number | null; rt?: number | null },
): string | undefined {
  const dusunName = place.dusun ? profile.dusun.find((dusun) => dusun.id === place.dusun)?.name : undefined;
  const parts = [dusunName && `Dusun ${dusunName}`, place.rw && `RW ${place.rw}`, place.rt && `RT ${place.rt}`].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : undefined;
}
