/** Builds test messages with CRLF line ends. */
export function message(options: {
  from?: string;
  to?: string;
  subject?: string;
  headers?: string[];
  body?: string;
  attachments?: { filename: string; contentType: string; data: Buffer }[];
}): Buffer {
  const boundary = '=_lazaret_test_boundary';
  const head = [
    `From: ${options.from ?? 'Sender <sender@example.org>'}`,
    `To: ${options.to ?? 'rcpt@example.test'}`,
    `Subject: ${options.subject ?? 'Test message'}`,
    `Message-ID: <test.${Math.random().toString(36).slice(2)}@example.org>`,
    'Date: Sun, 29 Nov 2026 12:00:00 +0000',
    'MIME-Version: 1.0',
    ...(options.headers ?? []),
  ];
  const body = options.body ?? 'Hello,\r\n\r\nthis is a test.\r\n';
  if (!options.attachments?.length) {
    return Buffer.from(`${[...head, 'Content-Type: text/plain; charset=utf-8'].join('\r\n')}\r\n\r\n${body}`);
  }
  const parts = [`--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}`];
  for (const attachment of options.attachments) {
    const base64 = attachment.data.toString('base64').replace(/.{76}/g, '$&\r\n');
    parts.push(
      `--${boundary}\r\nContent-Type: ${attachment.contentType}; name="${attachment.filename}"\r\n` +
        `Content-Disposition: attachment; filename="${attachment.filename}"\r\n` +
        `Content-Transfer-Encoding: base64\r\n\r\n${base64}\r\n`,
    );
  }
  return Buffer.from(
    `${[...head, `Content-Type: multipart/mixed; boundary="${boundary}"`].join('\r\n')}\r\n\r\n` +
      `${parts.join('')}--${boundary}--\r\n`,
  );
}

/** A zip archive of stored (uncompressed) files, enough for file-name checks. */
export function zipOf(files: { name: string; data: Buffer }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const file of files) {
    const name = Buffer.from(file.name, 'utf8');
    const crc = crc32(file.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(file.data.length, 18);
    local.writeUInt32LE(file.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(file.data.length, 20);
    central.writeUInt32LE(file.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, file.data);
    centrals.push(central, name);
    offset += local.length + name.length + file.data.length;
  }
  const centralSize = centrals.reduce((sum, part) => sum + part.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** GTUBE: every SpamAssassin and rspamd installation flags a message containing it. */
export const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
