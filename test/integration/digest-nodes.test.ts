import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../contract/backends.js';
import { ApiClient } from '../support/api-client.js';
import { parseDigest } from '../support/digest-mail.js';
import { Downstream } from '../support/downstream.js';
import { ServeProcess } from '../support/serve-process.js';
import { embeddedServe, type StorageBackend, type StorageSetup } from '../support/storage-backends.js';

const PASSWORD = 'digest-nodes-password-1';
const USERS = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'].map((name) => `${name}@corp.test`);

/**
 * Where the nodes keep the digest state: one SQLite file both processes open (one data folder), or
 * PostgreSQL, with a data folder of its own per node.
 */
const SETUPS: { name: string; storage: StorageBackend; folderPerNode: boolean }[] = [
  { name: 'one SQLite file', storage: embeddedServe, folderPerNode: false },
  ...BACKENDS.filter((backend) => backend.key === 'postgres-s3').map((backend) => ({
    name: backend.label,
    storage: backend.serve!,
    folderPerNode: true,
  })),
];

describe.each(SETUPS)(
  'two serve processes ($name) and a SIGKILL mid-send: exactly one digest per user per period',
  ({ storage: backend, folderPerNode }) => {
    let dataDir: string;
    let storage: StorageSetup;
    let smtp: Downstream;
    let env: Record<string, string>;
    const nodes: Record<string, ServeProcess> = {};
    const clients: Record<string, ApiClient> = {};

    const start = async (name: string) => {
      const own: Record<string, string> = folderPerNode ? { LAZARET_DATA_DIR: join(dataDir, name) } : {};
      nodes[name] = await new ServeProcess({ ...env, ...own, LAZARET_NODE_NAME: name }).start();
      return nodes[name]!;
    };
    const arrivalsFor = (email: string) => smtp.arrived.filter((delivery) => delivery.rcptTo.includes(email));
    /** Resolves after `count` more passes of the digest worker on `node`. */
    const ticks = async (node: ServeProcess, count: number) => {
      const seen = node.logs.filter((line) => line.event === 'DIGEST_TICK').length;
      await node.waitForLog(
        () => node.logs.filter((line) => line.event === 'DIGEST_TICK').length >= seen + count,
      );
    };

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'lazaret-digest-nodes-'));
      storage = await backend.setup(dataDir);
      smtp = await new Downstream().start();
      env = {
        ...storage.env,
        LAZARET_RELAY_PORT: String(smtp.port),
        LAZARET_RELAY_TLS: 'none',
        LAZARET_ADMIN_EMAIL: 'root@corp.test',
        LAZARET_ADMIN_PASSWORD: PASSWORD,
        LAZARET_DIGEST_TICK_SECONDS: '1',
        LAZARET_DIGEST_LEASE_MS: '3000',
        LAZARET_DIGEST_SETTLE_SECONDS: '0',
        LAZARET_LOG_LEVEL: 'debug',
      };
      const a = await start('node-a');
      const admin = await ApiClient.login(() => a.baseUrl, 'root@corp.test', PASSWORD);
      for (const email of USERS) {
        const created = await admin.request('/api/users', {
          method: 'POST',
          json: { email, role: 'user', password: PASSWORD },
        });
        expect(created.status, created.text).toBe(201);
        clients[email] = await ApiClient.login(() => nodes['node-a']!.baseUrl, email, PASSWORD);
      }
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: a.smtpPort, ignoreTLS: true });
      await transport.sendMail({ from: 'spam@bulk.example', to: USERS, subject: 'Held for all', text: 'x' });
      transport.close();
      await start('node-b');
    });

    afterAll(async () => {
      for (const node of Object.values(nodes)) await node.stop('SIGKILL');
      await smtp.stop();
      await storage?.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    });

    it('a node killed while its digest is on the wire: after the lease the period counts as sent, never sent again', async () => {
      const victim = USERS[0]!;
      smtp.hold();
      const set = await clients[victim]!.request('/api/digest/settings', {
        method: 'PUT',
        json: { frequency: 'hourly', timeZone: 'Europe/Berlin' },
      });
      expect(set.status, set.text).toBe(200);
      expect(set.body).toMatchObject({
        effective: { frequency: 'hourly', timeZone: 'Europe/Berlin' },
        receives: true,
      });
      await smtp.waitForArrivals(1);
      // The node that is sending it is stuck in its pass; the other one finds the period taken.
      const waiting = await Promise.race(
        Object.values(nodes).map((node) =>
          node.waitForLog((line) => line.event === 'DIGEST_TICK' && Number(line.busy) > 0).then(() => node),
        ),
      );
      const [dyingName, dying] = Object.entries(nodes).find(([, node]) => node !== waiting)!;
      // The sending node dies now, with its digest delivered but unacknowledged.
      await dying.stop('SIGKILL');
      smtp.release();
      const survivor = waiting;
      const interrupted = await survivor.waitForLog((line) => line.event === 'DIGEST_INTERRUPTED');
      expect(interrupted).toMatchObject({ owner: dyingName });
      // The dead node comes back; both keep ticking; nothing is sent again.
      await start(dyingName);
      await Promise.all([ticks(survivor, 2), ticks(nodes[dyingName]!, 2)]);
      expect(arrivalsFor(victim)).toHaveLength(1);
      const settings = await clients[victim]!.request('/api/digest/settings');
      expect(settings.body).toMatchObject({ lastError: { code: 'interrupted' } });
    });

    it('two nodes racing for five users send each exactly one digest', async () => {
      const others = USERS.slice(1);
      await Promise.all(
        others.map((email, index) =>
          clients[email]!.request('/api/digest/settings', {
            method: 'PUT',
            json: {
              frequency: 'daily',
              hour: 0,
              timeZone: ['UTC', 'Asia/Kolkata', 'America/New_York', 'Pacific/Auckland', 'Europe/Berlin'][
                index
              ],
            },
          }),
        ),
      );
      await smtp.waitForArrivals(1 + others.length);
      const [a, b] = [nodes['node-a']!, nodes['node-b']!];
      await Promise.all([ticks(a, 3), ticks(b, 3)]);
      for (const email of others) {
        const mails = arrivalsFor(email);
        expect(mails, email).toHaveLength(1);
        expect(parseDigest(mails[0]!.raw).text).toContain('Subject: Held for all');
      }
      const senders = [a, b].flatMap((node) => node.logs.filter((line) => line.event === 'DIGEST_SENT'));
      expect(senders).toHaveLength(others.length);
      expect(smtp.arrived).toHaveLength(USERS.length);
    });
  },
);
