import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from './api-client.js';
import { answerProblem, type FuzzRequest } from './api-fuzz.js';
import { Downstream } from './downstream.js';
import { message } from './mail.js';
import { type OpenApiDocument, type Operation, operationsOf, UNKNOWN_ID } from './openapi-operations.js';
import { ServeProcess } from './serve-process.js';
import { sendRaw } from './smtp-client.js';

const PASSWORD = 'fuzz-admin-password-1';
const ALICE = { email: 'alice@corp.test', password: 'fuzz-alice-password-2' };

/** The digest-link pages: hidden from the OpenAPI document, answered with HTML for browsers. */
export const PAGES: Operation[] = ['GET', 'POST'].map((method) => ({
  method,
  path: '/link/{token}',
  parameters: [{ in: 'path', name: 'token', required: true, schema: { type: 'string' } }],
  body: null,
  secured: false,
}));

function throwUnless(ok: boolean, what: string, answer: { status: number; text: string }) {
  if (!ok) throw new Error(`${what} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
}

/**
 * A `lazaret serve` to fuzz: a relay that accepts, an admin, a user (alice) and a user the fuzz may
 * change, a few held messages with attachments, a job, and nine kinds of credential — valid, invalid
 * and half-valid. `ids` holds ids the fuzz may use in paths (never those behind its own credentials).
 */
export class FuzzTarget {
  readonly ids: string[] = [UNKNOWN_ID, 'not-an-id'];
  readonly credentials: Record<string, Record<string, string>> = {};
  operations: Operation[] = [];
  serve!: ServeProcess;
  requests = 0;
  private dataDir = '';
  private downstream!: Downstream;
  private sessions!: { admin: ApiClient; alice: ApiClient };
  private readonly base = () => this.serve.baseUrl;

  constructor(private readonly env: Record<string, string> = {}) {}

  async start(): Promise<this> {
    this.dataDir = await mkdtemp(join(tmpdir(), 'lazaret-fuzz-'));
    this.downstream = await new Downstream().start();
    this.serve = await new ServeProcess({
      LAZARET_DATA_DIR: this.dataDir,
      LAZARET_ADMIN_PASSWORD: PASSWORD,
      LAZARET_RELAY_PORT: String(this.downstream.port),
      LAZARET_RELAY_TLS: 'none',
      // Fuzzed sign-ins fail by the thousand; the limits are tested elsewhere and would only hide routes here.
      LAZARET_LOGIN_MAX_FAILURES_PER_IP: '1000000',
      LAZARET_TOKEN_REQUESTS_PER_MINUTE: '1000000',
      LAZARET_LOG_LEVEL: 'warn',
      ...this.env,
    }).start();
    const admin = await ApiClient.login(this.base, 'admin@localhost', PASSWORD);
    const userIds: string[] = [];
    for (const person of [
      { ...ALICE, role: 'user' },
      { email: 'victim@corp.test', password: 'fuzz-victim-password-3', role: 'user' },
    ]) {
      const created = await admin.request('/api/users', { method: 'POST', json: person });
      throwUnless(created.status === 201, 'creating a user', created);
      userIds.push((created.body as { user: { id: string } }).user.id);
    }
    this.ids.push(userIds[1]!);
    this.sessions = { admin, alice: await ApiClient.login(this.base, ALICE.email, ALICE.password) };
    const adminId = ((await admin.request('/api/auth/me')).body as { user: { id: string } }).user.id;
    const token = async (userId: string, scope: string) => {
      const created = await admin.request(`/api/users/${userId}/tokens`, {
        method: 'POST',
        json: { scope, name: `fuzz ${scope}` },
      });
      throwUnless(created.status === 201, 'creating a token', created);
      return created.body as { secret: string; token: { id: string } };
    };
    this.credentials.anonymous = {};
    this.credentials.adminToken = { authorization: `Bearer ${(await token(adminId, 'admin')).secret}` };
    this.credentials.readToken = { authorization: `Bearer ${(await token(userIds[0]!, 'read')).secret}` };
    this.credentials.unknownToken = { authorization: 'Bearer lzt_thisTokenWasNeverIssuedByThisServer000' };
    this.credentials.malformedAuthorization = { authorization: 'Basic YWRtaW46YWRtaW4=' };
    this.credentials.unknownSession = { cookie: 'lazaret_session=forged-session-value', 'x-csrf-token': 'x' };
    // A token of the victim's that the fuzz may revoke: its id is in the pool, the others' are not.
    this.ids.push((await token(userIds[1]!, 'read')).token.id);
    await this.refreshSessions();

    for (let index = 0; index < 3; index += 1) {
      const sent = await sendRaw(
        this.serve.smtpPort,
        { from: 'spammer@bad.test', to: [ALICE.email, 'other@other.test'] },
        message({
          to: ALICE.email,
          subject: `fuzz ${index}`,
          attachments: [{ filename: 'a.txt', contentType: 'text/plain', data: Buffer.from('attached') }],
        }),
      );
      if (!sent.ok) throw new Error(`ingest failed: ${sent.reply}`);
    }
    const listed = (await admin.request('/api/quarantine?limit=50')).body as { items: { id: string }[] };
    this.ids.push(...listed.items.map((item) => item.id));
    const job = await admin.request('/api/quarantine/jobs', {
      method: 'POST',
      json: { action: 'delete', query: 'subject:"no such subject anywhere"' },
    });
    throwUnless(job.status === 202, 'creating a job', job);
    this.ids.push((job.body as { job: { id: string } }).job.id);
    this.operations = operationsOf((await admin.request('/api/openapi.json')).body as OpenApiDocument);
    return this;
  }

  /** Signs in again when a fuzzed logout ended a session, so every credential stays what its name says. */
  async refreshSessions(): Promise<void> {
    for (const who of ['admin', 'alice'] as const) {
      if ((await this.sessions[who].request('/api/auth/me')).status === 200) continue;
      this.sessions[who] =
        who === 'admin'
          ? await ApiClient.login(this.base, 'admin@localhost', PASSWORD)
          : await ApiClient.login(this.base, ALICE.email, ALICE.password);
    }
    const headers = (client: ApiClient, withCsrf: boolean) => {
      const session = client.credentials as { cookie: string; csrfToken: string };
      return {
        cookie: `lazaret_session=${session.cookie}`,
        ...(withCsrf ? { 'x-csrf-token': session.csrfToken } : {}),
      };
    };
    this.credentials.adminSession = headers(this.sessions.admin, true);
    this.credentials.adminSessionWithoutCsrf = headers(this.sessions.admin, false);
    this.credentials.userSession = headers(this.sessions.alice, true);
  }

  /** Sends one fuzzed request; answers what is wrong with the answer, or null. */
  async send(request: FuzzRequest): Promise<string | null> {
    this.requests += 1;
    const response = await fetch(`${this.base()}${request.path}`, {
      method: request.method,
      headers: { ...request.headers, ...this.credentials[request.credential] },
      ...(request.body === undefined ? {} : { body: request.body }),
      redirect: 'manual',
      signal: AbortSignal.timeout(20_000),
    });
    const contentType = response.headers.get('content-type') ?? '';
    if (contentType.includes('text/event-stream')) {
      await response.body?.cancel();
      return response.status >= 500 ? `event stream answered ${response.status}` : null;
    }
    return answerProblem(request, response.status, contentType, await response.text());
  }

  async stop(): Promise<void> {
    await this.serve?.stop();
    await this.downstream?.stop();
    if (this.dataDir) await rm(this.dataDir, { recursive: true, force: true });
  }
}
