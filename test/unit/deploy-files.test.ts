import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_FILE, loadConfig, resolveConfigFile } from '../../src/config/load-config.js';
import { Metrics } from '../../src/metrics.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** `Key=value` lines of a systemd unit, the last one winning, as systemd reads single-valued keys. */
function unitValues(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (match) values.set(match[1]!, match[2]!);
  }
  return values;
}

describe('deploy/systemd/lazaret.service', () => {
  const unit = unitValues(read('deploy/systemd/lazaret.service'));

  it('is hardened: own user, state directory, read-only system, no privileges or capabilities', () => {
    expect(unit.get('User')).toBe('lazaret');
    expect(unit.get('StateDirectory')).toBe('lazaret');
    expect(unit.get('WorkingDirectory')).toBe('/var/lib/lazaret');
    for (const [key, value] of [
      ['ProtectSystem', 'strict'],
      ['NoNewPrivileges', 'yes'],
      ['PrivateTmp', 'yes'],
      ['ProtectHome', 'yes'],
      ['CapabilityBoundingSet', ''],
      ['AmbientCapabilities', ''],
      ['Restart', 'on-failure'],
    ] as const) {
      expect(unit.get(key), key).toBe(value);
    }
  });

  it('reads the default config path and the environment file, and starts lazaret serve', () => {
    expect(read('deploy/systemd/lazaret.service')).toContain(
      `Environment=LAZARET_CONFIG=${DEFAULT_CONFIG_FILE}\n`,
    );
    expect(unit.get('EnvironmentFile')).toBe('-/etc/lazaret/lazaret.env');
    expect(unit.get('ExecStart')).toBe('/usr/local/bin/lazaret serve');
  });

  it('waits longer on stop than a shutdown may take (30 s SMTP close, relay.timeoutMs in flight)', () => {
    const config = loadConfig({ env: {} });
    const deadlineSeconds = Math.max(
      30,
      config.relay.timeoutMs / 1000,
      config.filter.reinjectTimeoutMs / 1000,
    );
    expect(Number(/^(\d+)s$/.exec(unit.get('TimeoutStopSec') ?? '')?.[1])).toBeGreaterThan(deadlineSeconds);
  });

  it('grants the port-25 capability only in its drop-in', () => {
    const dropIn = unitValues(read('deploy/systemd/bind-port-25.conf'));
    expect(dropIn.get('AmbientCapabilities')).toBe('CAP_NET_BIND_SERVICE');
    expect(dropIn.get('CapabilityBoundingSet')).toBe('CAP_NET_BIND_SERVICE');
  });
});

describe('deploy/lazaret.json', () => {
  it('is a valid config whose dataDir is the unit’s state directory', () => {
    const config = loadConfig({
      file: new URL('../../deploy/lazaret.json', import.meta.url).pathname,
      env: {},
    });
    expect(config.dataDir).toBe('/var/lib/lazaret');
    expect(config.mode).toBe('filter');
  });
});

describe('the default config file', () => {
  it('is --config, else LAZARET_CONFIG, else /etc/lazaret/lazaret.json only when it exists', () => {
    const present = () => true;
    const absent = () => false;
    expect(resolveConfigFile('/x.json', { LAZARET_CONFIG: '/y.json' }, present)).toBe('/x.json');
    expect(resolveConfigFile(undefined, { LAZARET_CONFIG: '/y.json' }, present)).toBe('/y.json');
    expect(resolveConfigFile(undefined, {}, present)).toBe(DEFAULT_CONFIG_FILE);
    expect(resolveConfigFile(undefined, {}, absent)).toBeUndefined();
  });
});

describe('deploy/prometheus/lazaret-alerts.yml', () => {
  it('names only metrics that Lazaret exports (or Prometheus and node_exporter do)', async () => {
    const rules = read('deploy/prometheus/lazaret-alerts.yml');
    const exported = await new Metrics().registry.getMetricsAsJSON();
    const names = new Set(exported.map((metric) => metric.name));
    const used = [...new Set(rules.match(/\blazaret_[a-z_]+/g) ?? [])];
    expect(used.length).toBeGreaterThan(5);
    for (const name of used) {
      const base = name.replace(/_(bucket|sum|count)$/, '');
      expect(names.has(name) || names.has(base), `${name} is not a Lazaret metric`).toBe(true);
    }
    const alerts = rules.match(/- alert: (\w+)/g)!.map((line) => line.slice('- alert: '.length));
    const documented = read('docs/operations.md');
    for (const alert of alerts) expect(documented, `docs/operations.md lists ${alert}`).toContain(alert);
  });
});
