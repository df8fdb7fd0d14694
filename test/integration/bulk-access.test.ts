import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { Downstream } from '../support/downstream.js';
import { runCli, ServeProcess } from '../support/serve-process.js';

interface ListedItem {
  id: string;
  recipient: string;
  subject: string;
  status: string;
}

interface PublicJob {
  id: string;
  state: string;
  total: number;
  counters: Record<string, number>;
}

const PEOPLE = {
  admin: { email: 'admin@corp.test', password: 'bulk-access-admin' },
  alice: { email: 'alice@corp.test', password: 'alice-password-1' },
  dora: { email: 'dora@corp.test', password: 'dora-password-22' },
} as const;

/** Bulk endpoints and jobs over HTTP with real sign-in: sessions, tokens and their scopes. */
describe('bulk access over HTTP: users, domain admins, token scopes', () => {
  let dataDir: string;
  let downstream: Downstream;
  let serve: ServeProcess;
  let admin: ApiClient;
  let alice: ApiClient;
  let dora: ApiClient;
  let aliceRead: ApiClient;
  /** Items by `recipient#1` (subject first) and `recipient#2` (subject second). */
  const byRecipient: Record<string, ListedItem> = {};

  async function waitForJob(client: ApiClient, id: string): Promise<PublicJob> {
    for (;;) {
      const job = ((await client.request(`/api/quarantine/jobs/${id}`)).body as { job: PublicJob }).job;
      if (['completed', 'cancelled', 'failed'].includes(job.state)) return job;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lazaret-bulk-access-'));
    downstream = await new Downstream().start();
    serve = await new ServeProcess({
      LAZARET_DATA_DIR: dataDir,
      LAZARET_RELAY_PORT: String(downstream.port),
      LAZARET_RELAY_TLS: 'none',
      LAZARET_ADMIN_EMAIL: PEOPLE.admin.email,
      LAZARET_ADMIN_PASSWORD: PEOPLE.admin.password,
      LAZARET_JOBS_POLL_MS: '100',
    }).start();
    const cli = async (args: string[], input?: string) => {
      const result = await runCli({ LAZARET_DATA_DIR: dataDir }, args, input);
      expect(result.code, result.stderr).toBe(0);
      return result;
    };
    await cli(
      ['user', 'add', PEOPLE.alice.email, '--role', 'user', '--password-stdin'],
      PEOPLE.alice.password,
    );
    await cli(
      [
        'user',
        'add',
        PEOPLE.dora.email,
        '--role',
        'domain_admin',
        '--domain',
        'corp.test',
        '--password-stdin',
      ],
      PEOPLE.dora.password,
    );
    const readToken = (
      await cli(['token', 'create', '--user', PEOPLE.alice.email, '--scope', 'read'])
    ).stdout.trim();
    const base = () => serve.baseUrl;
    admin = await ApiClient.login(base, PEOPLE.admin.email, PEOPLE.admin.password);
    alice = await ApiClient.login(base, PEOPLE.alice.email, PEOPLE.alice.password);
    dora = await ApiClient.login(base, PEOPLE.dora.email, PEOPLE.dora.password);
    aliceRead = ApiClient.bearer(base, readToken);

    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: serve.smtpPort,
      ignoreTLS: true,
    });
    for (const subject of ['first', 'second']) {
      await transport.sendMail({
        from: 'promo@sender.test',
        to: ['alice@corp.test', 'bob@corp.test', 'carol@other.test'],
        subject,
        text: 'offer',
      });
    }
    const listed = await admin.request('/api/quarantine?limit=100');
    for (const item of (listed.body as { items: ListedItem[] }).items) {
      byRecipient[`${item.recipient}#${item.subject === 'first' ? 1 : 2}`] = item;
    }
  });

  afterAll(async () => {
    await serve?.stop();
    await downstream?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('lets a user release only their own items; foreign ids answer not_found, and one audit entry records it', async () => {
    const own = byRecipient['alice@corp.test#1']!;
    const foreign = byRecipient['bob@corp.test#1']!;
    const answer = await alice.request('/api/quarantine/release', {
      method: 'POST',
      json: { ids: [own.id, foreign.id] },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      success: false,
      results: [{ messageId: own.id, status: 'released' }],
      errors: [{ messageId: foreign.id, code: 'not_found', error: 'No such item.' }],
    });
    expect(downstream.deliveries.flatMap((delivery) => delivery.rcptTo)).toEqual(['alice@corp.test']);
    expect((await admin.request(`/api/quarantine/${foreign.id}`)).body).toMatchObject({
      item: { status: 'quarantined' },
    });
    const audit = await admin.request('/api/audit?action=items.bulk_release');
    expect((audit.body as { entries: unknown[] }).entries).toEqual([
      expect.objectContaining({
        actor: expect.objectContaining({ label: PEOPLE.alice.email }),
        outcome: 'partial',
        counts: { ok: 1, not_found: 1 },
      }),
    ]);
  });

  it('refuses bulk changes and jobs to a read-only token, and everything to the anonymous', async () => {
    const ids = [byRecipient['alice@corp.test#2']!.id];
    for (const path of ['/api/quarantine/release', '/api/quarantine/delete']) {
      const answer = await aliceRead.request(path, { method: 'POST', json: { ids } });
      expect(answer.status).toBe(403);
      expect(answer.body).toMatchObject({ error: { code: 'insufficient_scope' } });
    }
    const job = await aliceRead.request('/api/quarantine/jobs', {
      method: 'POST',
      json: { action: 'delete', query: '' },
    });
    expect(job.body).toMatchObject({ error: { code: 'insufficient_scope' } });
    expect((await aliceRead.request('/api/quarantine/jobs')).status).toBe(200);
    const anonymous = new ApiClient(() => serve.baseUrl);
    expect(
      (await anonymous.request('/api/quarantine/delete', { method: 'POST', json: { ids } })).status,
    ).toBe(401);
    expect((await anonymous.request('/api/quarantine/jobs')).status).toBe(401);
  });

  it("runs a domain admin's query job within their domains only, and shows it to them and administrators", async () => {
    const created = await dora.request('/api/quarantine/jobs', {
      method: 'POST',
      json: { action: 'delete', query: 'subject:second' },
    });
    expect(created.status).toBe(202);
    const id = (created.body as { job: PublicJob }).job.id;
    const done = await waitForJob(dora, id);
    expect(done).toMatchObject({ state: 'completed', total: 2, counters: { ok: 2 } });
    expect(
      (await admin.request(`/api/quarantine/${byRecipient['carol@other.test#2']!.id}`)).body,
    ).toMatchObject({
      item: { status: 'quarantined' },
    });
    expect((await admin.request(`/api/quarantine/${byRecipient['bob@corp.test#2']!.id}`)).status).toBe(404);

    expect((await alice.request(`/api/quarantine/jobs/${id}`)).status).toBe(404);
    expect((await alice.request(`/api/quarantine/jobs/${id}/items`)).status).toBe(404);
    expect((await alice.request(`/api/quarantine/jobs/${id}/cancel`, { method: 'POST' })).status).toBe(404);
    const aliceJobs = (await alice.request('/api/quarantine/jobs')).body as { jobs: PublicJob[] };
    expect(aliceJobs.jobs.map((job) => job.id)).not.toContain(id);
    const adminJobs = (await admin.request('/api/quarantine/jobs')).body as { jobs: PublicJob[] };
    expect(adminJobs.jobs.map((job) => job.id)).toContain(id);
    // The runner writes the job's audit entry just after the job ends.
    let audit = '';
    for (let tries = 0; tries < 100 && !audit.includes('"action":"job.delete"'); tries += 1) {
      if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 50));
      audit = JSON.stringify((await admin.request(`/api/audit?jobId=${id}`)).body);
    }
    expect(audit).toContain('"action":"job.delete"');
  });

  it('needs the CSRF header for bulk calls made with a session cookie', async () => {
    const answer = await alice.request('/api/quarantine/delete', {
      method: 'POST',
      json: { ids: [byRecipient['alice@corp.test#2']!.id] },
      withoutCsrf: true,
    });
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ error: { code: 'csrf_failed' } });
  });
});
