import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { userInfo } from 'node:os';

export function hasPostfixTools(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v smtp-sink && command -v smtp-source'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** Postfix's smtp-sink on loopback: accepts and discards mail as fast as one SMTP hop allows. */
export async function startSmtpSink(port: number, flags: string[] = []): Promise<ChildProcess> {
  const sink = spawn('smtp-sink', [...flags, '-u', userInfo().username, `127.0.0.1:${port}`, '1024'], {
    stdio: ['ignore', flags.includes('-c') ? 'pipe' : 'ignore', 'ignore'],
  });
  // smtp-sink prints nothing when ready, so poll for its listening socket.
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (await accepts(port)) return sink;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('smtp-sink did not start');
}

export interface CountingSink {
  process: ChildProcess;
  /** Messages the sink has answered `.` for so far. */
  messages(): number;
}

/** smtp-sink with its running counters (`-c`): how many messages it has received so far. */
export async function startCountingSmtpSink(port: number): Promise<CountingSink> {
  const sink = await startSmtpSink(port, ['-c']);
  let messages = 0;
  let pending = '';
  // Each update is `sess=N quit=N mesg=N` ended by a carriage return.
  sink.stdout!.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString('latin1')).split('\r');
    pending = lines.pop()!;
    const last = lines.at(-1);
    const count = last && /mesg=(\d+)/.exec(last);
    if (count) messages = Number(count[1]);
  });
  return { process: sink, messages: () => messages };
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/** Runs smtp-source and answers the wall-clock seconds it took. */
export async function runSmtpSource(
  port: number,
  options: { messages: number; sessions: number; bytes: number },
): Promise<number> {
  const started = process.hrtime.bigint();
  const child = spawn(
    'smtp-source',
    [
      '-d',
      '-s',
      String(options.sessions),
      '-m',
      String(options.messages),
      '-l',
      String(options.bytes),
      '-f',
      'sender@source.test',
      '-t',
      'rcpt@sink.test',
      '-M',
      'bench.test',
      `127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`smtp-source failed (${code}): ${stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}
