import type { Readable } from 'node:stream';
import type { Config } from '../config/load-config.js';
import type { Reason } from '../core/types.js';
import type { MilterModification } from '../milter/milter-codec.js';
import type { MilterDecision, MilterMessage, MilterPolicy } from '../milter/milter-policy.js';
import { cappedBody } from './capped-body.js';
import { decisionLine, logRefusal, type Origin } from './decision-log.js';
import { type IngestDeps, type IngestResult, ingestMessage, normaliseAddress } from './ingest-message.js';
import { refusalReply, replyLine } from './smtp-replies.js';
import { STRENGTH } from './verdict-pipeline.js';

export interface MilterIngestOptions {
  /** Bytes a message may have, headers included (smtp.maxMessageSize). */
  maxMessageSize: number;
  /** All recipients held for one of these reasons: REJECT instead of DISCARD. */
  rejectReasons: readonly Reason[];
  /** Header added to mail that passes, when set. */
  verdictHeader?: string | undefined;
}

export function milterIngestOptions(config: Config): MilterIngestOptions {
  return {
    maxMessageSize: config.smtp.maxMessageSize,
    rejectReasons: config.milter.rejectReasons,
    verdictHeader: config.milter.verdictHeader,
  };
}

/** A header line as it stood in the message: the MTA sends folded values with bare LF or CRLF. */
function headerLine(name: string, value: Buffer): Buffer {
  const text = value.toString('latin1').replace(/\r?\n/g, '\r\n');
  return Buffer.from(`${name}:${text}\r\n`, 'latin1');
}

/**
 * The message as the MTA received it, streamed: the header lines, the blank line, then the body
 * chunks as the session hands them over, capped at `limit` bytes.
 */
function rebuiltMessage(message: MilterMessage, limit: number): { body: Readable; exceeded: () => boolean } {
  async function* bytes(): AsyncGenerator<Buffer> {
    yield Buffer.concat([
      ...message.headers.map((header) => headerLine(header.name, header.value)),
      Buffer.from('\r\n'),
    ]);
    yield* message.body as AsyncIterable<Buffer>;
  }
  return cappedBody(bytes(), limit);
}

/** Where the message came from, from the milter's CONNECT/HELO and macros (`{i}`, `_`, `{client_addr}`). */
function originOf(message: MilterMessage): Origin {
  const macro = (name: string) => {
    const value = message.macros.get(name);
    return value === undefined || value === '' ? undefined : value;
  };
  return {
    queueId: macro('i'),
    client: macro('client_addr') ?? message.client.address ?? message.client.hostname,
    helo: message.client.helo,
  };
}

/** The milter's answer once the held recipients are committed (see MilterQuarantinePolicy). */
function decisionFor(
  message: MilterMessage,
  result: IngestResult,
  options: MilterIngestOptions,
): { decision: MilterDecision; reply: string } {
  const held = new Set(result.items.map((item) => item.recipient));
  if (held.size === 0) {
    const modifications: MilterModification[] = options.verdictHeader
      ? [{ type: 'addheader', name: options.verdictHeader, value: verdictValue(result) }]
      : [];
    return { decision: { modifications, reply: 'accept' }, reply: 'accept' };
  }
  const removed = message.recipients.filter((recipient) => held.has(normaliseAddress(recipient.address)));
  if (removed.length < message.recipients.length) {
    return {
      decision: {
        modifications: removed.map((recipient) => ({
          type: 'delrcpt' as const,
          recipient: `<${recipient.address}>`,
        })),
        reply: 'accept',
      },
      reply: `accept, held for ${removed.length} recipient(s) as ${result.message.id}`,
    };
  }
  const reason = strongestReason(result);
  if (options.rejectReasons.includes(reason)) {
    const smtpReply = `550 5.7.1 Message refused (${reason}), held as ${result.message.id}`;
    return { decision: { modifications: [], reply: { smtpReply } }, reply: smtpReply };
  }
  return {
    decision: { modifications: [], reply: 'discard' },
    reply: `discard, held as ${result.message.id}`,
  };
}

/** The strongest reason among the items, ranked as the verdict pipeline ranks them. */
function strongestReason(result: IngestResult): Reason {
  return result.items
    .map((item) => item.reason)
    .reduce((best, reason) => (STRENGTH[reason] > STRENGTH[best] ? reason : best));
}

function verdictValue(result: IngestResult): string {
  const first = [...result.verdicts.values()][0];
  const scanners = Object.keys((first?.details.scanners as Record<string, unknown> | undefined) ?? {});
  return scanners.length > 0 ? `pass; scanners=${scanners.join(',')}` : 'pass';
}

/**
 * Milter mode's policy: at end of message the message (rebuilt from the headers and the streamed
 * body, never held whole in memory) goes through the ingest use case, which runs the verdict
 * pipeline and commits the held recipients as items before this resolves. Then: nothing held →
 * accept (with the verdict header when configured); some held → DELRCPT of those; all held →
 * DISCARD, or REJECT for a configured reason. A failure (store, scanner with onError tempfail,
 * size) answers with the catalogue's SMTP reply (4xx: the MTA keeps the message and its client
 * retries), never with accept.
 */
export class MilterQuarantinePolicy implements MilterPolicy {
  constructor(
    private readonly deps: IngestDeps,
    private readonly options: MilterIngestOptions,
  ) {}

  async decide(message: MilterMessage): Promise<MilterDecision> {
    const { deps } = this;
    const envelope = {
      mailFrom: message.sender.address,
      rcptTo: message.recipients.map((recipient) => recipient.address),
    };
    const rebuilt = rebuiltMessage(message, this.options.maxMessageSize);
    let origin = originOf(message);
    try {
      await deps.freeSpace?.check(0);
      const result = await ingestMessage(deps, {
        body: rebuilt.body,
        envelope,
        // An address only (rspamd is given it as the client IP; the headers scanner trusts by it).
        get remoteAddress() {
          return message.macros.get('client_addr') || message.client.address;
        },
        ...(message.client.helo ? { heloName: message.client.helo } : {}),
        sizeExceeded: rebuilt.exceeded,
        // The end-of-message macros (`{i}` on Sendmail) are there once the body has ended.
        get queueId() {
          return originOf(message).queueId;
        },
      });
      origin = originOf(message);
      const { decision, reply } = decisionFor(message, result, this.options);
      deps.metrics?.messagesReceived.inc({ outcome: 'accepted' });
      deps.logger.info(decisionLine(origin, result, `milter ${reply}`));
      return decision;
    } catch (error) {
      const reply = refusalReply(error);
      deps.metrics?.messagesReceived.inc({ outcome: reply.code < 500 ? 'tempfail' : 'rejected' });
      logRefusal(deps.logger, originOf(message), envelope, `milter ${replyLine(reply)}`, error);
      return { modifications: [], reply: { smtpReply: replyLine(reply) } };
    }
  }
}
