import type { ScannersConfig } from '../../config/load-config.js';
import { RspamdClient, type RspamdReply } from '../../daemons/rspamd-client.js';
import type { Verdict } from '../verdict.js';
import { pass, passVerdict, type ScanInput, type Scanner, type ScanOutcome } from './scanner.js';

const MAX_LISTED_SYMBOLS = 50;
const MAX_DESCRIPTION = 200;
const PHISH_SYMBOL = /^(PHISHING|PHISHED_|PH_SURBL|MSBL_EBL)/;

/**
 * rspamd: the raw message is posted to the normal worker's `/checkv2` with the envelope
 * (src/daemons/rspamd-client.ts); the reply's action decides, its symbols go into the details.
 */
export class RspamdScanner implements Scanner {
  readonly name = 'rspamd' as const;
  readonly timeoutMs: number;
  private readonly holdActions: Set<string>;
  private readonly rspamd: RspamdClient;

  constructor(private readonly config: ScannersConfig['rspamd']) {
    this.timeoutMs = config.timeoutMs;
    this.rspamd = new RspamdClient(config);
    this.holdActions = new Set(config.holdActions.map((action) => action.toLowerCase()));
  }

  async scan(input: ScanInput): Promise<ScanOutcome> {
    if (input.size > this.config.maxSize)
      return pass({ skipped: `larger than ${this.config.maxSize} bytes` });
    const envelope = {
      queueId: input.messageId,
      from: input.sender,
      rcpt: input.recipients,
      ip: input.remoteAddress,
      helo: input.heloName,
    };
    const reply = await this.rspamd.check(await input.openRaw(), input.size, envelope, input.signal);
    return { verdict: rspamdVerdict(reply, this.holdActions) };
  }

  ping(signal: AbortSignal): Promise<string> {
    return this.rspamd.ping(signal);
  }
}

/**
 * The verdict of an rspamd answer: held (spam, or phish when a phishing symbol fired) when its action
 * is one of `holdActions` (lower-case), else pass; the symbols, highest score first, and their
 * descriptions go into the details. Shared by the scanner (a /checkv2 reply) and the rspamd hand-off
 * (metadata_exporter's headers), so both judge rspamd's answer alike.
 */
export function rspamdVerdict(reply: RspamdReply, holdActions: ReadonlySet<string>): Verdict {
  const action = (reply.action ?? 'no action').toLowerCase();
  const symbols = Object.values(reply.symbols ?? {})
    .filter((symbol) => typeof symbol.name === 'string')
    .sort((a, b) => (b.score ?? 0) - (a.score ?? 0));
  const listed = symbols.slice(0, MAX_LISTED_SYMBOLS);
  const descriptions = Object.fromEntries(
    listed
      .filter((symbol) => typeof symbol.description === 'string' && symbol.description !== '')
      .map((symbol) => [symbol.name!, symbol.description!.slice(0, MAX_DESCRIPTION)]),
  );
  const details = {
    action,
    ...(typeof reply.required_score === 'number' ? { required: reply.required_score } : {}),
    symbols: listed.map((symbol) => symbol.name!),
    ...(Object.keys(descriptions).length > 0 ? { descriptions } : {}),
  };
  const score = typeof reply.score === 'number' ? reply.score : null;
  // is_skipped only means a pre-filter decided early (GTUBE, settings): the action still counts.
  if (!holdActions.has(action)) return { ...passVerdict(details), score };
  const phish = symbols.some((symbol) => PHISH_SYMBOL.test(symbol.name!));
  return { action: 'quarantine', reason: phish ? 'phish' : 'spam', score, details };
}
