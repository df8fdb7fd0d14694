import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.js';
import { RspamdClient } from '../../src/daemons/rspamd-client.js';
import { SpamdClient } from '../../src/daemons/spamd-client.js';
import { QueueingLearner } from '../../src/learning/learner.js';
import { LearningWorker } from '../../src/learning/learning-worker.js';
import { RspamdTeacher, SpamdTeacher } from '../../src/learning/teachers.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { openStores, type Stores } from '../../src/store/open-stores.js';
import { ApiClient } from '../support/api-client.js';
import { buildItems, buildMessage } from '../support/builders.js';
import { type Daemon, startRedis, startRspamdController, startTeachableSpamd } from '../support/daemons.js';
import { Downstream } from '../support/downstream.js';
import { freePort, missingPrograms, tempDir, testConfig, waitUntil } from '../support/env.js';
import { message } from '../support/mail.js';
import { memoryLogger } from '../support/memory-logger.js';
import { sendRaw } from '../support/smtp-client.js';

const PASSWORD = 'learning-test-password';
const RSPAMD_PASSWORD = 'learn-secret';

/** A message with enough words for a Bayes classifier to learn from. */
function lesson(subject: string): Buffer {
  return message({
    from: 'Partner <partner@example.org>',
    to: 'alice@corp.test',
    subject,
    body: `Hello Alice,\r\n\r\nplease find the quarterly figures for ${subject} below. Revenue grew in every region, costs stayed flat and the hiring plan for next year is attached for the board meeting on Thursday afternoon.\r\n\r\nRegards,\r\nThe partner team\r\n`,
  });
}

async function rspamdStat(port: number): Promise<{ learned: number }> {
  const response = await fetch(`http://127.0.0.1:${port}/stat`, {
    headers: { Password: `${RSPAMD_PASSWORD}-read` },
  });
  return (await response.json()) as { learned: number };
}

const missingRspamd = missingPrograms('learning against rspamd', ['rspamd', 'redis-server']);

describe.skipIf(missingRspamd.length > 0)('learning against a real rspamd from Debian', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let redis: Daemon;
  let rspamd: Daemon;
  let rspamdPort: number;
  let downstream: Downstream;
  let server: RunningServer;
  let admin: ApiClient;
  const logs = memoryLogger('debug');

  const hold = async (subject: string): Promise<string> => {
    const outcome = await sendRaw(
      server.smtpAddress.port,
      { from: 'partner@example.org', to: ['alice@corp.test'] },
      lesson(subject),
    );
    expect(outcome.code).toBe(250);
    const [item] = (await server.context.items.listItems({ subject }, { limit: 1 })).items;
    return item!.id;
  };

  beforeAll(async () => {
    dir = await tempDir();
    redis = await startRedis(dir.path);
    rspamdPort = await freePort();
    rspamd = await startRspamdController(dir.path, {
      redisPort: redis.port,
      enablePassword: RSPAMD_PASSWORD,
      port: rspamdPort,
    });
    downstream = await new Downstream().start();
    server = await startServer(
      testConfig({
        LAZARET_DATA_DIR: dir.path,
        LAZARET_SMTP_PORT: 0,
        LAZARET_HTTP_PORT: 0,
        LAZARET_RELAY_PORT: downstream.port,
        LAZARET_RELAY_TLS: 'none',
        LAZARET_ADMIN_EMAIL: 'root@corp.test',
        LAZARET_ADMIN_PASSWORD: PASSWORD,
        LAZARET_DIGEST_ENABLED: 'false',
        LAZARET_LEARNING_BACKEND: 'rspamd',
        LAZARET_SCANNERS_RSPAMD_CONTROLLER_URL: `http://127.0.0.1:${rspamdPort}`,
        LAZARET_SCANNERS_RSPAMD_PASSWORD: RSPAMD_PASSWORD,
        LAZARET_LEARNING_RETRY_BASE_SECONDS: 1,
        LAZARET_LEARNING_POLL_SECONDS: 1,
      }),
      logs.logger,
      () => undefined,
    );
    admin = await ApiClient.login(
      () => `http://127.0.0.1:${server.httpAddress.port}`,
      'root@corp.test',
      PASSWORD,
    );
  });
  afterAll(async () => {
    await server?.close();
    await downstream?.stop();
    await rspamd?.stop();
    await redis?.stop();
    await dir?.cleanup();
  });

  it("a released item is learned as ham: rspamd's statistics count it", async () => {
    expect((await rspamdStat(rspamdPort)).learned).toBe(0);
    const id = await hold('Quarterly figures north');
    const released = await admin.request(`/api/quarantine/${id}/release`, { method: 'POST' });
    expect(released.status, released.text).toBe(200);
    const learned = await logs.waitFor((line) => line.event === 'LEARNED' && line.itemId === id);
    expect(learned).toMatchObject({ kind: 'ham', teacher: 'rspamd', answer: 'learned', attempts: 1 });
    await waitUntil('rspamd to count the lesson', async () => (await rspamdStat(rspamdPort)).learned === 1);
    // The task is done and gone.
    expect((await server.context.learning.listLearnTasks({ itemId: id }, { limit: 5 })).items).toEqual([]);
  });

  it('"report as spam" teaches spam; reporting again is a lesson rspamd already knows', async () => {
    const id = await hold('Quarterly figures south');
    const reported = await admin.request(`/api/quarantine/${id}/report-spam`, { method: 'POST' });
    expect(reported.status, reported.text).toBe(200);
    expect(reported.body).toMatchObject({ learning: 'queued', item: { id, status: 'quarantined' } });
    await logs.waitFor((line) => line.event === 'LEARNED' && line.itemId === id && line.kind === 'spam');
    await waitUntil(
      'rspamd to count the spam lesson',
      async () => (await rspamdStat(rspamdPort)).learned === 2,
    );
    await admin.request(`/api/quarantine/${id}/report-spam`, { method: 'POST' });
    const again = await logs.waitFor(
      (line) => line.event === 'LEARNED' && line.itemId === id && line.answer === 'known',
    );
    expect(again.kind).toBe('spam');
    const audit = await admin.request(`/api/audit?itemId=${id}&action=item.report_spam`);
    expect((audit.body as { entries: unknown[] }).entries).toHaveLength(2);
  });

  it('a bulk release teaches every released item, through the same engine', async () => {
    const ids = [await hold('Quarterly figures west'), await hold('Quarterly figures centre')];
    const answer = await admin.request('/api/quarantine/release', { method: 'POST', json: { ids } });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({ summary: { succeeded: 2 } });
    for (const id of ids) {
      const learned = await logs.waitFor((line) => line.event === 'LEARNED' && line.itemId === id);
      expect(learned).toMatchObject({ kind: 'ham', answer: 'learned' });
    }
    await waitUntil('rspamd to count both', async () => (await rspamdStat(rspamdPort)).learned === 4);
  });

  it('while rspamd is down the release still succeeds at once; the lesson is retried until it is learned', async () => {
    await rspamd.stop();
    const id = await hold('Quarterly figures east');
    const released = await admin.request(`/api/quarantine/${id}/release`, { method: 'POST' });
    expect(released.status).toBe(200);
    expect(downstream.deliveries.some((delivery) => delivery.raw.includes('Quarterly figures east'))).toBe(
      true,
    );
    const failed = await logs.waitFor((line) => line.event === 'LEARN_FAILED' && line.itemId === id);
    expect(String(failed.error)).toMatch(/ECONNREFUSED/);
    const [task] = (await server.context.learning.listLearnTasks({ itemId: id }, { limit: 1 })).items;
    expect(task).toMatchObject({ state: 'pending', kind: 'ham' });
    expect(task!.lastError).toMatch(/ECONNREFUSED/);

    rspamd = await startRspamdController(dir.path, {
      redisPort: redis.port,
      enablePassword: RSPAMD_PASSWORD,
      port: rspamdPort,
    });
    const learned = await logs.waitFor((line) => line.event === 'LEARNED' && line.itemId === id);
    expect(learned.attempts).toBeGreaterThan(1);
    // The restarted rspamd counts from zero again.
    await waitUntil('rspamd to count it', async () => (await rspamdStat(rspamdPort)).learned === 1);
  });
});

describe('learning failures: logged, retried with doubling waits, given up after learning.maxAttempts', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let stores: Stores;

  beforeAll(async () => {
    dir = await tempDir();
    stores = await openStores(testConfig({ LAZARET_DATA_DIR: dir.path }));
  });
  afterAll(async () => {
    await stores?.close();
    await dir?.cleanup();
  });

  it('retries a refused lesson with doubling waits and gives up after the last attempt', async () => {
    let clock = new Date('2026-11-20T10:00:00Z');
    const logs = memoryLogger('debug');
    const config = testConfig({
      LAZARET_LEARNING_BACKEND: 'rspamd',
      LAZARET_SCANNERS_RSPAMD_CONTROLLER_URL: `http://127.0.0.1:${await freePort()}`,
      LAZARET_LEARNING_MAX_ATTEMPTS: 3,
      LAZARET_LEARNING_RETRY_BASE_SECONDS: 60,
    });
    const message = buildMessage();
    const [item] = buildItems(message);
    await stores.blobs.put(message.blobKey, lesson('x'));
    await stores.items.putMessage(message, [item!]);
    const learner = new QueueingLearner({
      learning: stores.learning,
      logger: logs.logger,
      now: () => clock,
      config,
    });
    await learner.released([item!], 'alice@corp.test');
    const worker = new LearningWorker({
      ...stores,
      logger: logs.logger,
      now: () => clock,
      nodeName: 'node-a',
      config,
      teacher: new RspamdTeacher(new RspamdClient(config.scanners.rspamd)),
    });
    expect(await worker.runOnce()).toEqual({ learned: 0, retried: 1, gaveUp: 0 });
    const [task] = (await stores.learning.listLearnTasks({}, { limit: 1 })).items;
    expect(task).toMatchObject({ attempts: 1, state: 'pending', nextAttemptAt: '2026-11-20T10:01:00.000Z' });
    expect(await worker.runOnce()).toEqual({ learned: 0, retried: 0, gaveUp: 0 });
    clock = new Date('2026-11-20T10:01:00Z');
    expect(await worker.runOnce()).toEqual({ learned: 0, retried: 1, gaveUp: 0 });
    expect((await stores.learning.getLearnTask(task!.id))?.nextAttemptAt).toBe('2026-11-20T10:03:00.000Z');
    clock = new Date('2026-11-20T10:03:00Z');
    expect(await worker.runOnce()).toEqual({ learned: 0, retried: 0, gaveUp: 1 });
    expect(await stores.learning.getLearnTask(task!.id)).toMatchObject({ state: 'failed', attempts: 3 });
    clock = new Date('2026-11-21T10:00:00Z');
    expect(await worker.runOnce()).toEqual({ learned: 0, retried: 0, gaveUp: 0 });
    expect(logs.lines.filter((line) => line.event === 'LEARN_FAILED')).toHaveLength(2);
    expect(logs.lines.filter((line) => line.event === 'LEARN_GAVE_UP')).toHaveLength(1);
  });

  it('gives up at once on a message that is gone, and queues nothing with learning.backend none', async () => {
    const logs = memoryLogger('debug');
    const config = testConfig({ LAZARET_LEARNING_BACKEND: 'rspamd' });
    const [item] = buildItems(buildMessage({ id: newId() }));
    const clock = () => new Date('2026-11-20T10:00:00Z');
    await new QueueingLearner({
      learning: stores.learning,
      logger: logs.logger,
      now: clock,
      config,
    }).reportedSpam(item!, 'x');
    const worker = new LearningWorker({
      ...stores,
      logger: logs.logger,
      now: clock,
      nodeName: 'node-a',
      config,
      teacher: new RspamdTeacher(new RspamdClient(config.scanners.rspamd)),
    });
    expect((await worker.runOnce()).gaveUp).toBe(1);
    expect(logs.lines.find((line) => line.event === 'LEARN_GAVE_UP')?.error).toMatch(/gone/);
    const none = new QueueingLearner({
      learning: stores.learning,
      logger: logs.logger,
      now: clock,
      config: testConfig({}),
    });
    const before = (await stores.learning.listLearnTasks({}, { limit: 100 })).items.length;
    await none.released([item!], 'x');
    expect((await stores.learning.listLearnTasks({}, { limit: 100 })).items).toHaveLength(before);
  });
});

const missingSpamd = missingPrograms('learning against spamd', ['spamd', 'sa-learn']);

describe.skipIf(missingSpamd.length > 0)(
  'learning against a real SpamAssassin spamd (TELL, as spamc learns)',
  () => {
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let spamd: Awaited<ReturnType<typeof startTeachableSpamd>>;

    beforeAll(async () => {
      dir = await tempDir();
      spamd = await startTeachableSpamd(dir.path);
    });
    afterAll(async () => {
      await spamd?.stop();
      await dir?.cleanup();
    });

    const nham = () => {
      const dump = execFileSync('sa-learn', ['--dbpath', spamd.bayesPath, '--dump', 'magic'], {
        encoding: 'utf8',
      });
      return Number(/(\d+)\s+0\s+non-token data: nham/.exec(dump)?.[1] ?? 0);
    };

    it('teaches ham, knows a repeated lesson, and reports a refusal as an error', async () => {
      const teacher = new SpamdTeacher(new SpamdClient({ host: '127.0.0.1', port: spamd.port }));
      const raw = lesson('spamd lesson');
      const { Readable } = await import('node:stream');
      expect(await teacher.learn('ham', Readable.from([raw]), raw.length, AbortSignal.timeout(30_000))).toBe(
        'learned',
      );
      expect(nham()).toBe(1);
      expect(await teacher.learn('ham', Readable.from([raw]), raw.length, AbortSignal.timeout(30_000))).toBe(
        'known',
      );
      expect(nham()).toBe(1);
      const closed = new SpamdTeacher(new SpamdClient({ host: '127.0.0.1', port: await freePort() }));
      await expect(
        closed.learn('spam', Readable.from([raw]), raw.length, AbortSignal.timeout(5000)),
      ).rejects.toThrow(/ECONNREFUSED/);
    });
  },
);
