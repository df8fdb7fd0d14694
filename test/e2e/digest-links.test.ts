import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.js';
import { LinkSigner } from '../../src/digest/link-token.js';
import { ApiClient } from '../support/api-client.js';
import { describeWithChromium, launchChromium, screenshot } from '../support/browser.js';
import { type DigestLinks, digestLinks, parseDigest, tokenOf } from '../support/digest-mail.js';
import { docConfigBlock } from '../support/docs-snippets.js';
import { Downstream } from '../support/downstream.js';
import { runCli, ServeProcess } from '../support/serve-process.js';

const NEW_KEY = 'e2e-new-link-key-0123456789abcdef0123456789';
const OLD_KEY = 'e2e-old-link-key-0123456789abcdef0123456789';
const PASSWORD = 'e2e-digest-password-1';
/** A 1×1 PNG: the logo the brand names, answered by the browser context's route. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

interface HeldItem {
  id: string;
  subject?: string;
  status: string;
  recipient: string;
}

describeWithChromium('digest links in Chromium: a GET never acts, the confirm POST acts once', () => {
  let dataDir: string;
  let downstream: Downstream;
  let serve: ServeProcess;
  let env: Record<string, string>;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let context: BrowserContext;
  let admin: ApiClient;
  let alice: ApiClient;
  let aliceId: string;
  let bobId: string;
  let links: DigestLinks;
  let logoRequests = 0;
  const base = () => serve.baseUrl;

  const items = async (recipient = 'alice@corp.test'): Promise<HeldItem[]> => {
    const answer = await admin.request(
      `/api/quarantine?recipient=${encodeURIComponent(recipient)}&status=quarantined&status=released&status=deleted&status=release_requested&limit=100`,
    );
    return (answer.body as { items: HeldItem[] }).items;
  };
  const bySubject = async (subject: string) => (await items()).find((each) => each.subject === subject)!;
  const releasedMail = () =>
    downstream.deliveries.filter((delivery) =>
      delivery.raw.toString('latin1').startsWith('X-Lazaret-Release:'),
    );
  const digestMail = () =>
    downstream.deliveries.filter((delivery) => delivery.raw.includes('X-Lazaret-Digest:'));

  /** The link of the digest item whose subject is `subject`. */
  const linkFor = (subject: string, kind: keyof DigestLinks['items'][number]): string => {
    const text = parseDigest(digestMail()[0]!.raw).text;
    const blocks = text.split(/\n(?=\d+\. From: )/).slice(1);
    const index = blocks.findIndex((block) => block.includes(`Subject: ${subject}\n`));
    expect(index, `digest lists ${subject}`).toBeGreaterThanOrEqual(0);
    return links.items[index]![kind];
  };

  async function open(url: string): Promise<{ page: Page; status: number; body: string }> {
    const page = await context.newPage();
    const response = await page.goto(url);
    return { page, status: response!.status(), body: (await page.textContent('body')) ?? '' };
  }

  async function startServe(keys: string): Promise<void> {
    // Debug: the HTTP_ACCESS lines of the link pages are in the log the last test searches for tokens.
    env = { ...env, LAZARET_LINK_KEYS: keys, LAZARET_LOG_LEVEL: 'debug' };
    serve = await new ServeProcess(env).start();
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'lazaret-e2e-digest-'));
    downstream = await new Downstream().start();
    // The brand of docs/digests.md: digest mail and link pages carry it.
    const configFile = join(dataDir, 'brand.json');
    await writeFile(configFile, docConfigBlock('digests.md', 'brand'));
    env = {
      LAZARET_CONFIG: configFile,
      LAZARET_DATA_DIR: dataDir,
      LAZARET_RELAY_PORT: String(downstream.port),
      LAZARET_RELAY_TLS: 'none',
      LAZARET_ADMIN_EMAIL: 'root@corp.test',
      LAZARET_ADMIN_PASSWORD: PASSWORD,
      LAZARET_DIGEST_ENABLED: 'false',
      LAZARET_DIGEST_FROM: 'quarantine@corp.test',
    };
    await startServe(`${NEW_KEY},${OLD_KEY}`);
    admin = await ApiClient.login(base, 'root@corp.test', PASSWORD);
    for (const email of ['alice@corp.test', 'bob@corp.test']) {
      const created = await admin.request('/api/users', {
        method: 'POST',
        json: { email, role: 'user', password: PASSWORD },
      });
      expect(created.status, created.text).toBe(201);
    }
    alice = await ApiClient.login(base, 'alice@corp.test', PASSWORD);
    aliceId = ((await alice.request('/api/auth/me')).body as { user: { id: string } }).user.id;
    const bob = await ApiClient.login(base, 'bob@corp.test', PASSWORD);
    bobId = ((await bob.request('/api/auth/me')).body as { user: { id: string } }).user.id;

    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: serve.smtpPort,
      ignoreTLS: true,
    });
    for (const subject of ['One', 'Two', 'Three', 'Four', 'Five', 'Six']) {
      await transport.sendMail({
        from: 'Shop <news@shop.example>',
        to: 'alice@corp.test',
        subject,
        text: `Body of ${subject}`,
      });
    }
    await transport.sendMail({ from: 'x@y.example', to: 'bob@corp.test', subject: 'For Bob', text: 'b' });
    transport.close();

    // The CLI cannot know the port serve picked: it is told where people reach Lazaret.
    const sent = await runCli({ ...env, LAZARET_PUBLIC_URL: serve.baseUrl }, [
      'digest',
      'send',
      '--user',
      'alice@corp.test',
    ]);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stderr).toContain('listing 6 of 6 held items');
    await downstream.waitForDeliveries(1);
    links = digestLinks(parseDigest(digestMail()[0]!.raw).text);
    expect(links.items).toHaveLength(6);
    expect(links.items.every((each) => each.release.startsWith(`${serve.baseUrl}/link/`))).toBe(true);
    browser = await launchChromium();
    context = browser.context;
    // The configured logo is on another site: answered here, so that no test reaches the network.
    await context.route('https://www.example.com/**', (route) => {
      logoRequests += 1;
      return route.fulfill({ status: 200, contentType: 'image/png', body: PNG });
    });
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    await downstream?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('a link scanner that fetches every link (GET, HEAD, a bare POST) changes nothing', async () => {
    const before = await items();
    const every = [...links.items.flatMap((each) => Object.values(each)), links.releaseAll!];
    expect(every).toHaveLength(31);
    for (const url of every) {
      const get = await fetch(url, { redirect: 'manual' });
      expect([200, 303], url).toContain(get.status);
      const head = await fetch(url, { method: 'HEAD', redirect: 'manual' });
      expect([200, 303]).toContain(head.status);
      // A scanner that submits without the form's fields only gets the question again.
      const post = await fetch(url, { method: 'POST', redirect: 'manual' });
      expect([200, 303]).toContain(post.status);
    }
    expect(await items()).toEqual(before);
    expect(before.every((each) => each.status === 'quarantined')).toBe(true);
    expect(releasedMail()).toHaveLength(0);
    expect(((await alice.request('/api/lists')).body as { entries: unknown[] }).entries).toEqual([]);
    const audit = await admin.request('/api/audit?action=item.release');
    expect((audit.body as { entries: unknown[] }).entries).toEqual([]);
  });

  it('the confirmation page says what will happen, and is built not to leak or be framed', async () => {
    const response = await fetch(linkFor('One', 'release'));
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const { page, status, body } = await open(linkFor('One', 'release'));
    expect(status).toBe(200);
    expect(body).toContain('Release this held message?');
    expect(body).toContain('Shop <news@shop.example>');
    expect(body).toContain('One');
    expect(body).toContain('It will be delivered to alice@corp.test.');
    expect(body).toContain('Nothing has happened yet');
    await page.close();
    const open303 = await fetch(linkFor('One', 'open'), { redirect: 'manual' });
    expect(open303.status).toBe(303);
    expect(open303.headers.get('location')).toBe(
      `${serve.baseUrl}/quarantine/${(await bySubject('One')).id}`,
    );
  });

  it('digest and link pages carry the configured brand, reasons with detail and times with zone', async () => {
    const digest = parseDigest(digestMail()[0]!.raw);
    expect(digest.text.split('\n')[0]).toBe(
      'Example Corp mail quarantine: quarantine digest for alice@corp.test',
    );
    expect(digest.text).toMatch(/received \d{1,2} \w{3} \d{4}, \d{2}:\d{2} \(UTC\)/);
    expect(digest.html).toContain(
      '<img src="https://www.example.com/logo.png" alt="Example Corp mail quarantine"',
    );
    expect(digest.html).toContain('color:#0b5d1e;');
    expect(digest.html).not.toContain('Lazaret');

    const response = await fetch(linkFor('Two', 'release'));
    expect(response.headers.get('content-security-policy')).toContain(
      'img-src https://www.example.com/logo.png',
    );
    const before = logoRequests;
    const { page, body } = await open(linkFor('Two', 'release'));
    expect(await page.title()).toBe('Release this held message? · Example Corp mail quarantine');
    expect(body).toContain('Open Example Corp mail quarantine');
    expect(body).toMatch(/Received\d{1,2} \w{3} \d{4}, \d{2}:\d{2} \(UTC\)/);
    // The logo loaded (the CSP let that one image through) and the button has the brand's colour.
    await page.waitForFunction(
      'document.querySelector("img") !== null && document.querySelector("img").naturalWidth > 0',
    );
    expect(logoRequests).toBeGreaterThan(before);
    expect(await page.evaluate('getComputedStyle(document.getElementById("go")).backgroundColor')).toBe(
      'rgb(11, 93, 30)',
    );
    await screenshot(page, 'digest-link-branded');
    await page.close();
  });

  it('confirming releases once; going back and confirming again sends nothing more', async () => {
    const { page } = await open(linkFor('One', 'release'));
    await page.click('button#go');
    await page.waitForSelector('text=Released: delivered to alice@corp.test.');
    expect(releasedMail()).toHaveLength(1);
    expect(releasedMail()[0]!.rcptTo).toEqual(['alice@corp.test']);
    expect(releasedMail()[0]!.raw.toString('utf8')).toContain('Subject: One');
    expect((await bySubject('One')).status).toBe('released');

    await page.goBack();
    await page.reload();
    const body = (await page.textContent('body')) ?? '';
    expect(body).toContain('This message was released already.');
    expect(await page.$('button#go')).toBeNull();
    // Done already: the page asks nothing, and says when and to whom it went.
    expect(await page.textContent('h1')).toBe('This message was released already');
    expect(body).not.toContain('Nothing has happened yet');
    expect(body).not.toContain('?');
    expect(body).toMatch(/Released\d{1,2} \w{3} \d{4}, \d{2}:\d{2} \(UTC\) to alice@corp\.test/);
    await page.close();
    // Re-posting the form (a reload of the result page, a scanner replaying it) is harmless.
    const again = await fetch(linkFor('One', 'release'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'confirm=yes',
    });
    expect(await again.text()).toContain('It was released already; nothing was sent again.');
    expect(releasedMail()).toHaveLength(1);
    const audit = await admin.request(`/api/audit?itemId=${(await bySubject('One')).id}`);
    const entries = (
      audit.body as { entries: { action: string; outcome: string; params: Record<string, unknown> }[] }
    ).entries;
    const ok = entries.filter((each) => each.action === 'item.release' && each.outcome === 'ok');
    expect(ok).toHaveLength(1);
    expect(ok[0]!.params).toMatchObject({ via: 'digest_link' });
  });

  it('a double click sends one mail, and so do three posts at once', async () => {
    const { page } = await open(linkFor('Two', 'release'));
    await page.dblclick('button#go');
    await page.waitForSelector('text=/Released|released already|being released/');
    await page.close();
    expect(releasedMail().filter((mail) => mail.raw.includes('Subject: Two'))).toHaveLength(1);

    const post = () =>
      fetch(linkFor('Three', 'release'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'confirm=yes',
      }).then((response) => response.text());
    const answers = await Promise.all([post(), post(), post()]);
    expect(answers.filter((text) => text.includes('Released: delivered to'))).toHaveLength(1);
    expect(releasedMail().filter((mail) => mail.raw.includes('Subject: Three'))).toHaveLength(1);
    expect((await bySubject('Three')).status).toBe('released');
  });

  it('"release and always allow" releases and puts the sender on the reader\'s own allow list', async () => {
    const { page, body } = await open(linkFor('Four', 'releaseAllow'));
    expect(body).toContain(
      'And from now on, mail from news@shop.example is no longer held as spam or bulk mail for you',
    );
    await page.click('button#go');
    await page.waitForSelector('text=Listed: from now on');
    await page.close();
    expect((await bySubject('Four')).status).toBe('released');
    const lists = (await alice.request('/api/lists')).body as {
      entries: { sender: string; action: string; scope: string }[];
    };
    expect(lists.entries).toEqual([
      expect.objectContaining({ sender: 'news@shop.example', action: 'allow', scope: 'user' }),
    ]);
  });

  it('delete and "delete and always block" delete, and the latter blocks the sender', async () => {
    const first = await open(linkFor('Five', 'delete'));
    expect(first.body).toContain('It will be deleted. This cannot be undone.');
    await first.page.click('button#go');
    await first.page.waitForSelector('text=Deleted.');
    await first.page.close();
    expect((await bySubject('Five')).status).toBe('deleted');

    const second = await open(linkFor('Six', 'deleteBlock'));
    await second.page.click('button#go');
    await second.page.waitForSelector(
      'text=Listed: from now on, all mail from news@shop.example is held for you.',
    );
    await second.page.close();
    expect((await bySubject('Six')).status).toBe('deleted');
    const lists = (await alice.request('/api/lists')).body as {
      entries: { sender: string; action: string }[];
    };
    // The same sender: the earlier allow became a block (one entry per sender).
    expect(lists.entries).toEqual([
      expect.objectContaining({ sender: 'news@shop.example', action: 'block' }),
    ]);
  });

  it('"release all" reports each item as it is and sends nothing twice', async () => {
    const { page, body } = await open(links.releaseAll!);
    // Everything is decided already: the page asks no question.
    expect(await page.textContent('h1')).toBe('Nothing left to do');
    expect(body).not.toContain('Nothing has happened yet');
    expect(body).toContain('This message was released already.');
    expect(body).toContain('This message was deleted already.');
    // Everything is decided already: nothing is left to confirm.
    expect(await page.$('button#go')).toBeNull();
    await page.close();
    expect(releasedMail()).toHaveLength(4);
  });

  it('refuses a tampered, an expired and a foreign token with a clear page, changing nothing', async () => {
    const before = await items();
    const token = tokenOf(linkFor('Two', 'delete'));
    const tampered = `${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}`;
    let page = await open(`${serve.baseUrl}/link/${tampered}`);
    expect(page.status).toBe(400);
    expect(page.body).toContain('This link is not valid');
    expect(page.body).toContain('Nothing was changed.');
    await page.page.close();
    const posted = await fetch(`${serve.baseUrl}/link/${tampered}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'confirm=yes',
    });
    expect(posted.status).toBe(400);

    const signer = new LinkSigner([NEW_KEY]);
    const twoId = (await bySubject('Two')).id;
    const expired = signer.sign({
      action: 'delete',
      userId: aliceId,
      itemIds: [twoId],
      expiresAt: new Date(Date.now() - 1000),
    });
    page = await open(`${serve.baseUrl}/link/${expired}`);
    expect(page.status).toBe(410);
    expect(page.body).toContain('This link has expired');
    await page.page.close();

    // Signed by this server, but for Bob: Alice's item is not Bob's to touch.
    const foreign = signer.sign({
      action: 'delete',
      userId: bobId,
      itemIds: [twoId],
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    page = await open(`${serve.baseUrl}/link/${foreign}`);
    expect(page.status).toBe(404);
    expect(page.body).toContain('This link is not for your mail');
    expect(page.body).toContain('Nothing was changed.');
    expect(await page.page.$('button#go')).toBeNull();
    await page.page.close();
    const forced = await fetch(`${serve.baseUrl}/link/${foreign}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'confirm=yes',
    });
    expect(forced.status).toBe(404);
    expect(await forced.text()).toContain('this link names no message of yours');
    // A link for an item that never existed reads the same.
    const unknown = signer.sign({
      action: 'release',
      userId: aliceId,
      itemIds: [newId()],
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    const none = await fetch(`${serve.baseUrl}/link/${unknown}`);
    expect(none.status).toBe(404);
    expect(await none.text()).toContain('This link is not for your mail');
    expect(await items()).toEqual(before);
  });

  it('refuses a link opened in a browser signed in as someone else', async () => {
    const bob = await ApiClient.login(base, 'bob@corp.test', PASSWORD);
    if (bob.credentials.kind !== 'session') throw new Error('expected a session');
    await context.addCookies([
      { name: 'lazaret_session', value: bob.credentials.cookie, url: serve.baseUrl },
    ]);
    const page = await open(linkFor('Two', 'delete'));
    expect(page.status).toBe(403);
    expect(page.body).toContain('This link is for someone else');
    expect(page.body).toContain('This link was sent to alice@corp.test');
    await page.page.close();
    await context.clearCookies();
    expect((await bySubject('Two')).status).toBe('released');
  });

  it('accepts links signed with a rotated-out key while it is still listed, and refuses them once dropped', async () => {
    const oldToken = new LinkSigner([OLD_KEY]).sign({
      action: 'delete',
      userId: aliceId,
      itemIds: [(await bySubject('Two')).id],
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    let page = await open(`${serve.baseUrl}/link/${oldToken}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Delete this held message?');
    await page.page.close();

    // Chromium keeps idle connections open, which serve waits out on shutdown: close it first.
    await browser.close();
    await serve.stop();
    await startServe(NEW_KEY);
    browser = await launchChromium();
    context = browser.context;
    page = await open(`${serve.baseUrl}/link/${oldToken}`);
    expect(page.status).toBe(400);
    expect(page.body).toContain('This link is not valid');
    await page.page.close();
    // Links signed with the current key keep working across the restart.
    const current = linkFor('Two', 'delete').replace(/^http:\/\/127\.0\.0\.1:\d+/, serve.baseUrl);
    expect((await fetch(current)).status).toBe(200);
  });

  it('never writes a link token to the log', async () => {
    const tokens = [...links.items.flatMap((each) => Object.values(each)), links.releaseAll!].map(tokenOf);
    const logged = JSON.stringify(serve.logs);
    for (const token of tokens) expect(logged).not.toContain(token.slice(0, 40));
    // The link requests were logged, by their route pattern.
    expect(logged).toMatch(/"event":"HTTP_ACCESS","method":"GET","url":"\/link\/:token"/);
  });
});
