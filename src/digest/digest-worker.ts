import { eachLimited } from '../core/each-limited.js';
import type { DigestSettings } from '../store/digest-store.js';
import { scopeKey } from '../store/owner-scope.js';
import type { UserRecord, UserStore } from '../store/user-store.js';
import { audienceOf, scheduleScopes } from './digest-audience.js';
import { type DigestDeps, type DigestOutcome, sendDigest } from './send-digest.js';

export interface DigestWorkerDeps extends DigestDeps {
  users: UserStore;
}

export interface TickReport {
  users: number;
  outcomes: Record<DigestOutcome['kind'] | 'error', number>;
}

const PAGE = 500;
/** Digests built and sent at once; the relay pool bounds SMTP further. */
const CONCURRENCY = 4;

/**
 * The digest worker that runs inside `serve`: every `digest.tickSeconds` it walks all users, works out
 * whose digest is due, and sends those (src/digest/send-digest.ts makes that safe on any number of
 * nodes). `runOnce` is one such pass, for tests with a controlled clock and for the timer alike.
 */
export class DigestWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<TickReport> | undefined;
  private stopped = false;

  constructor(private readonly deps: DigestWorkerDeps) {}

  /** Runs a pass now, then one every `digest.tickSeconds`; a pass still running is never overlapped. */
  start(): void {
    const tick = () => {
      if (this.stopped) return;
      this.runOnce()
        .catch((error: unknown) => this.deps.logger.error({ event: 'DIGEST_TICK_FAILED', err: error }))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.deps.config.digest.tickSeconds * 1000);
          this.timer?.unref();
        });
    };
    tick();
  }

  /** Stops the timer and waits for a pass in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass over every user; resolves with what happened. Concurrent calls share one pass. */
  runOnce(): Promise<TickReport> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<TickReport> {
    const report: TickReport = {
      users: 0,
      outcomes: { not_due: 0, busy: 0, sent: 0, empty: 0, settling: 0, failed: 0, lost: 0, error: 0 },
    };
    let cursor: string | undefined;
    do {
      if (this.stopped) break;
      const page = await this.deps.users.listUsers({}, { limit: PAGE, cursor });
      report.users += page.items.length;
      await this.sendPage(page.items, report);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    this.deps.logger.debug({ event: 'DIGEST_TICK', users: report.users, ...report.outcomes });
    return report;
  }

  private async sendPage(users: readonly UserRecord[], report: TickReport): Promise<void> {
    const settings = new Map<string, DigestSettings>();
    for (const each of await this.deps.digests.getDigestSettings(users.flatMap(scheduleScopes))) {
      settings.set(scopeKey(each.scope), each);
    }
    const audiences = users.flatMap((user) => audienceOf(user, settings, this.deps.config) ?? []);
    if (audiences.length === 0) return;
    const states = await this.deps.digests.getDigestStates(audiences.map((audience) => audience.user.id));
    await eachLimited(audiences, CONCURRENCY, async (audience) => {
      if (this.stopped) return;
      try {
        const outcome = await sendDigest(this.deps, audience, states.get(audience.user.id));
        report.outcomes[outcome.kind] += 1;
      } catch (error) {
        report.outcomes.error += 1;
        this.deps.logger.error({ event: 'DIGEST_FAILED', userId: audience.user.id, err: error });
      }
    });
  }
}
