import type { Readable } from 'node:stream';
import type { Config } from '../config/load-config.js';
import { isLazaretError, LazaretError } from '../core/errors.js';
import type { RspamdReply, RspamdSymbol } from '../daemons/rspamd-client.js';
import { cappedBody } from './capped-body.js';
import { decisionLine, logRefusal, type Origin } from './decision-log.js';
import { type IngestDeps, type IngestResult, ingestMessage } from './ingest-message.js';
import { rspamdVerdict } from './scanners/rspamd.js';
import type { Verdict } from './verdict.js';

/** The prefix of the headers metadata_exporter adds with `meta_headers = true` (its default). */
const PREFIX = 'x-rspamd-';
/** What rspamd writes for a value it does not have. */
const UNKNOWN = 'unknown';

export interface RspamdHandoffOptions {
  /** The largest message taken (smtp.maxMessageSize): the same limit as over SMTP. */
  maxMessageSize: number;
  /** rspamd actions that hold (scanners.rspamd.holdActions). */
  holdActions: readonly string[];
}

export function rspamdHandoffOptions(config: Config): RspamdHandoffOptions {
  return { maxMessageSize: config.smtp.maxMessageSize, holdActions: config.scanners.rspamd.holdActions };
}

/** What rspamd said about a message, read from the metadata_exporter's headers. */
export interface RspamdMeta {
  mailFrom: string;
  rcptTo: string[];
  /** The MTA's queue id (`X-Rspamd-Qid`). */
  queueId?: string;
  /** The SMTP client's address rspamd judged (`X-Rspamd-Ip`). */
  ip?: string;
  /** The SMTP AUTH user (`X-Rspamd-User`). */
  user?: string;
  reply: RspamdReply;
}

export type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

function headersInvalid(name: string, problem: string): LazaretError {
  const header = `X-Rspamd-${name[0]!.toUpperCase()}${name.slice(1)}`;
  return new LazaretError('handoff_headers_invalid', `${header}: ${problem}`, { header });
}

/**
 * One header's value as rspamd wrote it. Node reads header bytes as latin1; rspamd writes UTF-8
 * (an SMTPUTF8 address, a symbol option), so the bytes are read again as UTF-8.
 */
function header(headers: HeaderBag, name: string): string | undefined {
  const value = headers[PREFIX + name];
  const text = Array.isArray(value) ? value.join(', ') : value;
  if (text === undefined) return undefined;
  return Buffer.from(text, 'latin1').toString('utf8').trim();
}

function known(value: string | undefined): string | undefined {
  return value === undefined || value === '' || value === UNKNOWN ? undefined : value;
}

function jsonOf(headers: HeaderBag, name: string): unknown {
  const text = header(headers, name);
  if (text === undefined) throw headersInvalid(name, 'missing; set meta_headers = true in the rule');
  try {
    return JSON.parse(text);
  } catch {
    throw headersInvalid(name, `expected JSON, got ${JSON.stringify(text.slice(0, 100))}`);
  }
}

/** rspamd's symbol list (`X-Rspamd-Symbols`, a JSON list of {name, score, options}) by name. */
function symbolsOf(headers: HeaderBag): Record<string, RspamdSymbol> {
  if (header(headers, 'symbols') === undefined) return {};
  const list = jsonOf(headers, 'symbols');
  // rspamd's JSON writer turns an empty Lua table into {}.
  if (list !== null && typeof list === 'object' && !Array.isArray(list) && Object.keys(list).length === 0)
    return {};
  if (!Array.isArray(list)) throw headersInvalid('Symbols', 'expected a JSON list of symbols');
  const symbols: Record<string, RspamdSymbol> = {};
  for (const entry of list as unknown[]) {
    if (entry === null || typeof entry !== 'object') continue;
    const { name, score, options } = entry as Record<string, unknown>;
    if (typeof name !== 'string' || name === '') continue;
    symbols[name] = {
      name,
      ...(typeof score === 'number' && Number.isFinite(score) ? { score } : {}),
      ...(Array.isArray(options) ? { options: options.filter((each) => typeof each === 'string') } : {}),
    };
  }
  return symbols;
}

/**
 * Reads the envelope and rspamd's verdict from the headers metadata_exporter's http pusher adds with
 * `meta_headers = true`: X-Rspamd-From (the envelope sender; empty for the null sender), X-Rspamd-Rcpt
 * (a JSON list of the envelope recipients), X-Rspamd-Action, X-Rspamd-Score, X-Rspamd-Symbols,
 * X-Rspamd-Qid, X-Rspamd-Ip, X-Rspamd-User. A missing or unreadable envelope or action is
 * `handoff_headers_invalid`.
 */
export function readRspamdMeta(headers: HeaderBag): RspamdMeta {
  const from = header(headers, 'from');
  if (from === undefined || from === UNKNOWN)
    throw headersInvalid(
      'From',
      from === undefined
        ? 'missing; set meta_headers = true in the rule'
        : 'rspamd did not know the envelope sender (the MTA must pass it)',
    );
  if (header(headers, 'rcpt') === UNKNOWN)
    throw headersInvalid('Rcpt', 'rspamd did not know the envelope recipients (the MTA must pass them)');
  const rcpt = jsonOf(headers, 'rcpt');
  if (
    !Array.isArray(rcpt) ||
    rcpt.length === 0 ||
    !rcpt.every((each) => typeof each === 'string' && each !== '')
  )
    throw headersInvalid('Rcpt', 'expected a JSON list of recipient addresses');
  const action = known(header(headers, 'action'));
  if (action === undefined) throw headersInvalid('Action', 'missing');
  const scoreText = header(headers, 'score');
  const score = scoreText === undefined ? Number.NaN : Number(scoreText);
  const queueId = known(header(headers, 'qid'));
  const ip = known(header(headers, 'ip'));
  const user = known(header(headers, 'user'));
  return {
    mailFrom: from,
    rcptTo: rcpt as string[],
    ...(queueId ? { queueId } : {}),
    ...(ip ? { ip } : {}),
    ...(user ? { user } : {}),
    reply: {
      action,
      ...(Number.isFinite(score) ? { score } : {}),
      symbols: symbolsOf(headers),
    },
  };
}

/** The verdict for every recipient: rspamd's, judged as the rspamd scanner judges a /checkv2 reply. */
export function handoffVerdict(meta: RspamdMeta, holdActions: ReadonlySet<string>): Verdict {
  const verdict = rspamdVerdict(meta.reply, holdActions);
  const summary = {
    action: verdict.action,
    ...(verdict.action === 'quarantine' ? { reason: verdict.reason } : {}),
    ...(verdict.score !== null ? { score: verdict.score } : {}),
    symbols: verdict.details.symbols,
  };
  return {
    ...verdict,
    details: {
      scanner: 'rspamd',
      ...verdict.details,
      source: 'rspamd-handoff',
      ...(meta.user ? { authenticatedUser: meta.user } : {}),
      scanners: { rspamd: summary },
    },
  };
}

export interface HandoffRequest {
  /** The raw message (metadata_exporter's `formatter = "default"`). */
  body: Readable;
  headers: HeaderBag;
  /** The Content-Length the request announced, when it did. */
  contentLength?: number | undefined;
  /** The HTTP client (rspamd). */
  peerAddress: string;
}

export interface HandoffResult {
  result: IngestResult;
  meta: RspamdMeta;
}

/**
 * The rspamd hand-off: rspamd has judged a message (its milter proxy or normal worker, asked by the
 * MTA) and its metadata_exporter posts the raw message with the envelope and verdict in headers. Each
 * recipient is held with rspamd's verdict — nothing is scanned again — when rspamd's action is one of
 * `holdActions`; else nothing is kept. The message and its items are durable before this resolves, and
 * a retry with the same bytes (the MTA retried after a failed push) finds the items of the earlier
 * attempt instead of storing them twice. Failures are the catalogue's: message_too_large,
 * handoff_headers_invalid, address_invalid, insufficient_storage, store_error.
 */
export class RspamdHandoff {
  private readonly deps: IngestDeps;
  private readonly holdActions: ReadonlySet<string>;

  constructor(
    deps: IngestDeps,
    private readonly options: RspamdHandoffOptions,
  ) {
    // No pipeline (rspamd decided) and no forward (the MTA delivers what passes).
    this.deps = { ...deps, pipeline: undefined, forward: undefined, findsEarlierAttempts: true };
    this.holdActions = new Set(options.holdActions.map((action) => action.toLowerCase()));
  }

  async accept(request: HandoffRequest): Promise<HandoffResult> {
    const { deps } = this;
    let origin: Origin = { client: request.peerAddress };
    let envelope = { mailFrom: '', rcptTo: [] as string[] };
    try {
      if (request.contentLength !== undefined && request.contentLength > this.options.maxMessageSize)
        throw new LazaretError('message_too_large', 'Message exceeds the size limit (smtp.maxMessageSize).');
      const meta = readRspamdMeta(request.headers);
      envelope = { mailFrom: meta.mailFrom, rcptTo: meta.rcptTo };
      origin = { client: meta.ip ?? request.peerAddress, queueId: meta.queueId, peer: request.peerAddress };
      await deps.freeSpace?.check(request.contentLength ?? 0);
      const body = cappedBody(request.body as AsyncIterable<Buffer>, this.options.maxMessageSize);
      const result = await ingestMessage(deps, {
        body: body.body,
        envelope,
        ...(meta.ip ? { remoteAddress: meta.ip } : {}),
        peerAddress: request.peerAddress,
        ...(meta.queueId ? { queueId: meta.queueId } : {}),
        sizeExceeded: body.exceeded,
        captureVerdict: handoffVerdict(meta, this.holdActions),
      });
      deps.metrics?.messagesReceived.inc({ outcome: 'accepted' });
      deps.logger.info(
        decisionLine(
          origin,
          result,
          `rspamd hand-off: held ${result.items.length}, held before ${result.alreadyHeld.length}`,
        ),
      );
      return { result, meta };
    } catch (error) {
      // Leave nothing unread: the answer goes out only after the request body has been taken.
      request.body.resume();
      const expected = logRefusal(
        deps.logger,
        origin,
        envelope,
        `rspamd hand-off ${isLazaretError(error) ? error.code : 'internal_error'}`,
        error,
      );
      deps.metrics?.messagesReceived.inc({ outcome: expected ? 'rejected' : 'tempfail' });
      throw error;
    }
  }
}
