import { PassThrough, type Readable } from 'node:stream';
import { headerText } from '../../core/header-text.js';
import type { QuarantineItem } from '../../core/types.js';
import type { SmtpRelay } from '../../relay/smtp-relay.js';
import type { BlobStore } from '../../store/blob-store.js';
import type { ReleaseDeps, ReleaseRequest } from './release-types.js';

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves with `wait`, or as soon as `signal` aborts. */
async function untilAborted(wait: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return wait;
  if (signal.aborted) return;
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<void>((resolve) => {
    onAbort = resolve;
  });
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.race([wait, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * One trace header naming the released items; folded so no line passes SMTP's 998-octet limit, and
 * printable ASCII only: the actor's label (an email, a token's name) goes through headerText.
 */
export function traceHeader(itemIds: readonly string[], actorLabel: string, at: string): Buffer {
  const ids = itemIds.map((id, index) => `${id}${index < itemIds.length - 1 ? ',' : ';'}`);
  // The label may be several encoded words: each is a place to fold, like the gaps between ids.
  const by = headerText(actorLabel.replace(/;/g, ' ')).split(' ');
  const pieces = [...ids, ...by.map((word, index) => `${index === 0 ? ' by=' : ' '}${word}`), `; at=${at}`];
  const lines: string[] = [];
  let line = 'X-Lazaret-Release: item=';
  for (const piece of pieces) {
    if (line.length + piece.length > 900) {
      lines.push(line);
      line = piece.startsWith(' ') ? '' : ' ';
    }
    line += piece;
  }
  lines.push(line);
  return Buffer.from(`${lines.join('\r\n')}\r\n`);
}

/** The raw message with the trace header in front; the original bytes follow unchanged. */
export async function releaseStream(blobs: BlobStore, messageId: string, trace: Buffer): Promise<Readable> {
  const body = await blobs.get(messageId);
  // pipe() rather than an async generator: per message, async iteration of a stream costs an
  // AbortController and a DOMException, a visible share of a bulk release's CPU.
  const stream = new PassThrough();
  stream.write(trace);
  body.once('error', (error) => stream.destroy(error));
  return body.pipe(stream);
}

/** How the downstream answered for one item after all attempts. */
export type DeliveryVerdict =
  | {
      kind: 'accepted';
      to: string[];
      reply: string;
      attempts: number;
      refused: { recipient: string; reply: string }[];
    }
  | { kind: 'delivery_deferred' | 'delivery_rejected' | 'store_error'; reply: string; attempts: number }
  /** Shutdown cut the release off: `sent` when the message was on its way (it may have been delivered). */
  | { kind: 'interrupted'; sent: boolean; reply: string; attempts: number };

type RecipientState =
  | { state: 'accepted'; reply: string; attempt: number }
  | { state: 'rejected'; reply: string; attempt: number }
  | { state: 'pending'; reply: string };

/**
 * Delivers claimed items of ONE message in one SMTP transaction per attempt (all their recipients
 * together) and maps the per-recipient answers back to the items. 4xx answers (and failures to
 * connect) are retried for the recipients concerned with exponential back-off; 5xx answers are final.
 */
export async function deliverClaimed(
  deps: ReleaseDeps,
  claimed: readonly QuarantineItem[],
  request: ReleaseRequest,
  counters: { smtpTransactions: number } = { smtpTransactions: 0 },
): Promise<Map<string, DeliveryVerdict>> {
  const first = claimed[0]!;
  const recipientsOf = (item: QuarantineItem) => request.recipients ?? [item.recipient];
  const states = new Map<string, RecipientState>();
  for (const item of claimed)
    for (const address of recipientsOf(item))
      states.set(address.toLowerCase(), { state: 'pending', reply: '' });
  const at = deps.now().toISOString();
  const trace = traceHeader(
    claimed.map((item) => item.id),
    request.actor.label,
    at,
  );
  const sleep = deps.sleep ?? defaultSleep;
  const verdicts = new Map<string, DeliveryVerdict>();
  let attempts = 0;
  /** Where shutdown cut in: before anything was sent, or while a transaction was unanswered. */
  let cut: 'before_send' | 'in_flight' | null = null;

  for (let attempt = 1; attempt <= deps.delivery.attempts; attempt += 1) {
    const pending = [...states].filter(([, state]) => state.state === 'pending').map(([address]) => address);
    if (pending.length === 0) break;
    if (attempt > 1) await untilAborted(sleep(deps.delivery.retryBaseMs * 2 ** (attempt - 2)), deps.stopping);
    // After a 4xx the pending recipients were not delivered: they end deferred, as when attempts run out.
    if (deps.stopping?.aborted) {
      if (attempt === 1) cut = 'before_send';
      break;
    }
    attempts = attempt;
    counters.smtpTransactions += 1;
    let result: Awaited<ReturnType<SmtpRelay['deliver']>>;
    try {
      result = await deps.smtpLimiter.run(async () => {
        const raw = await releaseStream(deps.blobs, first.messageId, trace);
        return deps.relay.deliver({ from: first.sender, to: pending, raw, signal: deps.stopping });
      });
    } catch (error) {
      const reply = `Could not read the stored message: ${(error as Error).message}`;
      deps.logger.error({ event: 'RELEASE_BLOB_UNREADABLE', messageId: first.messageId, err: error });
      for (const item of claimed) verdicts.set(item.id, { kind: 'store_error', reply, attempts: attempt });
      return verdicts;
    }
    if (deps.stopping?.aborted && result.kind === 'failed' && result.responseCode === null) {
      // The connection was cut with the transaction unanswered: the downstream may have taken it.
      cut = 'in_flight';
      break;
    }
    const refusedBy = new Map(result.refused.map((refusal) => [refusal.recipient.toLowerCase(), refusal]));
    for (const address of pending) {
      const refusal = refusedBy.get(address);
      if (refusal) {
        states.set(
          address,
          refusal.responseCode >= 500
            ? { state: 'rejected', reply: refusal.reply, attempt }
            : { state: 'pending', reply: refusal.reply },
        );
      } else if (result.kind === 'accepted') {
        states.set(address, { state: 'accepted', reply: result.reply, attempt });
      } else {
        states.set(
          address,
          result.temporary
            ? { state: 'pending', reply: result.reply }
            : { state: 'rejected', reply: result.reply, attempt },
        );
      }
    }
  }

  for (const item of claimed) {
    const mine = recipientsOf(item).map((address) => [address, states.get(address.toLowerCase())!] as const);
    const accepted = mine.filter(([, state]) => state.state === 'accepted');
    const others = mine.filter(([, state]) => state.state !== 'accepted');
    if (accepted.length > 0) {
      verdicts.set(item.id, {
        kind: 'accepted',
        to: accepted.map(([address]) => address),
        reply: accepted[0]![1].reply,
        attempts: Math.max(...accepted.map(([, state]) => (state as { attempt: number }).attempt)),
        refused: others.map(([recipient, state]) => ({ recipient, reply: state.reply })),
      });
      continue;
    }
    const deferred = others.find(([, state]) => state.state === 'pending');
    if (deferred && cut) {
      verdicts.set(item.id, {
        kind: 'interrupted',
        sent: cut === 'in_flight',
        reply:
          cut === 'in_flight'
            ? 'The shutdown deadline cut the connection before the mail server answered.'
            : '',
        attempts,
      });
      continue;
    }
    const [, decisive] = deferred ?? others[0]!;
    verdicts.set(item.id, {
      kind: deferred ? 'delivery_deferred' : 'delivery_rejected',
      reply: decisive.reply,
      attempts: deferred ? attempts : (decisive as { attempt: number }).attempt,
    });
  }
  return verdicts;
}
