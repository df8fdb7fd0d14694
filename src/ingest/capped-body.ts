import { Readable } from 'node:stream';

/**
 * A message body passed on up to `limit` bytes; past it the rest is read and dropped (so the sender
 * is not left hanging) and `exceeded()` says so — ingest then refuses with message_too_large.
 */
export function cappedBody(
  source: AsyncIterable<Buffer>,
  limit: number,
): { body: Readable; exceeded: () => boolean } {
  let size = 0;
  async function* bytes(): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      size += chunk.length;
      if (size <= limit) yield chunk;
    }
  }
  return { body: Readable.from(bytes(), { objectMode: false }), exceeded: () => size > limit };
}
