import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OfferedAction } from '../../src/auth/access-policy.js';
import { hashSecret, newSecret, TOKEN_PREFIX } from '../../src/auth/secrets.js';
import type { ReleaseMode, Role } from '../../src/core/actor.js';
import { newId } from '../../src/core/ids.js';
import type { ItemStatus, QuarantineItem, Reason } from '../../src/core/types.js';
import { type RunningServer, startServer } from '../../src/server.js';
import type { AuditEntry } from '../../src/store/audit-store.js';
import { FsBlobStore } from '../../src/store/fs/fs-blob-store.js';
import { SqliteAuditStore } from '../../src/store/sqlite/sqlite-audit-store.js';
import { openSqliteDatabase } from '../../src/store/sqlite/sqlite-database.js';
import { SqliteItemStore } from '../../src/store/sqlite/sqlite-item-store.js';
import { SqliteUserStore } from '../../src/store/sqlite/sqlite-user-store.js';
import { ApiClient } from '../support/api-client.js';
import { buildItems, buildMessage } from '../support/builders.js';
import { Downstream } from '../support/downstream.js';
import { tempDir, testConfig } from '../support/env.js';
import { message } from '../support/mail.js';
import { memoryLogger } from '../support/memory-logger.js';
import { runCli, ServeProcess } from '../support/serve-process.js';

const WHO = [
  'anonymous',
  'userA',
  'userB',
  'domainAdminA',
  'domainAdminOther',
  'admin',
  'readToken',
  'revokedToken',
  'expiredToken',
] as const;
type Who = (typeof WHO)[number];
type Expect = Record<Who, number>;

const PEOPLE = {
  admin: { email: 'admin@corp.test', password: 'matrix-admin-password' },
  userA: { email: 'alice@corp.test', password: 'alice-password-1' },
  userB: { email: 'bob@corp.test', password: 'bob-password-22' },
  domainAdminA: { email: 'dora@corp.test', password: 'dora-password-333' },
  domainAdminOther: { email: 'otto@other.test', password: 'otto-password-4444' },
} as const;
const ALICE_ADDRESSES = ['alice@corp.test', 'alice.alias@corp.test'];

/** Who may see an item, by the rule the policy states: recipients for users, tenants for domain admins. */
function visible(who: Who, item: QuarantineItem): boolean {
  switch (who) {
    case 'admin':
      return true;
    case 'userA':
    case 'readToken':
      return ALICE_ADDRESSES.includes(item.recipient);
    case 'userB':
      return item.recipient === 'bob@corp.test';
    case 'domainAdminA':
      return item.tenant === 'corp.test';
    case 'domainAdminOther':
      return item.tenant === 'other.test';
    default:
      return false;
  }
}

const UNAUTHENTICATED = { anonymous: 401, revokedToken: 401, expiredToken: 401 } as const;

describe('access matrix: every route × every kind of caller', () => {
  let dataDir: string;
  let downstream: Downstream;
  let serve: ServeProcess;
  let env: Record<string, string>;
  let db: ReturnType<typeof openSqliteDatabase>;
  let items: SqliteItemStore;
  let users: SqliteUserStore;
  let auditStore: SqliteAuditStore;
  const clients = {} as Record<Who, ApiClient>;
  /** The audit actor id of each caller: the user id for sessions, the token id for tokens. */
  const actorIds = {} as Record<Who, string>;
  const userIds = {} as Record<string, string>;
  /** Every secret handed out, to look for in the logs at the end. */
  const secrets: string[] = Object.values(PEOPLE).map((person) => person.password);
  const all: QuarantineItem[] = [];
  const mine = {} as Record<string, Record<Who, QuarantineItem>>;
  const bobTokens = {} as Record<Who, string>;
  const base = () => serve.baseUrl;

  async function seedItem(recipient: string, reason: Reason = 'spam', status: ItemStatus = 'quarantined') {
    const raw = Buffer.from(`From: spammer@bad.test\r\nTo: ${recipient}\r\nSubject: offer\r\n\r\nBuy.\r\n`);
    const message = buildMessage({
      receivedAt: new Date().toISOString(),
      size: raw.length,
      envelope: { mailFrom: 'spammer@bad.test', rcptTo: [recipient] },
    });
    const [item] = buildItems(message, [recipient], { reason, status });
    await new FsBlobStore(join(dataDir, 'blobs')).put(message.blobKey, raw);
    await items.putMessage(message, [item!]);
    all.push(item!);
    return item!;
  }

  async function cli(args: string[], input?: string) {
    const result = await runCli({ LAZARET_DATA_DIR: dataDir }, args, input);
    expect(result.code, result.stderr).toBe(0);
    return result;
  }

  async function auditEntries(): Promise<AuditEntry[]> {
    const entries: AuditEntry[] = [];
    let cursor: string | undefined;
    do {
      const page = await auditStore.listAudit({}, { limit: 500, cursor });
      entries.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return entries;
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lazaret-matrix-'));
    downstream = await new Downstream().start();
    env = {
      LAZARET_DATA_DIR: dataDir,
      LAZARET_RELAY_PORT: String(downstream.port),
      LAZARET_RELAY_TLS: 'none',
      LAZARET_ADMIN_EMAIL: PEOPLE.admin.email,
      LAZARET_ADMIN_PASSWORD: PEOPLE.admin.password,
      LAZARET_LOG_LEVEL: 'trace',
      LAZARET_LOG_HTTP_LEVEL: 'info',
      LAZARET_TOKEN_REQUESTS_PER_MINUTE: '40',
    };
    serve = await new ServeProcess(env).start();
    db = openSqliteDatabase(join(dataDir, 'lazaret.sqlite'));
    items = new SqliteItemStore({ db });
    users = new SqliteUserStore(db);
    auditStore = new SqliteAuditStore(db);

    await Promise.all([
      cli(
        ['user', 'add', PEOPLE.userA.email, '--role', 'user', '--password-stdin', '--name', 'Alice'].concat(
          ALICE_ADDRESSES.flatMap((address) => ['--address', address]),
        ),
        PEOPLE.userA.password,
      ),
      cli(['user', 'add', PEOPLE.userB.email, '--password-stdin'], PEOPLE.userB.password),
      cli(
        [
          'user',
          'add',
          PEOPLE.domainAdminA.email,
          '--role',
          'domain_admin',
          '--domain',
          'corp.test',
          '--password-stdin',
        ],
        PEOPLE.domainAdminA.password,
      ),
      cli(
        [
          'user',
          'add',
          PEOPLE.domainAdminOther.email,
          '--role',
          'domain_admin',
          '--domain',
          'other.test',
          '--password-stdin',
        ],
        PEOPLE.domainAdminOther.password,
      ),
    ]);
    for (const person of Object.values(PEOPLE))
      userIds[person.email] = (await users.getUserByEmail(person.email))!.id;

    const readToken = (
      await cli(['token', 'create', '--user', PEOPLE.userA.email, '--scope', 'read', '--expires', '1d'])
    ).stdout.trim();
    const revoked = await cli(['token', 'create', '--user', PEOPLE.userA.email, '--scope', 'release']);
    const revokedId = /Token (\S+)/.exec(revoked.stderr)![1]!;
    await cli(['token', 'revoke', revokedId]);
    const expiredSecret = newSecret(TOKEN_PREFIX);
    const expiredId = newId();
    await users.createToken({
      id: expiredId,
      userId: userIds[PEOPLE.userA.email]!,
      name: 'expired',
      scope: 'release',
      secretHash: hashSecret(expiredSecret),
      createdAt: '2026-01-01T00:00:00.000Z',
      expiresAt: '2026-01-02T00:00:00.000Z',
      lastUsedAt: null,
      revokedAt: null,
    });
    secrets.push(readToken, revoked.stdout.trim(), expiredSecret);

    clients.anonymous = new ApiClient(base);
    for (const who of ['userA', 'userB', 'domainAdminA', 'domainAdminOther', 'admin'] as const) {
      clients[who] = await ApiClient.login(base, PEOPLE[who].email, PEOPLE[who].password);
      actorIds[who] = userIds[PEOPLE[who].email]!;
      const credentials = clients[who].credentials as { cookie: string; csrfToken: string };
      secrets.push(credentials.cookie, credentials.csrfToken);
    }
    clients.readToken = ApiClient.bearer(base, readToken);
    clients.revokedToken = ApiClient.bearer(base, revoked.stdout.trim());
    clients.expiredToken = ApiClient.bearer(base, expiredSecret);
    actorIds.readToken = (await users.getTokenBySecretHash(hashSecret(readToken)))!.id;

    await seedItem('alice@corp.test');
    await seedItem('alice.alias@corp.test', 'phish');
    await seedItem('bob@corp.test');
    await seedItem('carl@other.test');
    for (const [name, reason, status] of [
      ['release', 'spam', 'quarantined'],
      ['malware', 'malware', 'quarantined'],
      ['delete', 'spam', 'quarantined'],
      ['request', 'spam', 'quarantined'],
      ['approve', 'spam', 'release_requested'],
      ['deny', 'spam', 'release_requested'],
    ] as const) {
      mine[name] = {} as Record<Who, QuarantineItem>;
      for (const who of WHO) mine[name][who] = await seedItem('alice@corp.test', reason, status);
    }
    for (const who of WHO) {
      const secret = newSecret(TOKEN_PREFIX);
      bobTokens[who] = newId();
      await users.createToken({
        id: bobTokens[who],
        userId: userIds[PEOPLE.userB.email]!,
        name: `for-${who}`,
        scope: 'read',
        secretHash: hashSecret(secret),
        createdAt: new Date().toISOString(),
        expiresAt: null,
        lastUsedAt: null,
        revokedAt: null,
      });
    }
  });

  afterAll(async () => {
    db?.close();
    await serve?.stop();
    await downstream?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  interface Cell {
    name: string;
    method?: string;
    path: (who: Who) => string;
    json?: (who: Who) => unknown;
    expect: Expect;
    /** The audit entry a successful call must leave: action and what it names. */
    audit?: (
      who: Who,
      body: unknown,
    ) => { action: string; itemId?: string; userId?: string; tokenId?: string };
    check?: (who: Who, body: unknown, text: string) => void;
    /** For item actions: the item the caller acts on. */
    item?: (who: Who) => QuarantineItem;
  }

  const bobId = () => userIds[PEOPLE.userB.email]!;
  const itemIds = (body: unknown) =>
    (body as { items: { id: string }[] }).items.map((item) => item.id).sort();

  const cells: Cell[] = [
    {
      name: 'GET /api/quarantine',
      path: () => '/api/quarantine?limit=500',
      expect: {
        ...UNAUTHENTICATED,
        userA: 200,
        userB: 200,
        domainAdminA: 200,
        domainAdminOther: 200,
        admin: 200,
        readToken: 200,
      },
      check: (who, body) =>
        expect(itemIds(body)).toEqual(
          all
            .filter((item) => visible(who, item))
            .map((item) => item.id)
            .sort(),
        ),
    },
    {
      name: "GET /api/quarantine/:id (A's item)",
      path: () => `/api/quarantine/${all[0]!.id}`,
      expect: {
        ...UNAUTHENTICATED,
        userA: 200,
        userB: 404,
        domainAdminA: 200,
        domainAdminOther: 404,
        admin: 200,
        readToken: 200,
      },
    },
    {
      name: "GET /api/quarantine/:id (A's alias)",
      path: () => `/api/quarantine/${all[1]!.id}`,
      expect: {
        ...UNAUTHENTICATED,
        userA: 200,
        userB: 404,
        domainAdminA: 200,
        domainAdminOther: 404,
        admin: 200,
        readToken: 200,
      },
    },
    {
      name: "GET /api/quarantine/:id (B's item)",
      path: () => `/api/quarantine/${all[2]!.id}`,
      expect: {
        ...UNAUTHENTICATED,
        userA: 404,
        userB: 200,
        domainAdminA: 200,
        domainAdminOther: 404,
        admin: 200,
        readToken: 404,
      },
    },
    {
      name: 'GET /api/quarantine/:id (other domain)',
      path: () => `/api/quarantine/${all[3]!.id}`,
      expect: {
        ...UNAUTHENTICATED,
        userA: 404,
        userB: 404,
        domainAdminA: 404,
        domainAdminOther: 200,
        admin: 200,
        readToken: 404,
      },
    },
    {
      name: "GET /api/quarantine/:id/raw (A's item)",
      path: () => `/api/quarantine/${all[0]!.id}/raw`,
      expect: {
        ...UNAUTHENTICATED,
        userA: 200,
        userB: 404,
        domainAdminA: 200,
        domainAdminOther: 404,
        admin: 200,
        readToken: 200,
      },
    },
    {
      name: 'GET /api/quarantine/:id/raw (other domain)',
      path: () => `/api/quarantine/${all[3]!.id}/raw`,
      expect: {
        ...UNAUTHENTICATED,
        userA: 404,
        userB: 404,
        domainAdminA: 404,
        domainAdminOther: 200,
        admin: 200,
        readToken: 404,
      },
    },
    {
      name: 'GET /api/auth/me',
      path: () => '/api/auth/me',
      expect: {
        ...UNAUTHENTICATED,
        userA: 200,
        userB: 200,
        domainAdminA: 200,
        domainAdminOther: 200,
        admin: 200,
        readToken: 200,
      },
      check: (who, body) => {
        const me = body as { user: { email: string }; scopes: string[]; kind: string };
        const email = who === 'readToken' ? PEOPLE.userA.email : PEOPLE[who as keyof typeof PEOPLE].email;
        expect(me.user.email).toBe(email);
        expect(me.scopes).toEqual(
          who === 'readToken'
            ? ['read']
            : who.startsWith('user')
              ? ['read', 'release']
              : ['read', 'release', 'admin'],
        );
      },
    },
    {
      name: 'GET /api/users',
      path: () => '/api/users?limit=500',
      expect: {
        ...UNAUTHENTICATED,
        userA: 403,
        userB: 403,
        domainAdminA: 200,
        domainAdminOther: 200,
        admin: 200,
        readToken: 403,
      },
      check: (who, body) => {
        const emails = (body as { users: { email: string }[] }).users.map((user) => user.email).sort();
        if (who === 'domainAdminA')
          expect(emails).toEqual(['alice@corp.test', 'bob@corp.test', 'dora@corp.test']);
        if (who === 'domainAdminOther') expect(emails).toEqual(['otto@other.test']);
        if (who === 'admin') expect(emails).toHaveLength(5);
      },
    },
    {
      name: 'GET /api/users/:id (B)',
      path: () => `/api/users/${bobId()}`,
      expect: {
        ...UNAUTHENTICATED,
        userA: 403,
        userB: 403,
        domainAdminA: 200,
        domainAdminOther: 404,
        admin: 200,
        readToken: 403,
      },
    },
    {
      name: 'GET /api/users/:id/digest-settings (B)',
      path: () => `/api/users/${bobId()}/digest-settings`,
      expect: {
        ...UNAUTHENTICATED,
        userA: 403,
        userB: 403,
        domainAdminA: 200,
        domainAdminOther: 404,
        admin: 200,
        readToken: 403,
      },
      check: (_who, body) => expect(body).toMatchObject({ domain: 'corp.test' }),
    },
    {
      name: 'GET /api/users/:id/tokens (B)',
      path: () => `/api/users/${bobId()}/tokens`,
      expect: {
        ...UNAUTHENTICATED,
        userA: 403,
        userB: 403,
        domainAdminA: 200,
        domainAdminOther: 404,
        admin: 200,
        readToken: 403,
      },
      check: (_who, _body, text) => expect(text).not.toMatch(/secret/i),
    },
    {
      name: 'GET /api/audit',
      path: () => '/api/audit?limit=500',
      expect: {
        ...UNAUTHENTICATED,
        userA: 403,
        userB: 403,
        domainAdminA: 200,
        domainAdminOther: 200,
        admin: 200,
        readToken: 403,
      },
      check: (who, body) => {
        const entries = (body as { entries: AuditEntry[] }).entries;
        expect(entries.length).toBeGreaterThan(0);
        if (who === 'domainAdminA') for (const entry of entries) expect(entry.tenants).toContain('corp.test');
        if (who === 'domainAdminOther')
          for (const entry of entries) expect(entry.tenants).toEqual(['other.test']);
      },
    },
    {
      name: 'GET /healthz, /readyz, /api/openapi.json (public)',
      path: () => '/readyz',
      expect: Object.fromEntries(WHO.map((who) => [who, 200])) as Expect,
    },
    {
      name: 'POST /api/quarantine/:id/release (spam)',
      method: 'POST',
      path: (who) => `/api/quarantine/${mine.release![who].id}/release`,
      expect: {
        ...UNAUTHENTICATED,
        userA: 200,
        userB: 404,
        domainAdminA: 200,
        domainAdminOther: 404,
        admin: 200,
        readToken: 403,
      },
      audit: (who) => ({ action: 'item.release', itemId: mine.release![who].id }),
      item: (who) => mine.release![who],
    },
    {
      name: 'POST /api/quarantine/:id/release (malware)',
      method: 'POST',
      path: (who) => `/api/quarantine/${mine.malware![who].id}/release`,
      expect: {
        ...UNAUTHENTICATED,
        userA: 403,
        userB: 404,
        domainAdminA: 403,
        domainAdminOther: 404,
        admin: 200,
        readToken: 403,
      },
      audit: (who) => ({ action: 'item.release', itemId: mine.malware![who].id }),
      item: (who) => mine.malware![who],
    },
    {
      name: 'DELETE /api/quarantine/:id',
      method: 'DELETE',
      path: (who) => `/api/quarantine/${mine.delete![who].id}`,
      expect: {
        ...UNAUTHENTICATED,
        userA: 200,
        userB: 404,
        domainAdminA: 200,
        domainAdminOther: 404,
        admin: 200,
        readToken: 403,
      },
      audit: (who) => ({ action: 'item.delete', itemId: mine.delete![who].id }),
      item: (who) => mine.delete![who],
    },
    {
      name: 'POST /api/quarantine/:id/request-release',
      method: 'POST',
      path: (who) => `/api/quarantine/${mine.request![who].id}/request-release`,
      json: () => ({ note: 'I know the sender' }),
      expect: {
        ...UNAUTHENTICATED,
        userA: 200,
        userB: 404,
        domainAdminA: 200,
        domainAdminOther: 404,
        admin: 200,
        readToken: 403,
      },
      audit: (who) => ({ action: 'item.release_request', itemId: mine.request![who].id }),
      item: (who) => mine.request![who],
      check: (_who, body) => expect(body).toMatchObject({ item: { status: 'release_requested' } }),
    },
    {
      name: 'POST /api/quarantine/:id/approve',
      method: 'POST',
      path: (who) => `/api/quarantine/${mine.approve![who].id}/approve`,
      expect: {
        ...UNAUTHENTICATED,
        userA: 403,
        userB: 404,
        domainAdminA: 200,
        domainAdminOther: 404,
        admin: 200,
        readToken: 403,
      },
      audit: (who) => ({ action: 'item.release_approve', itemId: mine.approve![who].id }),
      item: (who) => mine.approve![who],
      check: (_who, body) => expect(body).toMatchObject({ item: { status: 'released' } }),
    },
    {
      name: 'POST /api/quarantine/:id/deny',
      method: 'POST',
      path: (who) => `/api/quarantine/${mine.deny![who].id}/deny`,
      json: () => ({ reason: 'Really spam' }),
      expect: {
        ...UNAUTHENTICATED,
        userA: 403,
        userB: 404,
        domainAdminA: 200,
        domainAdminOther: 404,
        admin: 200,
        readToken: 403,
      },
      audit: (who) => ({ action: 'item.release_deny', itemId: mine.deny![who].id }),
      item: (who) => mine.deny![who],
      check: (_who, body) =>
        expect(body).toMatchObject({
          item: { status: 'quarantined', lastError: { code: 'release_denied', detail: 'Really spam' } },
        }),
    },
    {
      name: 'POST /api/users (a user of corp.test)',
      method: 'POST',
      path: () => '/api/users',
      json: (who) => ({
        email: `new-${who.toLowerCase()}@corp.test`,
        role: 'user',
        password: 'a-long-password',
      }),
      expect: {
        ...UNAUTHENTICATED,
        userA: 403,
        userB: 403,
        domainAdminA: 201,
        domainAdminOther: 403,
        admin: 201,
        readToken: 403,
      },
      audit: (_who, body) => ({ action: 'user.create', userId: (body as { user: { id: string } }).user.id }),
    },
    {
      name: 'PATCH /api/users/:id (B)',
      method: 'PATCH',
      path: () => `/api/users/${bobId()}`,
      json: (who) => ({ displayName: `Bob, renamed by ${who}` }),
      expect: {
        ...UNAUTHENTICATED,
        userA: 403,
        userB: 403,
        domainAdminA: 200,
        domainAdminOther: 404,
        admin: 200,
        readToken: 403,
      },
      audit: () => ({ action: 'user.update', userId: bobId() }),
    },
    {
      name: 'PUT /api/users/:id/digest-settings (B)',
      method: 'PUT',
      path: () => `/api/users/${bobId()}/digest-settings`,
      json: () => ({ frequency: 'weekly' }),
      expect: {
        ...UNAUTHENTICATED,
        userA: 403,
        userB: 403,
        domainAdminA: 200,
        domainAdminOther: 404,
        admin: 200,
        readToken: 403,
      },
      audit: () => ({ action: 'digest.settings', userId: bobId() }),
      check: (_who, body) => expect(body).toMatchObject({ own: { frequency: 'weekly' } }),
    },
    {
      name: 'POST /api/users/:id/tokens (B)',
      method: 'POST',
      path: () => `/api/users/${bobId()}/tokens`,
      json: (who) => ({ scope: 'read', name: `by-${who}`, expires: '1d' }),
      expect: {
        ...UNAUTHENTICATED,
        userA: 403,
        userB: 403,
        domainAdminA: 201,
        domainAdminOther: 404,
        admin: 201,
        readToken: 403,
      },
      audit: (_who, body) => ({
        action: 'token.create',
        tokenId: (body as { token: { id: string } }).token.id,
      }),
      check: (_who, body) => secrets.push((body as { secret: string }).secret),
    },
    {
      name: 'DELETE /api/tokens/:id (a token of B)',
      method: 'DELETE',
      path: (who) => `/api/tokens/${bobTokens[who]}`,
      expect: {
        ...UNAUTHENTICATED,
        userA: 403,
        userB: 403,
        domainAdminA: 200,
        domainAdminOther: 404,
        admin: 200,
        readToken: 403,
      },
      audit: (who) => ({ action: 'token.revoke', tokenId: bobTokens[who] }),
    },
    {
      name: 'POST /api/auth/logout',
      method: 'POST',
      path: () => '/api/auth/logout',
      expect: {
        ...UNAUTHENTICATED,
        userA: 204,
        userB: 204,
        domainAdminA: 204,
        domainAdminOther: 204,
        admin: 204,
        readToken: 400,
      },
      audit: (who) => ({ action: 'auth.logout', userId: actorIds[who] }),
    },
  ];

  const results: { cell: Cell; who: Who; status: number; body: unknown }[] = [];

  it('answers every route with the exact status for every caller, and never shows a foreign item', async () => {
    const mismatches: string[] = [];
    for (const cell of cells) {
      for (const who of WHO) {
        const answer = await clients[who].request(cell.path(who), {
          method: cell.method ?? 'GET',
          ...(cell.json ? { json: cell.json(who) } : {}),
        });
        results.push({ cell, who, status: answer.status, body: answer.body });
        if (answer.status !== cell.expect[who]) {
          mismatches.push(
            `${cell.name} as ${who}: ${answer.status} (expected ${cell.expect[who]}) ${answer.text.slice(0, 200)}`,
          );
          continue;
        }
        for (const item of all) {
          if (!visible(who, item) && answer.text.includes(item.id)) {
            mismatches.push(`${cell.name} as ${who}: body names foreign item ${item.id} (${item.recipient})`);
          }
        }
        if (answer.status < 300) cell.check?.(who, answer.body, answer.text);
        if (answer.status === 401) expect(answer.body).toMatchObject({ error: { code: 'unauthenticated' } });
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('tells why with stable codes: insufficient_scope for a read token, forbidden for malware', () => {
    const find = (name: string, who: Who) =>
      results.find((each) => each.cell.name === name && each.who === who)!;
    expect(find('POST /api/quarantine/:id/release (spam)', 'readToken').body).toMatchObject({
      error: { code: 'insufficient_scope', details: { required: 'release' } },
    });
    expect(find('POST /api/quarantine/:id/release (malware)', 'userA').body).toMatchObject({
      error: { code: 'forbidden', details: { canRequest: true } },
    });
    expect(find("GET /api/quarantine/:id (B's item)", 'userA').body).toEqual({
      error: { code: 'not_found', message: 'No such item.' },
    });
  });

  it('left exactly one audit entry, with the right actor, for every action that succeeded', async () => {
    const entries = await auditEntries();
    const problems: string[] = [];
    for (const { cell, who, status, body } of results) {
      if (!cell.audit || status >= 300) continue;
      const want = cell.audit(who, body);
      const matches = (entry: AuditEntry) =>
        entry.action === want.action &&
        entry.outcome === 'ok' &&
        (want.itemId === undefined || (entry.target.itemIds ?? []).includes(want.itemId)) &&
        (want.userId === undefined || entry.target.userId === want.userId) &&
        (want.tokenId === undefined || entry.target.tokenId === want.tokenId);
      const byActor = entries.filter((entry) => matches(entry) && entry.actor.id === actorIds[who]);
      if (byActor.length !== 1)
        problems.push(`${cell.name} as ${who}: ${byActor.length} entries by the actor`);
      if (want.itemId !== undefined && entries.filter(matches).length !== 1) {
        problems.push(`${cell.name} as ${who}: ${entries.filter(matches).length} entries for the item`);
      }
      if (byActor[0] && byActor[0].ip !== '127.0.0.1')
        problems.push(`${cell.name} as ${who}: ip ${byActor[0].ip}`);
    }
    // Nothing that failed was recorded as done.
    for (const { cell, who, status } of results) {
      if (!cell.item || status < 300) continue;
      const itemId = cell.item(who).id;
      const done = entries.filter(
        (entry) => entry.outcome === 'ok' && (entry.target.itemIds ?? []).includes(itemId),
      );
      if (done.length > 0) problems.push(`${cell.name} as ${who}: refused, but audited as ok`);
    }
    for (const who of ['userA', 'userB', 'domainAdminA', 'domainAdminOther', 'admin'] as const) {
      const logins = entries.filter(
        (entry) =>
          entry.action === 'auth.login' && entry.outcome === 'ok' && entry.actor.id === actorIds[who],
      );
      if (logins.length !== 1) problems.push(`${who}: ${logins.length} login entries`);
    }
    expect(problems).toEqual([]);
    const denied = entries.filter((entry) => entry.outcome === 'denied' && entry.action === 'item.release');
    expect(denied.map((entry) => entry.actor.id).sort()).toEqual(
      [actorIds.userA, actorIds.domainAdminA].sort(),
    );
  });

  it('filters the audit log and pages through it with a cursor', async () => {
    const admin = await ApiClient.login(base, PEOPLE.admin.email, PEOPLE.admin.password);
    const credentials = admin.credentials as { cookie: string; csrfToken: string };
    secrets.push(credentials.cookie, credentials.csrfToken);
    const deletes = (await admin.request('/api/audit?action=item.delete&limit=500')).body as {
      entries: AuditEntry[];
    };
    expect(deletes.entries.map((entry) => entry.target.itemIds![0]).sort()).toEqual(
      (['userA', 'domainAdminA', 'admin'] as const).map((who) => mine.delete![who].id).sort(),
    );
    const byDora = (
      await admin.request(`/api/audit?actor=${actorIds.domainAdminA}&itemId=${mine.approve!.domainAdminA.id}`)
    ).body as { entries: AuditEntry[] };
    expect(byDora.entries.map((entry) => entry.action)).toEqual(['item.release_approve']);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page = (await admin.request(`/api/audit?action=item.release&limit=2${query}`)).body as {
        entries: AuditEntry[];
        nextCursor: string | null;
      };
      expect(page.entries.length).toBeLessThanOrEqual(2);
      seen.push(...page.entries.map((entry) => entry.id));
      cursor = page.nextCursor;
    } while (cursor);
    const all = (await auditEntries()).filter((entry) => entry.action === 'item.release');
    expect(seen).toEqual(all.map((entry) => entry.id));
    expect(seen.length).toBeGreaterThan(4);
    const future = (await admin.request('/api/audit?after=2999-01-01T00:00:00Z')).body as {
      entries: unknown[];
    };
    expect(future.entries).toEqual([]);
    expect((await admin.request('/api/audit?cursor=garbage')).body).toMatchObject({
      error: { code: 'bad_cursor' },
    });
  });

  it('refuses a signed-out session on the server, wherever its cookie is replayed', async () => {
    for (const who of ['userA', 'admin'] as const) {
      expect((await clients[who].request('/api/auth/me')).status).toBe(401);
    }
  });

  it('refuses a cookie POST without the CSRF token and accepts it with the token', async () => {
    const item = await seedItem('alice@corp.test');
    const alice = await ApiClient.login(base, PEOPLE.userA.email, PEOPLE.userA.password);
    const credentials = alice.credentials as { cookie: string; csrfToken: string };
    secrets.push(credentials.cookie, credentials.csrfToken);
    const path = `/api/quarantine/${item.id}/request-release`;

    const without = await alice.request(path, { method: 'POST', withoutCsrf: true });
    expect(without.status).toBe(403);
    expect(without.body).toMatchObject({ error: { code: 'csrf_failed' } });
    const wrong = await alice.request(path, {
      method: 'POST',
      withoutCsrf: true,
      headers: { 'x-csrf-token': 'guess' },
    });
    expect(wrong.status).toBe(403);
    const deleteWithout = await alice.request(`/api/quarantine/${item.id}`, {
      method: 'DELETE',
      withoutCsrf: true,
    });
    expect(deleteWithout.status).toBe(403);
    expect((await items.getItem(item.id))?.status).toBe('quarantined');

    const withToken = await alice.request(path, { method: 'POST' });
    expect(withToken.status).toBe(200);
    expect(withToken.body).toMatchObject({ item: { status: 'release_requested' } });
    // Reads need no CSRF token, and the requested item shows in the status filter.
    const waiting = await alice.request('/api/quarantine?status=release_requested');
    expect(itemIds(waiting.body)).toContain(item.id);
  });

  it('limits a brute-force run on one account while another account still signs in', async () => {
    const anonymous = new ApiClient(base);
    const statuses: number[] = [];
    let last: Awaited<ReturnType<ApiClient['request']>> | undefined;
    for (let attempt = 0; attempt < 50; attempt += 1) {
      last = await anonymous.request('/api/auth/login', {
        method: 'POST',
        json: { email: PEOPLE.userB.email, password: `wrong-${attempt}` },
      });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(40).fill(429));
    expect(last!.body).toMatchObject({ error: { code: 'rate_limited' } });
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);

    const rightPassword = await anonymous.request('/api/auth/login', {
      method: 'POST',
      json: { email: PEOPLE.userB.email, password: PEOPLE.userB.password },
    });
    expect(rightPassword.status).toBe(429);
    const other = await ApiClient.login(base, PEOPLE.domainAdminA.email, PEOPLE.domainAdminA.password);
    expect((await other.request('/api/auth/me')).status).toBe(200);
    secrets.push(...Object.values(other.credentials).filter((value) => value.length > 20));

    const failures = (await auditEntries()).filter(
      (entry) =>
        entry.action === 'auth.login' && entry.outcome !== 'ok' && entry.actor.label === PEOPLE.userB.email,
    );
    expect(failures.filter((entry) => entry.outcome === 'failed')).toHaveLength(10);
    expect(failures.filter((entry) => entry.outcome === 'denied')).toHaveLength(41);
    expect(failures.every((entry) => entry.actor.kind === 'anonymous')).toBe(true);
  });

  it('limits the requests of one API token per minute', async () => {
    const created = await cli(['token', 'create', '--user', PEOPLE.userB.email, '--scope', 'read']);
    const token = created.stdout.trim();
    secrets.push(token);
    const client = ApiClient.bearer(base, token);
    for (let request = 0; request < 40; request += 1) {
      expect((await client.request('/api/auth/me')).status).toBe(200);
    }
    const over = await client.request('/api/auth/me');
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ error: { code: 'rate_limited' } });
    expect((await clients.readToken.request('/api/auth/me')).status).toBe(200);
    const record = await users.getTokenBySecretHash(hashSecret(token));
    expect(record?.lastUsedAt).not.toBeNull();
  });

  it('never writes a password, a token, a session cookie or a CSRF token to the log', async () => {
    const logged = serve.logs.map((line) => JSON.stringify(line)).join('\n') + serve.stderr.join('\n');
    expect(serve.logs.filter((line) => line.event === 'HTTP_ACCESS').length).toBeGreaterThan(200);
    expect(secrets.length).toBeGreaterThan(20);
    for (const secret of secrets) expect(logged.includes(secret), `a secret is in the log`).toBe(false);
  });
});

/** The route of each item action the API offers (the names `allowedActions` uses). */
const ACTION_ROUTES: Record<OfferedAction, (id: string) => { method: string; path: string; json?: unknown }> =
  {
    release: (id) => ({ method: 'POST', path: `/api/quarantine/${id}/release` }),
    force_release: (id) => ({ method: 'POST', path: `/api/quarantine/${id}/release`, json: { force: true } }),
    request_release: (id) => ({ method: 'POST', path: `/api/quarantine/${id}/request-release` }),
    approve_release: (id) => ({ method: 'POST', path: `/api/quarantine/${id}/approve` }),
    deny_release: (id) => ({ method: 'POST', path: `/api/quarantine/${id}/deny` }),
    delete: (id) => ({ method: 'DELETE', path: `/api/quarantine/${id}` }),
    download_attachment: (id) => ({ method: 'GET', path: `/api/quarantine/${id}/attachments/0` }),
  };
const ACTIONS = Object.keys(ACTION_ROUTES) as OfferedAction[];

type Setting = { malwareRelease: Role; userRelease: ReleaseMode };
/** Each value of each `access.*` key at least once, and both release modes with malware open to users. */
const SETTINGS: Setting[] = [
  { malwareRelease: 'admin', userRelease: 'release' },
  { malwareRelease: 'domain_admin', userRelease: 'request' },
  { malwareRelease: 'user', userRelease: 'release' },
  { malwareRelease: 'user', userRelease: 'request' },
];

/** Held states an item can be in while it is listed: a status, or quarantined after an interrupted send. */
const STATES = ['quarantined', 'release_requested', 'released', 'releasing', 'interrupted'] as const;
type State = (typeof STATES)[number];
const REASONS = ['policy', 'spam', 'malware'] as const satisfies readonly Reason[];

interface Caller {
  name: string;
  role: Role;
  scope: 'read' | 'release' | 'admin';
  /** The caller's own release mode; unset callers follow `access.userRelease`. */
  releaseMode?: ReleaseMode;
  /** The recipient of the caller's items (one the caller sees). */
  recipient: string;
}

const RANK: Record<Role, number> = { user: 0, domain_admin: 1, admin: 2 };

/**
 * What docs/access.md says must happen when `caller` tries `action` on an item of `reason` in
 * `state`: null for success, else the refusal — the route's scope first, then the role rules
 * (403), then the item's status (409).
 */
function expectedRefusal(
  caller: Caller,
  setting: Setting,
  reason: Reason,
  state: State,
  action: OfferedAction,
): { status: number; code: string } | null {
  if (caller.scope === 'read' && action !== 'download_attachment') {
    return { status: 403, code: 'insufficient_scope' };
  }
  const malwareAllowed = reason !== 'malware' || RANK[caller.role] >= RANK[setting.malwareRelease];
  const mode = caller.role === 'user' ? (caller.releaseMode ?? setting.userRelease) : 'release';
  const administrator = caller.role !== 'user';
  const policy: Record<OfferedAction, boolean> = {
    release: malwareAllowed && mode === 'release',
    force_release: malwareAllowed && mode === 'release',
    request_release: true,
    approve_release: administrator && malwareAllowed,
    deny_release: administrator,
    delete: true,
    download_attachment: malwareAllowed,
  };
  if (!policy[action]) return { status: 403, code: 'forbidden' };
  const byState: Record<OfferedAction, Partial<Record<State, string>>> = {
    release: { released: 'already_released', releasing: 'conflict', interrupted: 'interrupted' },
    force_release: { releasing: 'conflict' },
    request_release: {
      release_requested: 'already_requested',
      released: 'already_released',
      releasing: 'conflict',
    },
    approve_release: {
      quarantined: 'not_requested',
      released: 'not_requested',
      releasing: 'not_requested',
      interrupted: 'not_requested',
    },
    deny_release: {
      quarantined: 'not_requested',
      released: 'not_requested',
      releasing: 'not_requested',
      interrupted: 'not_requested',
    },
    delete: { releasing: 'conflict' },
    download_attachment: {},
  };
  const code = byState[action][state];
  return code ? { status: 409, code } : null;
}

describe.each(SETTINGS)(
  'allowedActions agree with the action routes (malwareRelease=$malwareRelease, userRelease=$userRelease)',
  (setting) => {
    const ADMIN = { email: 'root@corp.test', password: 'allowed-actions-admin' };
    const PASSWORD = 'allowed-actions-password';
    const callers: Caller[] = [
      { name: 'admin', role: 'admin', scope: 'admin', recipient: 'carl@corp.test' },
      { name: 'domain admin', role: 'domain_admin', scope: 'admin', recipient: 'dave@corp.test' },
      { name: 'user', role: 'user', scope: 'release', recipient: 'alice@corp.test' },
      {
        name: 'user with the other release mode',
        role: 'user',
        scope: 'release',
        releaseMode: setting.userRelease === 'release' ? 'request' : 'release',
        recipient: 'olga@corp.test',
      },
      { name: 'read token', role: 'user', scope: 'read', recipient: 'alice@corp.test' },
    ];
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let downstream: Downstream;
    let server: RunningServer;
    const clients = new Map<string, ApiClient>();
    /** Per caller, reason, state and action: the item the action is tried on. */
    const cells: {
      caller: Caller;
      reason: Reason;
      state: State;
      action: OfferedAction;
      item: QuarantineItem;
    }[] = [];

    async function seed(recipient: string, reason: Reason, state: State): Promise<QuarantineItem> {
      const raw = message({
        to: recipient,
        subject: `${reason} ${state}`,
        attachments: [{ filename: 'invoice.txt', contentType: 'text/plain', data: Buffer.from('pay now') }],
      });
      const held = buildMessage({
        size: raw.length,
        envelope: { mailFrom: 'sender@example.org', rcptTo: [recipient] },
        attachments: [{ filename: 'invoice.txt', contentType: 'text/plain', size: 12 }],
      });
      const now = new Date().toISOString();
      const [item] = buildItems(held, [recipient], {
        reason,
        status: state === 'interrupted' ? 'quarantined' : state,
        ...(state === 'released'
          ? { release: { to: [recipient], by: 'someone', at: now, reply: '250 2.0.0 Ok' } }
          : {}),
        ...(state === 'releasing'
          ? { lease: { owner: 'another-node', until: new Date(Date.now() + 3_600_000).toISOString() } }
          : {}),
        ...(state === 'interrupted'
          ? { lastError: { code: 'interrupted', detail: 'The node stopped while sending.', at: now } }
          : {}),
      });
      await server.context.blobs.put(held.blobKey, raw);
      await server.context.items.putMessage(held, [item!]);
      return item!;
    }

    beforeAll(async () => {
      dir = await tempDir('lazaret-allowed-');
      downstream = await new Downstream().start();
      server = await startServer(
        testConfig({
          LAZARET_DATA_DIR: dir.path,
          LAZARET_SMTP_PORT: 0,
          LAZARET_HTTP_PORT: 0,
          LAZARET_RELAY_PORT: downstream.port,
          LAZARET_RELAY_TLS: 'none',
          LAZARET_RETENTION_PURGE_INTERVAL_SECONDS: 0,
          LAZARET_ADMIN_EMAIL: ADMIN.email,
          LAZARET_ADMIN_PASSWORD: ADMIN.password,
          LAZARET_MALWARE_RELEASE: setting.malwareRelease,
          LAZARET_USER_RELEASE: setting.userRelease,
        }),
        memoryLogger('warn').logger,
        () => undefined,
      );
      const base = () => `http://127.0.0.1:${server.httpAddress.port}`;
      const admin = await ApiClient.login(base, ADMIN.email, ADMIN.password);
      const userIds = new Map<string, string>();
      for (const caller of callers) {
        if (caller.scope === 'read') continue;
        if (caller.role !== 'admin') {
          const created = await admin.request('/api/users', {
            method: 'POST',
            json: {
              email: caller.recipient,
              role: caller.role,
              password: PASSWORD,
              ...(caller.role === 'domain_admin' ? { domains: ['corp.test'] } : {}),
              ...(caller.releaseMode ? { releaseMode: caller.releaseMode } : {}),
            },
          });
          expect(created.status, created.text).toBe(201);
          userIds.set(caller.recipient, (created.body as { user: { id: string } }).user.id);
        }
        clients.set(
          caller.name,
          caller.role === 'admin' ? admin : await ApiClient.login(base, caller.recipient, PASSWORD),
        );
      }
      const token = await admin.request(`/api/users/${userIds.get('alice@corp.test')}/tokens`, {
        method: 'POST',
        json: { scope: 'read', name: 'read-only' },
      });
      expect(token.status, token.text).toBe(201);
      clients.set('read token', ApiClient.bearer(base, (token.body as { secret: string }).secret));
      const plan = callers.flatMap((caller) =>
        REASONS.flatMap((reason) =>
          STATES.flatMap((state) => ACTIONS.map((action) => ({ caller, reason, state, action }))),
        ),
      );
      cells.push(
        ...(await Promise.all(
          plan.map(async (cell) => ({
            ...cell,
            item: await seed(cell.caller.recipient, cell.reason, cell.state),
          })),
        )),
      );
    });

    afterAll(async () => {
      await server?.close();
      await downstream?.stop();
      await dir?.cleanup();
    });

    it('lists on every item exactly the actions the policy allows, in lists and in the detail', async () => {
      const mismatches: string[] = [];
      for (const caller of callers) {
        const client = clients.get(caller.name)!;
        const listed = await client.request(`/api/quarantine?limit=500&recipient=${caller.recipient}`);
        expect(listed.status, listed.text).toBe(200);
        const byId = new Map(
          (listed.body as { items: { id: string; allowedActions: string[] }[] }).items.map((item) => [
            item.id,
            item.allowedActions,
          ]),
        );
        for (const cell of cells.filter((each) => each.caller === caller)) {
          const want = ACTIONS.filter(
            (action) => expectedRefusal(caller, setting, cell.reason, cell.state, action) === null,
          );
          const got = byId.get(cell.item.id);
          if (JSON.stringify(got) !== JSON.stringify(want)) {
            mismatches.push(`${caller.name}, ${cell.reason} ${cell.state}: listed ${got}, expected ${want}`);
          }
          if (cell.action === 'release') {
            const detail = await client.request(`/api/quarantine/${cell.item.id}`);
            const shown = (detail.body as { item: { allowedActions: string[] } }).item.allowedActions;
            if (JSON.stringify(shown) !== JSON.stringify(want)) {
              mismatches.push(
                `${caller.name}, ${cell.reason} ${cell.state}: detail ${shown}, expected ${want}`,
              );
            }
          }
        }
      }
      expect(mismatches).toEqual([]);
    });

    it('lets every listed action succeed and refuses every other with its documented code', async () => {
      const mismatches: string[] = [];
      let succeeded = 0;
      for (const cell of cells) {
        const listed = (
          (await clients.get(cell.caller.name)!.request(`/api/quarantine/${cell.item.id}`)).body as {
            item: { allowedActions: OfferedAction[] };
          }
        ).item.allowedActions;
        const { method, path, json } = ACTION_ROUTES[cell.action](cell.item.id);
        const answer = await clients
          .get(cell.caller.name)!
          .request(path, { method, ...(json ? { json } : {}) });
        const where = `${cell.caller.name}, ${cell.reason} ${cell.state}, ${cell.action}`;
        if (listed.includes(cell.action)) {
          if (answer.status === 200) succeeded += 1;
          else
            mismatches.push(`${where}: listed, but answered ${answer.status} ${answer.text.slice(0, 160)}`);
          continue;
        }
        const refusal = expectedRefusal(cell.caller, setting, cell.reason, cell.state, cell.action);
        const code = (answer.body as { error?: { code: string } } | null)?.error?.code;
        if (!refusal || answer.status !== refusal.status || code !== refusal.code) {
          mismatches.push(
            `${where}: not listed, answered ${answer.status} ${code} (expected ${refusal?.status} ${refusal?.code})`,
          );
        }
      }
      expect(mismatches).toEqual([]);
      expect(succeeded).toBeGreaterThan(20);
    });
  },
);
