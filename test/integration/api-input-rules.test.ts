import { once } from 'node:events';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINITE_KEYWORD } from '../../src/api/finite-numbers.js';
import { ERROR_CATALOGUE } from '../../src/core/errors.js';
import { createLogger } from '../../src/log.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { ApiClient } from '../support/api-client.js';
import { tempDir, testConfig } from '../support/env.js';
import {
  fillPath,
  numericInputs,
  type OpenApiDocument,
  type Operation,
  operationsOf,
} from '../support/openapi-operations.js';

const PASSWORD = 'input-rules-admin-password';

/** Sends `text` as the whole request on a fresh connection; answers the status and parsed body. */
async function raw(port: number, text: string | Buffer): Promise<{ status: number; body: unknown }> {
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  socket.write(text);
  // Not once(): it rejects on the 'error' of a reset, and the server may reset after its answer.
  await new Promise((resolve) => socket.once('close', resolve));
  const answer = Buffer.concat(chunks).toString('utf8');
  const [head = '', ...rest] = answer.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), body: JSON.parse(rest.join('\r\n\r\n')) };
}

function expectDocumentedError(
  answer: { status: number; body: unknown },
  code: keyof typeof ERROR_CATALOGUE,
) {
  expect(answer.body).toEqual({ error: { code, message: expect.any(String) } });
  expect(answer.status).toBe(ERROR_CATALOGUE[code].http);
}

describe('API input rules: finite numbers within bounds, every error in the documented shape', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let server: RunningServer;
  let admin: ApiClient;
  let operations: Operation[];
  const base = () => `http://127.0.0.1:${server.httpAddress.port}`;

  beforeAll(async () => {
    dir = await tempDir();
    server = await startServer(
      testConfig({
        LAZARET_DATA_DIR: dir.path,
        LAZARET_SMTP_PORT: 0,
        LAZARET_HTTP_PORT: 0,
        LAZARET_ADMIN_EMAIL: 'root@corp.test',
        LAZARET_ADMIN_PASSWORD: PASSWORD,
      }),
      createLogger('silent'),
      () => undefined,
    );
    admin = await ApiClient.login(base, 'root@corp.test', PASSWORD);
    operations = operationsOf((await admin.request('/api/openapi.json')).body as OpenApiDocument);
  });

  afterAll(async () => {
    await server?.close();
    await dir?.cleanup();
  });

  it('gives every numeric input of every operation both bounds and the finite check', () => {
    const inputs = operations.flatMap((operation) =>
      numericInputs(operation).map((input) => ({
        at: `${operation.method} ${operation.path} ${input.where}`,
        ...input,
      })),
    );
    expect(inputs.length).toBeGreaterThan(10);
    for (const input of inputs) {
      expect(input.schema.minimum, `${input.at}: minimum`).toBeTypeOf('number');
      expect(input.schema.maximum, `${input.at}: maximum`).toBeTypeOf('number');
      expect(input.schema[FINITE_KEYWORD], `${input.at}: built with Int()`).toBe(true);
    }
  });

  it('answers non-finite and out-of-range values of every numeric parameter with validation_error naming it', async () => {
    let checked = 0;
    for (const operation of operations) {
      for (const parameter of operation.parameters) {
        const { minimum, maximum } = parameter.schema;
        if (parameter.in === 'header' || minimum === undefined || maximum === undefined) continue;
        for (const value of [
          'Infinity',
          '-Infinity',
          '1e309',
          '-1e309',
          'NaN',
          String(minimum - 1),
          String(maximum + 1),
        ]) {
          const path =
            parameter.in === 'path'
              ? fillPath(operation, { [parameter.name]: value })
              : `${fillPath(operation)}?${parameter.name}=${encodeURIComponent(value)}`;
          const answer = await admin.request(path, { method: operation.method });
          const at = `${operation.method} ${path}`;
          expect(answer.status, at).toBe(400);
          expect(answer.body, at).toMatchObject({
            error: { code: 'validation_error', details: { problems: [{ path: `/${parameter.name}` }] } },
          });
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('answers non-finite numbers in JSON bodies, as numbers and as strings, with validation_error', async () => {
    let checked = 0;
    for (const operation of operations) {
      for (const input of numericInputs(operation)) {
        const field = /^body \/(\w+)$/.exec(input.where)?.[1];
        if (!field) continue;
        for (const body of [
          `{"${field}":1e309}`,
          `{"${field}":-1e309}`,
          `{"${field}":"Infinity"}`,
          `{"${field}":"-Infinity"}`,
        ]) {
          const answer = await admin.request(fillPath(operation), {
            method: operation.method,
            headers: { 'content-type': 'application/json' },
            body,
          });
          expect(answer.status, `${operation.method} ${operation.path} ${body}`).toBe(400);
          expect(answer.body).toMatchObject({ error: { code: 'validation_error' } });
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('answers what the router refuses in the documented shape', async () => {
    expectDocumentedError(await admin.request(`/api/quarantine/${'a'.repeat(9000)}`), 'uri_too_long');
    expectDocumentedError(await admin.request('/api/quarantine/%E0%A4%A'), 'bad_request');
    expectDocumentedError(await admin.request('/api/nowhere'), 'route_not_found');
    expectDocumentedError(await admin.request('/api/quarantine', { method: 'PATCH' }), 'route_not_found');
  });

  it('answers bodies it cannot read in the documented shape', async () => {
    const post = (body: string | Buffer, contentType: string) =>
      admin.request('/api/quarantine/delete', {
        method: 'POST',
        headers: { 'content-type': contentType },
        body,
      });
    expectDocumentedError(await post('{"ids": [', 'application/json'), 'bad_request');
    expectDocumentedError(await post('{"__proto__": {"x": 1}}', 'application/json'), 'bad_request');
    expectDocumentedError(await post('<ids/>', 'application/xml'), 'unsupported_media_type');
    expectDocumentedError(
      await post(Buffer.alloc(9 * 1024 * 1024, 0x20), 'application/json'),
      'message_too_large',
    );
  });

  it("answers what Node's HTTP parser refuses in the documented shape, on the raw connection", async () => {
    const port = server.httpAddress.port;
    expectDocumentedError(
      await raw(port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
      'headers_too_large',
    );
    expectDocumentedError(
      await raw(port, `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`),
      'headers_too_large',
    );
    expectDocumentedError(await raw(port, 'NOT HTTP AT ALL\r\n\r\n'), 'bad_request');
    expectDocumentedError(
      await raw(
        port,
        'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello',
      ),
      'bad_request',
    );
  });
});
