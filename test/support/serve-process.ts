import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const CLI_PATH = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `lazaret` CLI with `env` (and `input` on standard input); answers its exit code and output. */
export async function runCli(
  env: Record<string, string>,
  args: string[],
  input?: string,
): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  child.stdin.end(input ?? '');
  const [code] = (await once(child, 'close')) as [number | null];
  return {
    code,
    stdout: Buffer.concat(stdout).toString('utf8'),
    stderr: Buffer.concat(stderr).toString('utf8'),
  };
}

export interface LogLine {
  level: number;
  event?: string;
  [key: string]: unknown;
}

/**
 * `lazaret serve` as a child process (built code from dist/, as `npm start` runs it), on free ports,
 * with its JSON log lines collected so tests can wait for events instead of sleeping.
 */
export class ServeProcess {
  readonly logs: LogLine[] = [];
  readonly stderr: string[] = [];
  smtpPort = 0;
  /** Milter mode (LAZARET_MODE=milter, an inet: listener): the milter's port. */
  milterPort = 0;
  httpPort = 0;
  private child!: ChildProcess;
  private readonly listeners: ((line: LogLine) => void)[] = [];
  private readonly stderrListeners: ((text: string) => void)[] = [];

  constructor(private readonly env: Record<string, string>) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  /** The child's process id (benchmarks read its peak memory from /proc). */
  get pid(): number {
    return this.child.pid!;
  }

  get exitCode(): number | null {
    return this.child.exitCode;
  }

  async start(): Promise<this> {
    // SERVE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the served process (see bench/README.md).
    const nodeArgs = process.env.SERVE_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    this.child = spawn(process.execPath, [...nodeArgs, CLI_PATH, 'serve'], {
      env: {
        PATH: process.env.PATH ?? '',
        LAZARET_SMTP_PORT: '0',
        LAZARET_HTTP_PORT: '0',
        ...this.env,
        // The listening events are logged at info; tests wait for them.
        LAZARET_LOG_LEVEL: ['debug', 'trace'].includes(this.env.LAZARET_LOG_LEVEL ?? '')
          ? this.env.LAZARET_LOG_LEVEL!
          : 'info',
        // JSON lines whatever the terminal, so they can be parsed.
        LAZARET_LOG_FORMAT: 'json',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    createInterface({ input: this.child.stdout! }).on('line', (text) => {
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { level: 30, text };
      }
      this.logs.push(line);
      for (const listener of [...this.listeners]) listener(line);
    });
    createInterface({ input: this.child.stderr! }).on('line', (text) => {
      this.stderr.push(text);
      for (const listener of [...this.stderrListeners]) listener(text);
    });
    const abort = new AbortController();
    const exited = once(this.child, 'exit', { signal: abort.signal }).then(([code]) => {
      throw new Error(`serve exited with ${code} before listening:\n${this.stderr.join('\n')}`);
    });
    exited.catch(() => undefined);
    // Milter mode has no SMTP listener: its milter listener stands in (milterPort).
    const milter = this.env.LAZARET_MODE === 'milter';
    const smtp = this.waitForLog((line) => line.event === (milter ? 'MILTER_LISTENING' : 'SMTP_LISTENING'));
    const http = this.waitForLog((line) => line.event === 'HTTP_LISTENING');
    const [smtpLine, httpLine] = await Promise.race([Promise.all([smtp, http]), exited]).finally(() =>
      abort.abort(),
    );
    if (milter) this.milterPort = smtpLine.port as number;
    else this.smtpPort = smtpLine.port as number;
    this.httpPort = httpLine.port as number;
    return this;
  }

  /** Resolves with the first log line (already seen or still to come) that matches. */
  waitForLog(match: (line: LogLine) => boolean): Promise<LogLine> {
    const seen = this.logs.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const listener = (line: LogLine) => {
        if (!match(line)) return;
        this.listeners.splice(this.listeners.indexOf(listener), 1);
        resolve(line);
      };
      this.listeners.push(listener);
    });
  }

  /** Resolves with the first line on standard error (already seen or still to come) that matches. */
  waitForStderr(match: RegExp): Promise<RegExpExecArray> {
    for (const text of this.stderr) {
      const found = match.exec(text);
      if (found) return Promise.resolve(found);
    }
    return new Promise((resolve) => {
      const listener = (text: string) => {
        const found = match.exec(text);
        if (!found) return;
        this.stderrListeners.splice(this.stderrListeners.indexOf(listener), 1);
        resolve(found);
      };
      this.stderrListeners.push(listener);
    });
  }

  /** Sends a signal and waits for the process to exit; answers its exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    const exited = once(this.child, 'exit');
    this.child.kill(signal);
    const [code] = await exited;
    return code as number | null;
  }

  async api(
    path: string,
    init: RequestInit = {},
  ): Promise<{ status: number; body: unknown; headers: Headers }> {
    const response = await fetch(`${this.baseUrl}${path}`, init);
    const text = await response.text();
    let body: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(text);
    return { status: response.status, body, headers: response.headers };
  }
}
