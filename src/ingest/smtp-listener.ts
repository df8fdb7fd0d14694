import type { AddressInfo, Socket } from 'node:net';
import { hostname } from 'node:os';
import type { SMTPServerDataStream, SMTPServerOptions, SMTPServerSession } from 'smtp-server';
import type { Config } from '../config/load-config.js';
import { canonicalAddress } from '../core/address.js';
import { isLazaretError } from '../core/errors.js';
import { decisionLine, logRefusal, type Origin, refusalLine } from './decision-log.js';
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
  /**
   * At the shutdown deadline: closes every session now. A transaction cut before its 250 was never
   * acknowledged, so the sending MTA keeps the message and retries.
   */
  cut(): void;
}

/** `RCPT TO:<postmaster>` must be accepted (RFC 5321 §4.1.1.3); it means the postmaster of this host. */
function isDomainlessPostmaster(address: string): boolean {
  return address.toLowerCase() === 'postmaster';
}

/**
 * Why an envelope address is refused, or undefined to take it: it must have a canonical form
 * (core/address.ts: syntax, RFC 5321 lengths, no control or bidi characters), and a non-ASCII local
 * part needs the SMTPUTF8 parameter on MAIL FROM (RFC 6531; smtp-server advertises it).
 */
function addressRefusal(address: string, session: SMTPServerSession): Error | undefined {
  if (isDomainlessPostmaster(address)) return undefined;
  try {
    const parsed = canonicalAddress(address);
    if (parsed.international && !(session.envelope as { smtpUtf8?: boolean }).smtpUtf8) {
      return replyError(
        catalogueReply(
          'address_needs_smtputf8',
          'Non-ASCII address needs the SMTPUTF8 parameter on MAIL FROM',
        ),
      );
    }
    return undefined;
  } catch (error) {
    if (!isLazaretError(error, 'address_invalid')) throw error;
    return replyError(
      catalogueReply(
        'address_invalid',
        `Bad address: ${String(error.details?.problem ?? '')}`.replace(/[\r\n]+/g, ' '),
      ),
    );
  }
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
    onMailFrom(address, session, callback) {
      const refused = address.address === '' ? undefined : addressRefusal(address.address, session);
      if (refused || !deps.freeSpace) {
        callback(refused);
        return;
      }
      // Refused before the bytes travel, with room for the size the client announced.
      const args = address.args as Record<string, string> | false;
      const announced = (args && Number(args.SIZE)) || 0;
      deps.freeSpace.check(announced).then(
        () => callback(),
        (error: unknown) => {
          const reply = refusalReply(error);
          deps.metrics?.storageRefusals.inc({ reason: 'reserve' });
          deps.logger.warn(
            refusalLine(
              'INGEST_REFUSED_STORAGE',
              originOf(session),
              { mailFrom: address.address, rcptTo: [] },
              replyLine(reply),
              error,
            ),
          );
          callback(replyError(reply));
        },
      );
    },
    onRcptTo(address, session, callback) {
      if (session.envelope.rcptTo.length >= config.smtp.maxRecipients) {
        callback(replyError(catalogueReply('too_many_recipients')));
        return;
      }
      callback(addressRefusal(address.address, session));
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      const envelope = {
        mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        rcptTo: session.envelope.rcptTo.map((recipient) =>
          isDomainlessPostmaster(recipient.address)
            ? `postmaster@${config.smtp.hostname ?? hostname()}`
            : recipient.address,
        ),
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
            result.alreadyHeld.length > 0,
          );
          deps.logger.info(decisionLine(origin, result, replyLine(reply)));
          callback(null, reply.text);
        },
        (error: unknown) => {
          const reply = refusalReply(error);
          if (isLazaretError(error, 'insufficient_storage'))
            deps.metrics?.storageRefusals.inc({ reason: 'full' });
          deps.metrics?.messagesReceived.inc({ outcome: reply.code < 500 ? 'tempfail' : 'rejected' });
          logRefusal(deps.logger, origin, envelope, replyLine(reply), error);
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

  const connections = () =>
    (
      server as unknown as {
        connections: Set<{ send(code: number, text: string): void; close(): void; _socket: Socket }>;
      }
    ).connections;
  return {
    address: () => server.server.address() as AddressInfo,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...inFlight]);
      // Sessions between transactions get 421 now instead of waiting for smtp-server's close timeout.
      server.sendToAll(catalogueReply('shutting_down'));
      await closed;
    },
    cut() {
      // Destroyed, not ended: a client dripping DATA would keep a half-closed socket open. smtp-server
      // then destroys the message stream, which ends the transaction's work.
      for (const connection of connections()) connection._socket.destroy();
    },
  };
}
