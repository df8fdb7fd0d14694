import type { AddressInfo } from 'node:net';
import type { SMTPServerDataStream, SMTPServerOptions, SMTPServerSession } from 'smtp-server';
import type { Config } from '../config/load-config.js';
import { isLazaretError } from '../core/errors.js';
import { decisionLine, type Origin, refusalLine } from './decision-log.js';
import { type IngestDeps, ingestMessage } from './ingest-message.js';
import {
  acceptedReply,
  catalogueReply,
  ReplyingSmtpServer,
  refusalReply,
  replyError,
  replyLine,
} from './smtp-replies.js';

export interface SmtpListener {
  address(): AddressInfo;
  /** Stops accepting, lets transactions in progress finish, then closes idle sessions. */
  close(): Promise<void>;
}

/**
 * Where the session's message comes from. With XFORWARD (Postfix's smtp_send_xforward_command) the
 * session's address and HELO are the original client's, IDENT is Postfix's queue id, and the peer is
 * Postfix itself.
 */
function originOf(session: SMTPServerSession): Origin {
  const xforward = (session as { xForward?: Map<string, string | number | false> }).xForward;
  const text = (key: string) => {
    const value = xforward?.get(key);
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  return {
    queueId: text('IDENT'),
    client: session.remoteAddress,
    helo: session.hostNameAppearsAs || undefined,
    peer: text('ADDR:DEFAULT') ?? session.remoteAddress,
  };
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
      const envelope = {
        mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        rcptTo: session.envelope.rcptTo.map((recipient) => recipient.address),
      };
      const origin = originOf(session);
      const work = ingestMessage(deps, {
        body: stream,
        envelope,
        // With XFORWARD, remoteAddress and the HELO name are the original client's; the peer is Postfix.
        remoteAddress: session.remoteAddress,
        peerAddress: origin.peer,
        heloName: session.hostNameAppearsAs,
        ...(origin.queueId ? { queueId: origin.queueId } : {}),
        sizeExceeded: () => stream.sizeExceeded,
      }).then(
        (result) => {
          deps.metrics?.messagesReceived.inc({ outcome: 'accepted' });
          const reply = acceptedReply(
            result.items.length > 0 ? result.message.id : null,
            result.relayed.length,
          );
          deps.logger.info(decisionLine(origin, result, replyLine(reply)));
          callback(null, reply.text);
        },
        (error: unknown) => {
          const reply = refusalReply(error);
          deps.metrics?.messagesReceived.inc({ outcome: reply.code < 500 ? 'tempfail' : 'rejected' });
          // Storage failing is never expected, whichever store code says so.
          const expected =
            isLazaretError(error) &&
            !['store_error', 'store_throttled', 'store_not_initialised'].includes(error.code);
          deps.logger[expected ? 'warn' : 'error'](
            refusalLine(
              expected ? 'INGEST_REFUSED' : 'INGEST_STORE_FAILED',
              origin,
              envelope,
              replyLine(reply),
              error,
            ),
          );
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
