import type { AddressInfo } from 'node:net';
import {
  SMTPServer,
  type SMTPServerDataStream,
  type SMTPServerOptions,
  type SMTPServerSession,
} from 'smtp-server';
import type { Config } from '../config/load-config.js';
import { ERROR_CATALOGUE, type ErrorCode, isLazaretError, STORE_FAILURE_CODES } from '../core/errors.js';
import { type IngestDeps, ingestMessage } from './ingest-message.js';

export interface SmtpListener {
  address(): AddressInfo;
  /** Stops accepting, lets transactions in progress finish, then closes idle sessions. */
  close(): Promise<void>;
}

/** An SMTP error reply with the catalogue's reply code; smtp-server adds the enhanced status code. */
function smtpError(code: ErrorCode, text: string, status?: number): Error & { responseCode: number } {
  return Object.assign(new Error(text), {
    responseCode: status ?? Number(ERROR_CATALOGUE[code].smtp.split(' ')[0]),
  });
}

/** One line of text for an SMTP reply, whatever the relay's reply contained. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, 400);
}

/** The reply for a failed ingest: the catalogue's code, or the re-injection listener's own code when it refused. */
function failureReply(error: unknown): Error & { responseCode: number } {
  if (isLazaretError(error, 'message_too_large'))
    return smtpError('message_too_large', 'Message exceeds fixed maximum message size');
  if (isLazaretError(error, 'digest_loop')) return smtpError('digest_loop', error.message);
  if (isLazaretError(error, 'insufficient_storage'))
    return smtpError('insufficient_storage', 'Insufficient system storage, try again later');
  if (isLazaretError(error, 'scanner_unavailable'))
    return smtpError('scanner_unavailable', 'Content scanner unavailable, try again later');
  if (isLazaretError(error, 'relay_deferred') || isLazaretError(error, 'relay_rejected')) {
    const code = Number(error.details?.responseCode);
    const temporary = error.code === 'relay_deferred';
    const matches =
      Number.isInteger(code) && (temporary ? code >= 400 && code < 500 : code >= 500 && code < 600);
    return smtpError(
      error.code,
      oneLine(`Relay: ${String(error.details?.reply ?? '')}`),
      matches ? code : undefined,
    );
  }
  return smtpError('store_error', 'Temporary storage failure, try again later');
}

/** The address of the SMTP client itself, also when it forwarded another client's with XFORWARD. */
function peerOf(session: SMTPServerSession): string {
  const forwarded = (session as { xForward?: Map<string, string | false> }).xForward?.get('ADDR:DEFAULT');
  return typeof forwarded === 'string' && forwarded ? forwarded : session.remoteAddress;
}

/**
 * The protocol settings of the listener, without its handlers (the ingest benchmark measures the
 * same server with a handler that only drains the message).
 */
export function smtpServerOptions(config: Config): SMTPServerOptions {
  return {
    name: config.smtp.hostname,
    banner: 'Lazaret quarantine ESMTP',
    size: config.smtp.maxMessageSize,
    maxClients: config.smtp.maxClients,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    disableReverseLookup: true,
    // smtp-server takes a list of trusted peers here although its types only say boolean.
    useXForward: (config.smtp.xforwardHosts.length > 0
      ? config.smtp.xforwardHosts
      : false) as unknown as boolean,
    logger: false,
  };
}

export async function startSmtpListener(config: Config, deps: IngestDeps): Promise<SmtpListener> {
  const inFlight = new Set<Promise<unknown>>();
  const server = new SMTPServer({
    ...smtpServerOptions(config),
    onConnect(_session, callback) {
      deps.metrics?.smtpSessions.inc();
      deps.metrics?.smtpSessionsActive.inc();
      callback();
    },
    onClose() {
      deps.metrics?.smtpSessionsActive.dec();
    },
    onMailFrom(address, session, callback) {
      if (!deps.freeSpace) {
        callback();
        return;
      }
      // Refused before the bytes travel, with room for the size the client announced.
      const args = address.args as Record<string, string> | false;
      const announced = (args && Number(args.SIZE)) || 0;
      deps.freeSpace.check(announced).then(
        () => callback(),
        (error: unknown) => {
          const reply = failureReply(error);
          deps.metrics?.storageRefusals.inc({ reason: 'reserve' });
          deps.logger.warn({
            event: 'INGEST_REFUSED_STORAGE',
            err: error,
            reply: `${reply.responseCode} ${reply.message}`,
            remoteAddress: session.remoteAddress,
          });
          callback(reply);
        },
      );
    },
    onRcptTo(_address, session, callback) {
      if (session.envelope.rcptTo.length >= config.smtp.maxRecipients) {
        callback(smtpError('too_many_recipients', 'Too many recipients'));
        return;
      }
      callback();
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      const work = ingestMessage(deps, {
        body: stream,
        envelope: {
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcptTo: session.envelope.rcptTo.map((recipient) => recipient.address),
        },
        // With XFORWARD, remoteAddress and the HELO name are the original client's; the peer is Postfix.
        remoteAddress: session.remoteAddress,
        peerAddress: peerOf(session),
        heloName: session.hostNameAppearsAs,
        sizeExceeded: () => stream.sizeExceeded,
      }).then(
        (result) => {
          deps.metrics?.messagesReceived.inc({ outcome: 'accepted' });
          deps.logger.info({
            event: result.items.length > 0 ? 'INGEST_STORED' : 'INGEST_RELAYED',
            alreadyHeld: result.alreadyHeld.length,
            messageId: result.message.id,
            size: result.message.size,
            items: result.items.length,
            relayed: result.relayed.length,
            remoteAddress: session.remoteAddress,
          });
          const held =
            result.items.length > 0
              ? `Held as ${result.message.id}`
              : result.alreadyHeld.length > 0
                ? 'Held by an earlier attempt'
                : '';
          const relayed = result.relayed.length > 0 ? `relayed to ${result.relayed.length} recipient(s)` : '';
          callback(null, [held, relayed].filter(Boolean).join(', ') || 'Accepted, nothing to deliver');
        },
        (error: unknown) => {
          const reply = failureReply(error);
          if (isLazaretError(error, 'insufficient_storage'))
            deps.metrics?.storageRefusals.inc({ reason: 'full' });
          deps.metrics?.messagesReceived.inc({ outcome: reply.responseCode < 500 ? 'tempfail' : 'rejected' });
          // Storage failing is never expected, whichever store code says so.
          const expected =
            isLazaretError(error) &&
            !STORE_FAILURE_CODES.includes(error.code) &&
            error.code !== 'store_not_initialised';
          deps.logger[expected ? 'warn' : 'error']({
            event: expected ? 'INGEST_REFUSED' : 'INGEST_STORE_FAILED',
            err: error,
            reply: `${reply.responseCode} ${reply.message}`,
            remoteAddress: session.remoteAddress,
          });
          callback(reply);
        },
      );
      inFlight.add(work);
      work.finally(() => inFlight.delete(work));
    },
  });
  server.on('error', (error) => deps.logger.warn({ event: 'SMTP_ERROR', err: error }));

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(config.smtp.port, config.smtp.host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });

  return {
    address: () => server.server.address() as AddressInfo,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...inFlight]);
      // Sessions between transactions get 421 now instead of waiting for smtp-server's close timeout.
      const connections = (
        server as unknown as { connections: Set<{ send(code: number, text: string): void; close(): void }> }
      ).connections;
      for (const connection of connections) {
        connection.send(421, 'Server shutting down');
        connection.close();
      }
      await closed;
    },
  };
}
