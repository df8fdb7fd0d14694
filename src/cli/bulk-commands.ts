import type { Command } from 'commander';
import { FINAL_JOB_STATES, type JobState } from '../store/job-store.js';
import { ApiClient, ApiError } from './api-client.js';
import { ProgressBar } from './progress-bar.js';

interface PublicJob {
  id: string;
  action: string;
  state: JobState;
  total: number;
  processed: number;
  counters: Record<string, number>;
  selection: { kind: string; query?: string };
  owner: { label: string };
  createdAt: string;
  stats: { itemsPerSecond: number } | null;
  error: string | null;
}

interface ConnectionOptions {
  url?: string;
  token?: string;
}

function client(options: ConnectionOptions): ApiClient {
  return new ApiClient({
    url: options.url ?? process.env.LAZARET_URL ?? 'http://127.0.0.1:8025',
    token: options.token ?? process.env.LAZARET_TOKEN,
  });
}

function failedOf(job: PublicJob): number {
  return job.processed - (job.counters.ok ?? 0);
}

function summary(job: PublicJob): string {
  const parts = Object.entries(job.counters)
    .filter(([, count]) => count > 0)
    .map(([code, count]) => `${code} ${count}`);
  return `job ${job.id} ${job.state}: ${job.processed}/${job.total} processed${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/** Follows a job's event stream (falling back to polling if it breaks) until the job is final. */
async function follow(api: ApiClient, job: PublicJob, bar: ProgressBar): Promise<PublicJob> {
  let current = job;
  const show = (final = false) =>
    bar.update(
      {
        processed: current.processed,
        total: current.total,
        failed: failedOf(current),
        itemsPerSecond: current.stats?.itemsPerSecond ?? 0,
        state: current.state,
      },
      final,
    );
  try {
    await api.events(`/api/quarantine/jobs/${job.id}/events`, (_event, data) => {
      current = (data as { job: PublicJob }).job;
      show();
    });
  } catch {
    // fall back to polling below
  }
  while (!FINAL_JOB_STATES.includes(current.state)) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    current = (await api.request<{ job: PublicJob }>('GET', `/api/quarantine/jobs/${job.id}`)).job;
    show();
  }
  show(true);
  return current;
}

async function handle(work: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await work();
  } catch (error) {
    if (error instanceof ApiError) {
      process.stderr.write(`lazaret: ${error.message}${error.code ? ` (${error.code})` : ''}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}

function addConnectionOptions(command: Command): Command {
  return command
    .option('--url <url>', 'Lazaret HTTP API (default: $LAZARET_URL or http://127.0.0.1:8025)')
    .option('--token <token>', 'API token (default: $LAZARET_TOKEN)');
}

function registerBulk(program: Command, action: 'release' | 'delete'): void {
  const command = program
    .command(action)
    .description(
      `${action === 'release' ? 'Release' : 'Delete'} items by id or by search query as a job of a running server, with a progress bar. Exit code 0 when every item succeeded, 3 when some did not.`,
    )
    .option('--ids <ids...>', 'item ids (space or comma separated)')
    .option('--query <query>', "search query, e.g. 'from:@spam.test reason:spam before:2026-11-01'")
    .option('--idempotency-key <key>', 'repeat-safe key: running the same command again follows the same job')
    .option('--no-wait', 'print the job id and return without following it');
  if (action === 'release') {
    command
      .option('--force', 'send again although released already or interrupted before')
      .option('--to <addresses...>', 'deliver to these addresses instead of the original recipients');
  }
  addConnectionOptions(command).action(
    (
      options: ConnectionOptions & {
        ids?: string[];
        query?: string;
        force?: boolean;
        to?: string[];
        idempotencyKey?: string;
        wait: boolean;
      },
    ) =>
      handle(async () => {
        const ids = options.ids?.flatMap((value) => value.split(',')).filter((value) => value !== '');
        if ((ids === undefined) === (options.query === undefined)) {
          process.stderr.write('lazaret: give either --ids or --query\n');
          return 2;
        }
        const api = client(options);
        const { job } = await api.request<{ job: PublicJob }>(
          'POST',
          '/api/quarantine/jobs',
          {
            action,
            ...(ids ? { ids } : { query: options.query }),
            ...(options.force ? { force: true } : {}),
            ...(options.to ? { recipients: options.to } : {}),
          },
          options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {},
        );
        process.stdout.write(`job ${job.id} ${job.state}\n`);
        if (!options.wait) return 0;
        const done = await follow(api, job, new ProgressBar(process.stderr));
        process.stdout.write(`${summary(done)}\n`);
        if (done.state === 'failed') {
          process.stderr.write(`lazaret: job failed: ${done.error}\n`);
          return 1;
        }
        return failedOf(done) === 0 ? 0 : 3;
      }),
  );
}

export function registerBulkCommands(program: Command): void {
  registerBulk(program, 'release');
  registerBulk(program, 'delete');

  const jobs = program
    .command('jobs')
    .description('List bulk jobs (yours; all for administrators), or show one with its id.')
    .argument('[id]', 'a job id')
    .option('--cancel', 'cancel the job given by id')
    .option('--follow', 'follow the job given by id with a progress bar until it ends')
    .option('--json', 'print JSON');
  addConnectionOptions(jobs).action(
    (
      id: string | undefined,
      options: ConnectionOptions & { cancel?: boolean; follow?: boolean; json?: boolean },
    ) =>
      handle(async () => {
        const api = client(options);
        if (!id) {
          const { jobs: list } = await api.request<{ jobs: PublicJob[] }>(
            'GET',
            '/api/quarantine/jobs?limit=50',
          );
          if (options.json) process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
          else
            for (const job of list) {
              const selection =
                job.selection.kind === 'query' ? `query ${JSON.stringify(job.selection.query)}` : 'ids';
              process.stdout.write(
                `${job.id}  ${job.action.padEnd(7)} ${job.state.padEnd(9)} ${String(job.processed).padStart(7)}/${String(job.total).padEnd(7)} ok ${job.counters.ok ?? 0}  ${selection}  by ${job.owner.label}  ${job.createdAt}\n`,
              );
            }
          return 0;
        }
        let { job } = options.cancel
          ? await api.request<{ job: PublicJob }>('POST', `/api/quarantine/jobs/${id}/cancel`)
          : await api.request<{ job: PublicJob }>('GET', `/api/quarantine/jobs/${id}`);
        if (options.follow) job = await follow(api, job, new ProgressBar(process.stderr));
        process.stdout.write(options.json ? `${JSON.stringify(job, null, 2)}\n` : `${summary(job)}\n`);
        return 0;
      }),
  );
}
