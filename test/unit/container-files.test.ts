import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS } from '../../src/config/config-keys.js';
import { loadConfig } from '../../src/config/load-config.js';

// The image and the compose stack themselves are built and run by scripts/test-container.sh (in
// .ci/run); these checks tie them to the config keys, the docs and the Postfix guide.
const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const dockerfile = read('Dockerfile');
const compose = read('deploy/compose/compose.yaml');
const operations = read('docs/operations.md');
const containerDocs = operations.slice(operations.indexOf('## Container'), operations.indexOf('## Upgrade'));
const configEnv = new Set(CONFIG_KEYS.map((key) => key.env));
/** Variables compose.yaml takes from the environment (`${NAME:-default}`). */
const composeVariables = new Set([...compose.matchAll(/\$\{([A-Z_]+)/g)].map((match) => match[1]!));

/** The value of the runtime stage's instruction (the last one of that name). */
function instruction(name: string): string {
  const lines = dockerfile.split('\n').filter((line) => line.startsWith(`${name} `));
  expect(lines.length, `the Dockerfile has a ${name}`).toBeGreaterThan(0);
  return lines.at(-1)!.slice(name.length + 1);
}

describe('Dockerfile', () => {
  it('starts from debian:bookworm-slim unless BASE_IMAGE names another base', () => {
    expect(dockerfile).toContain('ARG BASE_IMAGE=debian:bookworm-slim\n');
    expect(dockerfile.match(/^FROM \$\{BASE_IMAGE\}/gm)).toHaveLength(2);
  });

  it('runs as the user lazaret under tini, with the data dir as its volume and /readyz as its health check', () => {
    expect(instruction('USER')).toBe('lazaret');
    expect(instruction('ENTRYPOINT')).toBe('["/usr/bin/tini", "--", "lazaret"]');
    expect(instruction('CMD')).toBe('["serve"]');
    expect(instruction('VOLUME')).toBe('/var/lib/lazaret');
    expect(dockerfile).toContain('LAZARET_DATA_DIR=/var/lib/lazaret');
    expect(dockerfile).toMatch(/HEALTHCHECK [^\n]*\\\n[^\n]*\/readyz/);
  });

  it('listens on Lazaret’s default ports, which it exposes', () => {
    const defaults = loadConfig({ env: {} });
    expect(instruction('EXPOSE')).toBe(`${defaults.smtp.port} ${defaults.http.port}`);
  });

  it('takes a Node.js line that CI runs the whole suite on', () => {
    const major = /^ARG NODE_VERSION=(\d+)\./m.exec(dockerfile)?.[1];
    const ciLines = /LAZARET_CI_NODE_LINES:-([\d ]+)\}/.exec(read('.ci/run'))?.[1]?.split(' ');
    expect(ciLines).toContain(major);
  });
});

describe('deploy/compose/compose.yaml', () => {
  it('sets only LAZARET_* variables that are config keys', () => {
    const set = [...compose.matchAll(/^\s+(LAZARET_[A-Z_]+):/gm)].map((match) => match[1]!);
    expect(set.length).toBeGreaterThan(5);
    for (const name of set) expect(configEnv.has(name), `${name} is a config key`).toBe(true);
  });

  it('waits on stop longer than serve’s shutdown timeout', () => {
    const grace = Number(/stop_grace_period: (\d+)s/.exec(compose)?.[1]);
    expect(grace * 1000).toBeGreaterThan(loadConfig({ env: {} }).shutdownTimeoutMs);
  });

  it('builds every mail service from a target of mail.Dockerfile', () => {
    const targets = [...read('deploy/compose/mail.Dockerfile').matchAll(/^FROM \S+ AS (\w+)$/gm)].map(
      (m) => m[1],
    );
    const used = [...compose.matchAll(/target: (\w+)/g)].map((match) => match[1]);
    expect(used.sort()).toEqual(['clamd', 'postfix', 'rspamd']);
    expect(targets.sort()).toEqual(used);
  });
});

describe('deploy/compose/postfix/master.cf.lazaret', () => {
  /** Each service of a master.cf text: its first line and its `-o name=value` options. */
  function services(text: string): Map<string, Map<string, string>> {
    const found = new Map<string, Map<string, string>>();
    let current: Map<string, string> | undefined;
    for (const line of text.split('\n')) {
      const option = /^\s+-o ([a-z_]+)=(.*)$/.exec(line);
      if (option && current) current.set(option[1]!, option[2]!);
      else if (/^\S/.test(line) && !line.startsWith('#')) {
        current = new Map();
        found.set(line.split(/\s+/)[0]!.replace(/^127\.0\.0\.1:/, ''), current);
      }
    }
    return found;
  }
  const guide = read('docs/postfix.md');
  const guideMasterCf = /## master\.cf\n\n```\n([\s\S]*?)```/.exec(guide)?.[1] ?? '';
  const ours = services(read('deploy/compose/postfix/master.cf.lazaret'));
  const theirs = services(guideMasterCf);

  it('has docs/postfix.md’s services with the same options (addresses of the compose network aside)', () => {
    expect([...theirs.keys()].sort()).toEqual(['10026', 'lazaret', 'lazaret_cleanup']);
    expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
    const networkOptions = new Set(['mynetworks', 'smtpd_authorized_xforward_hosts']);
    for (const [name, options] of theirs) {
      expect([...ours.get(name)!.keys()].sort(), name).toEqual([...options.keys()].sort());
      for (const [option, value] of options) {
        if (!networkOptions.has(option)) expect(ours.get(name)!.get(option), `${name} ${option}`).toBe(value);
      }
    }
  });
});

describe('docs/operations.md, Container', () => {
  it('names only config keys and compose.yaml’s variables', () => {
    const named = [...new Set(containerDocs.match(/\bLAZARET_[A-Z_]+/g))];
    expect(named.length).toBeGreaterThan(5);
    for (const name of named) {
      expect(
        configEnv.has(name) || composeVariables.has(name),
        `${name} is a config key or compose variable`,
      ).toBe(true);
    }
    for (const name of ['MX_PUBLISH', 'CLAMAV_FRESHCLAM', 'BASE_IMAGE']) {
      expect(composeVariables.has(name), name).toBe(true);
      expect(containerDocs).toContain(name);
    }
  });

  it('runs the image with its exposed ports and its volume', () => {
    const run = /docker run -d [\s\S]*? lazaret\n/.exec(containerDocs)?.[0] ?? '';
    const published = [...run.matchAll(/-p 127\.0\.0\.1:\d+:(\d+)/g)].map((match) => match[1]);
    expect(published.sort()).toEqual(instruction('EXPOSE').split(' ').sort());
    expect(run).toContain(`:${instruction('VOLUME')} `);
  });

  it('names the build arguments the Dockerfile has', () => {
    for (const arg of ['BASE_IMAGE', 'NODE_VERSION', 'NODE_SHA512', 'NODE_TARBALL']) {
      expect(dockerfile).toMatch(new RegExp(`^ARG ${arg}=`, 'm'));
      expect(containerDocs).toContain(`\`${arg}\``);
    }
  });
});
