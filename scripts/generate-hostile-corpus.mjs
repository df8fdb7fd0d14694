#!/usr/bin/env node
// Writes test/fixtures/hostile/*.eml: malformed and hostile messages that ingest must survive
// (accept or refuse with a clear SMTP reply, in bounded time and memory, raw bytes kept exactly).
// Deterministic: the same files on every run. Usage: node scripts/generate-hostile-corpus.mjs
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'hostile');
mkdirSync(out, { recursive: true });
for (const file of readdirSync(out)) if (file.endsWith('.eml')) rmSync(join(out, file));

// Small seeded PRNG (mulberry32) so that "random" bytes are the same every time.
let seed = 0x1a2b3c4d;
function random() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const randomBytes = (n) => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));

const HEAD = [
  'From: Hostile Sender <hostile@example.org>',
  'To: victim@example.test',
  'Date: Sun, 29 Nov 2026 12:00:00 +0000',
  'MIME-Version: 1.0',
];
const head = (subject, extra = []) => [...HEAD, `Subject: ${subject}`, ...extra].join('\r\n');
const b64 = (buffer) => buffer.toString('base64').replace(/.{76}/g, '$&\r\n');

const corpus = {};

corpus['truncated-multipart'] = `${head('truncated multipart', ['Content-Type: multipart/mixed; boundary="cut"'])}\r\n\r\n--cut\r\nContent-Type: text/plain\r\n\r\nfirst part\r\n--cut\r\nContent-Type: application/octet-stream; name="x.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64(randomBytes(3000)).slice(0, 2500)}`;

{
  const depth = 3000;
  let text = `${head('deep nesting', ['Content-Type: multipart/mixed; boundary="b0"'])}\r\n\r\n`;
  for (let level = 0; level < depth; level += 1) {
    text += `--b${level}\r\nContent-Type: multipart/mixed; boundary="b${level + 1}"\r\n\r\n`;
  }
  text += `--b${depth}\r\nContent-Type: text/plain\r\n\r\ndeep inside\r\n`;
  for (let level = depth; level >= 0; level -= 1) text += `--b${level}--\r\n`;
  corpus['deep-nesting'] = text;
}

{
  const parts = [];
  for (let n = 0; n < 5000; n += 1) {
    parts.push(`--many\r\nContent-Type: text/plain; name="part${n}.txt"\r\nContent-Disposition: attachment; filename="part${n}.txt"\r\n\r\np${n}\r\n`);
  }
  corpus['thousands-of-parts'] = `${head('thousands of parts', ['Content-Type: multipart/mixed; boundary="many"'])}\r\n\r\n${parts.join('')}--many--\r\n`;
}

corpus['bare-lf'] = `${head('bare LF line ends', ['Content-Type: text/plain'])}\r\n\r\nline one\r\nline two\r\n`.replace(/\r\n/g, '\n');
corpus['bare-cr'] = `${head('bare CR line ends', ['Content-Type: text/plain'])}\r\n\r\nline one\r\nline two\r\n`.replace(/\r\n/g, '\r');
corpus['mixed-line-ends'] = `${HEAD.join('\n')}\rSubject: mixed\r\n\n\rbody\r\r\n\n.\n..\r\n`;

corpus['nul-bytes'] = Buffer.concat([
  Buffer.from(`${head('nul\0bytes', ['X-Nul: a\0b', 'Content-Type: text/plain'])}\r\n\r\n`),
  Buffer.from('body with \0\0\0 NULs\r\n\0\r\n'),
]);

corpus['bad-base64'] = `${head('bad base64', ['Content-Type: multipart/mixed; boundary="bb"'])}\r\n\r\n--bb\r\nContent-Type: application/zip; name="broken.zip"\r\nContent-Disposition: attachment; filename="broken.zip"\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!not*base64~~~~\r\nUEsDBBQ=====AAAA\r\n%%%%\r\n--bb\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n====\r\n--bb--\r\n`;

corpus['absurd-header-line'] = `${head('absurd header line', [`X-Long: ${'A'.repeat(1024 * 1024)}`, 'Content-Type: text/plain'])}\r\n\r\nbody\r\n`;

{
  const fields = Array.from({ length: 30_000 }, (_, n) => `X-Field-${n}: value ${n}`);
  corpus['huge-header-block'] = `${head('huge header block', fields)}\r\n\r\nbody\r\n`;
}

corpus['long-body-line'] = `${head('long body line', ['Content-Type: text/plain'])}\r\n\r\n${'x'.repeat(1024 * 1024)}\r\n`;

corpus['wrong-charsets'] = Buffer.concat([
  Buffer.from(
    `${HEAD.join('\r\n')}\r\nSubject: =?x-no-such-charset?B?${Buffer.from('héllo').toString('base64')}?= =?utf-8?Q?bad=FF=FE?= =?iso-2022-jp?B?GyRCJUYbKEI=?=\r\nContent-Type: text/plain; charset="x-unknown"\r\n\r\n`,
  ),
  Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x82, 0x0d, 0x0a]),
]);

corpus['encoded-word-bomb'] = `${HEAD.join('\r\n')}\r\nSubject: ${Array.from({ length: 40_000 }, () => '=?utf-8?B?w6k=?=').join(' ')}\r\nContent-Type: text/plain\r\n\r\nbody\r\n`;
corpus['encoded-word-bomb-folded'] = `${HEAD.join('\r\n')}\r\nSubject: ${Array.from({ length: 8000 }, () => '=?utf-8?Q?=C3=A9?=').join('\r\n ')}\r\nContent-Type: text/plain\r\n\r\nbody\r\n`;

corpus['no-header-separator'] = `${head('no separator')}\r\nthis line is not a header\r\nneither is this\r\n`;
corpus['body-only'] = 'Just some text with no header at all.\r\n';
corpus['single-line-no-newline'] = 'Subject: no newline at the end';
corpus['empty-header-names'] = `: empty name\r\n:\r\n::::\r\n${head('empty names')}\r\n\r\nbody\r\n`;

corpus['multipart-without-boundary'] = `${head('no boundary', ['Content-Type: multipart/mixed'])}\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nhello\r\n--x--\r\n`;
corpus['huge-boundary'] = (() => {
  const boundary = 'B'.repeat(20_000);
  return `${head('huge boundary', [`Content-Type: multipart/mixed; boundary="${boundary}"`])}\r\n\r\n--${boundary}\r\nContent-Type: text/plain\r\n\r\nhi\r\n--${boundary}--\r\n`;
})();
corpus['unbalanced-quotes'] = `${head('unbalanced', ['Content-Type: multipart/mixed; boundary="abc; name="x"y"z', 'Content-Disposition: attachment; filename="unterminated'])}\r\n\r\n--abc\r\n\r\nx\r\n`;

corpus['rfc2231-continuation-bomb'] = (() => {
  const params = Array.from({ length: 5000 }, (_, n) => ` filename*${n}*=utf-8''%41%42;`).join('\r\n');
  return `${head('rfc2231 bomb', ['Content-Type: multipart/mixed; boundary="c"'])}\r\n\r\n--c\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment;\r\n${params}\r\n\r\ndata\r\n--c--\r\n`;
})();

{
  let text = 'body of the innermost message\r\n';
  for (let level = 0; level < 800; level += 1) {
    text = `Subject: level ${level}\r\nContent-Type: message/rfc822\r\n\r\n${text}`;
  }
  corpus['nested-rfc822'] = `${head('nested rfc822', ['Content-Type: message/rfc822'])}\r\n\r\n${text}`;
}

corpus['binary-garbage'] = randomBytes(256 * 1024);

corpus['dot-lines'] = `${head('dot lines', ['Content-Type: text/plain'])}\r\n\r\n.\r\n..\r\n.hidden\r\n. \r\n.\r\nend\r\n`;

corpus['corrupt-zip'] = (() => {
  const zip = Buffer.concat([Buffer.from('PK\x03\x04'), randomBytes(4000), Buffer.from('PK\x05\x06'), randomBytes(18)]);
  return `${head('corrupt zip', ['Content-Type: multipart/mixed; boundary="z"'])}\r\n\r\n--z\r\nContent-Type: application/zip; name="evil.zip"\r\nContent-Disposition: attachment; filename="evil.zip"\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64(zip)}\r\n--z--\r\n`;
})();

corpus['header-folding-abuse'] = `${HEAD.join('\r\n')}\r\nSubject: start${'\r\n \r\n\t'.repeat(20_000)}end\r\nContent-Type: text/plain\r\n\r\nbody\r\n`;

corpus['many-recipient-headers'] = `${head('many to headers', Array.from({ length: 5000 }, (_, n) => `To: user${n}@example.test`))}\r\n\r\nbody\r\n`;

corpus['eight-bit-headers'] = Buffer.concat([
  Buffer.from(`${HEAD.join('\r\n')}\r\nSubject: `),
  Buffer.from([0xe4, 0xf6, 0xfc, 0x80, 0x81, 0xfe]),
  Buffer.from('\r\nFrom: \xff\xfe <x@\xff.example>\r\n\r\nbody\r\n', 'latin1'),
]);

let total = 0;
for (const [name, content] of Object.entries(corpus)) {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content, 'latin1');
  writeFileSync(join(out, `${name}.eml`), bytes);
  total += bytes.length;
}
process.stdout.write(`wrote ${Object.keys(corpus).length} messages (${total} bytes) to ${out}\n`);
