// The dashboard's environment variables: WEB_SIMULATOR (SIMULATOR_ENABLED's newer name) and PUBLIC_URL.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseEnv } from '../../config/env.ts';

describe('WEB_SIMULATOR and PUBLIC_URL', () => {
  it('keeps the simulator on by default, turned off by either name, the new one winning', () => {
    expect(parseEnv({}, false).simulatorEnabled).toBe(true);
    expect(parseEnv({ WEB_SIMULATOR: 'false' }, false).simulatorEnabled).toBe(false);
    expect(parseEnv({ SIMULATOR_ENABLED: 'false' }, false).simulatorEnabled).toBe(false);
    expect(parseEnv({ SIMULATOR_ENABLED: 'false', WEB_SIMULATOR: 'true' }, false).simulatorEnabled).toBe(true);
    expect(() => parseEnv({ WEB_SIMULATOR: 'mati' }, false)).toThrow(ConfigError);
  });

  it('takes an http(s) PUBLIC_URL without its trailing slash, and names a bad one', () => {
    expect(parseEnv({}, false).publicUrl).toBeUndefined();
    expect(parseEnv({ PUBLIC_URL: 'https://aspirasi.desaku.id/' }, false).publicUrl).toBe('https://aspirasi.desaku.id');
    expect(() => parseEnv({ PUBLIC_URL: 'aspirasi.desaku.id' }, false)).toThrow(/PUBLIC_URL/);
    expect(() => parseEnv({ PUBLIC_URL: 'javascript:alert(1)' }, false)).toThrow(/PUBLIC_URL/);
  });
});

describe('TRUST_PROXY', () => {
  it('takes the proxy\'s addresses or a number of hops, and names anything else', () => {
    expect(parseEnv({}, false).trustProxy).toBeUndefined();
    expect(parseEnv({ TRUST_PROXY: 'loopback' }, false).trustProxy).toBe('loopback');
    expect(parseEnv({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1' }, false).trustProxy).toBe('127.0.0.1,10.0.0.0/8,::1');
    expect(parseEnv({ TRUST_PROXY: '1' }, false).trustProxy).toBe(1);
    for (const bad of ['true', 'nginx', '10.0.0.0/33', '300.1.1.1', '127.0.0.1/8/1', ',']) {
      expect(() => parseEnv({ TRUST_PROXY: bad }, false), bad).toThrow(/TRUST_PROXY/);
    }
  });
});
