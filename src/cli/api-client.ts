/** A small client of Lazaret's HTTP API for the CLI commands that talk to a running `serve`. */
export interface ApiClientOptions {
  url: string;
  token?: string | undefined;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class ApiClient {
  constructor(private readonly options: ApiClientOptions) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}), ...extra };
  }

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.options.url), {
        method,
        headers: this.headers(
          body === undefined ? headers : { 'content-type': 'application/json', ...headers },
        ),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new ApiError(
        0,
        'unreachable',
        `Cannot reach Lazaret at ${this.options.url}: ${(error as Error).message}`,
      );
    }
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as unknown) : null;
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
      throw new ApiError(
        response.status,
        error?.code ?? 'http_error',
        error?.message ?? `HTTP ${response.status}`,
      );
    }
    return parsed as T;
  }

  /** Reads a Server-Sent Events stream, calling `onEvent` per event, until it ends. */
  async events(path: string, onEvent: (event: string, data: unknown) => void): Promise<void> {
    const response = await fetch(new URL(path, this.options.url), {
      headers: this.headers({ accept: 'text/event-stream' }),
    });
    if (!response.ok || !response.body)
      throw new ApiError(response.status, 'http_error', `HTTP ${response.status}`);
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of response.body) {
      buffered += decoder.decode(chunk as Uint8Array, { stream: true });
      let end = buffered.indexOf('\n\n');
      while (end !== -1) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
        }
        if (data.length > 0) onEvent(event, JSON.parse(data.join('\n')));
        end = buffered.indexOf('\n\n');
      }
    }
  }
}
