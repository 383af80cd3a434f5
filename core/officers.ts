// Looking up officers in the profile: by chat identity, by role, and by how residents name them.
import type { Officer, VillageProfile } from '../config/profile.ts';
import type { Role } from './domain.ts';
import { normalizeText, phraseRegExp } from './text.ts';

/** Ways residents refer to a role without naming the person. */
const ROLE_WORDS: Partial<Record<Role, string[]>> = {
  kades: ['kades', 'kepala desa', 'pak kades', 'bu kades', 'lurah', 'pak lurah', 'pak kuwu', 'kuwu', 'petinggi'],
  sekdes: ['sekdes', 'sekretaris desa', 'carik', 'pak carik', 'bu carik'],
  kadus: ['kadus', 'kepala dusun', 'pak dukuh', 'kamituwo', 'pak kadus', 'bu kadus'],
  bpd_ketua: ['ketua bpd'],
  kaur_keuangan: ['bendahara desa', 'kaur keuangan'],
};

export interface OfficerDirectory {
  all: Officer[];
  byId(id: string): Officer | undefined;
  /** The officer who owns this chat identity, if any. */
  byContact(channel: string, userId: string): Officer | undefined;
  withRole(role: Role, dusun?: string): Officer[];
  /** Officers the text names, by name, alias or role word ("pak kades", "kadus krajan"). */
  namedIn(text: string, dusun?: string): Officer[];
  /** Accepts an officer id or a role with exactly one holder. */
  resolve(idOrRole: string): Officer | undefined;
  label(officer: Officer): string;
}

export function createOfficerDirectory(profile: VillageProfile): OfficerDirectory {
  const all = profile.officers;
  const contactIndex = new Map<string, Officer>();
  for (const officer of all) {
    for (const contact of officer.contacts) contactIndex.set(`${contact.channel}\u0000${contact.id}`, officer);
  }
  const nameMatchers = all.map((officer) => ({
    officer,
    regexp: phraseRegExp([officer.name, ...officer.aliases]),
  }));
  const roleMatchers = Object.entries(ROLE_WORDS).map(([role, words]) => ({
    role: role as Role,
    regexp: phraseRegExp(words),
  }));

  const withRole = (role: Role, dusun?: string): Officer[] =>
    all.filter((officer) => officer.role === role && (dusun === undefined || officer.dusun === dusun));

  return {
    all,
    byId: (id) => all.find((officer) => officer.id === id),
    byContact: (channel, userId) => contactIndex.get(`${channel}\u0000${userId}`),
    withRole,
    namedIn(text, dusun) {
      const normalized = normalizeText(text.slice(0, 4000));
      const named = new Set<Officer>();
      for (const { officer, regexp } of nameMatchers) if (regexp?.test(normalized)) named.add(officer);
      for (const { role, regexp } of roleMatchers) {
        if (!regexp?.test(normalized)) continue;
        // "pak kadus" names the kadus of the dusun in question, or every kadus when none is known.
        for (const officer of role === 'kadus' ? withRole(role, dusun) : withRole(role)) named.add(officer);
      }
      return [...named];
    },
    resolve(idOrRole) {
      const key = idOrRole.trim().toLowerCase();
      const byId = all.find((officer) => officer.id === key);
      if (byId) return byId;
      const holders = all.filter((officer) => officer.role === key);
      return holders.length === 1 ? holders[0] : undefined;
    },
    label: (officer) => `${officer.name} (${officer.id})`,
  };
}
