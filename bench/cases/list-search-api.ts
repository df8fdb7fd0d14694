import { rm } from 'node:fs/promises';
import { type CaseResult, percentile, type Row } from '../lib/report.js';
import { recipientName, type SeedShape } from '../lib/seed.js';
import { seededListingDir, startServe } from '../lib/serve-jobs.js';

export interface ListSearchApiOptions {
  items: number;
  samples: number;
}

/** The web UI's page size (web/src/api/endpoints.ts PAGE_SIZE). */
export const UI_PAGE = 200;
/** How far the web UI counts for the list's status line (web/src/api/endpoints.ts DISPLAY_COUNT_LIMIT). */
const DISPLAY_COUNT_LIMIT = 10_000;
const USER_PASSWORD = 'bench-user-password';

/** A slow request is sampled for this long (at least MIN_SAMPLES times), so that a slow row does not take an hour. */
const SAMPLE_BUDGET_MS = 8_000;
const MIN_SAMPLES = 5;

interface Timing {
  p50: number;
  p95: number;
  p99: number;
  rows: number | string;
}

/** Times `samples` GETs of one path (each must answer 200); `rows` is what the last answer held. */
export async function timeGet(
  base: string,
  token: string,
  path: string,
  samples: number,
): Promise<Timing & { samples: number }> {
  const times: number[] = [];
  let rows: number | string = '—';
  const budgetEnds = Date.now() + SAMPLE_BUDGET_MS;
  for (let run = 0; run < samples && (run < MIN_SAMPLES || Date.now() < budgetEnds); run += 1) {
    const started = process.hrtime.bigint();
    const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await response.json()) as { items?: unknown[]; count?: number };
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (response.status !== 200)
      throw new Error(`GET ${path} answered ${response.status}: ${JSON.stringify(body)}`);
    rows = body.items?.length ?? body.count ?? '—';
  }
  times.sort((a, b) => a - b);
  return {
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    p99: percentile(times, 99),
    rows,
    samples: times.length,
  };
}

/** The list path the UI requests (`listItems` in web/src/api/endpoints.ts): q, cursor, limit 200, sort unless newest first. */
export function listPath(q: string, sort: string, cursor?: string): string {
  const params = new URLSearchParams({ q, limit: String(UI_PAGE) });
  if (sort !== '-receivedAt') params.set('sort', sort);
  if (cursor) params.set('cursor', cursor);
  return `/api/quarantine?${params}`;
}

/**
 * The requests the web UI makes for an administrator's list, by name: pages, counts, text search and
 * every sort it offers (`cursor`: one from the first page, for the next-page row).
 */
export function adminListRequests(shape: SeedShape, cursor: string | undefined): [string, string][] {
  const rare = `#${Math.floor(shape.messages / 2)}`;
  return [
    ['list, first page', listPath('', '-receivedAt')],
    ['list, next page (cursor)', listPath('', '-receivedAt', cursor)],
    // The status line's total (web/src/pages/quarantine-page.tsx, DISPLAY_COUNT_LIMIT: "10,000+").
    ['count as the list shows it', `/api/quarantine/count?q=&upTo=${DISPLAY_COUNT_LIMIT}`],
    // The select-all count: asked only when every loaded row is selected ("select all N matching").
    ['count, no search', '/api/quarantine/count?q='],
    ['q= text (common word)', listPath('invoice', '-receivedAt')],
    ['q= text (rare: one message)', listPath(rare, '-receivedAt')],
    // With a search, the status line asks the same way; the select-all count below only on select-all.
    [
      'count as the list shows it, q= common word',
      `/api/quarantine/count?q=invoice&upTo=${DISPLAY_COUNT_LIMIT}`,
    ],
    ['count, q= common word', `/api/quarantine/count?q=invoice`],
    ['count, q= rare', `/api/quarantine/count?q=${encodeURIComponent(rare)}`],
    ['q= subject: + reason:', listPath('subject:parcel reason:phish', '-receivedAt')],
    ...['receivedAt', 'sender', '-sender', 'recipient', 'subject', 'reason', '-score', '-size'].map(
      (sort): [string, string] => [`sort ${sort}`, listPath('', sort)],
    ),
  ];
}

/**
 * The quarantine list through the HTTP API, as the web UI calls it: a `lazaret serve` child over a
 * data folder seeded by the bulk loader, timed from this process (loopback HTTP, JSON parse included).
 */
export async function runListSearchApi(options: ListSearchApiOptions): Promise<CaseResult> {
  const { dataDir, shape, seedSeconds } = await seededListingDir(options.items);

  // Every sample is a request with one token: lift the per-token limit (auth.tokenRequestsPerMinute).
  const { serve, token } = await startServe(dataDir, { LAZARET_TOKEN_REQUESTS_PER_MINUTE: '1000000' });
  const rows: Row[] = [];
  try {
    const base = serve.baseUrl;
    const userEmail = recipientName(7, shape.domains);
    const created = await serve.api('/api/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ email: userEmail, role: 'user', password: USER_PASSWORD }),
    });
    if (created.status !== 201) throw new Error(`user creation answered ${created.status}`);
    const userId = (created.body as { user: { id: string } }).user.id;
    const issued = await serve.api(`/api/users/${userId}/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ scope: 'read', name: 'bench' }),
    });
    if (issued.status !== 201) throw new Error(`user token creation answered ${issued.status}`);
    const userToken = (issued.body as { secret: string }).secret;

    const firstPage = await serve.api(listPath('', '-receivedAt'), {
      headers: { authorization: `Bearer ${token}` },
    });
    const cursor = (firstPage.body as { nextCursor: string | null }).nextCursor ?? undefined;
    const requests: [string, string, string][] = [
      ...adminListRequests(shape, cursor).map(([name, path]): [string, string, string] => [
        name,
        token,
        path,
      ]),
      [
        'user: default view (status:quarantined,release_requested)',
        userToken,
        listPath('status:quarantined,release_requested', '-receivedAt'),
      ],
      [
        'user: count of default view',
        userToken,
        '/api/quarantine/count?q=status%3Aquarantined%2Crelease_requested',
      ],
      ['user: q= text', userToken, listPath('invoice', '-receivedAt')],
    ];
    for (const [name, bearer, path] of requests) {
      const timing = await timeGet(base, bearer, path, options.samples);
      rows.push({
        request: name,
        'p50 ms': timing.p50,
        'p95 ms': timing.p95,
        'p99 ms': timing.p99,
        'items or count': timing.rows,
        samples: timing.samples,
      });
    }
  } finally {
    await serve.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  return {
    case: 'list-search-api',
    title: `Listing and search through the HTTP API as the web UI calls it, SQLite, ${options.items.toLocaleString('en-US')} items (page of ${UI_PAGE})`,
    notes: [
      `Seeded ${options.items.toLocaleString('en-US')} items in ${seedSeconds.toFixed(1)} s by the bulk loader; a \`lazaret serve\` child over them; up to ${options.samples} samples per request (at least ${MIN_SAMPLES}, within ${SAMPLE_BUDGET_MS / 1000} s), timed in the benchmark process over loopback (request, JSON answer parsed). Admin API token unless the row says user (who sees one address).`,
      `Counts: 'count as the list shows it' is the list's status line (\`upTo=${DISPLAY_COUNT_LIMIT}\`, shown as "${DISPLAY_COUNT_LIMIT.toLocaleString('en-US')}+"); 'count, no search' is the select-all count (no \`upTo\`, so up to 1,000,000), which the UI asks only when every loaded row is selected. Without a search or other filter both are answered from the per-tenant, per-status counters; a count with a search walks the items.`,
    ],
    rows,
  };
}
