// Fills a fresh data dir through the built CLI of an older release (see scripts/make-upgrade-fixture.sh).
// Usage: node generate.mjs <old checkout with dist/> <data dir> <manifest.json to write>
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';

const [checkout, dataDir, manifestPath] = process.argv.slice(2);
if (!checkout || !dataDir || !manifestPath) {
  console.error('usage: node generate.mjs <old checkout> <data dir> <manifest.json>');
  process.exit(2);
}
const cli = join(checkout, 'dist/cli/main.js');

const ADMIN = { email: 'admin@corp.test', password: 'upgrade-admin-password' };
const CAROL = { email: 'carol@corp.test', password: 'upgrade-carol-password', alias: 'carol.alias@corp.test' };

const sink = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  onData(stream, _session, callback) {
    stream.resume();
    stream.on('end', () => callback());
  },
});
sink.listen(0, '127.0.0.1');
await once(sink.server, 'listening');

const env = {
  PATH: process.env.PATH ?? '',
  LAZARET_DATA_DIR: dataDir,
  LAZARET_SMTP_PORT: '0',
  LAZARET_HTTP_PORT: '0',
  LAZARET_LOG_FORMAT: 'json',
  LAZARET_LOG_LEVEL: 'info',
  LAZARET_ADMIN_EMAIL: ADMIN.email,
  LAZARET_ADMIN_PASSWORD: ADMIN.password,
  LAZARET_RELAY_HOST: '127.0.0.1',
  LAZARET_RELAY_PORT: String(sink.server.address().port),
  LAZARET_RELAY_TLS: 'none',
  LAZARET_RETENTION_PURGE_INTERVAL_SECONDS: '0',
};

async function run(args, input = '') {
  const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdin.end(input);
  const [code] = await once(child, 'close');
  if (code !== 0) throw new Error(`lazaret ${args.join(' ')} exited ${code}: ${stderr}`);
  return stdout;
}

const serve = spawn(process.execPath, [cli, 'serve'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
const ports = {};
await new Promise((resolve, reject) => {
  serve.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
  createInterface({ input: serve.stdout }).on('line', (text) => {
    const line = JSON.parse(text);
    if (line.event === 'SMTP_LISTENING') ports.smtp = line.port;
    if (line.event === 'HTTP_LISTENING') ports.http = line.port;
    if (ports.smtp && ports.http) resolve();
  });
});
const base = `http://127.0.0.1:${ports.http}`;

// Written by the CLI while serve runs, as an operator would.
await run(['user', 'add', CAROL.email, '--name', 'Carol', '--address', CAROL.email, '--address', CAROL.alias, '--password-stdin'], `${CAROL.password}\n`);
const token = (await run(['token', 'create', '--user', ADMIN.email, '--scope', 'admin', '--name', 'upgrade'])).trim();
await run(['digest', 'schedule', '--user', CAROL.email, '--frequency', 'daily', '--hour', '7', '--time-zone', 'Europe/Berlin']);

async function api(path, init = {}) {
  const response = await fetch(`${base}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
  });
  const body = await response.json().catch(() => undefined);
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

await api('/api/lists', { method: 'POST', body: JSON.stringify({ scope: 'global', action: 'block', sender: 'blocked@spam.test' }) });

const mails = [
  { name: 'inline', from: 'news@sender.test', to: ['alice@corp.test', CAROL.email, CAROL.alias], lines: 20 },
  { name: 'large', from: 'files@sender.test', to: ['dave@corp.test', CAROL.email], lines: 4000 },
  { name: 'third', from: 'promo@sender.test', to: ['erin@corp.test', 'frank@other.test'], lines: 5 },
];
const manifest = { messages: [], items: [] };
for (const mail of mails) {
  const filler = Array.from({ length: mail.lines }, (_, line) => `${mail.name} line ${line} ${'x'.repeat(60)}\r\n`).join('');
  const raw = Buffer.from(
    `From: ${mail.from}\r\nTo: ${mail.to.join(', ')}\r\nSubject: upgrade ${mail.name}\r\n` +
      `Date: Tue, 01 Dec 2026 10:00:00 +0000\r\nMessage-ID: <upgrade-${mail.name}@sender.test>\r\n\r\n${filler}`,
  );
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: ports.smtp, secure: false, ignoreTLS: true });
  await transport.sendMail({ envelope: { from: mail.from, to: mail.to }, raw });
  transport.close();
  manifest.messages.push({
    subject: `upgrade ${mail.name}`,
    bytes: raw.length,
    sha256: createHash('sha256').update(raw).digest('hex'),
  });
}

const { items } = await api('/api/quarantine?limit=100');
const find = (subject, recipient) => items.find((item) => item.subject === subject && item.recipient === recipient);
const releasedOne = find('upgrade inline', 'alice@corp.test');
const deletedOne = find('upgrade third', 'frank@other.test');
const bulkOne = find('upgrade third', 'erin@corp.test');
await api(`/api/quarantine/${releasedOne.id}/release`, { method: 'POST' });
await api(`/api/quarantine/${deletedOne.id}`, { method: 'DELETE' });
// A bulk job, followed by the CLI until it has finished.
await run(['release', '--ids', bulkOne.id, '--url', base, '--token', token]);

for (const item of items) {
  const status = item === releasedOne || item === bulkOne ? 'released' : item === deletedOne ? 'deleted' : 'quarantined';
  manifest.items.push({ id: item.id, subject: item.subject, recipient: item.recipient, status });
}
manifest.token = token;
manifest.users = [ADMIN, CAROL];
const { jobs } = await api('/api/quarantine/jobs');
manifest.jobs = jobs.map((job) => ({ id: job.id, action: job.action, state: job.state, counters: job.counters }));

serve.kill('SIGTERM');
const [code] = await once(serve, 'exit');
sink.close();
if (code !== 0) throw new Error(`serve stopped with ${code}`);
await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
