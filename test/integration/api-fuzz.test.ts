import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { message } from '../helpers/mail.js';
import { sendRaw } from '../helpers/smtp.js';
import { ApiClient } from '../support/api-client.js';
import { answerProblem, type FuzzRequest, requestFor } from '../support/api-fuzz.js';
import { Downstream } from '../support/downstream.js';
import {
  type OpenApiDocument,
  type Operation,
  operationsOf,
  UNKNOWN_ID,
} from '../support/openapi-operations.js';
import { ServeProcess } from '../support/serve-process.js';

/** Requests per operation; LAZARET_FUZZ_RUNS=500 for a long run (about 25,000 requests). */
const RUNS = Number(process.env.LAZARET_FUZZ_RUNS ?? 40);
const SEED = process.env.LAZARET_FUZZ_SEED === undefined ? undefined : Number(process.env.LAZARET_FUZZ_SEED);
const PASSWORD = 'fuzz-admin-password-1';
const ALICE = { email: 'alice@corp.test', password: 'fuzz-alice-password-2' };

/** The digest-link pages: hidden from the OpenAPI document, answered with HTML for browsers. */
const PAGES: Operation[] = ['GET', 'POST'].map((method) => ({
  method,
  path: '/link/{token}',
  parameters: [{ in: 'path', name: 'token', required: true, schema: { type: 'string' } }],
  body: null,
  secured: false,
}));

describe('API fuzz: hostile requests to every operation of the OpenAPI document', () => {
  let dataDir: string;
  let downstream: Downstream;
  let serve: ServeProcess;
  let operations: Operation[];
  const ids: string[] = [UNKNOWN_ID, 'not-an-id'];
  const credentials: Record<string, Record<string, string>> = {};
  let sessions: { admin: ApiClient; alice: ApiClient };
  let requests = 0;
  const base = () => serve.baseUrl;

  function sessionHeaders(client: ApiClient, withCsrf: boolean): Record<string, string> {
    const session = client.credentials as { cookie: string; csrfToken: string };
    return {
      cookie: `lazaret_session=${session.cookie}`,
      ...(withCsrf ? { 'x-csrf-token': session.csrfToken } : {}),
    };
  }

  /** Signs in again when a fuzzed logout ended a session, so every credential stays what its name says. */
  async function refreshSessions(): Promise<void> {
    for (const who of ['admin', 'alice'] as const) {
      if ((await sessions[who].request('/api/auth/me')).status === 200) continue;
      sessions[who] =
        who === 'admin'
          ? await ApiClient.login(base, 'admin@localhost', PASSWORD)
          : await ApiClient.login(base, ALICE.email, ALICE.password);
    }
    credentials.adminSession = sessionHeaders(sessions.admin, true);
    credentials.adminSessionWithoutCsrf = sessionHeaders(sessions.admin, false);
    credentials.userSession = sessionHeaders(sessions.alice, true);
  }

  async function send(request: FuzzRequest): Promise<string | null> {
    requests += 1;
    const response = await fetch(`${base()}${request.path}`, {
      method: request.method,
      headers: { ...request.headers, ...credentials[request.credential] },
      ...(request.body === undefined ? {} : { body: request.body }),
      redirect: 'manual',
      signal: AbortSignal.timeout(20_000),
    });
    const contentType = response.headers.get('content-type') ?? '';
    if (contentType.includes('text/event-stream')) {
      await response.body?.cancel();
      return response.status >= 500 ? `event stream answered ${response.status}` : null;
    }
    const text = await response.text();
    return answerProblem(request, response.status, contentType, text);
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lazaret-fuzz-'));
    downstream = await new Downstream().start();
    serve = await new ServeProcess({
      LAZARET_DATA_DIR: dataDir,
      LAZARET_ADMIN_PASSWORD: PASSWORD,
      LAZARET_RELAY_PORT: String(downstream.port),
      LAZARET_RELAY_TLS: 'none',
      // Fuzzed sign-ins fail by the thousand; the limits are tested elsewhere and would only hide routes here.
      LAZARET_LOGIN_MAX_FAILURES_PER_IP: '1000000',
      LAZARET_TOKEN_REQUESTS_PER_MINUTE: '1000000',
      LAZARET_LOG_LEVEL: 'warn',
    }).start();
    const admin = await ApiClient.login(base, 'admin@localhost', PASSWORD);
    for (const person of [
      { ...ALICE, role: 'user' },
      { email: 'victim@corp.test', password: 'fuzz-victim-password-3', role: 'user' },
    ]) {
      const created = await admin.request('/api/users', { method: 'POST', json: person });
      expect(created.status, created.text).toBe(201);
      ids.push((created.body as { user: { id: string } }).user.id);
    }
    const alice = await ApiClient.login(base, ALICE.email, ALICE.password);
    sessions = { admin, alice };
    const userIds = ids.slice(-2);
    const adminId = ((await admin.request('/api/auth/me')).body as { user: { id: string } }).user.id;
    const token = async (userId: string, scope: string, keepId: boolean) => {
      const created = await admin.request(`/api/users/${userId}/tokens`, {
        method: 'POST',
        json: { scope, name: `fuzz ${scope}` },
      });
      expect(created.status, created.text).toBe(201);
      const answer = created.body as { secret: string; token: { id: string } };
      if (keepId) ids.push(answer.token.id);
      return answer.secret;
    };
    credentials.anonymous = {};
    credentials.adminToken = { authorization: `Bearer ${await token(adminId, 'admin', false)}` };
    credentials.readToken = { authorization: `Bearer ${await token(userIds[0]!, 'read', false)}` };
    credentials.unknownToken = { authorization: 'Bearer lzt_thisTokenWasNeverIssuedByThisServer000' };
    credentials.malformedAuthorization = { authorization: 'Basic YWRtaW46YWRtaW4=' };
    credentials.unknownSession = { cookie: 'lazaret_session=forged-session-value', 'x-csrf-token': 'x' };
    // A token of alice's that the fuzz may revoke: its id is in the pool, the others' are not.
    await token(userIds[0]!, 'read', true);
    await refreshSessions();

    for (let index = 0; index < 3; index += 1) {
      const sent = await sendRaw(
        serve.smtpPort,
        { from: 'spammer@bad.test', to: [ALICE.email, 'other@other.test'] },
        message({
          to: ALICE.email,
          subject: `fuzz ${index}`,
          attachments: [{ filename: 'a.txt', contentType: 'text/plain', data: Buffer.from('attached') }],
        }),
      );
      expect(sent.ok, sent.reply).toBe(true);
    }
    const listed = (await admin.request('/api/quarantine?limit=50')).body as { items: { id: string }[] };
    ids.push(...listed.items.map((item) => item.id));
    const job = await admin.request('/api/quarantine/jobs', {
      method: 'POST',
      json: { action: 'delete', query: 'subject:"no such subject anywhere"' },
    });
    expect(job.status, job.text).toBe(202);
    ids.push((job.body as { job: { id: string } }).job.id);

    operations = operationsOf((await admin.request('/api/openapi.json')).body as OpenApiDocument);
  });

  afterAll(async () => {
    await serve?.stop();
    await downstream?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it(`answers ${RUNS} hostile requests per operation without a 5xx, every error in the documented shape`, async () => {
    expect(operations.length).toBeGreaterThan(40);
    const keys = Object.keys(credentials);
    for (const operation of [...operations, ...PAGES]) {
      await refreshSessions();
      const html = PAGES.includes(operation);
      const run = await fc.check(
        fc.asyncProperty(requestFor(operation, keys, ids), async (request) => {
          const problem = await send(request).catch(
            (error: Error) => `no answer: ${error.cause ?? error.message}`,
          );
          // The link pages answer HTML for browsers: only the no-5xx rule applies to them.
          if (problem && !(html && problem.startsWith('error'))) {
            throw new Error(
              `${request.method} ${request.path.slice(0, 200)} as ${request.credential}: ${problem}`,
            );
          }
        }),
        { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
      );
      if (run.failed) {
        // The counterexample can hold megabytes of body: report its start, the seed and the error.
        const failure =
          run.errorInstance instanceof Error ? run.errorInstance.message : String(run.errorInstance);
        throw new Error(
          `${operation.method} ${operation.path} failed (seed ${run.seed}, path ${run.counterexamplePath}): ${failure.slice(0, 2_000)}\n` +
            `request: ${JSON.stringify(run.counterexample).slice(0, 1_000)}`,
        );
      }
    }
    const health = await fetch(`${base()}/healthz`);
    expect(health.status).toBe(200);
    expect(serve.exitCode).toBeNull();
    expect(serve.logs.filter((line) => line.level >= 50).map((line) => line.event ?? line.msg)).toEqual([]);
    console.info(
      `API fuzz: ${requests} requests over ${operations.length + PAGES.length} operations, no 5xx, every error in the documented shape`,
    );
  }, 600_000);
});
