import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, parseEnv } from '../../config/env.ts';
import { DEMO_PROFILE_PATH, loadProfile } from '../../config/profile.ts';
import { CATEGORIES, DEFAULT_ROUTING } from '../../core/domain.ts';
import { demoProfileWith } from '../helpers.ts';

const profileDir = mkdtempSync(join(tmpdir(), 'profile-'));
let written = 0;
afterAll(() => rmSync(profileDir, { recursive: true, force: true }));

function writeProfile(text: string): string {
  written += 1;
  const file = join(profileDir, `village-${written}.yaml`);
  writeFileSync(file, text);
  return file;
}

describe('demo village profile', () => {
  const profile = loadProfile();

  it('is used when no path is given', () => {
    expect(profile.source).toBe(DEMO_PROFILE_PATH);
    expect(profile.village.name).toBe('Desa Sukamaju');
  });

  it('has four dusun with RW and RT, every officer role of the design, and five BPD members', () => {
    expect(profile.dusun).toHaveLength(4);
    for (const dusun of profile.dusun) {
      expect(dusun.rw.length).toBeGreaterThan(0);
      for (const rw of dusun.rw) expect(rw.rt.length).toBeGreaterThan(0);
    }
    const roles = new Set(profile.officers.map((officer) => officer.role));
    for (const role of ['kades', 'sekdes', 'kasi_pemerintahan', 'kasi_kesejahteraan', 'kasi_pelayanan', 'kaur_umum', 'kaur_keuangan', 'kaur_perencanaan', 'kadus']) {
      expect(roles.has(role as never), role).toBe(true);
    }
    expect(profile.officers.filter((officer) => officer.role.startsWith('bpd_'))).toHaveLength(5);
    // Every dusun has its kadus.
    for (const dusun of profile.dusun) {
      expect(profile.officers.some((officer) => officer.role === 'kadus' && officer.dusun === dusun.id), dusun.id).toBe(true);
    }
  });

  it('fills routing for every category from the design defaults', () => {
    for (const category of CATEGORIES) expect(profile.routing[category].length).toBeGreaterThan(0);
    expect(profile.routing.infrastruktur).toEqual(DEFAULT_ROUTING.infrastruktur);
  });
});

describe('profile validation errors name the file and the field', () => {
  it('rejects a kadus whose dusun does not exist', () => {
    expect(() =>
      demoProfileWith((raw) => {
        const officers = raw.officers as Array<Record<string, unknown>>;
        const kadus = officers.find((officer) => officer.id === 'kadus_krajan');
        if (kadus) kadus.dusun = 'atlantis';
      }),
    ).toThrow(/test-profile\.yaml: officers\[8\]\.dusun: dusun 'atlantis' is not in the dusun list/);
  });

  it('rejects an unknown role, naming the field', () => {
    expect(() =>
      demoProfileWith((raw) => {
        (raw.officers as Array<Record<string, unknown>>)[0]!.role = 'lurah';
      }),
    ).toThrow(/officers\[0\]\.role/);
  });

  it('rejects an unknown category in routing and a misspelt key', () => {
    expect(() => demoProfileWith((raw) => ((raw.routing as Record<string, unknown>).jalan = ['kadus']))).toThrow(/routing/);
    expect(() => demoProfileWith((raw) => ((raw.village as Record<string, unknown>).nmae = 'x'))).toThrow(/village.*nmae/);
  });

  it('rejects a retraining schedule that is not a cron expression, naming the field', () => {
    expect(() =>
      demoProfileWith((raw) => {
        raw.classifier = { retrain_weekly: true, retrain_schedule: 'every monday' };
      }),
    ).toThrow(/classifier\.retrain_schedule: not a valid cron expression/);
    const profile = demoProfileWith((raw) => {
      raw.classifier = { retrain_weekly: true, retrain_schedule: '30 2 * * 0' };
    });
    expect(profile.classifier).toEqual({ retrain_weekly: true, retrain_schedule: '30 2 * * 0' });
  });

  it('requires a BPD chair, for confidential complaints', () => {
    expect(() =>
      demoProfileWith((raw) => {
        raw.officers = (raw.officers as Array<Record<string, unknown>>).filter((officer) => officer.role !== 'bpd_ketua');
      }),
    ).toThrow(/needs an officer with role 'bpd_ketua'/);
  });

  it('rejects the same chat identity on two officers', () => {
    expect(() =>
      demoProfileWith((raw) => {
        const officers = raw.officers as Array<{ contacts: unknown[] }>;
        officers[1]!.contacts = officers[0]!.contacts;
      }),
    ).toThrow(/web:kades is already the contact of officer 'kades'/);
  });

  it('rejects a RW claimed by two dusun', () => {
    expect(() =>
      demoProfileWith((raw) => {
        const dusun = raw.dusun as Array<{ rw: Array<{ number: number }> }>;
        dusun[1]!.rw[0]!.number = 1;
      }),
    ).toThrow(/RW 1 already belongs to dusun 'krajan'/);
  });

  it('names the file for YAML syntax errors and unreadable files', () => {
    const broken = writeProfile('village: [unclosed\n');
    expect(() => loadProfile(broken)).toThrow(ConfigError);
    expect(() => loadProfile(broken)).toThrow(broken);
    expect(() => loadProfile('/nonexistent/village.yaml')).toThrow(/Cannot read village profile \/nonexistent\/village.yaml/);
  });

  it('names a missing section', () => {
    const file = writeProfile('village: { id: x, name: Desa X, kecamatan: K, kabupaten: B, code_prefix: DX }\n');
    expect(() => loadProfile(file)).toThrow(new RegExp(`${file}: dusun: `));
  });
});

describe('environment', () => {
  it('uses the documented defaults', () => {
    const env = parseEnv({}, false);
    expect(env.port).toBe(3000);
    expect(env.dataDir.endsWith('/data')).toBe(true);
    expect(env.profilePath).toBeUndefined();
    expect(env.simulatorEnabled).toBe(true);
    expect(env.logFormat).toBe('json');
  });

  it('treats empty values as unset and names invalid ones', () => {
    expect(parseEnv({ PORT: '' }, false).port).toBe(3000);
    expect(() => parseEnv({ PORT: 'abc' }, false)).toThrow(/PORT/);
    expect(() => parseEnv({ SIMULATOR_ENABLED: 'maybe' }, false)).toThrow(/SIMULATOR_ENABLED/);
  });
});
