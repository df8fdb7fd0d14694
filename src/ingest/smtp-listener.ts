import type { AddressInfo } from 'node:net';
import type { SMTPServerDataStream, SMTPServerOptions, SMTPServerSession } from 'smtp-server';
import type { Config } from '../config/load-config.js';
import { isLazaretError } from '../core/errors.js';
import { type IngestDeps, ingestMessage } from './ingest-message.js';
import { catalogueReply, ReplyingSmtpServer, refusalReply, replyError, replyLine } from './smtp-replies.js';

export interface SmtpListener {
  address(): AddressInfo;
  /** Stops accepting, lets transactions in progress finish, then closes idle sessions. */
  close(): Promise<void>;
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
    // smtp-server writes "220 <name> ESMTP <banner>".
    banner: 'Lazaret',
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
  const server = new ReplyingSmtpServer({
    ...smtpServerOptions(config),
    onConnect(_session, callback) {
      deps.metrics?.smtpSessions.inc();
      deps.metrics?.smtpSessionsActive.inc();
      callback();
    },
    onClose() {
      deps.metrics?.smtpSessionsActive.dec();
    },
    onRcptTo(_address, session, callback) {
      if (session.envelope.rcptTo.length >= config.smtp.maxRecipients) {
        callback(replyError(catalogueReply('too_many_recipients')));
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
            messageId: result.message.id,
            size: result.message.size,
            items: result.items.length,
            relayed: result.relayed.length,
            remoteAddress: session.remoteAddress,
          });
          const held = result.items.length > 0 ? `Held as ${result.message.id}` : '';
          const relayed = result.relayed.length > 0 ? `relayed to ${result.relayed.length} recipient(s)` : '';
          callback(null, [held, relayed].filter(Boolean).join(', ') || 'Accepted, nothing to deliver');
        },
        (error: unknown) => {
          const reply = refusalReply(error);
          deps.metrics?.messagesReceived.inc({ outcome: reply.code < 500 ? 'tempfail' : 'rejected' });
          // Storage failing is never expected, whichever store code says so.
          const expected =
            isLazaretError(error) &&
            !['store_error', 'store_throttled', 'store_not_initialised'].includes(error.code);
          deps.logger[expected ? 'warn' : 'error']({
            event: expected ? 'INGEST_REFUSED' : 'INGEST_STORE_FAILED',
            err: error,
            reply: replyLine(reply),
            remoteAddress: session.remoteAddress,
          });
          callback(replyError(reply));
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
      server.sendToAll(catalogueReply('shutting_down'));
      await closed;
    },
  };
}
