import libmime from 'libmime';

export interface ParsedDigest {
  /** Top-level header values by lower-cased name (the first of each). */
  headers: Record<string, string>;
  contentType: string;
  text: string;
  html: string;
}

function decodeBody(body: string, encoding: string): string {
  const lower = encoding.toLowerCase();
  if (lower === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (lower === 'quoted-printable') {
    const bytes = body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/gi, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

function splitHead(part: string): { headers: Record<string, string>; body: string } {
  const cut = part.indexOf('\r\n\r\n');
  const head = part.slice(0, cut).replace(/\r\n[ \t]+/g, ' ');
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers[name] ??= line.slice(colon + 1).trim();
  }
  return { headers, body: part.slice(cut + 4) };
}

/** Reads a digest as Lazaret composes it: multipart/alternative with a text and an HTML part. */
export function parseDigest(raw: Buffer): ParsedDigest {
  const { headers, body } = splitHead(raw.toString('latin1'));
  const contentType = headers['content-type'] ?? '';
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) throw new Error(`not multipart: ${contentType}`);
  const parts = body.split(`--${boundary}`).slice(1, -1);
  let text = '';
  let html = '';
  for (const part of parts) {
    const parsed = splitHead(part.replace(/^\r\n/, ''));
    const decoded = decodeBody(
      parsed.body.replace(/\r\n$/, ''),
      parsed.headers['content-transfer-encoding'] ?? '7bit',
    ).replace(/\r\n/g, '\n');
    if ((parsed.headers['content-type'] ?? '').startsWith('text/plain')) text = decoded;
    if ((parsed.headers['content-type'] ?? '').startsWith('text/html')) html = decoded;
  }
  if (headers.subject) headers.subject = libmime.decodeWords(headers.subject);
  return { headers, contentType, text, html };
}

export interface DigestLinks {
  /** Per listed item, in order: its five links. */
  items: { release: string; releaseAllow: string; delete: string; deleteBlock: string; open: string }[];
  releaseAll: string | null;
}

/** The action links of a digest's text part. */
export function digestLinks(text: string): DigestLinks {
  const items: DigestLinks['items'] = [];
  const grab = (label: string, block: string) => new RegExp(`${label}:\\s+(\\S+)`).exec(block)?.[1] ?? '';
  for (const block of text.split(/\n(?=\d+\. From: )/).slice(1)) {
    items.push({
      release: grab('   Release', block),
      releaseAllow: grab('Release and always allow sender', block),
      delete: grab('   Delete', block),
      deleteBlock: grab('Delete and always block sender', block),
      // "Open in <product name>" (brand.productName).
      open: grab('Open in [^:\\n]+', block),
    });
  }
  return { items, releaseAll: /Release all \d+ listed: (\S+)/.exec(text)?.[1] ?? null };
}

/** The token of a link URL (`…/link/<token>`). */
export function tokenOf(url: string): string {
  return url.slice(url.lastIndexOf('/link/') + 6);
}
