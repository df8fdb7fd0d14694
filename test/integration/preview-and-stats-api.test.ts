import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServeProcess } from '../support/serve-process.js';

const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

describe('preview, content and stats routes over a real serve', () => {
  let dataDir: string;
  let serve: ServeProcess;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lazaret-preview-api-'));
    serve = await new ServeProcess({ LAZARET_DATA_DIR: dataDir }).start();
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
    await smtp.sendMail({
      from: 'plain@sender.test',
      to: 'reader@corp.test',
      subject: 'Only text',
      text: 'Hello <world>',
    });
    await smtp.sendMail({ from: 'plain@sender.test', to: 'other@corp.test', subject: 'Gone', text: 'x' });
    const list = await serve.api('/api/quarantine?limit=10');
    for (const item of (list.body as { items: { id: string; subject: string }[] }).items)
      ids[item.subject] = item.id;
    expect((await serve.api(`/api/quarantine/${ids.Gone}`, { method: 'DELETE' })).status).toBe(200);
  });
  afterAll(async () => {
    await serve?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('describes the content: every header line, the parts, what the preview holds back', async () => {
    const response = await serve.api(`/api/quarantine/${ids.Newsletter}/content`);
    expect(response.status).toBe(200);
    const body = response.body as { headers: { name: string; value: string }[] };
    expect(body).toMatchObject({ html: true, text: true, remoteResources: 2, inlineImages: 1, problems: [] });
    expect(body.headers).toContainEqual({ name: 'X-Spam-Status', value: 'Yes, score=8.0' });
    expect(body.headers).toContainEqual({ name: 'Subject', value: 'Newsletter' });
  });

  it('serves the sanitised HTML under the strict CSP, remote content only on request', async () => {
    const shut = await fetch(`${serve.baseUrl}/api/quarantine/${ids.Newsletter}/preview`);
    expect(shut.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(shut.headers.get('content-security-policy')).toBe(
      "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; form-action 'none'; base-uri 'none'; frame-ancestors 'self'; sandbox",
    );
    expect(shut.headers.get('referrer-policy')).toBe('no-referrer');
    expect(shut.headers.get('cache-control')).toBe('private, no-store');
    const html = await shut.text();
    expect(html).toContain('<h1>News</h1>');
    expect(html).toContain(`src="data:image/png;base64,${PNG}"`);
    expect(html).not.toMatch(/tracker\.example|<script|onclick/);

    const open = await fetch(`${serve.baseUrl}/api/quarantine/${ids.Newsletter}/preview?remote=true`);
    expect(open.headers.get('content-security-policy')).toContain('img-src data: http: https:');
    const remote = await open.text();
    expect(remote).toContain('src="https://tracker.example/p.gif"');
    expect(remote).not.toMatch(/<script|onclick/);
  });

  it('falls back to the text part, escaped', async () => {
    const response = await fetch(`${serve.baseUrl}/api/quarantine/${ids['Only text']}/preview?part=html`);
    expect(response.headers.get('x-lazaret-preview-part')).toBe('text');
    expect(await response.text()).toContain('Hello &lt;world&gt;');
    const content = await serve.api(`/api/quarantine/${ids['Only text']}/content`);
    expect(content.body).toMatchObject({ html: false, text: true, remoteResources: 0 });
  });

  it('answers deleted and unknown items with not_found, and bad parameters with validation_error', async () => {
    for (const path of [
      `/api/quarantine/${ids.Gone}/preview`,
      `/api/quarantine/${ids.Gone}/content`,
      '/api/quarantine/01ARZ3NDEKTSV4RRFFQ69G5FAV/preview',
    ]) {
      expect((await serve.api(path)).body, path).toMatchObject({ error: { code: 'not_found' } });
    }
    expect((await serve.api(`/api/quarantine/${ids.Newsletter}/preview?part=pdf`)).body).toMatchObject({
      error: { code: 'validation_error' },
    });
    expect((await serve.api('/api/stats?days=0')).body).toMatchObject({
      error: { code: 'validation_error' },
    });
  });

  it('counts held, deleted and waiting items for the dashboard, every day of the window present', async () => {
    const response = await serve.api('/api/stats?days=7&top=5');
    expect(response.status).toBe(200);
    const stats = response.body as {
      days: { day: string; held: Record<string, number>; deleted: number }[];
      totals: { held: Record<string, number>; deleted: number };
      statuses: Record<string, number>;
      topSenders: unknown[];
      topRecipients: unknown[];
    };
    const list = await serve.api('/api/quarantine?limit=1');
    const receivedDay = (list.body as { items: { receivedAt: string }[] }).items[0]!.receivedAt.slice(0, 10);
    expect(stats.days).toHaveLength(7);
    expect(stats.days.find((day) => day.day === receivedDay)).toMatchObject({
      held: { policy: 3 },
      deleted: 1,
    });
    expect(stats.totals).toMatchObject({ held: { policy: 3, spam: 0 }, deleted: 1 });
    expect(stats.statuses).toEqual({ quarantined: 2, releasing: 0, released: 0, deleted: 1, expired: 0 });
    expect(stats.topSenders).toEqual([
      { address: 'news@sender.test', count: 1 },
      { address: 'plain@sender.test', count: 1 },
    ]);
    expect(stats.topRecipients).toEqual([{ address: 'reader@corp.test', count: 2 }]);
  });
});
