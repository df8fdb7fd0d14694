import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MilterServer, startMilterServer } from '../../src/milter/milter-server.js';
import { findProgram, missingPrograms, tempDir } from '../support/env.js';
import { holdingPolicy } from '../support/milter-test-policy.js';

const run = promisify(execFile);
const missing = missingPrograms('milter miltertest test', ['miltertest']);

/** Lua helpers: `check` fails the script (exit code ≠ 0) with what was expected. */
const PRELUDE = `
function check(ok, what)
  if not ok then error("FAILED: " .. what) end
  print("PASS " .. what)
end
function step(err, what)
  if err ~= nil then error("FAILED: " .. what .. ": " .. err) end
end
`;

describe.skipIf(missing.length > 0)('milter session driven by miltertest (opendkim’s MTA simulator)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let server: MilterServer;
  const policy = holdingPolicy(['b@example.test', 'x@example.test'], { smtpReply: '550 5.7.1 Held here' });

  beforeAll(async () => {
    dir = await tempDir();
    server = await startMilterServer({ host: '127.0.0.1', port: 0 }, { policy });
  });

  afterAll(async () => {
    await server?.close();
    await dir?.cleanup();
  });

  const miltertest = async (name: string, body: string) => {
    const script = join(dir.path, `${name}.lua`);
    const { port } = server.address() as AddressInfo;
    await writeFile(
      script,
      `${PRELUDE}\nconn = mt.connect("inet:${port}@127.0.0.1")\ncheck(conn ~= nil, "connect")\n${body}`,
    );
    try {
      return (await run(findProgram('miltertest')!, ['-s', script], { timeout: 30_000 })).stdout;
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`miltertest ${name} failed:\n${stdout ?? ''}${stderr ?? ''}`);
    }
  };

  it('removes the held recipient with DELRCPT and adds the header, and the policy sees envelope, macros, headers, body', async () => {
    const before = policy.seen.length;
    const stdout = await miltertest(
      'delrcpt',
      `
step(mt.negotiate(conn, nil, nil, nil), "negotiate")
check(mt.test_action(conn, SMFIF_DELRCPT), "DELRCPT negotiated")
check(mt.test_action(conn, SMFIF_ADDHDRS), "ADDHDRS negotiated")
mt.macro(conn, SMFIC_CONNECT, "j", "mx.example.test", "{daemon_name}", "lazaret-test", "{client_addr}", "192.0.2.7")
step(mt.conninfo(conn, "client.example.net", "192.0.2.7"), "conninfo")
step(mt.helo(conn, "client.example.net"), "helo")
mt.macro(conn, SMFIC_MAIL, "i", "4QUEUEID", "{mail_addr}", "a@example.org")
step(mt.mailfrom(conn, "<a@example.org>", "BODY=8BITMIME"), "mailfrom")
mt.macro(conn, SMFIC_RCPT, "{rcpt_addr}", "b@example.test")
step(mt.rcptto(conn, "<b@example.test>"), "rcpt b")
mt.macro(conn, SMFIC_RCPT, "{rcpt_addr}", "c@example.test")
step(mt.rcptto(conn, "<c@example.test>"), "rcpt c")
step(mt.header(conn, "From", "a@example.org"), "header From")
step(mt.header(conn, "Subject", "milter test"), "header Subject")
step(mt.eoh(conn), "eoh")
step(mt.bodystring(conn, "Hello\\r\\n"), "body 1")
step(mt.bodystring(conn, "second chunk\\r\\n"), "body 2")
step(mt.eom(conn), "eom")
check(mt.getreply(conn) == SMFIR_CONTINUE, "eom reply is CONTINUE")
check(mt.eom_check(conn, MT_RCPTDELETE, "<b@example.test>"), "DELRCPT <b@example.test>")
check(not mt.eom_check(conn, MT_RCPTDELETE, "<c@example.test>"), "c@example.test kept")
-- HDR_LEADSPC was negotiated: the value goes on the wire with the space after the colon.
check(mt.eom_check(conn, MT_HDRADD, "X-Lazaret-Test", " held=b@example.test"), "ADDHEADER X-Lazaret-Test")
mt.disconnect(conn)
`,
    );
    expect(stdout).toContain('PASS DELRCPT <b@example.test>');
    expect(stdout).toContain('PASS ADDHEADER X-Lazaret-Test');
    expect(policy.seen.length).toBe(before + 1);
    const seen = policy.seen.at(-1)!;
    expect(seen.message.client).toEqual({
      hostname: 'client.example.net',
      family: 'inet',
      address: '192.0.2.7',
      port: expect.any(Number),
      helo: 'client.example.net',
    });
    expect(seen.message.sender).toEqual({ address: 'a@example.org', args: ['BODY=8BITMIME'] });
    expect(seen.message.recipients.map((recipient) => recipient.address)).toEqual([
      'b@example.test',
      'c@example.test',
    ]);
    expect(seen.message.recipients[1]!.macros.get('rcpt_addr')).toBe('c@example.test');
    expect(seen.message.headers.map((header) => [header.name, header.value.toString()])).toEqual([
      ['From', ' a@example.org'],
      ['Subject', ' milter test'],
    ]);
    expect(seen.body.toString()).toBe('Hello\r\nsecond chunk\r\n');
    expect(seen.macros.get('i')).toBe('4QUEUEID');
    expect(seen.macros.get('j')).toBe('mx.example.test');
    expect(seen.macros.get('daemon_name')).toBe('lazaret-test');
    expect(seen.macros.get('client_addr')).toBe('192.0.2.7');
    expect(seen.macros.get('mail_addr')).toBe('a@example.org');
  });

  it('runs several messages on one connection: an aborted one is dropped, the next is decided afresh', async () => {
    const before = policy.seen.length;
    const stdout = await miltertest(
      'several',
      `
step(mt.conninfo(conn, "client.example.net", "192.0.2.8"), "conninfo")
mt.macro(conn, SMFIC_MAIL, "i", "FIRST")
step(mt.mailfrom(conn, "<a@example.org>"), "mail 1")
step(mt.rcptto(conn, "<b@example.test>"), "rcpt 1")
step(mt.header(conn, "Subject", "aborted"), "header 1")
step(mt.eoh(conn), "eoh 1")
step(mt.bodystring(conn, "never finished\\r\\n"), "body 1")
step(mt.abort(conn), "abort 1")
mt.macro(conn, SMFIC_MAIL, "i", "SECOND")
step(mt.mailfrom(conn, "<a@example.org>"), "mail 2")
step(mt.rcptto(conn, "<x@example.test>"), "rcpt 2")
step(mt.header(conn, "Subject", "all held"), "header 2")
step(mt.eom(conn), "eom 2")
check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", "Held here"), "all held: 550 5.7.1 Held here")
mt.macro(conn, SMFIC_MAIL, "i", "THIRD")
step(mt.mailfrom(conn, "<a@example.org>"), "mail 3")
step(mt.rcptto(conn, "<c@example.test>"), "rcpt 3")
step(mt.header(conn, "Subject", "clean"), "header 3")
step(mt.eom(conn), "eom 3")
check(mt.getreply(conn) == SMFIR_CONTINUE, "clean: CONTINUE")
check(not mt.eom_check(conn, MT_RCPTDELETE, "<c@example.test>"), "clean: recipient kept")
check(mt.eom_check(conn, MT_HDRADD, "X-Lazaret-Test", " held=none"), "clean: header added")
mt.disconnect(conn)
`,
    );
    expect(stdout).toContain('PASS all held: 550 5.7.1 Held here');
    expect(stdout).toContain('PASS clean: header added');
    const [aborted, allHeld, clean] = policy.seen.slice(before);
    expect(aborted!.aborted).toBe(true);
    expect(aborted!.message.headers.map((header) => header.value.toString())).toEqual([' aborted']);
    expect(allHeld!.macros.get('i')).toBe('SECOND');
    expect(allHeld!.message.recipients.map((recipient) => recipient.address)).toEqual(['x@example.test']);
    expect(clean!.macros.get('i')).toBe('THIRD');
    expect(clean!.message.recipients.map((recipient) => recipient.address)).toEqual(['c@example.test']);
    expect(clean!.aborted).toBe(false);
  });
});
