import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config.js';

describe('configuration of filter mode, scanners and retention', () => {
  it('has safe defaults: capture mode, tempfail, 30 days', () => {
    const config = loadConfig({ env: {} });
    expect(config.mode).toBe('capture');
    expect(config.scanners.enabled).toEqual(['headers', 'policy']);
    expect(config.scanners.onError).toBe('tempfail');
    expect(config.scanners.headers.trustedHosts).toEqual([]);
    expect(config.scanners.policy.blockedExtensions).toContain('exe');
    expect(config.filter).toMatchObject({ reinjectHost: '127.0.0.1', reinjectPort: 10026 });
    expect(config.retention).toMatchObject({ spamDays: 30, malwareDays: 30, purgeIntervalSeconds: 3600 });
  });

  it('reads lists comma-separated from the environment, trimmed', () => {
    const config = loadConfig({
      env: {
        LAZARET_SCANNERS_ENABLED: 'clamav, rspamd ,policy',
        LAZARET_SCANNERS_HEADERS_TRUSTED_HOSTS: '10.0.0.0/8',
      },
    });
    expect(config.scanners.enabled).toEqual(['clamav', 'rspamd', 'policy']);
    expect(config.scanners.headers.trustedHosts).toEqual(['10.0.0.0/8']);
  });

  it('names the key of an unknown scanner', () => {
    expect(() => loadConfig({ env: { LAZARET_SCANNERS_ENABLED: 'policy,virustotal' } })).toThrow(
      /scanners\.enabled .*unknown virustotal/,
    );
    expect(() => loadConfig({ env: { LAZARET_MODE: 'proxy' } })).toThrow(/mode/);
  });
});
