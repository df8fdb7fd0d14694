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

/** How log lines are written: JSON lines, pino-pretty's coloured lines, or logfmt `key=value` lines. */
export type LogFormat = 'json' | 'pretty' | 'logfmt';

export interface LoggerOptions {
  /** Unset: pretty when standard output is a terminal, json otherwise. */
  format?: LogFormat | undefined;
  /** Where lines go instead of standard output (tests); always JSON. */
  destination?: DestinationStream | undefined;
}

/** The format for `format` when the configuration leaves it open. */
export function effectiveFormat(
  format: LogFormat | undefined,
  isTty = process.stdout.isTTY === true,
): LogFormat {
  return format ?? (isTty ? 'pretty' : 'json');
}

/**
 * pino-pretty and pino-logfmt run as pino transports (a worker thread), so formatting never slows the
 * SMTP listener down; JSON lines go straight to standard output.
 */
function destinationFor(format: LogFormat): DestinationStream {
  switch (format) {
    case 'json':
      return pino.destination({ fd: 1, sync: false });
    case 'pretty':
      return pino.transport({
        target: 'pino-pretty',
        options: {
          destination: 1,
          translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l o',
          ignore: 'pid,hostname,service',
          // Lazaret's lines are named by their event code; Fastify's carry a msg.
          messageFormat: '{if event}{event}{end}{if msg} {msg}{end}',
        },
      }) as DestinationStream;
    case 'logfmt':
      return pino.transport({
        target: 'pino-logfmt',
        options: {
          destination: 1,
          includeLevelLabel: true,
          levelLabelKey: 'level',
          formatTime: true,
          timeFormat: 'isoUtcDateTime',
          flattenNestedObjects: true,
          flattenNestedSeparator: '.',
          escapeMultilineStrings: true,
        },
      }) as DestinationStream;
  }
}

/** Log lines in the configured format; secrets are redacted wherever they might appear in a logged object. */
export function createLogger(level: string, options: LoggerOptions | DestinationStream = {}): Logger {
  const { format, destination } =
    'write' in options ? { format: undefined, destination: options as DestinationStream } : options;
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
    destination ?? destinationFor(effectiveFormat(format)),
  );
}
