import type { Logger } from 'pino';
import { isLazaretError, STORE_FAILURE_CODES } from '../core/errors.js';
import type { Envelope } from '../core/types.js';
import type { IngestResult } from './ingest-message.js';
import type { Verdict } from './verdict.js';

/** Where a message came from, as the SMTP session knows it. */
export interface Origin {
  /** The upstream MTA's queue id (Postfix's XFORWARD IDENT). */
  queueId?: string | undefined;
  /** The original client (XFORWARD ADDR), or the peer itself. */
  client: string;
  helo?: string | undefined;
  /** The SMTP client that handed the message over, when it forwarded another's (Postfix). */
  peer?: string | undefined;
}

/**
 * What happened to one recipient: held (an item), held before (an earlier attempt of the same delivery
 * committed its item), relayed to the re-injection listener, or passed (import).
 */
export type RecipientFate = 'held' | 'held_before' | 'relayed' | 'passed';

/** The scanner facts of a verdict that an operator greps for; the item's details keep all of them. */
function verdictFacts(verdict: Verdict | undefined): Record<string, unknown> {
  if (!verdict) return {};
  const details = verdict.details;
  const pick = (key: string) => (details[key] === undefined ? {} : { [key]: details[key] });
  return {
    ...(verdict.action === 'quarantine' ? { reason: verdict.reason } : {}),
    ...(verdict.score === null ? {} : { score: verdict.score }),
    ...pick('scanner'),
    ...pick('rule'),
    ...pick('virus'),
    ...pick('symbols'),
    ...pick('action'),
    ...pick('filename'),
    ...pick('reply'),
    ...pick('scanners'),
  };
}

function originFields(origin: Origin): Record<string, unknown> {
  return {
    ...(origin.queueId ? { queueId: origin.queueId } : {}),
    client: origin.client,
    ...(origin.helo ? { helo: origin.helo } : {}),
    ...(origin.peer && origin.peer !== origin.client ? { peer: origin.peer } : {}),
  };
}

/**
 * The one log line of an accepted message (event INGEST_DECISION): where it came from, its Message-ID,
 * sender, size, and for every recipient its fate, reason, scanner facts and item id, with the reply
 * Lazaret gave. "Why was the mail from X to Y held?" is a grep for X and Y (or the queue id).
 */
export function decisionLine(origin: Origin, result: IngestResult, reply: string): Record<string, unknown> {
  const itemOf = new Map(result.items.map((item) => [item.recipient, item.id]));
  const relayed = new Set(result.relayed);
  const heldBefore = new Set(result.alreadyHeld);
  const recipients = [...result.verdicts].map(([recipient, verdict]) => {
    const itemId = itemOf.get(recipient);
    const fate: RecipientFate = itemId
      ? 'held'
      : heldBefore.has(recipient)
        ? 'held_before'
        : relayed.has(recipient)
          ? 'relayed'
          : 'passed';
    return { recipient, fate, ...(itemId ? { itemId } : {}), ...verdictFacts(verdict) };
  });
  const message = result.message;
  return {
    event: 'INGEST_DECISION',
    ...originFields({ ...origin, queueId: origin.queueId ?? message.queueId }),
    messageId: message.id,
    ...(message.headers.messageId ? { headerMessageId: message.headers.messageId } : {}),
    sender: message.envelope.mailFrom,
    size: message.size,
    recipients,
    reply,
  };
}

/** The log line of a refused message (INGEST_REFUSED or INGEST_STORE_FAILED): the same origin facts and the reply. */
export function refusalLine(
  event: 'INGEST_REFUSED' | 'INGEST_REFUSED_STORAGE' | 'INGEST_STORE_FAILED',
  origin: Origin,
  envelope: Envelope,
  reply: string,
  error: unknown,
): Record<string, unknown> {
  return {
    event,
    ...originFields(origin),
    sender: envelope.mailFrom,
    recipients: envelope.rcptTo,
    reply,
    err: error,
  };
}

/**
 * Logs a message Lazaret did not take: INGEST_REFUSED (warn) for what the sender or the message
 * caused, INGEST_STORE_FAILED (error) when storage failed, whichever store code says so. Answers
 * whether the refusal was of the first kind.
 */
export function logRefusal(
  logger: Logger,
  origin: Origin,
  envelope: Envelope,
  reply: string,
  error: unknown,
): boolean {
  const expected =
    isLazaretError(error) &&
    !STORE_FAILURE_CODES.includes(error.code) &&
    error.code !== 'store_not_initialised';
  logger[expected ? 'warn' : 'error'](
    refusalLine(expected ? 'INGEST_REFUSED' : 'INGEST_STORE_FAILED', origin, envelope, reply, error),
  );
  return expected;
}
