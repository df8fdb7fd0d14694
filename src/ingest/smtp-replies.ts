import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { ERROR_CATALOGUE, type ErrorCode, isLazaretError } from '../core/errors.js';

/**
 * One SMTP reply of the listener: the basic code, the enhanced status code (RFC 3463) and the text.
 * The codes come from the error catalogue (src/core/errors.ts, docs/errors.md); this module only adds
 * the words, so a new refusal (say `452 4.3.1` for a full disk) is one catalogue entry and one line in
 * REFUSAL_TEXT.
 */
export interface SmtpReply {
  code: number;
  enhanced: string;
  text: string;
}

/** The words of each refusal the listener gives itself; relay refusals carry the relay's reply instead. */
const REFUSAL_TEXT = {
  message_too_large: 'Message exceeds fixed maximum message size',
  too_many_recipients: 'Too many recipients',
  scanner_unavailable: 'Content scanner unavailable, try again later',
  store_error: 'Temporary storage failure, try again later',
  store_throttled: 'Storage is busy, try again later',
  store_not_initialised: 'Storage is not set up, try again later',
  insufficient_storage: 'Insufficient system storage, try again later',
  shutting_down: 'Server shutting down',
} as const satisfies Partial<Record<ErrorCode, string>>;

type RefusalCode = keyof typeof REFUSAL_TEXT;

/** The catalogue's reply for `code`, with the listener's own words for it unless `text` is given. */
export function catalogueReply(code: RefusalCode, text?: string): SmtpReply;
export function catalogueReply(code: ErrorCode, text: string): SmtpReply;
export function catalogueReply(code: ErrorCode, text?: string): SmtpReply {
  const [basic, enhanced] = ERROR_CATALOGUE[code].smtp.split(' ') as [string, string];
  return { code: Number(basic), enhanced, text: text ?? REFUSAL_TEXT[code as RefusalCode] };
}

/**
 * The reply to an accepted message: what was held (as which message id) and to how many recipients it
 * was relayed. smtp-server sends a DATA success with 2.6.0 by itself.
 */
export function acceptedReply(heldAs: string | null, relayed: number, heldBefore = false): SmtpReply {
  const held = heldAs ? `Held as ${heldAs}` : heldBefore ? 'Held by an earlier attempt' : '';
  const out = relayed > 0 ? `relayed to ${relayed} recipient(s)` : '';
  return {
    code: 250,
    enhanced: '2.6.0',
    text: [held, out].filter(Boolean).join(', ') || 'Accepted, nothing to deliver',
  };
}

/** The reply as it goes on the wire (without CRLF). */
export function replyLine(reply: SmtpReply): string {
  return `${reply.code} ${reply.enhanced} ${reply.text}`;
}

const ENHANCED_CODE = /^([245])\.\d{1,3}\.\d{1,3}(?= |$)/;

/** One line of text for an SMTP reply, whatever the relay's reply contained. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, 400);
}

/**
 * A relay failure mirrored back to Postfix: the re-injection listener's own reply code and enhanced code
 * when they are of the right class (4xx for relay_deferred, 5xx for relay_rejected), the catalogue's
 * otherwise (connection refused, a timeout, a reply without an enhanced code).
 */
function relayReply(code: 'relay_deferred' | 'relay_rejected', details: Record<string, unknown>): SmtpReply {
  const reply = String(details.reply ?? '');
  const fallback = catalogueReply(code, oneLine(`Relay: ${reply}`));
  const responseCode = Number(details.responseCode);
  const klass = String(fallback.code)[0];
  if (!Number.isInteger(responseCode) || String(responseCode)[0] !== klass || responseCode > 599)
    return fallback;
  const theirs = ENHANCED_CODE.exec(reply.replace(/^\d{3}[ -]/, ''));
  return {
    ...fallback,
    code: responseCode,
    enhanced: theirs && theirs[1] === klass ? theirs[0] : fallback.enhanced,
  };
}

/**
 * The reply that ends a failed DATA: the catalogue's code for a refusal Lazaret knows, the re-injection
 * listener's own code when it refused, and `451 4.3.0` for anything unexpected, so a failure is never
 * answered with success and never bounces mail that a retry could deliver.
 */
export function refusalReply(error: unknown): SmtpReply {
  if (isLazaretError(error)) {
    if (error.code === 'relay_deferred' || error.code === 'relay_rejected')
      return relayReply(error.code, error.details ?? {});
    if (error.code === 'digest_loop') return catalogueReply('digest_loop', oneLine(error.message));
    if (error.code in REFUSAL_TEXT) return catalogueReply(error.code as RefusalCode);
  }
  return catalogueReply('store_error');
}

/** The reply as an error for smtp-server's callbacks; ReplyingSmtpServer puts it on the wire as it is. */
export function replyError(reply: SmtpReply): Error & { responseCode: number } {
  return Object.assign(new Error(`${reply.enhanced} ${reply.text}`), { responseCode: reply.code });
}

type Connection = SMTPServer['connections'] extends Set<infer C> ? C : never;

/**
 * smtp-server with ENHANCEDSTATUSCODES offered and Lazaret's enhanced codes kept. With the extension on,
 * smtp-server derives an enhanced code from the basic code alone (451 → 4.3.0, 554 → 5.6.0) and has no
 * way to take one from an application's error; so a reply text that starts with an enhanced code of its
 * own class (replyError) is sent as it is, and every other reply keeps smtp-server's code.
 */
export class ReplyingSmtpServer extends SMTPServer {
  constructor(options: SMTPServerOptions) {
    super({ ...options, hideENHANCEDSTATUSCODES: false });
  }

  override connect(socket: Socket | TLSSocket, socketOptions?: Parameters<SMTPServer['connect']>[1]): void {
    super.connect(socket, socketOptions);
    // connect() has just added this socket's connection: it is the newest in the set.
    let newest: Connection | undefined;
    for (const connection of this.connections) newest = connection;
    if (newest) keepOwnEnhancedCodes(newest);
  }

  /** Sends `reply` on every open session and closes them (server shutdown). */
  sendToAll(reply: SmtpReply): void {
    for (const connection of this.connections) {
      connection.send(reply.code, `${reply.enhanced} ${reply.text}`);
      connection.close();
    }
  }
}

function keepOwnEnhancedCodes(connection: Connection): void {
  const send = connection.send.bind(connection);
  connection.send = (code, data, context) => {
    const own = typeof data === 'string' && ENHANCED_CODE.exec(data)?.[1] === String(code)[0];
    send(code, data, own ? false : context);
  };
}
