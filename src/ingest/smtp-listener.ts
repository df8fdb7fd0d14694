import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Config } from '../config/load-config.js';
import { ERROR_CATALOGUE, type ErrorCode, isLazaretError } from '../core/errors.js';
import { type IngestDeps, ingestMessage } from './ingest-message.js';

export interface SmtpListener {
  address(): AddressInfo;
  /** Stops accepting, lets transactions in progress finish, then closes idle sessions. */
  close(): Promise<void>;
}

/** An SMTP error reply with the catalogue's reply code; smtp-server adds the enhanced status code. */
function smtpError(code: ErrorCode, text: string): Error & { responseCode: number } {
  const status = Number(ERROR_CATALOGUE[code].smtp.split(' ')[0]);
  return Object.assign(new Error(text), { responseCode: status });
}

export async function startSmtpListener(config: Config, deps: IngestDeps): Promise<SmtpListener> {
  const inFlight = new Set<Promise<unknown>>();
  const server = new SMTPServer({
    name: config.smtp.hostname,
    banner: 'Lazaret quarantine ESMTP',
    size: config.smtp.maxMessageSize,
    maxClients: config.smtp.maxClients,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    disableReverseLookup: true,
    logger: false,
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
        remoteAddress: session.remoteAddress,
        heloName: session.hostNameAppearsAs,
        sizeExceeded: () => stream.sizeExceeded,
      }).then(
        (result) => {
          deps.logger.info({
            event: 'INGEST_STORED',
            messageId: result.message.id,
            size: result.message.size,
            items: result.items.length,
            remoteAddress: session.remoteAddress,
          });
          callback(null, `Held as ${result.message.id}`);
        },
        (error: unknown) => {
          if (isLazaretError(error, 'message_too_large')) {
            callback(smtpError('message_too_large', 'Message exceeds fixed maximum message size'));
            return;
          }
          deps.logger.error({
            event: 'INGEST_STORE_FAILED',
            err: error,
            remoteAddress: session.remoteAddress,
          });
          callback(smtpError('store_error', 'Temporary storage failure, try again later'));
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
