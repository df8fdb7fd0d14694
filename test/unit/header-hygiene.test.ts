import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import libmime from 'libmime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { traceHeader } from '../../src/actions/release/deliver.js';
import { createToken, createUser, type UserAdminDeps, updateUser } from '../../src/auth/user-admin.js';
import { systemActor } from '../../src/core/actor.js';
import { isLazaretError } from '../../src/core/errors.js';
import { headerText, isPrintableAsciiHeader } from '../../src/core/header-text.js';
import { composeDigest } from '../../src/digest/digest-mail.js';
import { createLogger } from '../../src/log.js';
import { SqliteAuditStore } from '../../src/store/sqlite/sqlite-audit-store.js';
import { openSqliteDatabase } from '../../src/store/sqlite/sqlite-database.js';
import { SqliteUserStore } from '../../src/store/sqlite/sqlite-user-store.js';

/** Issue 14 item 7: one hostile character of each kind the probe used, and a few more of the class. */
const HOSTILE = {
  VT: '\u000b',
  ESC: '\u001b',
  DEL: '\u007f',
  NEL: '\u0085',
  CSI: '\u009b',
  'U+2028 line separator': '\u2028',
  'U+2029 paragraph separator': '\u2029',
  'RLO bidi override': '\u202e',
  'LRI bidi isolate': '\u2066',
  'RLM mark': '\u200f',
  'ZWSP zero width': '\u200b',
  BOM: '\ufeff',
  'tag character': '\u{e0041}',
  CR: '\r',
  LF: '\n',
  NUL: '\u0000',
} as const;
const CASES = Object.entries(HOSTILE);
const headerLines = (block: string) => block.split('\r\n').slice(0, -1);

describe('header hygiene: every header Lazaret writes is printable ASCII', () => {
  it.each(CASES)('headerText removes %s and encodes non-ASCII as RFC 2047 words', (_name, char) => {
    const text = headerText(`token:Jörg${char}evil${char}gpj.exe`);
    expect(text).toMatch(/^[\x20-\x7e]*$/);
    const decoded = libmime.decodeWords(text);
    expect(decoded).not.toContain(char);
    expect(decoded.replace(/\s+/g, ' ')).toBe('token:Jörg evil gpj.exe');
  });

  it.each(CASES)(
    'the X-Lazaret-Release trace header stays one printable-ASCII header with %s in the label',
    (_name, char) => {
      const block = traceHeader(
        ['01JAAAAAAAAAAAAAAAAAAAAAAA'],
        `token:Jörg${char}X-Injected: yes`,
        '2026-12-02T10:00:00.000Z',
      ).toString('latin1');
      expect(isPrintableAsciiHeader(block)).toBe(true);
      expect(
        headerLines(block).every((line, index) =>
          index === 0 ? line.startsWith('X-Lazaret-Release: ') : /^[ \t]/.test(line),
        ),
      ).toBe(true);
      expect(block).not.toMatch(/\r\nX-Injected/);
    },
  );

  it('a long label with many ids still folds under 998 octets per line', () => {
    const ids = Array.from({ length: 300 }, () => '01JAAAAAAAAAAAAAAAAAAAAAAA');
    const block = traceHeader(ids, `token:${'ö'.repeat(500)}`, '2026-12-02T10:00:00.000Z').toString('latin1');
    expect(isPrintableAsciiHeader(block)).toBe(true);
    expect(Math.max(...headerLines(block).map((line) => line.length))).toBeLessThan(998);
  });

  it.each(CASES)('the digest header block is printable ASCII with %s in the subject', async (_name, char) => {
    const raw = await composeDigest({
      from: 'lazaret@corp.test',
      // ASCII local part: nodemailer writes the domain as A-labels. (A non-ASCII local part makes
      // the digest an SMTPUTF8 message whose address headers are UTF-8 by RFC 6532.)
      to: 'joerg@xn--bcher-kva.test',
      rendered: {
        subject: `Quarantine digest: 3 held for bü${char}cher.test`,
        text: 'text',
        html: '<p>html</p>',
      },
      messageId: '<digest-1@corp.test>',
      date: new Date('2026-12-02T10:00:00.000Z'),
      seal: 'seal-value',
    });
    const head = raw.toString('latin1').split('\r\n\r\n')[0]!;
    expect(isPrintableAsciiHeader(`${head}\r\n`)).toBe(true);
    const subject = /^Subject: (.*(?:\r\n[ \t].*)*)/m.exec(head)![1]!;
    expect(libmime.decodeWords(subject.replace(/\r\n/g, ''))).not.toContain(char);
  });
});

describe('log lines', () => {
  it.each(CASES)('write %s as an escape, and parse back to the same value', (_name, char) => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const value = `name${char}X\\${char}`;
    createLogger('info', sink).info({ event: 'TEST', value, [`key${char}`]: 1 });
    const line = lines.join('');
    expect(line.trimEnd()).toMatch(/^[\x20-\x7e]*$/);
    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(parsed.value).toBe(value);
    expect(parsed[`key${char}`]).toBe(1);
  });
});

describe('names with control or bidi characters are refused at creation', () => {
  let dir: string;
  let db: ReturnType<typeof openSqliteDatabase>;
  let deps: UserAdminDeps;
  const cli = { actor: systemActor('cli') };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lazaret-names-'));
    db = openSqliteDatabase(join(dir, 'db.sqlite'));
    deps = { users: new SqliteUserStore(db), audit: new SqliteAuditStore(db), now: () => new Date() };
    await createUser(deps, cli, { email: 'bob@corp.test', role: 'user', password: 'bob-password-1' });
  });
  afterEach(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const refused = async (promise: Promise<unknown>, char: string) => {
    const error = await promise.then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(isLazaretError(error, 'validation_error'), String(error)).toBe(true);
    const code = char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    expect((error as Error).message).toContain(`U+${code}`);
  };

  it.each(CASES)('token names, display names at creation and at update: %s', async (_name, char) => {
    await refused(
      createToken(deps, cli, { user: 'bob@corp.test', scope: 'read', name: `ci${char}bot` }),
      char,
    );
    await refused(
      createUser(deps, cli, {
        email: `x${CASES.findIndex(([, c]) => c === char)}@corp.test`,
        role: 'user',
        displayName: `Eve${char}`,
      }),
      char,
    );
    await refused(updateUser(deps, cli, 'bob@corp.test', { displayName: `Bob${char}Admin` }), char);
    expect((await deps.users.listTokens({}, { limit: 10 })).items).toEqual([]);
  });

  it('takes ordinary names, non-ASCII ones too', async () => {
    const { token } = await createToken(deps, cli, {
      user: 'bob@corp.test',
      scope: 'read',
      name: 'Jörg’s CI (نشر)',
    });
    expect(token.name).toBe('Jörg’s CI (نشر)');
  });
});
