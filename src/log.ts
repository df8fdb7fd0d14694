import pino, { type DestinationStream, type Logger } from 'pino';
import { UNSAFE_CHARACTERS } from './core/safe-text.js';

/**
 * A JSON log line with every control, bidi and separator character written as a `\uXXXX` escape.
 * pino escapes only what JSON demands (below U+0020); NEL, U+2028 or a bidi override would reach a
 * terminal or log viewer raw and break or reorder the line. Such characters occur only inside JSON
 * strings, so the escaped line parses to exactly the same values.
 */
export function escapeUnsafeInLogLine(line: string): string {
  // The one raw LF is the line's own end (pino escapes those inside strings): it stays.
  return line.replace(UNSAFE_CHARACTERS, (char) =>
    char === '\n'
      ? char
      : Array.from(
          { length: char.length },
          (_, index) => `\\u${char.charCodeAt(index).toString(16).padStart(4, '0')}`,
        ).join(''),
  );
}

/** JSON lines; secrets are redacted wherever they might appear in a logged object, unsafe characters escaped. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'lazaret' },
      hooks: { streamWrite: escapeUnsafeInLogLine },
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
