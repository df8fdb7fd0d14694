import { createHash } from 'node:crypto';
import { newId } from '../../src/core/ids.js';
import type { MessageRecord, QuarantineItem, Reason } from '../../src/core/types.js';
import type { BlobStore } from '../../src/store/blob-store.js';
import type { ItemStore } from '../../src/store/item-store.js';

const WORDS = (
  'invoice payment account urgent offer winner prize watches pills crypto bitcoin loan meeting report ' +
  'password reset delivery parcel order shipment newsletter discount sale verify security alert update ' +
  'contract project budget holiday photos dinner weekend schedule review feedback survey quarterly'
).split(' ');
const REASONS: Reason[] = ['spam', 'spam', 'spam', 'spam', 'bulk', 'bulk', 'phish', 'malware', 'policy'];

/** mulberry32: a small deterministic generator, so that every run seeds the same data. */
export class Rng {
  constructor(private state: number) {}
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  pick<T>(values: readonly T[]): T {
    return values[this.int(values.length)]!;
  }
}

export type SeedOrder = 'arrival' | 'random';

export interface SeedShape {
  messages: number;
  recipientsPerMessage: number;
  users: number;
  domains: number;
  senders: number;
  days: number;
  end: Date;
  /**
   * `arrival`: stored in the order received, as a quarantine fills (rows and index entries of items
   * received together sit together); `random` (default): stored at random times over the span.
   */
  order?: SeedOrder;
}

/**
 * The listing benchmarks' quarantine of `items` items: two recipients per message, a user per 100
 * items and a sender per 20, spread over the 60 days before 2026-11-01 (fixed, so date filters in the
 * queries always match the same share).
 */
export function listingShape(items: number): SeedShape {
  return {
    messages: Math.ceil(items / 2),
    recipientsPerMessage: 2,
    users: Math.max(100, Math.floor(items / 100)),
    domains: 100,
    senders: Math.max(100, Math.floor(items / 20)),
    days: 60,
    end: new Date('2026-11-01T00:00:00.000Z'),
  };
}

export function recipientName(index: number, domains: number): string {
  return `user${index}@dom${index % domains}.test`;
}

export function senderName(index: number): string {
  return `sender${index}@sdom${index % 5000}.example`;
}

/** Yields batches of messages with their items, shaped like a busy quarantine. */
export function* seedBatches(
  shape: SeedShape,
  batchSize: number,
): Generator<{ message: MessageRecord; items: QuarantineItem[] }[]> {
  const rng = new Rng(42);
  const spanMs = shape.days * 86_400_000;
  let batch: { message: MessageRecord; items: QuarantineItem[] }[] = [];
  for (let index = 0; index < shape.messages; index += 1) {
    const ago =
      shape.order === 'arrival'
        ? spanMs - Math.floor(((index + rng.next()) * spanMs) / shape.messages)
        : rng.int(spanMs);
    const receivedAt = new Date(shape.end.getTime() - ago).toISOString();
    const sender = senderName(rng.int(shape.senders));
    const subject = `${rng.pick(WORDS)} ${rng.pick(WORDS)} ${rng.pick(WORDS)} #${index}`;
    const recipients = new Set<string>();
    while (recipients.size < shape.recipientsPerMessage)
      recipients.add(recipientName(rng.int(shape.users), shape.domains));
    const id = newId();
    const message: MessageRecord = {
      id,
      receivedAt,
      size: 2000 + rng.int(50_000),
      sha256: createHash('sha256').update(id).digest('hex'),
      envelope: { mailFrom: sender, rcptTo: [...recipients] },
      headers: { from: sender, fromAddress: sender, subject },
      attachments: [],
      blobKey: id,
      parseProblems: [],
    };
    const reason = rng.pick(REASONS);
    const items: QuarantineItem[] = [...recipients].map((recipient) => ({
      id: newId(),
      messageId: id,
      recipient,
      tenant: recipient.split('@')[1]!,
      sender,
      fromHeader: sender,
      subject,
      size: message.size,
      hasAttachments: rng.int(5) === 0,
      reason,
      score: Math.round(rng.next() * 200) / 10,
      details: {},
      status: 'quarantined',
      receivedAt,
      updatedAt: receivedAt,
      expiresAt: null,
      release: null,
      lastError: null,
      lease: null,
      version: 1,
    }));
    batch.push({ message, items });
    if (batch.length === batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** Stores the benchmark cases seed into: the item store (any backend) and optionally the blob store. */
export interface SeedTarget {
  items: ItemStore;
  blobs?: BlobStore;
}

/**
 * Seeds `count` quarantined messages of one recipient each (so that every release is its own SMTP
 * transaction) and answers their item ids; stored in the order received unless `order` is `random`.
 * With `blobBytes`, every message gets a raw message of
 * about that size. SQLite takes them a thousand per transaction; other stores a message per call,
 * 32 at a time.
 */
export async function seedQuarantine(
  target: SeedTarget,
  count: number,
  options: { blobBytes?: number; order?: SeedOrder } = {},
): Promise<string[]> {
  const ids: string[] = [];
  const shape = {
    messages: count,
    recipientsPerMessage: 1,
    users: 1000,
    domains: 10,
    senders: 100,
    days: 30,
    end: new Date(),
    order: options.order ?? 'arrival',
  };
  const filler = options.blobBytes ? 'x'.repeat(76) : '';
  const rawFor = (id: string) => {
    const head = `From: bench@source.test\r\nTo: rcpt@sink.test\r\nSubject: bench ${id}\r\nMessage-ID: <${id}@bench.test>\r\n\r\n`;
    const lines = Math.max(1, Math.ceil(((options.blobBytes ?? 0) - head.length) / 78));
    return Buffer.from(head + `${filler}\r\n`.repeat(lines));
  };
  const bulk = target.items as ItemStore & {
    putMessages?: (batch: { message: MessageRecord; items: QuarantineItem[] }[]) => Promise<void>;
  };
  for (const batch of seedBatches(shape, 1000)) {
    if (typeof bulk.putMessages === 'function') await bulk.putMessages(batch);
    else {
      for (let start = 0; start < batch.length; start += 32) {
        await Promise.all(
          batch.slice(start, start + 32).map(({ message, items }) => target.items.putMessage(message, items)),
        );
      }
    }
    if (target.blobs && options.blobBytes) {
      const blobs = target.blobs;
      for (let start = 0; start < batch.length; start += 64) {
        await Promise.all(
          batch.slice(start, start + 64).map(({ message }) => blobs.put(message.blobKey, rawFor(message.id))),
        );
      }
    }
    for (const { items } of batch) ids.push(...items.map((item) => item.id));
  }
  return ids;
}
