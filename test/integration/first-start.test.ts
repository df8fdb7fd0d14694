import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { CLI_PATH, runCli, ServeProcess } from '../support/serve-process.js';

const TLS_DIR = new URL('../fixtures/tls/', import.meta.url);

function httpsJson(
  url: string,
  options: { method: string; body?: unknown },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: unknown }> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      url,
      {
        method: options.method,
        ca: readFileSync(new URL('cert.pem', TLS_DIR)),
        headers: options.body === undefined ? {} : { 'content-type': 'application/json' },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null'),
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(options.body === undefined ? undefined : JSON.stringify(options.body));
  });
}

describe('first start: the printed admin password, a first user and token, TLS', () => {
  let dataDir: string;
  let serve: ServeProcess;
  let password: string;
  const base = () => serve.baseUrl;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lazaret-first-'));
    serve = await new ServeProcess({
      LAZARET_DATA_DIR: dataDir,
      LAZARET_HTTP_TRUST_PROXY: '127.0.0.1',
    }).start();
    password = (await serve.waitForStderr(/^\s+password:\s+(\S+)$/))[1]!;
  });

  afterAll(async () => {
    await serve?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('prints a generated admin password once on the console, never in the log', async () => {
    expect(password).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(serve.stderr.join('\n')).toContain('admin@localhost');
    const created = await serve.waitForLog((line) => line.event === 'BOOTSTRAP_ADMIN_CREATED');
    expect(created).toMatchObject({ email: 'admin@localhost', generated: true });
    expect(serve.logs.map((line) => JSON.stringify(line)).join('\n')).not.toContain(password);
  });

  it('writes nothing else to standard error from start to stop: no deprecation or other warning', async () => {
    const quietDir = await mkdtemp(join(tmpdir(), 'lazaret-quiet-'));
    try {
      const child = spawn(process.execPath, [CLI_PATH, 'serve'], {
        env: {
          PATH: process.env.PATH ?? '',
          LAZARET_DATA_DIR: quietDir,
          LAZARET_SMTP_PORT: '0',
          LAZARET_HTTP_PORT: '0',
          LAZARET_ADMIN_PASSWORD: 'a-chosen-password-not-printed',
          LAZARET_LOG_FORMAT: 'json',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const stderr: Buffer[] = [];
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      let stdout = '';
      await new Promise<void>((resolve) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString('utf8');
          if (stdout.includes('"HTTP_LISTENING"')) resolve();
        });
      });
      const closed = once(child, 'close');
      child.kill('SIGTERM');
      expect((await closed)[0]).toBe(0);
      expect(Buffer.concat(stderr).toString('utf8')).toBe('');
    } finally {
      await rm(quietDir, { recursive: true, force: true });
    }
  });

  it('signs in with it: an httpOnly, SameSite=Lax cookie, Secure when the proxy says the client used TLS', async () => {
    const anonymous = new ApiClient(base);
    const plain = await anonymous.request('/api/auth/login', {
      method: 'POST',
      json: { email: 'admin@localhost', password },
    });
    expect(plain.status).toBe(200);
    const cookie = plain.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^lazaret_session=lzs_[\w-]+;/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i);
    const proxied = await anonymous.request('/api/auth/login', {
      method: 'POST',
      json: { email: 'admin@localhost', password },
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(proxied.headers.get('set-cookie')).toMatch(/; Secure/i);
  });

  it('lets the admin create a user and a token with which the user sees only their own mail', async () => {
    const cliEnv = { LAZARET_DATA_DIR: dataDir };
    const added = await runCli(cliEnv, ['user', 'add', 'bob@corp.test', '--name', 'Bob']);
    expect(added.code, added.stderr).toBe(0);
    const bobPassword = added.stdout.trim();
    expect(bobPassword).toHaveLength(20);
    const created = await runCli(cliEnv, [
      'token',
      'create',
      '--user',
      'bob@corp.test',
      '--scope',
      'read',
      '--expires',
      '30d',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^lzt_/);

    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: serve.smtpPort,
      ignoreTLS: true,
    });
    await transport.sendMail({ from: 'x@sender.test', to: 'bob@corp.test', subject: 'For Bob', text: 'b' });
    await transport.sendMail({
      from: 'x@sender.test',
      to: 'carol@corp.test',
      subject: 'For Carol',
      text: 'c',
    });
    transport.close();

    const asBob = ApiClient.bearer(base, token);
    const list = await asBob.request('/api/quarantine');
    expect(list.status).toBe(200);
    expect((list.body as { items: { recipient: string }[] }).items.map((item) => item.recipient)).toEqual([
      'bob@corp.test',
    ]);
    const bobSession = await ApiClient.login(base, 'bob@corp.test', bobPassword);
    expect(((await bobSession.request('/api/quarantine')).body as { items: unknown[] }).items).toHaveLength(
      1,
    );
    const admin = await ApiClient.login(base, 'admin@localhost', password);
    expect(((await admin.request('/api/quarantine')).body as { items: unknown[] }).items).toHaveLength(2);
  });

  it('refuses a certificate without its key, naming the key', async () => {
    const result = await runCli(
      { LAZARET_DATA_DIR: dataDir, LAZARET_TLS_CERT: new URL('cert.pem', TLS_DIR).pathname },
      ['serve'],
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('http.tlsKey');
  });

  it('serves HTTPS itself with LAZARET_TLS_CERT/KEY, and does not create or print an admin again', async () => {
    expect(await serve.stop()).toBe(0);
    serve = await new ServeProcess({
      LAZARET_DATA_DIR: dataDir,
      LAZARET_TLS_CERT: new URL('cert.pem', TLS_DIR).pathname,
      LAZARET_TLS_KEY: new URL('key.pem', TLS_DIR).pathname,
    }).start();
    const answer = await httpsJson(`https://localhost:${serve.httpPort}/api/auth/login`, {
      method: 'POST',
      body: { email: 'admin@localhost', password },
    });
    expect(answer.status).toBe(200);
    expect(String(answer.headers['set-cookie'])).toMatch(/; Secure/i);
    expect(serve.stderr.join('\n')).not.toContain('password');
    expect(serve.logs.some((line) => line.event === 'BOOTSTRAP_ADMIN_CREATED')).toBe(false);
  });
});
