import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { ServeProcess } from '../support/serve-process.js';

const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

describe('preview, content and stats routes over a real serve', () => {
  let dataDir: string;
  let serve: ServeProcess;
  let admin: ApiClient;
  let reader: ApiClient;
  const ids: Record<string, string> = {};
  const base = () => serve.baseUrl;
  const get = (path: string) => admin.request(path);

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lazaret-preview-api-'));
    serve = await new ServeProcess({
      LAZARET_DATA_DIR: dataDir,
      // Filter mode believing our own X-Spam / X-Virus headers: spam and malware verdicts as an MTA would send them.
      LAZARET_MODE: 'filter',
      LAZARET_SCANNERS_HEADERS_TRUSTED_HOSTS: '127.0.0.1',
      LAZARET_ADMIN_EMAIL: 'admin@corp.test',
      LAZARET_ADMIN_PASSWORD: 'preview-admin-password',
    }).start();
    admin = await ApiClient.login(base, 'admin@corp.test', 'preview-admin-password');
    const created = await admin.request('/api/users', {
      method: 'POST',
      json: { email: 'reader@corp.test', role: 'user', password: 'reader-password-1' },
    });
    expect(created.status).toBe(201);
    reader = await ApiClient.login(base, 'reader@corp.test', 'reader-password-1');
    const smtp = nodemailer.createTransport({ host: '127.0.0.1', port: serve.smtpPort, ignoreTLS: true });
    await smtp.sendMail({
      from: 'News <news@sender.test>',
      to: 'reader@corp.test',
      subject: 'Newsletter',
      headers: { 'X-Spam-Status': 'Yes, score=8.0' },
      text: 'Plain newsletter',
      html: '<h1 onclick="x()">News</h1><img src="https://tracker.example/p.gif"><img src="cid:logo@news"><script>bad()</script><div style="background:url(https://tracker.example/bg.png)">x</div>',
      attachments: [{ filename: 'logo.png', content: Buffer.from(PNG, 'base64'), cid: 'logo@news' }],
    });
    const spam = { 'X-Spam-Flag': 'YES' };
    await smtp.sendMail({
      from: 'plain@sender.test',
      to: 'reader@corp.test',
      subject: 'Only text',
      headers: spam,
      text: 'Hello <world>',
    });
    await smtp.sendMail({
      from: 'plain@sender.test',
      to: 'other@corp.test',
      subject: 'Gone',
      headers: spam,
      text: 'x',
    });
    await smtp.sendMail({
      from: 'plain@sender.test',
      to: 'other@corp.test',
      subject: 'Foreign',
      headers: spam,
      text: 'x',
    });
    await smtp.sendMail({
      from: 'virus@sender.test',
      to: 'reader@corp.test',
      subject: 'Virus',
      headers: { 'X-Virus-Status': 'Infected (Eicar-Signature)' },
      text: 'See the attachment',
      attachments: [
        { filename: 'notes.txt', content: 'first attachment\n' },
        { filename: 'Rechnung März (1).pdf', content: Buffer.alloc(3000, 7), contentType: 'application/pdf' },
      ],
    });
    const list = await get('/api/quarantine?limit=10');
    for (const item of (list.body as { items: { id: string; subject: string }[] }).items)
      ids[item.subject] = item.id;
    expect((await admin.request(`/api/quarantine/${ids.Gone}`, { method: 'DELETE' })).status).toBe(200);
  });
  afterAll(async () => {
    await serve?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('describes the content: every header line, the parts, what the preview holds back', async () => {
    const response = await get(`/api/quarantine/${ids.Newsletter}/content`);
    expect(response.status).toBe(200);
    const body = response.body as { headers: { name: string; value: string }[] };
    expect(body).toMatchObject({ html: true, text: true, remoteResources: 2, inlineImages: 1, problems: [] });
    expect(body.headers).toContainEqual({ name: 'X-Spam-Status', value: 'Yes, score=8.0' });
    expect(body.headers).toContainEqual({ name: 'Subject', value: 'Newsletter' });
  });

  it('serves the sanitised HTML under the strict CSP, remote content only on request', async () => {
    const shut = await get(`/api/quarantine/${ids.Newsletter}/preview`);
    expect(shut.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(shut.headers.get('content-security-policy')).toBe(
      "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; form-action 'none'; base-uri 'none'; frame-ancestors 'self'; sandbox",
    );
    expect(shut.headers.get('referrer-policy')).toBe('no-referrer');
    expect(shut.headers.get('cache-control')).toBe('private, no-store');
    const html = shut.text;
    expect(html).toContain('<h1>News</h1>');
    expect(html).toContain(`src="data:image/png;base64,${PNG}"`);
    expect(html).not.toMatch(/tracker\.example|<script|onclick/);

    const open = await get(`/api/quarantine/${ids.Newsletter}/preview?remote=true`);
    expect(open.headers.get('content-security-policy')).toContain('img-src data: http: https:');
    const remote = open.text;
    expect(remote).toContain('src="https://tracker.example/p.gif"');
    expect(remote).not.toMatch(/<script|onclick/);
  });

  it('falls back to the text part, escaped', async () => {
    const response = await get(`/api/quarantine/${ids['Only text']}/preview?part=html`);
    expect(response.headers.get('x-lazaret-preview-part')).toBe('text');
    expect(response.text).toContain('Hello &lt;world&gt;');
    const content = await get(`/api/quarantine/${ids['Only text']}/content`);
    expect(content.body).toMatchObject({ html: false, text: true, remoteResources: 0 });
  });

  it('answers deleted and unknown items with not_found, and bad parameters with validation_error', async () => {
    for (const path of [
      `/api/quarantine/${ids.Gone}/preview`,
      `/api/quarantine/${ids.Gone}/content`,
      '/api/quarantine/01ARZ3NDEKTSV4RRFFQ69G5FAV/preview',
    ]) {
      expect((await get(path)).body, path).toMatchObject({ error: { code: 'not_found' } });
    }
    expect((await get(`/api/quarantine/${ids.Newsletter}/preview?part=pdf`)).body).toMatchObject({
      error: { code: 'validation_error' },
    });
    expect((await get('/api/stats?days=0')).body).toMatchObject({
      error: { code: 'validation_error' },
    });
  });

  it('downloads attachments decoded as octet-stream; those of malware only for roles that may release it (by default administrators)', async () => {
    const pdf = await admin.request(`/api/quarantine/${ids.Virus}/attachments/1`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/octet-stream');
    expect(pdf.headers.get('content-disposition')).toBe(
      `attachment; filename="Rechnung M_rz _1_.pdf"; filename*=UTF-8''Rechnung%20M%C3%A4rz%20%281%29.pdf`,
    );
    expect(pdf.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.compare(pdf.bytes, Buffer.alloc(3000, 7))).toBe(0);
    expect((await admin.request(`/api/quarantine/${ids.Virus}/attachments/0`)).text).toBe(
      'first attachment\n',
    );
    expect((await admin.request(`/api/quarantine/${ids.Virus}/attachments/2`)).body).toMatchObject({
      error: { code: 'not_found' },
    });
    expect((await reader.request(`/api/quarantine/${ids.Virus}/attachments/1`)).body).toMatchObject({
      error: { code: 'forbidden' },
    });
    // Indexes and ids are read strictly: any spelling other than plain decimal digits / the exact ULID is refused, not coerced.
    for (const index of [
      '0x1',
      '1e0',
      '01',
      '+1',
      '1.0',
      '%201',
      '-0',
      '%EF%BC%91',
      'Infinity',
      '0b1',
      '1n',
    ]) {
      const answer = await admin.request(`/api/quarantine/${ids.Virus}/attachments/${index}`);
      expect([answer.status, answer.body], index).toMatchObject([
        400,
        { error: { code: 'validation_error' } },
      ]);
    }
    const lowerCaseId = await admin.request(`/api/quarantine/${ids.Virus?.toLowerCase()}/attachments/1`);
    expect([lowerCaseId.status, lowerCaseId.body]).toMatchObject([
      400,
      { error: { code: 'validation_error' } },
    ]);
    for (const query of [`itemId=${ids.Virus?.toLowerCase()}`, 'itemId=0x1', 'jobId=1e0']) {
      const answer = await admin.request(`/api/audit?${query}`);
      expect([answer.status, answer.body], query).toMatchObject([
        400,
        { error: { code: 'validation_error' } },
      ]);
    }
    const detail = await reader.request(`/api/quarantine/${ids.Newsletter}`);
    expect(detail.body).toMatchObject({ message: { attachments: [{ filename: 'logo.png' }] } });
    const logo = await reader.request(`/api/quarantine/${ids.Newsletter}/attachments/0`);
    expect(logo.bytes.toString('base64')).toBe(PNG);
  });

  it('counts a list for "select all N matching", within what the caller may see', async () => {
    expect((await get('/api/quarantine/count')).body).toEqual({ count: 4, exact: true });
    expect((await get('/api/quarantine/count?sender=plain@sender.test')).body).toEqual({
      count: 2,
      exact: true,
    });
    expect((await get('/api/quarantine/count?status=deleted')).body).toEqual({ count: 1, exact: true });
    expect((await reader.request('/api/quarantine/count')).body).toEqual({ count: 3, exact: true });
    expect((await get('/api/quarantine/count?reason=nonsense')).body).toMatchObject({
      error: { code: 'validation_error' },
    });
    // Counted up to a bound (the list's status line): beyond it, a lower bound.
    expect((await get('/api/quarantine/count?upTo=3')).body).toEqual({ count: 3, exact: false });
    expect((await get('/api/quarantine/count?upTo=4')).body).toEqual({ count: 4, exact: true });
    expect((await reader.request('/api/quarantine/count?upTo=2')).body).toEqual({ count: 2, exact: false });
    for (const upTo of ['0', '1000001', 'x']) {
      expect((await get(`/api/quarantine/count?upTo=${upTo}`)).body).toMatchObject({
        error: { code: 'validation_error' },
      });
    }
  });

  it('asks for sign-in, and shows a user only their own mail', async () => {
    for (const path of [
      `/api/quarantine/${ids.Newsletter}/preview`,
      `/api/quarantine/${ids.Newsletter}/content`,
      '/api/stats',
    ]) {
      expect((await serve.api(path)).body, path).toMatchObject({ error: { code: 'unauthenticated' } });
    }
    expect((await reader.request(`/api/quarantine/${ids.Newsletter}/preview`)).status).toBe(200);
    for (const path of [`/api/quarantine/${ids.Foreign}/content`, `/api/quarantine/${ids.Foreign}/preview`]) {
      expect((await reader.request(path)).body, path).toMatchObject({ error: { code: 'not_found' } });
    }
    const stats = (await reader.request('/api/stats?days=7')).body as {
      statuses: Record<string, number>;
      topRecipients: unknown[];
    };
    expect(stats.statuses).toEqual({ quarantined: 3, releasing: 0, released: 0, deleted: 0, expired: 0 });
    expect(stats.topRecipients).toEqual([{ address: 'reader@corp.test', count: 3 }]);
  });

  it('counts held, deleted and waiting items for the dashboard, every day of the window present', async () => {
    const response = await get('/api/stats?days=7&top=5');
    expect(response.status).toBe(200);
    const stats = response.body as {
      days: { day: string; held: Record<string, number>; deleted: number }[];
      totals: { held: Record<string, number>; deleted: number };
      statuses: Record<string, number>;
      topSenders: unknown[];
      topRecipients: unknown[];
    };
    const list = await get('/api/quarantine?limit=1');
    const receivedDay = (list.body as { items: { receivedAt: string }[] }).items[0]!.receivedAt.slice(0, 10);
    expect(stats.days).toHaveLength(7);
    expect(stats.days.find((day) => day.day === receivedDay)).toMatchObject({
      held: { spam: 4, malware: 1 },
      deleted: 1,
    });
    expect(stats.totals).toMatchObject({ held: { spam: 4, malware: 1, policy: 0 }, deleted: 1 });
    expect(stats.statuses).toEqual({ quarantined: 4, releasing: 0, released: 0, deleted: 1, expired: 0 });
    expect(stats.topSenders).toEqual([
      { address: 'plain@sender.test', count: 2 },
      { address: 'news@sender.test', count: 1 },
      { address: 'virus@sender.test', count: 1 },
    ]);
    expect(stats.topRecipients).toEqual([
      { address: 'reader@corp.test', count: 3 },
      { address: 'other@corp.test', count: 1 },
    ]);
  });
});
