import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { ApiClient } from '../support/api-client.js';
import { Downstream } from '../support/downstream.js';
import { tempDir, testConfig } from '../support/env.js';
import { message } from '../support/mail.js';
import { sendRaw } from '../support/smtp-client.js';

const PASSWORD = 'lists-test-password-1';

describe('allow and block lists, end to end: set over the API, honoured by the policy scanner at SMTP ingest', () => {
  let downstream: Downstream;
  let server: RunningServer;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const base = () => `http://127.0.0.1:${server.httpAddress.port}`;
  const as: Record<string, ApiClient> = {};
  const ids: Record<string, string> = {};

  /** Sends one message; answers whether it was held for `to` (else it must have been relayed). */
  async function fate(
    envelopeFrom: string,
    to: string,
    options: { from?: string; spam?: boolean; attachExe?: boolean } = {},
  ): Promise<'held' | 'delivered'> {
    const subject = `fate ${Math.random().toString(36).slice(2)}`;
    const raw = message({
      from: options.from ?? envelopeFrom,
      to,
      subject,
      headers: options.spam ? ['X-Spam-Flag: YES', 'X-Spam-Status: Yes, score=9.1 required=5.0'] : [],
      ...(options.attachExe
        ? {
            attachments: [
              { filename: 'run.exe', contentType: 'application/octet-stream', data: Buffer.from('MZ') },
            ],
          }
        : {}),
    });
    const before = downstream.deliveries.length;
    const outcome = await sendRaw(server.smtpAddress.port, { from: envelopeFrom, to: [to] }, raw);
    expect(outcome.code, outcome.reply).toBe(250);
    const held = (await server.context.items.listItems({ subject }, { limit: 5 })).items;
    const relayed = downstream.deliveries.slice(before).filter((each) => each.raw.includes(subject));
    expect(held.length + relayed.length, `${subject} went exactly one way`).toBe(1);
    return held.length === 1 ? 'held' : 'delivered';
  }

  async function put(who: string, body: Record<string, unknown>, status = 201) {
    const answer = await as[who]!.request('/api/lists', { method: 'POST', json: body });
    expect(answer.status, answer.text).toBe(status);
    return (answer.body as { entry: { id: string } }).entry;
  }

  beforeAll(async () => {
    dir = await tempDir();
    downstream = await new Downstream().start();
    const config = testConfig({
      LAZARET_DATA_DIR: dir.path,
      LAZARET_SMTP_PORT: 0,
      LAZARET_HTTP_PORT: 0,
      LAZARET_MODE: 'filter',
      LAZARET_FILTER_REINJECT_PORT: downstream.port,
      LAZARET_SCANNERS_ENABLED: 'headers,policy',
      LAZARET_SCANNERS_HEADERS_TRUSTED_HOSTS: '127.0.0.1',
      // A configured domain rule takes part in the same precedence as the stored lists.
      LAZARET_SCANNERS_POLICY_SENDER_BLOCK: 'corp.test:configured.example',
      LAZARET_ADMIN_EMAIL: 'root@corp.test',
      LAZARET_ADMIN_PASSWORD: PASSWORD,
      LAZARET_DIGEST_ENABLED: 'false',
    });
    server = await startServer(config, createLogger('silent'), () => undefined);
    as.root = await ApiClient.login(base, 'root@corp.test', PASSWORD);
    const people = [
      { email: 'alice@corp.test', role: 'user', addresses: ['alice@corp.test', 'shared@corp.test'] },
      { email: 'bob@corp.test', role: 'user', addresses: ['bob@corp.test', 'shared@corp.test'] },
      { email: 'carol@corp.test', role: 'user' },
      { email: 'dora@corp.test', role: 'domain_admin', domains: ['corp.test'] },
      { email: 'otto@other.test', role: 'domain_admin', domains: ['other.test'] },
    ];
    for (const person of people) {
      const created = await as.root.request('/api/users', {
        method: 'POST',
        json: { ...person, password: PASSWORD },
      });
      expect(created.status, created.text).toBe(201);
      ids[person.email.split('@')[0]!] = (created.body as { user: { id: string } }).user.id;
      as[person.email.split('@')[0]!] = await ApiClient.login(base, person.email, PASSWORD);
    }
  });
  afterAll(async () => {
    await server?.close();
    await downstream?.stop();
    await dir?.cleanup();
  });

  it('holds what the lists say, in the documented precedence', async () => {
    // Before any list: spam is held, clean mail delivered.
    expect(await fate('news@shop.example', 'carol@corp.test', { spam: true })).toBe('held');
    expect(await fate('news@shop.example', 'carol@corp.test')).toBe('delivered');

    // Global block (admin) holds clean mail from the domain for everyone.
    await put('root', { scope: 'global', action: 'block', sender: 'shop.example' });
    expect(await fate('news@shop.example', 'carol@corp.test')).toBe('held');
    expect(await fate('news@shop.example', 'zed@other.test')).toBe('held');

    // A domain allow beats the global block, for that domain only; it also lets spam through.
    await put('dora', { scope: 'domain', domain: 'corp.test', action: 'allow', sender: 'shop.example' });
    expect(await fate('news@shop.example', 'carol@corp.test', { spam: true })).toBe('delivered');
    expect(await fate('news@shop.example', 'zed@other.test')).toBe('held');

    // A user block beats the domain allow, for that user only.
    await put('carol', { action: 'block', sender: 'news@shop.example' });
    expect(await fate('news@shop.example', 'carol@corp.test')).toBe('held');
    expect(await fate('news@shop.example', 'frank@corp.test')).toBe('delivered');

    // Within one level block beats allow: carol allows the whole domain but blocks one address.
    await put('carol', { action: 'allow', sender: 'shop.example' });
    expect(await fate('news@shop.example', 'carol@corp.test', { spam: true })).toBe('held');
    expect(await fate('offers@shop.example', 'carol@corp.test', { spam: true })).toBe('delivered');

    // A user allow beats a domain block (here a configured one).
    expect(await fate('x@configured.example', 'alice@corp.test')).toBe('held');
    await put('alice', { action: 'allow', sender: 'configured.example' });
    expect(await fate('x@configured.example', 'alice@corp.test', { spam: true })).toBe('delivered');
    expect(await fate('x@configured.example', 'carol@corp.test')).toBe('held');

    // A shared address belongs to alice and bob: a block of either holds it (block beats allow).
    await put('bob', { action: 'block', sender: 'configured.example' });
    expect(await fate('x@configured.example', 'shared@corp.test')).toBe('held');
    expect(await fate('x@configured.example', 'alice@corp.test')).toBe('delivered');
  });

  it('an allow never lets malware-like attachments (policy) through, and a forged From does not ride on it', async () => {
    await put('alice', { action: 'allow', sender: 'friend@partner.example' });
    expect(await fate('friend@partner.example', 'alice@corp.test', { spam: true })).toBe('delivered');
    expect(await fate('friend@partner.example', 'alice@corp.test', { attachExe: true })).toBe('held');
    // The From address counts for an allow only when the envelope sender's domain goes with it.
    expect(
      await fate('bounce-77@mail.partner.example', 'alice@corp.test', {
        from: 'Friend <friend@partner.example>',
        spam: true,
      }),
    ).toBe('delivered');
    expect(
      await fate('spam@evil.example', 'alice@corp.test', {
        from: 'Friend <friend@partner.example>',
        spam: true,
      }),
    ).toBe('held');
    // A block matches a From address whatever the envelope says.
    await put('alice', { action: 'block', sender: 'ceo@corp-lookalike.example' });
    expect(
      await fate('anything@elsewhere.example', 'alice@corp.test', {
        from: 'CEO <ceo@corp-lookalike.example>',
      }),
    ).toBe('held');
  });

  it('records which list held a message', async () => {
    await put('carol', { action: 'block', sender: 'tracked@ads.example' });
    const raw = message({ from: 'tracked@ads.example', to: 'carol@corp.test', subject: 'which list' });
    await sendRaw(server.smtpAddress.port, { from: 'tracked@ads.example', to: ['carol@corp.test'] }, raw);
    const [item] = (await server.context.items.listItems({ subject: 'which list' }, { limit: 1 })).items;
    expect(item).toMatchObject({ reason: 'policy' });
    expect(item!.details).toMatchObject({
      rule: 'sender-block',
      entry: 'tracked@ads.example',
      level: 'user',
      list: 'list',
    });
  });

  it('lets each caller manage only the lists the access policy gives them', async () => {
    const entry = await put('carol', { action: 'allow', sender: 'Mixed@Case.Example' });
    expect((await as.carol!.request('/api/lists')).body).toMatchObject({
      entries: expect.arrayContaining([
        expect.objectContaining({
          id: entry.id,
          sender: 'mixed@case.example',
          scope: 'user',
          userId: ids.carol,
        }),
      ]),
    });
    // Putting the same sender again changes it: 200 with the previous action.
    const flipped = await as.carol!.request('/api/lists', {
      method: 'POST',
      json: { action: 'block', sender: 'mixed@case.example' },
    });
    expect(flipped.status).toBe(200);
    expect(flipped.body).toMatchObject({ entry: { id: entry.id, action: 'block' }, previousAction: 'allow' });

    // Users: not domain or global lists, not someone else's list.
    expect(
      (
        await as.carol!.request('/api/lists', {
          method: 'POST',
          json: { scope: 'domain', domain: 'corp.test', action: 'allow', sender: 'x.example' },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await as.carol!.request('/api/lists', {
          method: 'POST',
          json: { scope: 'global', action: 'allow', sender: 'x.example' },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await as.carol!.request('/api/lists', {
          method: 'POST',
          json: { userId: ids.alice, action: 'allow', sender: 'x.example' },
        })
      ).status,
    ).toBe(404);
    expect((await as.carol!.request(`/api/lists?scope=user&userId=${ids.alice}`)).status).toBe(404);
    // Domain admins: their domains and their users, nothing else.
    expect(
      (
        await as.otto!.request('/api/lists', {
          method: 'POST',
          json: { scope: 'domain', domain: 'corp.test', action: 'block', sender: 'x.example' },
        })
      ).status,
    ).toBe(403);
    expect((await as.otto!.request(`/api/lists?scope=user&userId=${ids.carol}`)).status).toBe(404);
    const onCarols = await as.dora!.request(`/api/lists?scope=user&userId=${ids.carol}`);
    expect(onCarols.status).toBe(200);
    expect((onCarols.body as { entries: unknown[] }).entries.length).toBeGreaterThan(0);
    await put('dora', { scope: 'user', userId: ids.carol, action: 'block', sender: 'by-admin.example' });
    // Removing: own entries, yes; invisible ones answer 404 like missing ones; twice is 404.
    expect((await as.alice!.request(`/api/lists/${entry.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await as.otto!.request(`/api/lists/${entry.id}`, { method: 'DELETE' })).status).toBe(404);
    const removed = await as.carol!.request(`/api/lists/${entry.id}`, { method: 'DELETE' });
    expect(removed.status).toBe(200);
    expect((await as.carol!.request(`/api/lists/${entry.id}`, { method: 'DELETE' })).status).toBe(404);
    // Bad input is a validation error naming the problem.
    const bad = await as.carol!.request('/api/lists', {
      method: 'POST',
      json: { action: 'allow', sender: 'not an address' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'validation_error' } });
    expect(
      (
        await as.carol!.request('/api/lists', {
          method: 'POST',
          json: { action: 'maybe', sender: 'a.example' },
        })
      ).status,
    ).toBe(400);
    // Every change is audited with the tenants it touched.
    const audit = await as.dora!.request('/api/audit?action=list.put&limit=200');
    const entries = (audit.body as { entries: { actor: { label: string }; params: { sender: string } }[] })
      .entries;
    expect(
      entries.some(
        (each) => each.actor.label === 'carol@corp.test' && each.params.sender === 'mixed@case.example',
      ),
    ).toBe(true);
    const removals = await as.root!.request('/api/audit?action=list.remove');
    expect((removals.body as { entries: unknown[] }).entries).toHaveLength(1);
  });
});
