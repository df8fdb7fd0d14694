import type { Readable } from 'node:stream';
import type { Config } from '../config/load-config.js';
import type { LearnAnswer } from '../daemons/lessons.js';
import { RspamdClient } from '../daemons/rspamd-client.js';
import { SpamdClient } from '../daemons/spamd-client.js';
import type { LearnKind } from '../store/learning-store.js';

export type { LearnAnswer };

/** A spam filter that can be taught; rejects with an Error saying why when it could not be. */
export interface SpamTeacher {
  readonly name: string;
  learn(kind: LearnKind, raw: Readable, size: number, signal: AbortSignal): Promise<LearnAnswer>;
}

/** rspamd's controller, through the one rspamd client: `/learnham` or `/learnspam`. */
export class RspamdTeacher implements SpamTeacher {
  readonly name = 'rspamd';

  constructor(private readonly rspamd: RspamdClient) {}

  learn(kind: LearnKind, raw: Readable, size: number, signal: AbortSignal): Promise<LearnAnswer> {
    return this.rspamd.learn(kind, raw, size, signal);
  }
}

/** SpamAssassin's spamd, through the one spamd client: `TELL`, as `spamc --learntype` does. */
export class SpamdTeacher implements SpamTeacher {
  readonly name = 'spamassassin';

  constructor(private readonly spamd: SpamdClient) {}

  learn(kind: LearnKind, raw: Readable, size: number, signal: AbortSignal): Promise<LearnAnswer> {
    return this.spamd.tell(kind, raw, size, signal);
  }
}

/** The teacher `learning.backend` names, talking to the daemon the scanner keys configure; null for none. */
export function buildTeacher(config: Pick<Config, 'learning' | 'scanners'>): SpamTeacher | null {
  switch (config.learning.backend) {
    case 'none':
      return null;
    case 'rspamd':
      return new RspamdTeacher(new RspamdClient(config.scanners.rspamd));
    case 'spamassassin':
      return new SpamdTeacher(new SpamdClient(config.scanners.spamassassin));
  }
}
