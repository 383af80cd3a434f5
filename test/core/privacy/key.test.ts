// The keyed hash and its key, and the names residents give as their own.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEnv } from '../../../config/env.ts';
import { Anonymizer } from '../../../core/privacy/anonymize.ts';
import { keyedHash, privacyKeyLoader } from '../../../core/privacy/key.ts';
import { namesIntroducedIn } from '../../../core/summary/scrub.ts';
import { tempDir } from '../../helpers.ts';

let dir: { dir: string; cleanup: () => void } | undefined;
afterEach(() => dir?.cleanup());

describe('the keyed hash', () => {
  it('is "anon:" and 32 hex digits, the same for the same identity and key only', () => {
    const key = Buffer.from('kunci-rahasia-desa-sukamaju');
    const hash = keyedHash(key, 'whatsapp', '6281234567890@c.us');
    expect(hash).toMatch(/^anon:[0-9a-f]{32}$/);
    expect(keyedHash(key, 'whatsapp', '6281234567890@c.us')).toBe(hash);
    expect(keyedHash(key, 'telegram', '6281234567890@c.us')).not.toBe(hash);
    expect(keyedHash(Buffer.from('kunci-lain-desa-sukamaju'), 'whatsapp', '6281234567890@c.us')).not.toBe(hash);
    expect(hash).not.toContain('6281234567890');
  });

  it('comes from ASPIRASI_SECRET when set, and never touches DATA_DIR then', () => {
    dir = tempDir();
    const env = parseEnv({ DATA_DIR: dir.dir, ASPIRASI_SECRET: 'rahasia-desa-yang-panjang' }, false);
    const key = privacyKeyLoader({ secret: env.privacySecret, dataDir: env.dataDir })();
    expect(key.toString()).toBe('rahasia-desa-yang-panjang');
    expect(() => statSync(join(dir?.dir ?? '', 'secret.key'))).toThrow();
    expect(() => parseEnv({ ASPIRASI_SECRET: 'pendek' }, false)).toThrow(/ASPIRASI_SECRET/);
  });

  it('else is created once in DATA_DIR/secret.key (32 random bytes, mode 0600) and kept across restarts', () => {
    dir = tempDir();
    const first = privacyKeyLoader({ secret: undefined, dataDir: dir.dir })();
    const file = join(dir.dir, 'secret.key');
    expect(first).toHaveLength(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(privacyKeyLoader({ secret: undefined, dataDir: dir.dir })()).toEqual(first);
    expect(readFileSync(file)).toEqual(first);
  });

  it('refuses a key file too short to be a key', () => {
    dir = tempDir();
    writeFileSync(join(dir.dir, 'secret.key'), 'abc');
    expect(() => privacyKeyLoader({ secret: undefined, dataDir: dir?.dir ?? '' })()).toThrow(/too short/);
  });
});

describe('the anonymiser', () => {
  const key = Buffer.from('kunci-rahasia-desa-sukamaju');
  const anonymizer = new Anonymizer(key, [{ channel: 'telegram', id: '987654321' }, { channel: 'whatsapp', id: '6281234567890@c.us' }], ['Budi Santoso'], ['Krajan']);

  it('replaces an id, and an id inside a message id, with the hash', () => {
    expect(anonymizer.id('987654321')).toBe(keyedHash(key, 'telegram', '987654321'));
    expect(anonymizer.id('987654321:42')).toBe(`${keyedHash(key, 'telegram', '987654321')}:42`);
    expect(anonymizer.id('false_6281234567890@c.us_3EB0AB')).toBe(`false_${keyedHash(key, 'whatsapp', '6281234567890@c.us')}_3EB0AB`);
    // Another number that merely contains the id is left alone.
    expect(anonymizer.id('19876543210')).toBe('19876543210');
  });

  it('removes ids, numbers and names from texts and keeps the rest', () => {
    expect(anonymizer.text('Pelapor: Budi (telegram:987654321), wa 6281234567890, jalan Dusun Krajan rusak')).toBe(
      'Pelapor: [disembunyikan] (telegram:[disembunyikan]), wa [disembunyikan], jalan Dusun Krajan rusak',
    );
  });
});

describe('names residents give as their own', () => {
  it.each([
    ['nama saya Budi Santoso dari RT 02, lampu mati', 'Budi Santoso'],
    ['Perkenalkan, saya Pak Joko warga Krajan', 'Joko'],
    ['saya bernama siti aminah. jalan rusak', 'siti aminah'],
    ['Nama saya: Dedi Kurniawan\nalamat RT 3', 'Dedi Kurniawan'],
    ['saya Bu Ratna mau lapor', 'Ratna'],
    ['atas nama M. Yusuf Hasan', 'M Yusuf Hasan'],
  ])('finds the name in "%s"', (text, name) => {
    expect(namesIntroducedIn(text)).toEqual([name]);
  });

  it('finds none where nobody introduces themselves', () => {
    expect(namesIntroducedIn('saya mau lapor jalan rusak di RT 3')).toEqual([]);
    expect(namesIntroducedIn('saya warga dusun krajan, namanya juga desa')).toEqual([]);
  });
});
