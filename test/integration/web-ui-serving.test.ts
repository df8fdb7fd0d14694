import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandler } from '../../src/api/error-handler.js';
import { isAppRoute, registerWebUi, WEB_UI_ROOT, type WebUi } from '../../src/api/web-ui.js';
import { ServeProcess } from '../support/serve-process.js';

describe('serve answers the web UI next to the API (built by npm run build)', () => {
  let dataDir: string;
  let serve: ServeProcess;
  let asset: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lazaret-web-'));
    serve = await new ServeProcess({ LAZARET_DATA_DIR: dataDir }).start();
    const assets = await readdir(join(WEB_UI_ROOT, 'assets'));
    asset = assets.find((name) => name.endsWith('.js'))!;
  });
  afterAll(async () => {
    await serve?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves the app at / and at every client-side route, under the app CSP', async () => {
    for (const path of ['/', '/quarantine', '/quarantine/01ARZ3NDEKTSV4RRFFQ69G5FAV', '/admin/users?x=1']) {
      const response = await fetch(`${serve.baseUrl}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(await response.text()).toContain('<div id="root"></div>');
    }
  });

  it('serves hashed assets for a year', async () => {
    const response = await fetch(`${serve.baseUrl}/assets/${asset}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/javascript/);
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(1000);
  });

  it('never lets the app shadow the API, health checks or missing files', async () => {
    const cases: [string, RequestInit?][] = [
      ['/api/nowhere'],
      ['/api'],
      ['/api/quarantine/not/a/route'],
      ['/healthz/extra'],
      ['/assets/missing.js'],
      ['/favicon.ico'],
      ['/quarantine', { method: 'POST' }],
    ];
    for (const [path, init] of cases) {
      const response = await serve.api(path, init);
      expect(response.status, path).toBe(404);
      expect(response.body, path).toMatchObject({ error: { code: 'route_not_found' } });
    }
    expect((await serve.api('/healthz')).body).toEqual({ status: 'ok' });
  });

  it('does not serve files outside the build', async () => {
    for (const path of [
      '/assets/../../package.json',
      '/assets/%2e%2e/%2e%2e/package.json',
      '/assets/..%2f..%2fpackage.json',
    ]) {
      const response = await fetch(`${serve.baseUrl}${path}`);
      expect(response.status, path).not.toBe(200);
      expect(await response.text()).not.toContain('"name": "lazaret"');
    }
  });
});

describe('serving without a built UI', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'lazaret-no-ui-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('says how to build it at /, and the API still answers', async () => {
    const app = Fastify({ logger: false });
    let webUi: WebUi | null = null;
    installErrorHandler(app, {
      notFoundFallback: (request, reply) => (webUi && isAppRoute(request) ? webUi.serveApp(reply) : null),
    });
    webUi = await registerWebUi(app, root);
    expect(webUi).toBeNull();
    const home = await app.inject({ url: '/' });
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain('npm run build');
    const other = await app.inject({ url: '/quarantine' });
    expect(other.json()).toMatchObject({ error: { code: 'route_not_found' } });
    await app.close();
  });
});
