import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/server.js';
import { tempDir, testConfig } from '../support/env.js';
import { message } from '../support/mail.js';
import { memoryLogger } from '../support/memory-logger.js';

const SECRET = 'api-handoff-secret-0123456789';
const BASIC = `Basic ${Buffer.from(`rspamd:${SECRET}`).toString('base64')}`;
const MAX_SIZE = 64 * 1024;

/** The headers metadata_exporter's http pusher sends with meta_headers = true (rspamd 3.4). */
function metaHeaders(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const headers: Record<string, string | undefined> = {
    authorization: BASIC,
    'content-type': 'text/plain',
    'x-rspamd-from': 'sender@example.org',
    'x-rspamd-rcpt': '["alice@example.test","bob@example.test"]',
    'x-rspamd-action': 'reject',
    'x-rspamd-score': '20',
    'x-rspamd-symbols': '[{"name":"BAD_THING","group":"ungrouped","options":["x"],"score":20,"groups":[]}]',
    'x-rspamd-qid': 'QID1',
    'x-rspamd-ip': '192.0.2.1',
    'x-rspamd-user': 'unknown',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(headers).filter(([, value]) => value !== undefined)) as Record<
    string,
    string
  >;
}

interface Answer {
  status: number;
  body: { error?: { code: string; details?: Record<string, unknown> } } & Record<string, unknown>;
}

/** One POST with node:http, so a test can send a chunked body (no Content-Length) or raw header bytes. */
function post(
  server: RunningServer,
  headers: Record<string, string>,
  body: Buffer,
  options: { chunked?: boolean } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port: server.httpAddress.port,
        method: 'POST',
        path: '/api/ingest/rspamd',
        headers: options.chunked ? headers : { ...headers, 'content-length': String(body.length) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }),
        );
      },
    );
    request.on('error', reject);
    if (options.chunked) {
      // Several writes: sent chunked, its size unknown until the end.
      for (let offset = 0; offset < body.length; offset += 16 * 1024)
        request.write(body.subarray(offset, offset + 16 * 1024));
      request.end();
    } else request.end(body);
  });
}

describe('POST /api/ingest/rspamd: answers for every input', () => {
  const dirs: Awaited<ReturnType<typeof tempDir>>[] = [];
  let server: RunningServer;
  let disabled: RunningServer;
  let full: RunningServer;
  const log = memoryLogger('info');

  const start = async (env: Record<string, string | number>) => {
    const dir = await tempDir();
    dirs.push(dir);
    return startServer(
      testConfig({
        LAZARET_DATA_DIR: dir.path,
        LAZARET_SMTP_PORT: 0,
        LAZARET_HTTP_PORT: 0,
        LAZARET_SMTP_MAX_MESSAGE_SIZE: MAX_SIZE,
        LAZARET_RETENTION_PURGE_INTERVAL_SECONDS: 0,
        ...env,
      }),
      log.logger,
      () => undefined,
    );
  };

  beforeAll(async () => {
    server = await start({ LAZARET_HANDOFF_RSPAMD_SECRET: SECRET, LAZARET_LOGIN_MAX_FAILURES_PER_IP: 3 });
    disabled = await start({});
    full = await start({ LAZARET_HANDOFF_RSPAMD_SECRET: SECRET, LAZARET_STORE_MIN_FREE_MB: 1024 * 1024 });
  });

  afterAll(async () => {
    await Promise.all([server, disabled, full].map((each) => each?.close()));
    await Promise.all(dirs.map((dir) => dir.cleanup()));
  });

  const items = async (subject: string) =>
    (await server.context.items.listItems({ subject }, { limit: 10 })).items;

  it('holds every recipient with Basic auth, and again nothing for the same bytes', async () => {
    const raw = message({ subject: 'api basic' });
    const first = await post(server, metaHeaders(), raw);
    expect(first.status).toBe(200);
    expect((first.body.held as { recipient: string }[]).map((each) => each.recipient).sort()).toEqual([
      'alice@example.test',
      'bob@example.test',
    ]);
    expect(first.body).toMatchObject({ heldBefore: [], passed: [] });
    const second = await post(server, metaHeaders(), raw);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ held: [], passed: [] });
    expect((second.body.heldBefore as string[]).sort()).toEqual(['alice@example.test', 'bob@example.test']);
    const held = await items('api basic');
    expect(held).toHaveLength(2);
    expect(held[0]!.details).toMatchObject({ symbols: ['BAD_THING'], source: 'rspamd-handoff' });
  });

  it('takes Bearer, a chunked body without Content-Type, the null sender and UTF-8 in headers', async () => {
    const raw = message({ subject: 'api bearer' });
    const headers = metaHeaders({
      authorization: `Bearer ${SECRET}`,
      'content-type': undefined,
      'x-rspamd-from': '',
      'x-rspamd-rcpt': '["jörg@example.test"]',
    });
    const answer = await post(
      server,
      Object.fromEntries(
        Object.entries(headers).map(([name, value]) => [name, Buffer.from(value, 'utf8').toString('latin1')]),
      ),
      raw,
      { chunked: true },
    );
    expect(answer.status).toBe(200);
    const [item] = await items('api bearer');
    expect(item).toMatchObject({ recipient: 'jörg@example.test', sender: '' });
  });

  it("passes (keeps nothing) when rspamd's action is not a hold action", async () => {
    const answer = await post(
      server,
      metaHeaders({ 'x-rspamd-action': 'no action' }),
      message({ subject: 'api pass' }),
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ held: [], heldBefore: [] });
    expect(answer.body.passed).toHaveLength(2);
    expect(await items('api pass')).toHaveLength(0);
  });

  it.each([
    ['x-rspamd-from', undefined, 'X-Rspamd-From'],
    ['x-rspamd-from', 'unknown', 'X-Rspamd-From'],
    ['x-rspamd-rcpt', undefined, 'X-Rspamd-Rcpt'],
    ['x-rspamd-rcpt', 'unknown', 'X-Rspamd-Rcpt'],
    ['x-rspamd-rcpt', 'alice@example.test', 'X-Rspamd-Rcpt'],
    ['x-rspamd-rcpt', '[]', 'X-Rspamd-Rcpt'],
    ['x-rspamd-rcpt', '[1]', 'X-Rspamd-Rcpt'],
    ['x-rspamd-action', undefined, 'X-Rspamd-Action'],
    ['x-rspamd-symbols', 'not json', 'X-Rspamd-Symbols'],
  ])('%s = %s answers 400 handoff_headers_invalid', async (name, value, header) => {
    const answer = await post(server, metaHeaders({ [name]: value }), message({ subject: 'api bad header' }));
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'handoff_headers_invalid', details: { header } });
  });

  it('an address that is not a mailbox answers 400 address_invalid, nothing kept', async () => {
    const answer = await post(
      server,
      metaHeaders({ 'x-rspamd-rcpt': '["not an address"]' }),
      message({ subject: 'api bad address' }),
    );
    expect(answer.status).toBe(400);
    expect(answer.body.error?.code).toBe('address_invalid');
    expect(await items('api bad address')).toHaveLength(0);
  });

  it('a body over smtp.maxMessageSize answers 413, announced or chunked', async () => {
    const big = Buffer.concat([message({ subject: 'api big' }), Buffer.alloc(MAX_SIZE, 'a')]);
    const announced = await post(server, metaHeaders(), big);
    expect(announced.status).toBe(413);
    expect(announced.body.error?.code).toBe('message_too_large');
    const chunked = await post(server, metaHeaders(), big, { chunked: true });
    expect(chunked.status).toBe(413);
    expect(chunked.body.error?.code).toBe('message_too_large');
    expect(await items('api big')).toHaveLength(0);
  });

  it('below store.minFreeMb answers 507 insufficient_storage', async () => {
    const answer = await post(full, metaHeaders(), message({ subject: 'api full' }));
    expect(answer.status).toBe(507);
    expect(answer.body.error?.code).toBe('insufficient_storage');
  });

  it('without a configured secret answers 404 handoff_disabled', async () => {
    const answer = await post(disabled, metaHeaders(), message({ subject: 'api disabled' }));
    expect(answer.status).toBe(404);
    expect(answer.body.error?.code).toBe('handoff_disabled');
  });

  // Last: it spends the address's failed sign-ins.
  it('no secret or a wrong one answers 401, and past the per-address limit 429', async () => {
    const raw = message({ subject: 'api unauthenticated' });
    const wrongBasic = `Basic ${Buffer.from(`rspamd:${SECRET}x`).toString('base64')}`;
    for (const authorization of [undefined, wrongBasic, `Bearer ${SECRET.slice(1)}`]) {
      const answer = await post(server, metaHeaders({ authorization }), raw);
      expect(answer.status).toBe(401);
      expect(answer.body.error?.code).toBe('handoff_unauthenticated');
    }
    const limited = await post(server, metaHeaders(), raw);
    expect(limited.status).toBe(429);
    expect(limited.body.error?.code).toBe('rate_limited');
    expect(await items('api unauthenticated')).toHaveLength(0);
    expect(log.lines.filter((line) => line.event === 'HANDOFF_AUTH_FAILED')).toHaveLength(3);
  });
});
