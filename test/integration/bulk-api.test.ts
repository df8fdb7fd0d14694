import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFor } from '../support/api-client.js';
import { Downstream } from '../support/downstream.js';
import { CLI_PATH, ServeProcess } from '../support/serve-process.js';

interface ListedItem {
  id: string;
  recipient: string;
  status: string;
  lastError: { code: string; reply?: string } | null;
}

interface BulkBody {
  success: boolean;
  results: { messageId: string; success: true; status: string }[];
  errors: { messageId: string; error: string; code: string; reply?: string }[];
  summary: { requested: number; succeeded: number; failed: number; duplicates: number };
}

interface PublicJob {
  id: string;
  state: string;
  total: number;
  processed: number;
  counters: Record<string, number>;
}

const run = promisify(execFile);

describe('bulk actions over HTTP and the CLI (real serve, real SMTP downstream)', () => {
  let dataDir: string;
  let downstream: Downstream;
  let serve: ServeProcess;
  let token: string;
  const ADMIN = { email: 'admin@corp.test', password: 'bulk-admin-password' };
  /** The API as an administrator with an API token. */
  const api = (path: string, init: RequestInit = {}) =>
    serve.api(path, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    api(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  /** Holds one item per address, sent as messages of up to `perMessage` recipients. */
  async function hold(addresses: string[], perMessage = 20): Promise<ListedItem[]> {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: serve.smtpPort,
      ignoreTLS: true,
      pool: true,
    });
    for (let start = 0; start < addresses.length; start += perMessage) {
      const to = addresses.slice(start, start + perMessage);
      await transport.sendMail({
        from: 'bulk@sender.test',
        to,
        subject: `Batch ${start}`,
        text: `Hello ${start}`,
      });
    }
    transport.close();
    const wanted = new Set(addresses);
    const found: ListedItem[] = [];
    let cursor: string | null = null;
    do {
      const page = await api(
        `/api/quarantine?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      const body = page.body as { items: ListedItem[]; nextCursor: string | null };
      found.push(...body.items.filter((item) => wanted.has(item.recipient)));
      cursor = body.nextCursor;
    } while (cursor);
    expect(found).toHaveLength(addresses.length);
    return found;
  }

  const addresses = (prefix: string, count: number) =>
    Array.from({ length: count }, (_, index) => `${prefix}${index}@corp.test`);

  async function waitForJob(id: string): Promise<PublicJob> {
    for (;;) {
      const { body } = await api(`/api/quarantine/jobs/${id}`);
      const job = (body as { job: PublicJob }).job;
      if (['completed', 'cancelled', 'failed'].includes(job.state)) return job;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lazaret-bulk-api-'));
    downstream = await new Downstream({
      onRcpt: (address) =>
        address.startsWith('refused') ? { code: 550, message: '5.1.1 No such user here' } : undefined,
    }).start();
    serve = await new ServeProcess({
      LAZARET_DATA_DIR: dataDir,
      LAZARET_RELAY_PORT: String(downstream.port),
      LAZARET_RELAY_TLS: 'none',
      LAZARET_SMTP_MAX_RECIPIENTS: '100',
      LAZARET_BULK_SYNC_LIMIT: '120',
      LAZARET_BULK_MAX_IDS: '500',
      LAZARET_JOBS_POLL_MS: '100',
      LAZARET_ADMIN_EMAIL: ADMIN.email,
      LAZARET_ADMIN_PASSWORD: ADMIN.password,
    }).start();
    token = await tokenFor(() => serve.baseUrl, ADMIN.email, ADMIN.password);
  });

  afterAll(async () => {
    await serve?.stop();
    await downstream?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it.each([1, 10, 50, 100])(
    'releases %i items in one compatible call, each delivered once',
    async (count) => {
      // One message per item: the slowest case, one SMTP transaction each.
      const items = await hold(addresses(`rel${count}-`, count), 1);
      const started = performance.now();
      const response = await post('/api/quarantine/release', { ids: items.map((item) => item.id) });
      const elapsed = performance.now() - started;
      if (count === 100)
        console.info(`[figures] 100-item compatible release call (100 messages): ${elapsed.toFixed(0)} ms`);
      expect(response.status).toBe(200);
      const body = response.body as BulkBody;
      expect(body).toMatchObject({
        success: true,
        errors: [],
        summary: { requested: count, succeeded: count, failed: 0, duplicates: 0 },
      });
      expect(body.results.map((result) => result.messageId)).toEqual(items.map((item) => item.id));
      expect(body.results.every((result) => result.success && result.status === 'released')).toBe(true);
      for (const item of items) {
        expect(
          downstream.deliveries.filter((delivery) => delivery.rcptTo.includes(item.recipient)),
        ).toHaveLength(1);
      }
    },
  );

  it.each([1, 10, 50, 100])(
    'deletes %i items in one compatible call; they are gone afterwards',
    async (count) => {
      const items = await hold(addresses(`del${count}-`, count));
      const started = performance.now();
      const response = await post('/api/quarantine/delete', { ids: items.map((item) => item.id) });
      if (count === 100)
        console.info(
          `[figures] 100-item compatible delete call: ${(performance.now() - started).toFixed(0)} ms`,
        );
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        success: true,
        summary: { requested: count, succeeded: count, failed: 0 },
      });
      expect((response.body as BulkBody).results.every((result) => result.status === 'deleted')).toBe(true);
      expect((await api(`/api/quarantine/${items[0]!.id}`)).status).toBe(404);
    },
  );

  it('reports partial failure item by item: unknown ids, released already, refused with 550, duplicates once', async () => {
    const [good, released, refused] = [
      await hold(['pgood@corp.test']),
      await hold(['pdone@corp.test']),
      await hold(['refused-p@corp.test']),
    ];
    await post('/api/quarantine/release', { ids: [released[0]!.id] });
    const unknown = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
    const response = await post('/api/quarantine/release', {
      ids: [good[0]!.id, unknown, released[0]!.id, refused[0]!.id, good[0]!.id],
    });
    expect(response.status).toBe(200);
    const body = response.body as BulkBody;
    expect(body.success).toBe(false);
    expect(body.summary).toEqual({ requested: 4, succeeded: 1, failed: 3, duplicates: 1 });
    expect(body.results).toEqual([{ messageId: good[0]!.id, success: true, status: 'released' }]);
    expect(body.errors).toEqual([
      { messageId: unknown, code: 'not_found', error: 'No such item.' },
      {
        messageId: released[0]!.id,
        code: 'already_released',
        error: 'The item was released already; use force to send it again.',
        reply: expect.stringMatching(/^250 /),
      },
      {
        messageId: refused[0]!.id,
        code: 'delivery_rejected',
        error: 'The mail server refused the message; it stays quarantined.',
        reply: expect.stringMatching(/^550 .*No such user here/),
      },
    ]);
    expect(
      downstream.deliveries.filter((delivery) => delivery.rcptTo.includes('pgood@corp.test')),
    ).toHaveLength(1);
  });

  it('refuses bad bulk requests with stable codes', async () => {
    expect((await post('/api/quarantine/release', { ids: [] })).body).toMatchObject({
      error: { code: 'validation_error' },
    });
    expect((await post('/api/quarantine/delete', {})).body).toMatchObject({
      error: { code: 'validation_error' },
    });
    const tooMany = await post('/api/quarantine/delete', {
      ids: Array.from({ length: 501 }, (_, index) => `id${index}`),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ error: { code: 'validation_error' } });
    expect((await post('/api/quarantine/jobs', { action: 'release' })).body).toMatchObject({
      error: { code: 'validation_error' },
    });
    expect(
      (await post('/api/quarantine/jobs', { action: 'release', query: 'colour:red' })).body,
    ).toMatchObject({
      error: { code: 'bad_query', message: expect.stringContaining('Unknown search field "colour:"') },
    });
    expect((await api('/api/quarantine?q=after%3Atomorrow')).body).toMatchObject({
      error: { code: 'bad_query' },
    });
    expect((await api('/api/quarantine/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV')).body).toMatchObject({
      error: { code: 'not_found' },
    });
  });

  it('answers 202 with a job above the synchronous limit, never a silent cap; the job streams its progress', async () => {
    const items = await hold(addresses('big-', 130));
    const response = await post('/api/quarantine/release', { ids: items.map((item) => item.id) });
    expect(response.status).toBe(202);
    const { job } = response.body as { job: PublicJob };
    expect(response.headers.get('location')).toBe(`/api/quarantine/jobs/${job.id}`);
    expect(job).toMatchObject({ total: 130, state: expect.stringMatching(/queued|running|completed/) });

    const events: { event: string; job: PublicJob }[] = [];
    const stream = await fetch(`${serve.baseUrl}/api/quarantine/jobs/${job.id}/events`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const text = await stream.text();
    for (const block of text.split('\n\n').filter(Boolean)) {
      const event = /^event: (\w+)$/m.exec(block)?.[1] ?? '';
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (data) events.push({ event, job: (JSON.parse(data) as { job: PublicJob }).job });
    }
    expect(events.at(-1)).toMatchObject({
      event: 'end',
      job: { state: 'completed', processed: 130, counters: { ok: 130 } },
    });
    expect(events.slice(0, -1).every((entry) => entry.event === 'progress')).toBe(true);
    const processed = events.map((entry) => entry.job.processed);
    expect([...processed].sort((a, b) => a - b)).toEqual(processed);

    const page = await api(`/api/quarantine/jobs/${job.id}/items?outcome=ok&limit=100`);
    expect(page.body).toMatchObject({ nextCursor: expect.any(String) });
    expect((page.body as { items: unknown[] }).items).toHaveLength(100);
    const listed = await api('/api/quarantine/jobs');
    expect((listed.body as { jobs: PublicJob[] }).jobs.map((entry) => entry.id)).toContain(job.id);
  });

  it('runs a query job once per Idempotency-Key and lists it with searchable items', async () => {
    await hold(addresses('idem-', 5));
    const search = await api(`/api/quarantine?q=${encodeURIComponent('to:idem- status:quarantined')}`);
    expect((search.body as { items: ListedItem[] }).items).toHaveLength(5);
    const body = { action: 'delete', query: 'to:idem-' };
    const first = await post('/api/quarantine/jobs', body, { 'idempotency-key': 'k-123' });
    const second = await post('/api/quarantine/jobs', body, { 'idempotency-key': 'k-123' });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const id = (first.body as { job: PublicJob }).job.id;
    expect((second.body as { job: PublicJob }).job.id).toBe(id);
    const other = await post(
      '/api/quarantine/jobs',
      { action: 'release', query: 'to:idem-' },
      { 'idempotency-key': 'k-123' },
    );
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ error: { code: 'idempotency_conflict', details: { jobId: id } } });
    expect(await waitForJob(id)).toMatchObject({ state: 'completed', total: 5, counters: { ok: 5 } });
    const cancelled = await api(`/api/quarantine/jobs/${id}/cancel`, { method: 'POST' });
    expect(cancelled.body).toMatchObject({ job: { state: 'completed' } });
  });

  it('describes every route in the OpenAPI document and serves the docs page', async () => {
    const { body } = await api('/api/openapi.json');
    const paths = Object.keys((body as { paths: Record<string, unknown> }).paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/quarantine',
        '/api/quarantine/{id}',
        '/api/quarantine/{id}/raw',
        '/api/quarantine/{id}/release',
        '/api/quarantine/release',
        '/api/quarantine/delete',
        '/api/quarantine/jobs',
        '/api/quarantine/jobs/{id}',
        '/api/quarantine/jobs/{id}/items',
        '/api/quarantine/jobs/{id}/events',
        '/api/quarantine/jobs/{id}/cancel',
        '/healthz',
        '/readyz',
      ]),
    );
    const docs = await fetch(`${serve.baseUrl}/api/docs/`);
    expect(docs.status).toBe(200);
  });

  it('counts bulk outcomes in /metrics', async () => {
    const text = String((await api('/metrics')).body);
    const value = (labels: string) =>
      Number(new RegExp(`^lazaret_bulk_items_total\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    expect(value('action="release",outcome="ok"')).toBeGreaterThanOrEqual(161);
    expect(value('action="delete",outcome="ok"')).toBeGreaterThanOrEqual(161);
    expect(value('action="release",outcome="delivery_rejected"')).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^lazaret_jobs_running 0$/m);
  });

  describe('CLI', () => {
    const cli = (...args: string[]) =>
      run(process.execPath, [CLI_PATH, ...args, '--url', serve.baseUrl, '--token', token]).then(
        (result) => ({ code: 0, ...result }),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );

    it('releases by query with a progress bar and lists the job', async () => {
      await hold(addresses('cli-', 30));
      const result = await cli('release', '--query', 'to:cli-');
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/\[#{30}\] 100% 30\/30 failed 0 .* completed/);
      expect(result.stdout).toMatch(/job [0-9A-Z]{26} completed: 30\/30 processed \(ok 30\)/);
      const id = /job ([0-9A-Z]{26}) completed/.exec(result.stdout)![1]!;
      const listed = await cli('jobs');
      expect(listed.stdout).toContain(id);
      const shown = await cli('jobs', id);
      expect(shown.stdout).toContain(`job ${id} completed: 30/30`);
    });

    it('deletes by ids and exits 3 when some items failed', async () => {
      const items = await hold(addresses('clidel-', 2));
      const result = await cli(
        'delete',
        '--ids',
        `${items[0]!.id},${items[1]!.id}`,
        '01ARZ3NDEKTSV4RRFFQ69G5FAV',
      );
      expect(result.code).toBe(3);
      expect(result.stdout).toContain('(ok 2, not_found 1)');
    });

    it('refuses missing selections and reports API errors', async () => {
      expect((await cli('release')).code).toBe(2);
      const bad = await cli('delete', '--query', 'colour:red');
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('(bad_query)');
    });
  });
});
