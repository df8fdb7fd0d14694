import { ApiError, api, setCsrfToken } from './client';
import type {
  Answer,
  ApiToken,
  AuditEntry,
  BulkAction,
  Item,
  ItemDetail,
  ItemPage,
  Job,
  JobItem,
  Language,
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

interface SessionAnswer {
  user: Omit<Me, 'local'>;
  csrfToken?: string;
  /** The user's effective release mode (their own or the server default). */
  releaseMode?: 'release' | 'request';
  totpEnrolmentRequired?: boolean;
  language?: Language;
}

function toMe(answer: SessionAnswer): Me {
  setCsrfToken(answer.csrfToken);
  const { id, email, role, domains, addresses } = answer.user;
  return {
    id,
    email,
    role,
    domains,
    addresses,
    releaseMode: answer.releaseMode ?? answer.user.releaseMode ?? null,
    totp: answer.user.totp,
    totpEnrolmentRequired: answer.totpEnrolmentRequired ?? false,
    ...(answer.language ? { language: answer.language } : {}),
    chosenLanguage: answer.user.language ?? null,
  };
}

/** Offer "Request release" for items the person may not release but may ask for (`allowedActions`). */
export const offersRequest = (item: Item) =>
  item.allowedActions.includes('request_release') && !item.allowedActions.includes('release');

/** Who is signed in: null when nobody is, the local administrator on a server without sign-in. */
export async function fetchMe(): Promise<Me | null> {
  try {
    return toMe(await api.get<SessionAnswer>('/api/auth/me'));
  } catch (error) {
    if (error instanceof ApiError && error.code === 'route_not_found') return LOCAL_ADMIN;
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

/** Sets (or with null clears) the signed-in person's own language. */
export async function saveLanguage(language: Language | null): Promise<Me> {
  return toMe(await api.patch<SessionAnswer>('/api/auth/me', { language }));
}

/** Before sign-in: the language for this browser (its Accept-Language, else the server default). */
export const fetchLanguage = () => api.get<Answer<'/api/i18n', 'get'>>('/api/i18n');

/** Signs in; an account with a second factor answers `totp_required` until `code` is given too. */
export async function signIn(email: string, password: string, code?: string): Promise<Me> {
  return toMe(
    await api.post<SessionAnswer>('/api/auth/login', { email, password, ...(code ? { code } : {}) }),
  );
}

export const enrolTotp = () => api.post<Answer<'/api/auth/totp/enrol', 'post'>>('/api/auth/totp/enrol');
export const confirmTotp = (code: string) =>
  api.post<Answer<'/api/auth/totp/confirm', 'post'>>('/api/auth/totp/confirm', { code });
export const removeTotp = (code: string) => api.post('/api/auth/totp/remove', { code });

/** Ends the session; answers the provider's logout URL when the session came from single sign-on. */
export async function signOut(): Promise<string | null> {
  const answer = await api.post<{ endSessionUrl: string } | undefined>('/api/auth/logout');
  setCsrfToken(null);
  return answer?.endSessionUrl ?? null;
}

export interface SignInProvider {
  id: string;
  label: string;
  startUrl: string;
}

/**
 * What the sign-in page offers: a button per single sign-on provider, and the password form for
 * everyone (`shown`) or only behind an "administrator sign-in" link (`break_glass`: auth.requireSso).
 */
export interface SignInOptions {
  providers: SignInProvider[];
  passwordForm: 'shown' | 'break_glass';
}

export function signInOptions(): Promise<SignInOptions> {
  return api.get<SignInOptions>('/api/auth/oidc/providers');
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

/** How the list counts its matches for display: beyond this, "10,000+". */
export const DISPLAY_COUNT_LIMIT = 10_000;

/** How many items match a search, counted up to `upTo` (the server's most, 1,000,000, by default). */
export const countItems = (q: string, upTo?: number) =>
  api.get<{ count: number; exact: boolean }>('/api/quarantine/count', { query: { q, upTo } });

export const getItem = (id: string) => api.get<ItemDetail>(`/api/quarantine/${id}`);
export const getContent = (id: string) => api.get<MessageContentInfo>(`/api/quarantine/${id}/content`);
export const previewUrl = (id: string, part: 'html' | 'text', remote: boolean) =>
  `/api/quarantine/${id}/preview?part=${part}&remote=${remote}`;
export const rawUrl = (id: string) => `/api/quarantine/${id}/raw`;
export const attachmentUrl = (id: string, index: number) => `/api/quarantine/${id}/attachments/${index}`;

export const releaseItem = (id: string, options: { recipients?: string[]; force?: boolean } = {}) =>
  api.post<{ item: Item }>(`/api/quarantine/${id}/release`, {
    ...(options.recipients ? { recipients: options.recipients } : {}),
    ...(options.force ? { force: true } : {}),
  });
export const deleteItem = (id: string) => api.delete<{ item: Item }>(`/api/quarantine/${id}`);
export const requestRelease = (id: string) =>
  api.post<{ item: Item }>(`/api/quarantine/${id}/request-release`);
export const approveRelease = (id: string) => api.post<{ item: Item }>(`/api/quarantine/${id}/approve`);
export const denyRelease = (id: string, reason?: string) =>
  api.post<{ item: Item }>(`/api/quarantine/${id}/deny`, reason ? { reason } : {});

export const getStats = (days = 30) => api.get<Stats>('/api/stats', { query: { days } });

/** A bulk action over explicit ids or every item matching a search. */
export interface BulkRequest {
  action: BulkAction;
  selection: Selection;
  recipients?: string[];
  /** Identifies this one confirmation to the server (Idempotency-Key). */
  idempotencyKey: string;
}

/** Starts a durable job (release or delete, ids or a query); progress then comes as events. */
export async function startJob(request: BulkRequest & { action: 'release' | 'delete' }): Promise<Job> {
  const answer = await api.post<{ job: Job }>(
    '/api/quarantine/jobs',
    {
      action: request.action,
      ...request.selection,
      ...(request.recipients ? { recipients: request.recipients } : {}),
    },
    // One key per confirmation: a retried or doubled request answers the same job instead of a second one.
    { headers: { 'idempotency-key': request.idempotencyKey } },
  );
  return answer.job;
}

export const getJob = (id: string) =>
  api.get<{ job: Job }>(`/api/quarantine/jobs/${id}`).then((answer) => answer.job);
export const cancelJob = (id: string) => api.post(`/api/quarantine/jobs/${id}/cancel`);
export const jobEventsUrl = (id: string) => `/api/quarantine/jobs/${id}/events`;
export const jobItems = (id: string, outcome: string | null, cursor: string | null) =>
  api.get<{ items: JobItem[]; nextCursor: string | null }>(`/api/quarantine/jobs/${id}/items`, {
    query: { outcome, cursor, limit: 200 },
  });

export const listUsers = () =>
  api.get<{ users: User[]; nextCursor: string | null }>('/api/users', { query: { limit: 500 } });
export const createUser = (user: {
  email: string;
  role: string;
  password?: string;
  domains?: string[];
  addresses?: string[];
}) => api.post<{ user: User; password?: string }>('/api/users', user);
export const setUserDisabled = (id: string, disabled: boolean) =>
  api.patch<{ user: User }>(`/api/users/${id}`, { disabled });
export const getUser = (id: string) =>
  api.get<{ user: User }>(`/api/users/${id}`).then((answer) => answer.user);
/** Role, domains, aliases, release mode (null: the server default), display name. */
export const updateUser = (
  id: string,
  change: {
    role?: User['role'];
    domains?: string[];
    addresses?: string[];
    releaseMode?: User['releaseMode'];
    displayName?: string;
  },
) => api.patch<{ user: User }>(`/api/users/${id}`, change).then((answer) => answer.user);
/** Sets a generated password (answered once) and ends the user's sessions. */
export const resetPassword = (id: string) =>
  api.post<Answer<'/api/users/{id}/password', 'post'>>(`/api/users/${id}/password`, {});
/** Removes a user's second factor (a lost phone). */
export const resetSecondFactor = (id: string) => api.delete(`/api/users/${id}/totp`);
/** Unlinks a user from their identity at a sign-in provider and ends their sessions. */
export const unlinkIdentity = (id: string) =>
  api.delete<{ user: User }>(`/api/users/${id}/identity`).then((answer) => answer.user);
export const listTokens = (userId: string) =>
  api.get<{ tokens: ApiToken[]; nextCursor: string | null }>(`/api/users/${userId}/tokens`, {
    query: { limit: 500 },
  });
export const createToken = (userId: string, token: { name: string; scope: string; expires?: string }) =>
  api.post<{ token: ApiToken; secret: string }>(`/api/users/${userId}/tokens`, token);
export const revokeToken = (id: string) => api.delete(`/api/tokens/${id}`);
export interface AuditFilter {
  action?: string;
  actor?: string;
  /** An email: what that person did, signed in or with their tokens. */
  person?: string;
  itemId?: string;
  jobId?: string;
  /** ISO times: from (inclusive), until (exclusive). */
  after?: string;
  before?: string;
}

export const listAudit = (filter: AuditFilter, cursor: string | null, limit = 100) =>
  api.get<{ entries: AuditEntry[]; nextCursor: string | null }>('/api/audit', {
    query: { ...filter, cursor, limit },
  });
