/** Which credentials a client sends: a session (cookie + CSRF token), an API token, or none. */
export type Credentials =
  | { kind: 'anonymous' }
  | { kind: 'session'; cookie: string; csrfToken: string }
  | { kind: 'bearer'; token: string };

export interface ApiAnswer {
  status: number;
  body: unknown;
  text: string;
  /** The body's exact bytes. */
  bytes: Buffer;
  headers: Headers;
}

export interface ApiRequest extends RequestInit {
  /** Sent as JSON. */
  json?: unknown;
  /** For sessions: leave out the CSRF header (default: sent on every non-GET request). */
  withoutCsrf?: boolean;
}

/** A caller of the HTTP API with fixed credentials; `base` is read per request so it survives restarts. */
/** An item as GET /api/quarantine lists it (the fields tests read). */
export interface ListedItem {
  id: string;
  messageId: string;
  recipient: string;
  status: string;
  subject?: string;
  size: number;
  lastError: { code: string; reply?: string } | null;
}

export class ApiClient {
  constructor(
    private readonly base: () => string,
    readonly credentials: Credentials = { kind: 'anonymous' },
  ) {}

  /** Signs in with POST /api/auth/login (with a second-factor `code` when given); throws unless it answered 200. */
  static async login(base: () => string, email: string, password: string, code?: string): Promise<ApiClient> {
    const answer = await new ApiClient(base).request('/api/auth/login', {
      method: 'POST',
      json: { email, password, ...(code === undefined ? {} : { code }) },
    });
    if (answer.status !== 200) throw new Error(`login of ${email} answered ${answer.status}: ${answer.text}`);
    const cookie = /lazaret_session=([^;]+)/.exec(answer.headers.get('set-cookie') ?? '')?.[1];
    if (!cookie) throw new Error('login set no session cookie');
    return new ApiClient(base, {
      kind: 'session',
      cookie,
      csrfToken: (answer.body as { csrfToken: string }).csrfToken,
    });
  }

  static bearer(base: () => string, token: string): ApiClient {
    return new ApiClient(base, { kind: 'bearer', token });
  }

  get baseUrl(): string {
    return this.base();
  }

  async request(path: string, init: ApiRequest = {}): Promise<ApiAnswer> {
    const { json, withoutCsrf, headers: given, ...rest } = init;
    const headers = new Headers(given);
    const method = (rest.method ?? 'GET').toUpperCase();
    if (json !== undefined) headers.set('content-type', 'application/json');
    if (this.credentials.kind === 'session') {
      headers.set('cookie', `lazaret_session=${this.credentials.cookie}`);
      if (method !== 'GET' && method !== 'HEAD' && !withoutCsrf) {
        headers.set('x-csrf-token', this.credentials.csrfToken);
      }
    }
    if (this.credentials.kind === 'bearer') headers.set('authorization', `Bearer ${this.credentials.token}`);
    const response = await fetch(`${this.base()}${path}`, {
      ...rest,
      method,
      headers,
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    const text = bytes.toString('utf8');
    let body: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(text);
    return { status: response.status, body, text, bytes, headers: response.headers };
  }

  /**
   * The first 500 items of GET /api/quarantine (default statuses), `query` appended to the query
   * string (e.g. `&recipient=a@b.test`); throws unless it answered 200.
   */
  async listItems(query = ''): Promise<ListedItem[]> {
    const answer = await this.request(`/api/quarantine?limit=500${query}`);
    if (answer.status !== 200)
      throw new Error(`GET /api/quarantine answered ${answer.status}: ${answer.text}`);
    return (answer.body as { items: ListedItem[] }).items;
  }
}

/** Signs in as `email` and creates an API token of `scope` for that user; answers its secret. */
export async function tokenFor(
  base: () => string,
  email: string,
  password: string,
  scope: 'read' | 'release' | 'admin' = 'admin',
): Promise<string> {
  const session = await ApiClient.login(base, email, password);
  const me = await session.request('/api/auth/me');
  const userId = (me.body as { user: { id: string } }).user.id;
  const created = await session.request(`/api/users/${userId}/tokens`, {
    method: 'POST',
    json: { scope, name: 'test' },
  });
  if (created.status !== 201) throw new Error(`token creation answered ${created.status}: ${created.text}`);
  return (created.body as { secret: string }).secret;
}
