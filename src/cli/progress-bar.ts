/** What the bar shows of a job. */
export interface Progress {
  processed: number;
  total: number;
  failed: number;
  itemsPerSecond: number;
  state: string;
}

const WIDTH = 30;

export function renderProgress(progress: Progress): string {
  const ratio = progress.total > 0 ? Math.min(1, progress.processed / progress.total) : 0;
  const filled = Math.round(ratio * WIDTH);
  const percent = String(Math.floor(ratio * 100)).padStart(3);
  return `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${percent}% ${progress.processed}/${progress.total} failed ${progress.failed} ${progress.itemsPerSecond} items/s ${progress.state}`;
}

/**
 * A one-line progress bar on a terminal (redrawn in place), or a line per change, at most one a
 * second, when the output is a file or pipe.
 */
export class ProgressBar {
  private lastLine = '';
  private lastWrite = 0;

  constructor(private readonly out: NodeJS.WriteStream) {}

  update(progress: Progress, final = false): void {
    const line = renderProgress(progress);
    if (line === this.lastLine && !final) return;
    this.lastLine = line;
    if (this.out.isTTY) {
      this.out.write(`\r${line}\u001b[K${final ? '\n' : ''}`);
      return;
    }
    const now = Date.now();
    if (!final && now - this.lastWrite < 1000) return;
    this.lastWrite = now;
    this.out.write(`${line}\n`);
  }
}
