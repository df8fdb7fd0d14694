import { describe, expect, it } from 'vitest';
import { testConfig } from '../../../test/support/env.js';
import { message, zipOf } from '../../../test/support/mail.js';
import { SummaryCollector } from '../message-summary.js';
import { extensionOf, PolicyScanner, parseSenderRule } from './policy.js';

async function summarise(raw: Buffer) {
  const collector = new SummaryCollector({ captureArchivesUpTo: 1024 * 1024 });
  collector.end(raw);
  await new Promise((resolve) => collector.on('finish', resolve));
  return collector.summary();
}

function scanner(env: Record<string, string | number> = {}) {
  return new PolicyScanner(testConfig(env).scanners.policy, 1000);
}

async function scan(
  policy: PolicyScanner,
  raw: Buffer,
  sender = 'someone@example.org',
  recipients = ['r@example.test'],
) {
  return policy.scan({
    messageId: 'm',
    envelope: { mailFrom: sender, rcptTo: recipients },
    recipients,
    sender,
    size: raw.length,
    summary: await summarise(raw),
    openRaw: async () => {
      throw new Error('unused');
    },
    signal: new AbortController().signal,
  });
}

describe('policy scanner', () => {
  it('extensionOf ignores trailing dots and spaces and folders, like Windows', () => {
    expect(extensionOf('invoice.pdf.exe')).toBe('exe');
    expect(extensionOf('INVOICE.PDF.EXE. . ')).toBe('exe');
    expect(extensionOf('dir/sub\\run.Js')).toBe('js');
    expect(extensionOf('README')).toBe('');
  });

  it('parses sender rules: address or domain, all tenants or one', () => {
    expect(parseSenderRule('Boss@Partner.example')).toMatchObject({
      tenant: null,
      address: 'boss@partner.example',
    });
    expect(parseSenderRule('example.com:@spam.example')).toMatchObject({
      tenant: 'example.com',
      domain: 'spam.example',
    });
    expect(parseSenderRule('*:spam.example')).toMatchObject({ tenant: '*', domain: 'spam.example' });
  });

  it('holds a blocked extension, a blocked MIME type and a blocked name inside a zip', async () => {
    const policy = scanner();
    const exe = await scan(
      policy,
      message({
        attachments: [{ filename: 'a.SCR', contentType: 'application/octet-stream', data: Buffer.from('x') }],
      }),
    );
    expect(exe.verdict).toMatchObject({
      action: 'quarantine',
      reason: 'policy',
      details: { rule: 'blocked-extension', extension: 'scr' },
    });
    const mime = await scan(
      policy,
      message({
        attachments: [{ filename: 'a.bin', contentType: 'application/x-msdownload', data: Buffer.from('x') }],
      }),
    );
    expect(mime.verdict.details).toMatchObject({ rule: 'blocked-mime-type' });
    const zip = zipOf([
      { name: 'readme.txt', data: Buffer.from('hi') },
      { name: 'payload/run.vbs', data: Buffer.from('x') },
    ]);
    const inZip = await scan(
      policy,
      message({ attachments: [{ filename: 'files.zip', contentType: 'application/zip', data: zip }] }),
    );
    expect(inZip.verdict.details).toMatchObject({
      rule: 'blocked-extension-in-archive',
      filename: 'payload/run.vbs',
    });
    const cleanZip = await scan(
      policy,
      message({
        attachments: [
          {
            filename: 'files.zip',
            contentType: 'application/zip',
            data: zipOf([{ name: 'a.txt', data: Buffer.from('a') }]),
          },
        ],
      }),
    );
    expect(cleanZip.verdict.action).toBe('pass');
    const off = await scan(
      scanner({ LAZARET_SCANNERS_POLICY_INSPECT_ARCHIVES: 'false' }),
      message({ attachments: [{ filename: 'files.zip', contentType: 'application/zip', data: zip }] }),
    );
    expect(off.verdict.action).toBe('pass');
  });

  it('notes a damaged zip without holding or failing', async () => {
    const outcome = await scan(
      scanner(),
      message({
        attachments: [
          {
            filename: 'bad.zip',
            contentType: 'application/zip',
            data: Buffer.from('PK\u0003\u0004 garbage'),
          },
        ],
      }),
    );
    expect(outcome.verdict.action).toBe('pass');
    expect(String(outcome.verdict.details.archives)).toMatch(/bad\.zip: unreadable zip/);
  });

  it('holds messages over maxSize', async () => {
    const outcome = await scan(
      scanner({ LAZARET_SCANNERS_POLICY_MAX_SIZE: 100 }),
      message({ body: 'x'.repeat(500) }),
    );
    expect(outcome.verdict.details).toMatchObject({ rule: 'max-size', limit: 100 });
  });

  it('blocks senders per tenant by envelope or From address, and allows per tenant', async () => {
    const policy = scanner({
      LAZARET_SCANNERS_POLICY_SENDER_BLOCK: 'one.test:bad.example,evil@worse.example',
      LAZARET_SCANNERS_POLICY_SENDER_ALLOW: 'two.test:friend@good.example',
    });
    const blocked = await scan(policy, message({}), 'x@sub.bad.example', ['a@one.test', 'b@two.test']);
    expect(blocked.verdict.action).toBe('pass');
    expect(blocked.perRecipient?.get('a@one.test')).toMatchObject({
      details: { rule: 'sender-block', entry: 'one.test:bad.example' },
    });
    expect(blocked.perRecipient?.has('b@two.test')).toBe(false);
    const byFrom = await scan(
      policy,
      message({ from: 'Evil <EVIL@worse.example>' }),
      'bounce@elsewhere.example',
      ['b@two.test'],
    );
    expect(byFrom.perRecipient?.get('b@two.test')).toMatchObject({ details: { rule: 'sender-block' } });
    const allowed = await scan(policy, message({}), 'friend@good.example', ['a@one.test', 'b@two.test']);
    expect([...(allowed.allowedFor ?? [])]).toEqual(['b@two.test']);
  });
});
