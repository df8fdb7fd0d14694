import { rm } from 'node:fs/promises';
import { cpus } from 'node:os';
import { relative } from 'node:path';
import { type LineChart, writeCharts } from '../lib/charts.js';
import { freePort, runSmtpSource, startSmtpSink, stopProcess } from '../lib/postfix-tools.js';
import type { CaseResult, Row } from '../lib/report.js';
import {
  relayEnv,
  runJob,
  seededDataDir,
  seededListingDir,
  startServe,
  storedItemCount,
} from '../lib/serve-jobs.js';
import { adminListRequests, listPath, timeGet } from './list-search-api.js';

export interface ScalingOptions {
  /** Items already stored when ingest and the list are measured (one seeded store per size). */
  stored: number[];
  /** Items in each release job and each delete job. */
  jobs: number[];
  /** Messages smtp-source sends at each stored size, over `sessions` sessions, of `bytes` bytes. */
  ingestMessages: number;
  sessions: number;
  bytes: number;
  /** Samples per list request (at least 5 and within 8 s, as in list-search-api). */
  samples: number;
  /** Relay connections of the release jobs. */
  connections: number;
  /** Where the charts go: docs/images for a full run, bench/results/smoke for a smoke run. */
  chartsDir: string;
  /** Which run the figures are from (`full run of 2026-12-03`), printed under each chart's title. */
  runLabel: string;
}

/** The web UI's list requests on the list curve (named as in list-search-api). */
export const SCALING_REQUESTS = [
  'list, first page',
  'count as the list shows it',
  'count, no search',
  'q= text (common word)',
  'sort sender',
] as const;

/** The charts the case writes, each embedded in docs/performance.md. */
export const SCALING_CHARTS = ['scaling-ingest.svg', 'scaling-list.svg', 'scaling-jobs.svg'] as const;

const STORED = 'items stored';
const JOB = 'job size';
const p95Column = (request: string) => `p95 ms: ${request}`;

/**
 * How the cost grows with the work: ingest rate and list p95 through the API over stores that already
 * hold `stored` items, and the rate of one release job and one delete job of `jobs` items, each
 * through a `lazaret serve` child as the ingest, list-search-api, release-e2e and delete-100k cases
 * do; then the three charts.
 */
export async function runScaling(options: ScalingOptions): Promise<CaseResult> {
  for (const [flag, sizes] of [
    ['--stored', options.stored],
    ['--jobs', options.jobs],
  ] as const) {
    if (sizes.length === 0 || !sizes.every((size) => Number.isInteger(size) && size > 0))
      throw new Error(`scaling: ${flag} takes item counts (whole numbers above 0, comma-separated)`);
  }
  const rows: Row[] = [];
  let seededSeconds = 0;
  for (const items of options.stored) {
    const seeded = await seededListingDir(items);
    seededSeconds += seeded.seedSeconds;
    try {
      const row: Row = { curve: STORED, items };
      // Every sample is a request with one token: lift the per-token limit (auth.tokenRequestsPerMinute).
      const { serve, token } = await startServe(seeded.dataDir, {
        LAZARET_TOKEN_REQUESTS_PER_MINUTE: '1000000',
      });
      try {
        // The list first, while the store holds exactly `items`; then ingest on top. One untimed first
        // page (as list-search-api asks for its cursor) so that no sample pays for a cold start.
        const firstPage = await serve.api(listPath('', '-receivedAt'), {
          headers: { authorization: `Bearer ${token}` },
        });
        if (firstPage.status !== 200) throw new Error(`first page answered ${firstPage.status}`);
        const cursor = (firstPage.body as { nextCursor: string | null }).nextCursor ?? undefined;
        const requests = new Map(adminListRequests(seeded.shape, cursor));
        for (const name of SCALING_REQUESTS) {
          const path = requests.get(name);
          if (!path) throw new Error(`list-search-api has no request named ${name}`);
          row[p95Column(name)] = (await timeGet(serve.baseUrl, token, path, options.samples)).p95;
        }
        const seconds = await runSmtpSource(serve.smtpPort, {
          messages: options.ingestMessages,
          sessions: options.sessions,
          bytes: options.bytes,
        });
        row['ingest msgs/s'] = options.ingestMessages / seconds;
        row['ingest s'] = seconds;
      } finally {
        await serve.stop();
      }
      const expected = seeded.shape.messages * seeded.shape.recipientsPerMessage + options.ingestMessages;
      const stored = storedItemCount(seeded.dataDir);
      if (stored !== expected)
        throw new Error(`scaling at ${items} stored: expected ${expected} items, found ${stored}`);
      rows.push(row);
    } finally {
      await rm(seeded.dataDir, { recursive: true, force: true });
    }
  }

  const sinkPort = await freePort();
  const sink = await startSmtpSink(sinkPort);
  try {
    for (const items of options.jobs) {
      const release = await timedJob(
        items,
        'release',
        options.bytes,
        relayEnv(sinkPort, options.connections),
      );
      const remove = await timedJob(items, 'delete', 512, {});
      rows.push({
        curve: JOB,
        items,
        'release items/s': items / release,
        'release s': release,
        'delete items/s': items / remove,
        'delete s': remove,
      });
    }
  } finally {
    await stopProcess(sink);
  }

  const result: CaseResult = {
    case: 'scaling',
    title: 'Scaling: ingest and list by items stored, release and delete jobs by job size (SQLite)',
    notes: [
      `Items stored: each size seeded once by the bulk loader (listing shape, no raw messages; ${seededSeconds.toFixed(1)} s in all), then one \`lazaret serve\` child over it: p95 of ${SCALING_REQUESTS.map((name) => `'${name}'`).join(', ')} through the HTTP API as in list-search-api (page of 200, up to ${options.samples} samples, admin token), then ingest of ${options.ingestMessages.toLocaleString('en-US')} messages of ${options.bytes} bytes by smtp-source over ${options.sessions} sessions in capture mode (250 once fsynced and committed), every one found stored.`,
      `Job size: one release job (raw messages of ${options.bytes} bytes, to smtp-sink over ${options.connections} relay connections, as release-e2e) and one delete job (raw messages of 512 bytes, as delete-100k) over a fresh store of that many items, through the API of a \`serve\` child, from the request until JOB_FINISHED; every item must end ok.`,
      `Charts: ${SCALING_CHARTS.join(', ')} in ${relative(process.cwd(), options.chartsDir) || '.'}.`,
    ],
    rows,
  };
  await writeCharts(scalingCharts(result, options.runLabel), options.chartsDir);
  return result;
}

/** Seeds `items` quarantined messages, runs one job over them in a `serve` child, answers its seconds. */
async function timedJob(
  items: number,
  action: 'release' | 'delete',
  blobBytes: number,
  env: Record<string, string>,
): Promise<number> {
  const dataDir = await seededDataDir(items, blobBytes);
  try {
    const { serve, token } = await startServe(dataDir, env);
    try {
      return (await runJob(serve, token, action, items)).seconds;
    } finally {
      await serve.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The scaling charts of a result (or of bench/results/scaling.json read back): one per curve. */
export function scalingCharts(result: Pick<CaseResult, 'rows'>, runLabel: string): LineChart[] {
  const stored = result.rows.filter((row) => row.curve === STORED);
  const jobs = result.rows.filter((row) => row.curve === JOB);
  const points = (rows: Row[], series: string, column: string) =>
    rows
      .filter((row) => typeof row[column] === 'number')
      .map((row) => ({ series, x: Number(row.items), y: Number(row[column]) }));
  const subtitle = `${runLabel} · ${cpus().length} cores, Node ${process.version}`;
  return [
    {
      file: SCALING_CHARTS[0],
      title: 'Ingest rate by items already stored',
      subtitle,
      xTitle: 'items stored (log scale)',
      yTitle: 'ingest (msgs/s)',
      points: points(stored, 'Lazaret capture (smtp-source, fsync + commit before 250)', 'ingest msgs/s'),
    },
    {
      file: SCALING_CHARTS[1],
      title: 'List p95 through the HTTP API by items stored',
      subtitle,
      xTitle: 'items stored (log scale)',
      yTitle: 'p95 (ms, log scale)',
      logY: true,
      points: SCALING_REQUESTS.flatMap((request) => points(stored, request, p95Column(request))),
    },
    {
      file: SCALING_CHARTS[2],
      title: 'Release and delete job rate by job size',
      subtitle,
      xTitle: 'items in the job (log scale)',
      yTitle: 'items/s',
      points: [
        ...points(jobs, 'release job (to smtp-sink)', 'release items/s'),
        ...points(jobs, 'delete job', 'delete items/s'),
      ],
    },
  ];
}
