import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { ApiClient } from '../support/api-client.js';
import { Downstream } from '../support/downstream.js';
import { tempDir, testConfig } from '../support/env.js';
import { message } from '../support/mail.js';
import { runCli } from '../support/serve-process.js';
import { sendRaw } from '../support/smtp-client.js';

const PASSWORD = 'digest-api-password-1';
const KEYS = 'digest-api-link-key-0123456789abcdef01234567';

describe('digest settings, defaults, report-spam, own digests and the CLI', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let reinject: Downstream;
  let relay: Downstream;
  let server: RunningServer;
  let env: Record<string, string>;
  const as: Record<string, ApiClient> = {};
  const base = () => `http://127.0.0.1:${server.httpAddress.port}`;

  beforeAll(async () => {
    dir = await tempDir();
    reinject = await new Downstream().start();
    relay = await new Downstream().start();
    env = {
      LAZARET_DATA_DIR: dir.path,
      LAZARET_MODE: 'filter',
      LAZARET_FILTER_REINJECT_PORT: String(reinject.port),
      LAZARET_RELAY_PORT: String(relay.port),
      LAZARET_RELAY_TLS: 'none',
      LAZARET_SCANNERS_ENABLED: 'headers,policy',
      LAZARET_SCANNERS_HEADERS_TRUSTED_HOSTS: '127.0.0.1',
      LAZARET_ADMIN_EMAIL: 'root@corp.test',
      LAZARET_ADMIN_PASSWORD: PASSWORD,
      LAZARET_DIGEST_ENABLED: 'false',
      LAZARET_LINK_KEYS: KEYS,
      LAZARET_PUBLIC_URL: 'https://quarantine.corp.test',
    };
    server = await startServer(
      testConfig({ ...env, LAZARET_SMTP_PORT: 0, LAZARET_HTTP_PORT: 0 }),
      createLogger('silent'),
      () => undefined,
    );
    as.root = await ApiClient.login(base, 'root@corp.test', PASSWORD);
    for (const person of [
      { email: 'alice@corp.test', role: 'user' },
      { email: 'bob@other.test', role: 'user' },
      { email: 'dora@corp.test', role: 'domain_admin', domains: ['corp.test', 'corp2.test'] },
    ]) {
      const created = await as.root.request('/api/users', {
        method: 'POST',
        json: { ...person, password: PASSWORD },
      });
      expect(created.status, created.text).toBe(201);
      as[person.email.split('@')[0]!] = await ApiClient.login(base, person.email, PASSWORD);
    }
  });
  afterAll(async () => {
    await server?.close();
    await reinject?.stop();
    await relay?.stop();
    await dir?.cleanup();
  });

  it('a person sets their own schedule; what they leave out comes from their domain, then the global default', async () => {
    const start = await as.alice!.request('/api/digest/settings');
    expect(start.body).toMatchObject({
      own: {},
      domain: 'corp.test',
      effective: { frequency: 'never', hour: 8, weekday: 1, timeZone: 'UTC' },
      receives: false,
      lastSentAt: null,
    });
    expect(
      (
        await as.root!.request('/api/digest/defaults/global', {
          method: 'PUT',
          json: { frequency: 'weekly', weekday: 5 },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await as.dora!.request('/api/digest/defaults/domains/corp.test', {
          method: 'PUT',
          json: { frequency: 'daily', hour: 7 },
        })
      ).status,
    ).toBe(200);
    const inherited = await as.alice!.request('/api/digest/settings');
    expect(inherited.body).toMatchObject({
      effective: { frequency: 'daily', hour: 7, weekday: 5, timeZone: 'UTC' },
      receives: true,
    });
    const bob = await as.bob!.request('/api/digest/settings');
    expect(bob.body).toMatchObject({
      domain: 'other.test',
      effective: { frequency: 'weekly', weekday: 5, hour: 8 },
    });

    const own = await as.alice!.request('/api/digest/settings', {
      method: 'PUT',
      json: { timeZone: 'Asia/Kolkata', hour: 21 },
    });
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({
      own: { timeZone: 'Asia/Kolkata', hour: 21 },
      effective: { frequency: 'daily', hour: 21, timeZone: 'Asia/Kolkata' },
    });
    const never = await as.alice!.request('/api/digest/settings', {
      method: 'PUT',
      json: { frequency: 'never' },
    });
    expect(never.body).toMatchObject({ receives: false });
    const reset = await as.alice!.request('/api/digest/settings', { method: 'DELETE' });
    expect(reset.body).toMatchObject({ own: {}, effective: { frequency: 'daily', hour: 7 } });

    const defaults = await as.dora!.request('/api/digest/defaults');
    expect(defaults.body).toMatchObject({
      global: { domain: null, schedule: { frequency: 'weekly', weekday: 5 } },
      domains: [
        { domain: 'corp.test', schedule: { frequency: 'daily', hour: 7 }, updatedBy: 'dora@corp.test' },
      ],
    });
    const audit = await as.root!.request('/api/audit?action=digest.settings');
    expect((audit.body as { entries: unknown[] }).entries.length).toBe(5);
  });

  it('refuses bad schedules and defaults one may not set, with clear errors', async () => {
    const bad = async (client: ApiClient, path: string, json: unknown, status: number, code: string) => {
      const answer = await client.request(path, { method: 'PUT', json });
      expect(answer.status, `${path} ${JSON.stringify(json)}: ${answer.text}`).toBe(status);
      expect(answer.body).toMatchObject({ error: { code } });
      return answer;
    };
    const zone = await bad(
      as.alice!,
      '/api/digest/settings',
      { timeZone: 'Mars/Olympus' },
      400,
      'validation_error',
    );
    expect(zone.text).toContain('Unknown time zone');
    await bad(as.alice!, '/api/digest/settings', { hour: 24 }, 400, 'validation_error');
    await bad(as.alice!, '/api/digest/settings', { frequency: 'monthly' }, 400, 'validation_error');
    await bad(as.alice!, '/api/digest/settings', { domains: ['corp.test'] }, 400, 'validation_error');
    await bad(
      as.dora!,
      '/api/digest/settings',
      { frequency: 'daily', domains: ['elsewhere.test'] },
      400,
      'validation_error',
    );
    await bad(as.alice!, '/api/digest/defaults/global', { frequency: 'daily' }, 403, 'insufficient_scope');
    await bad(as.dora!, '/api/digest/defaults/global', { frequency: 'daily' }, 403, 'forbidden');
    await bad(as.dora!, '/api/digest/defaults/domains/other.test', { frequency: 'daily' }, 403, 'forbidden');
    await bad(
      as.root!,
      '/api/digest/defaults/domains/corp.test',
      { domains: ['x.test'] },
      400,
      'validation_error',
    );
    expect(
      (
        await as.dora!.request('/api/digest/settings', {
          method: 'PUT',
          json: { frequency: 'daily', domains: ['corp2.test'] },
        })
      ).body,
    ).toMatchObject({
      receives: true,
      copyOf: ['corp2.test'],
    });
  });

  it('"report as spam" with learning off says so; someone else\'s item is not found', async () => {
    const raw = message({
      from: 'x@spam.example',
      to: 'alice@corp.test',
      subject: 'report me',
      headers: ['X-Spam-Flag: YES'],
    });
    expect(
      (await sendRaw(server.smtpAddress.port, { from: 'x@spam.example', to: ['alice@corp.test'] }, raw)).code,
    ).toBe(250);
    const [item] = (await server.context.items.listItems({ subject: 'report me' }, { limit: 1 })).items;
    const mine = await as.alice!.request(`/api/quarantine/${item!.id}/report-spam`, { method: 'POST' });
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ learning: 'disabled' });
    expect(
      (await as.bob!.request(`/api/quarantine/${item!.id}/report-spam`, { method: 'POST' })).status,
    ).toBe(404);
  });

  it('never holds a digest it sent itself: it passes the filter; a forged or misdirected seal does not', async () => {
    const seal = server.context.links.sealDigest('alice@corp.test', new Date());
    const digest = (to: string, value: string, subject: string) =>
      message({
        from: 'quarantine@corp.test',
        to,
        subject,
        headers: [`X-Lazaret-Digest: ${value}`, 'X-Spam-Flag: YES'],
      });
    const before = reinject.deliveries.length;
    const own = await sendRaw(
      server.smtpAddress.port,
      { from: 'quarantine@corp.test', to: ['alice@corp.test'] },
      digest('alice@corp.test', seal, 'own digest'),
    );
    expect(own.code).toBe(250);
    expect(reinject.deliveries.slice(before).some((mail) => mail.raw.includes('own digest'))).toBe(true);
    const held = async (subject: string) =>
      (await server.context.items.listItems({ subject }, { limit: 1 })).items.length;
    expect(await held('own digest')).toBe(0);

    await sendRaw(
      server.smtpAddress.port,
      { from: 'quarantine@corp.test', to: ['bob@other.test'] },
      digest('bob@other.test', seal, 'moved seal'),
    );
    expect(await held('moved seal')).toBe(1);
    await sendRaw(
      server.smtpAddress.port,
      { from: 'quarantine@corp.test', to: ['alice@corp.test'] },
      digest('alice@corp.test', seal.replace(/s=.{5}/, 's=AAAAA'), 'forged seal'),
    );
    expect(await held('forged seal')).toBe(1);
  });

  it('in capture mode a returning digest is refused as a loop instead of being held', async () => {
    const capture = await startServer(
      testConfig({
        ...env,
        LAZARET_MODE: 'capture',
        LAZARET_DATA_DIR: `${dir.path}/capture`,
        LAZARET_SMTP_PORT: 0,
        LAZARET_HTTP_PORT: 0,
      }),
      createLogger('silent'),
      () => undefined,
    );
    try {
      const seal = capture.context.links.sealDigest('alice@corp.test', new Date());
      const raw = message({ to: 'alice@corp.test', subject: 'loop', headers: [`X-Lazaret-Digest: ${seal}`] });
      const outcome = await sendRaw(
        capture.smtpAddress.port,
        { from: 'quarantine@corp.test', to: ['alice@corp.test'] },
        raw,
      );
      expect(outcome).toMatchObject({ ok: false, code: 554 });
      expect(outcome.reply).toMatch(/^554 5\.4\.6 This is a digest Lazaret sent itself; /);
      expect((await capture.context.items.listItems({ subject: 'loop' }, { limit: 1 })).items).toEqual([]);
    } finally {
      await capture.close();
    }
  });

  it('a link of someone who may only request release asks an administrator instead', async () => {
    const created = await as.root!.request('/api/users', {
      method: 'POST',
      json: { email: 'carol@corp.test', role: 'user', password: PASSWORD, releaseMode: 'request' },
    });
    const carolId = (created.body as { user: { id: string } }).user.id;
    const raw = message({
      from: 'x@spam.example',
      to: 'carol@corp.test',
      subject: 'for carol',
      headers: ['X-Spam-Flag: YES'],
    });
    await sendRaw(server.smtpAddress.port, { from: 'x@spam.example', to: ['carol@corp.test'] }, raw);
    const [item] = (await server.context.items.listItems({ subject: 'for carol' }, { limit: 1 })).items;
    const token = server.context.links.sign({
      action: 'release',
      userId: carolId,
      itemIds: [item!.id],
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    const page = await fetch(`${base()}/link/${token}`);
    expect(await page.text()).toContain(
      'You may not release it yourself: an administrator will be asked to release it.',
    );
    const confirmed = await fetch(`${base()}/link/${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'confirm=yes',
    });
    expect(await confirmed.text()).toContain('Release requested: an administrator will decide.');
    expect((await server.context.items.getItem(item!.id))?.status).toBe('release_requested');
    expect(relay.deliveries).toHaveLength(0);
    const again = await fetch(`${base()}/link/${token}`);
    expect(await again.text()).toContain('Release of this message was requested already.');
  });

  it('"release all" releases every listed item once (through the bulk engine) and reports the rest', async () => {
    const me = (await as.bob!.request('/api/auth/me')).body as { user: { id: string } };
    const ids: string[] = [];
    for (const subject of ['all one', 'all two', 'all three', 'all four']) {
      const raw = message({
        from: 'x@spam.example',
        to: 'bob@other.test',
        subject,
        headers: ['X-Spam-Flag: YES'],
      });
      await sendRaw(server.smtpAddress.port, { from: 'x@spam.example', to: ['bob@other.test'] }, raw);
      ids.push((await server.context.items.listItems({ subject }, { limit: 1 })).items[0]!.id);
    }
    // Deleted before the link is used: reported, not released.
    expect((await as.bob!.request(`/api/quarantine/${ids[3]}`, { method: 'DELETE' })).status).toBe(200);
    const token = server.context.links.sign({
      action: 'release_all',
      userId: me.user.id,
      itemIds: ids,
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    const page = await (await fetch(`${base()}/link/${token}`)).text();
    expect(page).toContain('Release 4 held messages?');
    expect(page).toContain('Release 3 messages');
    const before = relay.deliveries.length;
    const post = () =>
      fetch(`${base()}/link/${token}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'confirm=yes',
      }).then((response) => response.text());
    const done = await post();
    expect(done).toContain('Done: 3 of 4');
    expect(done.match(/Released: delivered to bob@other.test\./g)).toHaveLength(3);
    expect(done).toContain('It was deleted already.');
    expect(relay.deliveries.length - before).toBe(3);
    const again = await post();
    expect(again).toContain('Done: 0 of 4');
    expect(relay.deliveries.length - before).toBe(3);
    for (const id of ids.slice(0, 3))
      expect((await server.context.items.getItem(id))?.status).toBe('released');
    const audit = await as.root!.request(`/api/audit?itemId=${ids[0]}&action=item.release`);
    // The second time nothing was attempted: the page said so; the log has the one release.
    const outcomes = (audit.body as { entries: { outcome: string }[] }).entries.map((each) => each.outcome);
    expect(outcomes).toEqual(['ok']);
  });

  it('lazaret digest send --dry-run prints the digest and changes nothing; without it, it sends', async () => {
    const digests = () => relay.deliveries.filter((mail) => mail.raw.includes('X-Lazaret-Digest:'));
    const dry = await runCli(env, ['digest', 'send', '--user', 'alice@corp.test', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('To: alice@corp.test');
    expect(dry.stdout).toMatch(/Subject: Quarantine digest: \d+ messages? held for you/);
    expect(dry.stdout).toContain('Subject: report me');
    expect(dry.stdout).toContain('https://quarantine.corp.test/link/');
    expect(dry.stderr).toContain('nothing was sent or recorded');
    const html = await runCli(env, ['digest', 'send', '--user', 'alice@corp.test', '--dry-run', '--html']);
    expect(html.stdout).toContain('<table');
    const raw = await runCli(env, ['digest', 'send', '--user', 'alice@corp.test', '--dry-run', '--raw']);
    expect(raw.stdout).toContain('X-Lazaret-Digest: v=1;');
    expect(raw.stdout).toContain('Content-Type: multipart/alternative');
    expect(digests()).toHaveLength(0);
    expect((await as.alice!.request('/api/digest/settings')).body).toMatchObject({ lastSentAt: null });

    const sent = await runCli(env, ['digest', 'send', '--user', 'alice@corp.test']);
    expect(sent.code, sent.stderr).toBe(0);
    expect(digests()).toHaveLength(1);
    expect(digests()[0]!.rcptTo).toEqual(['alice@corp.test']);
    expect(digests()[0]!.mailFrom).toBe('lazaret@localhost');
    const again = await runCli(env, ['digest', 'send', '--user', 'alice@corp.test']);
    expect(again.stderr).toContain('Nothing new is held for alice@corp.test');
    expect(digests()).toHaveLength(1);
    const unknown = await runCli(env, ['digest', 'send', '--user', 'nobody@corp.test', '--dry-run']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No user nobody@corp.test');
    const root = await runCli(env, ['digest', 'send', '--user', 'root@corp.test']);
    expect(root.code).toBe(1);
    expect(root.stderr).toContain('has no addresses or domains');
  });
  it("lazaret digest schedule sets and shows a person's own, a domain's and the global schedule", async () => {
    const domain = await runCli(env, [
      'digest',
      'schedule',
      '--domain',
      'Other.test',
      '--frequency',
      'daily',
      '--hour',
      '7',
    ]);
    expect(domain.code, domain.stderr).toBe(0);
    expect(domain.stdout).toContain('other.test: {"frequency":"daily","hour":7}');
    const own = await runCli(env, [
      'digest',
      'schedule',
      '--user',
      'bob@other.test',
      '--time-zone',
      'Asia/Kolkata',
    ]);
    expect(own.code, own.stderr).toBe(0);
    expect(own.stdout).toContain('bob@other.test receives digests daily at 07:00 (Asia/Kolkata).');
    expect((await as.bob!.request('/api/digest/settings')).body).toMatchObject({
      own: { timeZone: 'Asia/Kolkata' },
      effective: { frequency: 'daily', hour: 7, timeZone: 'Asia/Kolkata' },
      receives: true,
    });
    const audit = await as.root!.request('/api/audit?action=digest.settings&actor=cli');
    expect((audit.body as { entries: unknown[] }).entries.length).toBeGreaterThanOrEqual(2);

    const cleared = await runCli(env, ['digest', 'schedule', '--user', 'bob@other.test', '--clear']);
    expect(cleared.stdout).toContain('bob@other.test receives digests daily at 07:00 (UTC).');
    const admin = await runCli(env, [
      'digest',
      'schedule',
      '--user',
      'root@corp.test',
      '--frequency',
      'daily',
    ]);
    expect(admin.stdout).toContain(
      'root@corp.test receives no digest (no domains to copy: choose them with --domains).',
    );
    const copies = await runCli(env, [
      'digest',
      'schedule',
      '--user',
      'root@corp.test',
      '--domains',
      'corp.test',
    ]);
    // The hour comes from the global default an earlier test set.
    expect(copies.stdout).toMatch(
      /root@corp\.test receives digests daily at \d\d:00 \(UTC\), copies for corp\.test\./,
    );
    await runCli(env, ['digest', 'schedule', '--user', 'root@corp.test', '--clear']);
    await runCli(env, ['digest', 'schedule', '--domain', 'other.test', '--clear']);

    for (const [args, message] of [
      [['--global', '--frequency', 'sometimes'], '--frequency must be one of never, hourly, daily, weekly'],
      [['--global', '--hour', '24'], 'hour must be a whole number from 0 to 23'],
      [['--global', '--time-zone', 'Mars/Olympus'], 'Unknown time zone'],
      [['--frequency', 'daily'], 'Give exactly one of --user EMAIL, --domain DOMAIN, --global'],
    ] as const) {
      const refused = await runCli(env, ['digest', 'schedule', ...args]);
      expect(refused.code, args.join(' ')).toBe(1);
      expect(refused.stderr).toContain(message);
    }
  });
});
