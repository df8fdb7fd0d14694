import { ApiError, api, setCsrfToken } from './client';
import type {
  ApiToken,
  AuditEntry,
  BulkAction,
  Item,
  ItemDetail,
  ItemPage,
  Job,
  Me,
  MessageContentInfo,
  Selection,
  Stats,
  User,
} from './types';

export const PAGE_SIZE = 200;

/** The loopback administrator of a server that has no sign-in. */
const LOCAL_ADMIN: Me = {
  id: 'local',
  email: 'local administrator',
  role: 'admin',
  domains: [],
  addresses: [],
  local: true,
};

type MeAnswer = Partial<Me> & { user?: Partial<Me>; csrfToken?: string };

function toMe(answer: MeAnswer): Me {
  setCsrfToken(answer.csrfToken);
  const user = answer.user ?? answer;
  return {
    id: user.id ?? '',
    email: user.email ?? '',
    role: user.role ?? 'user',
    domains: user.domains ?? [],
    addresses: user.addresses ?? [],
  };
}

export async function fetchMe(): Promise<Me | null> {
  try {
    return toMe(await api.get<MeAnswer>('/api/auth/me'));
  } catch (error) {
    if (error instanceof ApiError && error.code === 'route_not_found') return LOCAL_ADMIN;
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export async function signIn(email: string, password: string): Promise<Me> {
  return toMe(await api.post<MeAnswer>('/api/auth/login', { email, password }));
}

export async function signOut(): Promise<void> {
  await api.post('/api/auth/logout');
  setCsrfToken(null);
}

/** One page of the list; `sort` is a field name, with `-` in front for descending. */
export function listItems(
  q: string,
  cursor: string | null,
  signal?: AbortSignal,
  sort = '-receivedAt',
): Promise<ItemPage> {
  return api.get<ItemPage>('/api/quarantine', {
    query: { q, cursor, limit: PAGE_SIZE, sort: sort === '-receivedAt' ? undefined : sort },
    ...(signal ? { signal } : {}),
  });
}

export const getItem = (id: string) => api.get<ItemDetail>(`/api/quarantine/${id}`);
export const getContent = (id: string) => api.get<MessageContentInfo>(`/api/quarantine/${id}/content`);
export const previewUrl = (id: string, part: 'html' | 'text', remote: boolean) =>
  `/api/quarantine/${id}/preview?part=${part}&remote=${remote}`;
export const rawUrl = (id: string) => `/api/quarantine/${id}/raw`;
export const attachmentUrl = (id: string, index: number) => `/api/quarantine/${id}/attachments/${index}`;

export const releaseItem = (id: string, recipients?: string[]) =>
  api.post<{ item: Item }>(`/api/quarantine/${id}/release`, recipients ? { recipients } : {});
export const deleteItem = (id: string) => api.delete<{ item: Item }>(`/api/quarantine/${id}`);
export const requestRelease = (id: string) =>
  api.post<{ item: Item }>(`/api/quarantine/${id}/request-release`);

export const getStats = (days = 30) => api.get<Stats>('/api/stats', { query: { days } });

/** A bulk action over explicit ids or every item matching a search. */
export interface BulkRequest {
  action: BulkAction;
  selection: Selection;
  recipients?: string[];
}

/** What starting a bulk action gave: a job to follow, or the finished per-item results. */
export type BulkStart = { job: Job } | { finished: Record<string, number>; failedIds: string[] };

export async function startBulk(request: BulkRequest): Promise<BulkStart> {
  const answer = await api.post<
    { job?: Job; summary?: Record<string, number>; errors?: { messageId: string }[] } & Partial<Job>
  >('/api/quarantine/jobs', {
    action: request.action,
    ...request.selection,
    ...(request.recipients ? { options: { recipients: request.recipients } } : {}),
  });
  if (answer.job) return { job: answer.job };
  if (answer.id && answer.state) return { job: answer as Job };
  return { finished: answer.summary ?? {}, failedIds: (answer.errors ?? []).map((error) => error.messageId) };
}

export const getJob = (id: string) =>
  api.get<{ job: Job } | Job>(`/api/quarantine/jobs/${id}`).then(unwrapJob);
export const cancelJob = (id: string) => api.post(`/api/quarantine/jobs/${id}/cancel`);
export const jobEventsUrl = (id: string) => `/api/quarantine/jobs/${id}/events`;
export const jobItems = (id: string, outcome: string | null, cursor: string | null) =>
  api.get<{
    items: { itemId: string; outcome: string; detail?: string; item?: Item }[];
    nextCursor: string | null;
  }>(`/api/quarantine/jobs/${id}/items`, { query: { outcome, cursor, limit: 200 } });

export function unwrapJob(answer: { job: Job } | Job): Job {
  return 'job' in answer ? answer.job : answer;
}

export const listUsers = () =>
  api.get<{ users: User[] } | User[]>('/api/users').then((a) => (Array.isArray(a) ? a : a.users));
export const createUser = (user: {
  email: string;
  role: string;
  password?: string;
  domains?: string[];
  addresses?: string[];
}) => api.post<{ user: User }>('/api/users', user);
export const deleteUser = (id: string) => api.delete(`/api/users/${id}`);
export const listTokens = () =>
  api.get<{ tokens: ApiToken[] } | ApiToken[]>('/api/tokens').then((a) => (Array.isArray(a) ? a : a.tokens));
export const createToken = (token: { name: string; scopes: string[] }) =>
  api.post<{ token: ApiToken; secret?: string; value?: string }>('/api/tokens', token);
export const revokeToken = (id: string) => api.delete(`/api/tokens/${id}`);
export const listAudit = (
  filter: { action?: string; actor?: string; item?: string },
  cursor: string | null,
) =>
  api.get<{ entries?: AuditEntry[]; items?: AuditEntry[]; nextCursor: string | null }>('/api/audit', {
    query: { ...filter, cursor, limit: 100 },
  });
