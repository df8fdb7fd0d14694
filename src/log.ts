import pino, { type DestinationStream, type Logger } from 'pino';

/** JSON lines; secrets are redacted wherever they might appear in a logged object. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'lazaret' },
      redact: {
        paths: [
          'password',
          '*.password',
          '*.adminPassword',
          'secret',
          '*.secret',
          'csrfToken',
          '*.csrfToken',
          'req.headers["x-csrf-token"]',
          'headers["x-csrf-token"]',
          'req.headers.authorization',
          'req.headers.cookie',
          'headers.authorization',
          'headers.cookie',
        ],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
