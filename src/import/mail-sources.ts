import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** One message read from an import source. */
export interface SourceMessage {
  raw: Buffer;
  /** Where it came from: a file, or `mbox:<n>` within a file. */
  location: string;
  /** Envelope sender from the mbox `From ` line, when there was one. */
  mboxSender?: string;
}

export type SourceKind = 'eml' | 'mbox' | 'maildir';

export interface ImportSource {
  kind: SourceKind;
  path: string;
}

export class MessageTooLargeError extends Error {}

async function isMaildir(dir: string): Promise<boolean> {
  for (const sub of ['cur', 'new']) {
    const info = await stat(join(dir, sub)).catch(() => null);
    if (info?.isDirectory()) return true;
  }
  return false;
}

async function startsWithFromLine(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(5);
    const { bytesRead } = await handle.read(head, 0, 5, 0);
    return bytesRead === 5 && head.toString('latin1') === 'From ';
  } finally {
    await handle.close();
  }
}

/**
 * What `lazaret import` will read under the given paths: Maildir folders (cur/ and new/, and
 * Maildir++ sub-folders), mbox files (a file whose first line starts with `From `), and single
 * messages (any other file). Folders that are not Maildirs are walked; names are sorted so that a
 * re-run visits the same order.
 */
export async function* findSources(paths: readonly string[]): AsyncGenerator<ImportSource> {
  for (const path of paths) {
    const info = await stat(path);
    if (info.isDirectory()) {
      if (await isMaildir(path)) {
        yield { kind: 'maildir', path };
        for (const entry of (await readdir(path, { withFileTypes: true })).sort((a, b) =>
          a.name.localeCompare(b.name),
        )) {
          if (
            entry.isDirectory() &&
            entry.name.startsWith('.') &&
            (await isMaildir(join(path, entry.name)))
          ) {
            yield { kind: 'maildir', path: join(path, entry.name) };
          }
        }
        continue;
      }
      const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) =>
        a.name.localeCompare(b.name),
      );
      yield* findSources(
        entries
          .filter((entry) => entry.isDirectory() || entry.isFile())
          .map((entry) => join(path, entry.name)),
      );
    } else if (info.isFile()) {
      yield { kind: (await startsWithFromLine(path)) ? 'mbox' : 'eml', path };
    }
  }
}

async function maildirFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const sub of ['cur', 'new']) {
    const entries = await readdir(join(dir, sub), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) if (entry.isFile()) files.push(join(dir, sub, entry.name));
  }
  return files.sort();
}

const FROM_LINE = /^From (\S*)/;

/**
 * Splits an mbox file into messages as it streams: a message starts at a `From ` line at the start
 * of the file or after an empty line; the empty line before it belongs to the separator. `>From `
 * quoting (mboxrd: any number of `>`) loses one `>`. Line ends are kept as they are in the file.
 * A message larger than `maxSize` is skipped with a MessageTooLargeError passed to `onError`.
 */
export async function* readMbox(
  path: string,
  maxSize: number,
  onError: (location: string, error: Error) => void,
): AsyncGenerator<SourceMessage> {
  let lines: string[] = [];
  let size = 0;
  let tooLarge = false;
  let number = 0;
  let sender: string | undefined;
  let pending = '';
  let previousBlank = true;
  const flush = function* (): Generator<SourceMessage> {
    if (number === 0) return;
    const location = `${path}:mbox:${number}`;
    if (tooLarge) {
      onError(location, new MessageTooLargeError(`larger than ${maxSize} bytes`));
    } else {
      // The newline that ends the last line before a separator belongs to the separator (mboxrd/mboxo).
      let text = lines.join('');
      if (text.endsWith('\r\n\r\n')) text = text.slice(0, -2);
      else if (text.endsWith('\n\n')) text = text.slice(0, -1);
      yield { raw: Buffer.from(text, 'latin1'), location, ...(sender ? { mboxSender: sender } : {}) };
    }
  };
  const take = function* (line: string): Generator<SourceMessage> {
    if (previousBlank && line.startsWith('From ')) {
      yield* flush();
      number += 1;
      lines = [];
      size = 0;
      tooLarge = false;
      const address = FROM_LINE.exec(line)?.[1];
      sender = address && address !== 'MAILER-DAEMON' ? address : undefined;
      previousBlank = false;
      return;
    }
    previousBlank = line === '\n' || line === '\r\n';
    if (number === 0) return;
    const unquoted = /^>+From /.test(line) ? line.slice(1) : line;
    size += unquoted.length;
    if (size > maxSize) {
      tooLarge = true;
      lines = [];
    } else if (!tooLarge) {
      lines.push(unquoted);
    }
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    pending += (chunk as Buffer).toString('latin1');
    let start = 0;
    for (let newline = pending.indexOf('\n'); newline !== -1; newline = pending.indexOf('\n', start)) {
      yield* take(pending.slice(start, newline + 1));
      start = newline + 1;
    }
    pending = pending.slice(start);
  }
  if (pending) yield* take(pending);
  yield* flush();
}

/** Counts the messages of a source without keeping them (for the progress bar). */
export async function countMessages(source: ImportSource): Promise<number> {
  if (source.kind === 'eml') return 1;
  if (source.kind === 'maildir') return (await maildirFiles(source.path)).length;
  let count = 0;
  let previousBlank = true;
  let atLineStart = true;
  for await (const chunk of createReadStream(source.path, { highWaterMark: 1024 * 1024 })) {
    const text = (chunk as Buffer).toString('latin1');
    let index = 0;
    while (index < text.length) {
      const newline = text.indexOf('\n', index);
      const end = newline === -1 ? text.length : newline + 1;
      if (atLineStart) {
        const line = text.slice(index, Math.min(end, index + 5));
        if (previousBlank && line === 'From ') count += 1;
        previousBlank = text[index] === '\n' || (text[index] === '\r' && text[index + 1] === '\n');
      }
      atLineStart = newline !== -1;
      index = end;
    }
  }
  return count;
}

/** The messages of one source, in a stable order. */
export async function* readSource(
  source: ImportSource,
  maxSize: number,
  onError: (location: string, error: Error) => void,
): AsyncGenerator<SourceMessage> {
  if (source.kind === 'mbox') {
    yield* readMbox(source.path, maxSize, onError);
    return;
  }
  const files = source.kind === 'eml' ? [source.path] : await maildirFiles(source.path);
  for (const file of files) {
    const info = await stat(file);
    if (info.size > maxSize) {
      onError(file, new MessageTooLargeError(`larger than ${maxSize} bytes`));
      continue;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of createReadStream(file)) chunks.push(chunk as Buffer);
    yield { raw: Buffer.concat(chunks), location: file };
  }
}
