import { SingleBar } from 'cli-progress';

/** What the bar shows of a job. */
export interface Progress {
  processed: number;
  total: number;
  failed: number;
  itemsPerSecond: number;
  state: string;
}

/**
 * A job's progress on standard error: redrawn in place on a terminal, a line a second when the
 * output is a file or pipe, and the final state when the job ends.
 */
export class ProgressBar {
  private readonly bar: SingleBar;
  private started = false;

  constructor(out: NodeJS.WriteStream) {
    this.bar = new SingleBar({
      stream: out,
      format: '[{bar}] {percentage}% {value}/{total} failed {failed} {speed} items/s {state}',
      barCompleteChar: '#',
      barIncompleteChar: '.',
      barsize: 30,
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 1000,
    });
  }

  update(progress: Progress, final = false): void {
    const payload = { failed: progress.failed, speed: progress.itemsPerSecond, state: progress.state };
    if (!this.started) {
      this.bar.start(progress.total, progress.processed, payload);
      this.started = true;
    } else {
      this.bar.setTotal(progress.total);
      this.bar.update(progress.processed, payload);
    }
    if (final) this.bar.stop();
  }
}
