import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiAnswer, ApiClient } from '../support/api-client.js';
import { Downstream } from '../support/downstream.js';
import { runCli, ServeProcess } from '../support/serve-process.js';
import { sendExact } from '../support/smtp-client.js';

/**
 * Issue 14 item 1, "invisible means absent" for addresses: one message to Alice (a.test), Bob
 * (b.test) and Carol (b.test, Bcc: in no header), released partly to alternate recipients. For each
 * identity, every response body of every route that can carry a recipient is searched for the
 * recipients that identity may not see.
 */
const ALICE = 'alice@a.test';
const BOB = 'bob@b.test';
const CAROL = 'carol@b.test';
const RECIPIENTS = [ALICE, BOB, CAROL];
/** Not a person here: a release recipient the mail server refuses, named in its reply. */
const NOBODY = 'nobody@a.test';
const PASSWORD = 'privacy-password-1';

const PEOPLE = {
  alice: { email: ALICE, args: ['--role', 'user'], sees: [ALICE] },
  bob: { email: BOB, args: ['--role', 'user'], sees: [BOB] },
  carol: { email: CAROL, args: ['--role', 'user'], sees: [CAROL] },
  dora: { email: 'dora@a.test', args: ['--role', 'domain_admin', '--domain', 'a.test'], sees: [ALICE] },
  bert: { email: 'bert@b.test', args: ['--role', 'domain_admin', '--domain', 'b.test'], sees: [BOB, CAROL] },
  admin: { email: 'admin@admin.test', args: [], sees: RECIPIENTS },
} as const;
type Who = keyof typeof PEOPLE;

/** The visibility rule, stated independently of the code: own addresses, own domains, or all. */
function maySee(who: Who, address: string): boolean {
  if (who === 'admin') return true;
  if (who === 'dora') return address.endsWith('@a.test');
  if (who === 'bert') return address.endsWith('@b.test');
  return PEOPLE[who].email === address;
}

describe('envelope privacy: nobody sees a recipient they may not see, in any response', () => {
  let dataDir: string;
  let downstream: Downstream;
  let serve: ServeProcess;
  const clients = {} as Record<Who, ApiClient>;
  const itemOf = {} as Record<string, string>;
  let messageId = '';

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lazaret-privacy-'));
    downstream = await new Downstream({
      onRcpt: (address) =>
        address === NOBODY
          ? { code: 550, message: `5.1.1 <${NOBODY}>: Recipient address rejected` }
          : undefined,
    }).start();
    serve = await new ServeProcess({
      LAZARET_DATA_DIR: dataDir,
      LAZARET_RELAY_PORT: String(downstream.port),
      LAZARET_RELAY_TLS: 'none',
      LAZARET_ADMIN_EMAIL: PEOPLE.admin.email,
      LAZARET_ADMIN_PASSWORD: PASSWORD,
    }).start();
    for (const who of ['alice', 'bob', 'carol', 'dora', 'bert'] as const) {
      const person = PEOPLE[who];
      const result = await runCli(
        { LAZARET_DATA_DIR: dataDir },
        ['user', 'add', person.email, ...person.args, '--password-stdin'],
        PASSWORD,
      );
      expect(result.code, result.stderr).toBe(0);
    }
    for (const who of Object.keys(PEOPLE) as Who[]) {
      clients[who] = await ApiClient.login(() => serve.baseUrl, PEOPLE[who].email, PASSWORD);
    }

    // Carol is a Bcc recipient: in the envelope only. The headers name nobody, so whatever the
    // message itself shows (raw, preview, headers) is not what is being tested here.
    const sent = await sendExact(
      serve.smtpPort,
      { from: 'spammer@bad.test', to: RECIPIENTS },
      Buffer.from(
        'From: spammer@bad.test\r\nTo: undisclosed-recipients:;\r\nSubject: privacy\r\n\r\nHello.\r\n',
      ),
    );
    expect(sent.code).toBe(250);
    const listed = (await clients.admin.request('/api/quarantine?q=subject:privacy')).body as {
      items: { id: string; recipient: string; messageId: string }[];
    };
    expect(listed.items.map((item) => item.recipient).sort()).toEqual([...RECIPIENTS].sort());
    for (const item of listed.items) itemOf[item.recipient] = item.id;
    messageId = listed.items[0]!.messageId;

    // Releases to alternate recipients across tenants: the item's release.to and the audit entry's
    // params.recipients name addresses of both domains.
    const released = await clients.admin.request(`/api/quarantine/${itemOf[ALICE]}/release`, {
      method: 'POST',
      json: { recipients: [ALICE, CAROL] },
    });
    expect(released.status, released.text).toBe(200);
    const bulk = await clients.admin.request('/api/quarantine/release', {
      method: 'POST',
      json: { ids: [itemOf[BOB]], recipients: [BOB, ALICE] },
    });
    expect(bulk.status, bulk.text).toBe(200);
    // A partial resend: the refused recipient is named in the item's lastError (detail and reply).
    const partial = await clients.admin.request(`/api/quarantine/${itemOf[BOB]}/release`, {
      method: 'POST',
      json: { force: true, recipients: [BOB, NOBODY] },
    });
    expect(partial.status, partial.text).toBe(200);
    expect(
      (partial.body as { item: { lastError: { detail: string; reply: string } } }).item.lastError,
    ).toMatchObject({
      detail: `Refused for ${NOBODY}`,
      reply: expect.stringContaining(NOBODY),
    });
    // A job of each person over their own items, so job lists, items and events are crawled too.
    for (const who of Object.keys(PEOPLE) as Who[]) {
      const job = await clients[who].request('/api/quarantine/jobs', {
        method: 'POST',
        json: { action: 'release', query: 'subject:privacy' },
      });
      expect(job.status, job.text).toBe(202);
    }
  }, 120_000);

  afterAll(async () => {
    await serve?.stop();
    await downstream?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Every GET a person can make that may carry a recipient of the message. */
  async function crawl(who: Who): Promise<Map<string, ApiAnswer>> {
    const client = clients[who];
    const answers = new Map<string, ApiAnswer>();
    const get = async (path: string) => {
      const answer = await client.request(path);
      answers.set(path, answer);
      return answer;
    };
    const paths = [
      '/api/quarantine',
      '/api/quarantine?status=released&status=quarantined',
      '/api/quarantine?q=subject:privacy',
      '/api/auth/me',
      '/api/stats',
      '/api/stats?top=100',
      '/api/audit?limit=500',
      '/api/users',
      '/api/quarantine/jobs',
    ];
    for (const address of RECIPIENTS) {
      paths.push(
        `/api/quarantine?q=${encodeURIComponent(`to:${address}`)}`,
        `/api/quarantine?q=${encodeURIComponent(`to:${address.split('@')[0]}`)}`,
        `/api/quarantine?q=${encodeURIComponent(address)}`,
        `/api/quarantine/count?q=${encodeURIComponent(`to:${address}`)}`,
        `/api/quarantine?recipient=${encodeURIComponent(address)}`,
        `/api/quarantine/count?recipient=${encodeURIComponent(address)}`,
        `/api/quarantine?q=${encodeURIComponent(`message-id:${messageId} to:${address}`)}`,
      );
    }
    for (const path of paths) await get(path);
    for (const id of Object.values(itemOf)) {
      for (const suffix of ['', '/raw', '/preview', '/content', '/attachments/0']) {
        await get(`/api/quarantine/${id}${suffix}`);
      }
    }
    const jobs = (answers.get('/api/quarantine/jobs')!.body as { jobs: { id: string }[] }).jobs;
    for (const job of jobs) {
      await get(`/api/quarantine/jobs/${job.id}`);
      await get(`/api/quarantine/jobs/${job.id}/items?limit=1000`);
    }
    for (const job of jobs) {
      // The job is final, so its event stream sends `end` and closes.
      await get(`/api/quarantine/jobs/${job.id}/events`);
    }
    return answers;
  }

  it.each(Object.keys(PEOPLE) as Who[])(
    '%s: no answer names a recipient they may not see',
    async (who) => {
      const hidden = [...RECIPIENTS, NOBODY].filter((address) => !maySee(who, address));
      expect(RECIPIENTS.filter((address) => maySee(who, address))).toEqual(PEOPLE[who].sees);
      const answers = await crawl(who);
      for (const [path, answer] of answers) {
        expect(answer.status, `${path} ${answer.text}`).toBeLessThan(500);
        for (const address of hidden) {
          expect(answer.text.includes(address), `${who} ${path} names ${address}: ${answer.text}`).toBe(
            false,
          );
        }
      }
      // Not vacuous: what they may see is shown.
      const visible = Object.entries(itemOf).filter(([recipient]) =>
        (PEOPLE[who].sees as readonly string[]).includes(recipient),
      );
      expect(visible.length).toBeGreaterThan(0);
      for (const [, id] of visible) {
        const detail = answers.get(`/api/quarantine/${id}`)!.body as {
          message: { envelope: { rcptTo: string[] } };
        };
        expect(detail.message.envelope.rcptTo.sort()).toEqual([...PEOPLE[who].sees].sort());
      }
      const events = [...answers.keys()].filter((path) => path.endsWith('/events'));
      expect(events.length).toBeGreaterThan(0);
    },
    60_000,
  );

  it.each(Object.keys(PEOPLE) as Who[])(
    '%s: the CLI with their API token prints no recipient they may not see',
    async (who) => {
      const created = await runCli({ LAZARET_DATA_DIR: dataDir }, [
        'token',
        'create',
        '--user',
        PEOPLE[who].email,
        '--scope',
        'release',
      ]);
      expect(created.code, created.stderr).toBe(0);
      const env = { LAZARET_URL: serve.baseUrl, LAZARET_TOKEN: created.stdout.trim() };
      const outputs: string[] = [];
      for (const args of [
        // Everything is released already: the job ends at once, each item already_released.
        ['release', '--query', 'subject:privacy'],
        ['jobs', '--json'],
      ]) {
        const result = await runCli(env, args);
        // release exits non-zero when items failed (here: already_released); it must have run to the end.
        if (args[0] === 'release') expect(result.stderr).toMatch(/completed/);
        else expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
        outputs.push(result.stdout, result.stderr);
      }
      const jobs = JSON.parse(outputs[2]!) as { id: string }[];
      expect(jobs.length).toBeGreaterThan(0);
      const shown = await runCli(env, ['jobs', jobs[0]!.id, '--json']);
      outputs.push(shown.stdout, shown.stderr);
      const text = outputs.join('\n');
      for (const address of [...RECIPIENTS, NOBODY].filter((address) => !maySee(who, address))) {
        expect(text.includes(address), `${who} CLI names ${address}: ${text}`).toBe(false);
      }
    },
    60_000,
  );

  it('the release of one item to addresses of two tenants shows each viewer only theirs', async () => {
    const release = async (who: Who) =>
      (
        (await clients[who].request(`/api/quarantine/${itemOf[ALICE]}`)).body as {
          item: { release: { to: string[] } };
        }
      ).item.release.to;
    expect((await release('admin')).sort()).toEqual([ALICE, CAROL]);
    expect(await release('alice')).toEqual([ALICE]);
    expect(await release('dora')).toEqual([ALICE]);
    const audit = (await clients.dora.request('/api/audit?action=item.release')).body as {
      entries: { params: { recipients?: string[] } }[];
    };
    expect(audit.entries.map((entry) => entry.params.recipients)).toEqual([[ALICE]]);
  });
});
