/**
 * The catalogue of stable error codes. Each code fixes its HTTP status, the SMTP reply used when it
 * ends an SMTP transaction, and whether retrying the same request may succeed. API bodies
 * (`{ error: { code, message, details? } }`) are built from it in one place: src/api/error-handler.ts.
 * Every code is documented in docs/errors.md (a test checks this).
 */
export const ERROR_CATALOGUE = {
  validation_error: { http: 400, smtp: '501 5.5.4', retryable: false },
  bad_cursor: { http: 400, smtp: '501 5.5.4', retryable: false },
  bad_query: { http: 400, smtp: '501 5.5.4', retryable: false },
  bad_request: { http: 400, smtp: '500 5.5.2', retryable: false },
  request_timeout: { http: 408, smtp: '421 4.4.2', retryable: true },
  uri_too_long: { http: 414, smtp: '500 5.5.2', retryable: false },
  unsupported_media_type: { http: 415, smtp: '500 5.5.2', retryable: false },
  headers_too_large: { http: 431, smtp: '500 5.5.2', retryable: false },
  unauthenticated: { http: 401, smtp: '530 5.7.0', retryable: false },
  invalid_credentials: { http: 401, smtp: '535 5.7.8', retryable: false },
  forbidden: { http: 403, smtp: '550 5.7.1', retryable: false },
  insufficient_scope: { http: 403, smtp: '550 5.7.1', retryable: false },
  csrf_failed: { http: 403, smtp: '550 5.7.1', retryable: false },
  rate_limited: { http: 429, smtp: '451 4.7.1', retryable: true },
  not_found: { http: 404, smtp: '550 5.1.1', retryable: false },
  route_not_found: { http: 404, smtp: '500 5.5.1', retryable: false },
  already_released: { http: 409, smtp: '550 5.7.1', retryable: false },
  already_deleted: { http: 409, smtp: '550 5.7.1', retryable: false },
  already_requested: { http: 409, smtp: '550 5.7.1', retryable: false },
  not_requested: { http: 409, smtp: '550 5.7.1', retryable: false },
  user_exists: { http: 409, smtp: '550 5.7.1', retryable: false },
  conflict: { http: 409, smtp: '451 4.7.1', retryable: true },
  interrupted: { http: 409, smtp: '451 4.7.1', retryable: false },
  cancelled: { http: 409, smtp: '451 4.7.1', retryable: false },
  idempotency_conflict: { http: 409, smtp: '451 4.7.1', retryable: false },
  delivery_deferred: { http: 502, smtp: '451 4.4.0', retryable: true },
  delivery_rejected: { http: 502, smtp: '550 5.7.1', retryable: false },
  message_too_large: { http: 413, smtp: '552 5.3.4', retryable: false },
  address_invalid: { http: 400, smtp: '553 5.1.3', retryable: false },
  address_needs_smtputf8: { http: 400, smtp: '553 5.6.7', retryable: false },
  too_many_recipients: { http: 400, smtp: '452 4.5.3', retryable: true },
  store_error: { http: 503, smtp: '451 4.3.0', retryable: true },
  store_throttled: { http: 503, smtp: '451 4.3.0', retryable: true },
  insufficient_storage: { http: 507, smtp: '452 4.3.1', retryable: true },
  store_not_initialised: { http: 503, smtp: '451 4.3.0', retryable: false },
  shutting_down: { http: 503, smtp: '421 4.3.2', retryable: true },
  digest_loop: { http: 409, smtp: '554 5.4.6', retryable: false },
  oidc_state_invalid: { http: 400, smtp: '550 5.7.1', retryable: false },
  oidc_failed: { http: 401, smtp: '535 5.7.8', retryable: false },
  link_invalid: { http: 400, smtp: '550 5.7.1', retryable: false },
  link_expired: { http: 410, smtp: '550 5.7.1', retryable: false },
  link_wrong_user: { http: 403, smtp: '550 5.7.1', retryable: false },
  config_invalid: { http: 500, smtp: '451 4.3.5', retryable: false },
  internal_error: { http: 500, smtp: '451 4.3.0', retryable: true },
  // Verdict pipeline and filter mode (issue 8).
  scanner_unavailable: { http: 503, smtp: '451 4.7.1', retryable: true },
  relay_deferred: { http: 503, smtp: '451 4.4.1', retryable: true },
  relay_rejected: { http: 502, smtp: '554 5.7.1', retryable: false },
  // Directory sign-in (issue 18).
  directory_unavailable: { http: 503, smtp: '454 4.7.0', retryable: true },
  // Second factor of local accounts (issue 18).
  totp_required: { http: 401, smtp: '535 5.7.8', retryable: false },
  totp_invalid: { http: 401, smtp: '535 5.7.8', retryable: false },
  totp_enrolment_required: { http: 403, smtp: '550 5.7.1', retryable: false },
  totp_active: { http: 409, smtp: '550 5.7.1', retryable: false },
  totp_not_enrolled: { http: 409, smtp: '550 5.7.1', retryable: false },
  // Single sign-on required, stable external identities (issue 18).
  sso_required: { http: 403, smtp: '550 5.7.1', retryable: false },
  sso_link_refused: { http: 409, smtp: '550 5.7.1', retryable: false },
  // rspamd hand-off (issue 19).
  handoff_unauthenticated: { http: 401, smtp: '530 5.7.0', retryable: false },
  handoff_headers_invalid: { http: 400, smtp: '501 5.5.4', retryable: false },
  handoff_disabled: { http: 404, smtp: '500 5.5.1', retryable: false },
} as const satisfies Record<string, { http: number; smtp: string; retryable: boolean }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export class LazaretError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LazaretError';
    this.code = code;
    this.details = details;
  }

  get httpStatus(): number {
    return ERROR_CATALOGUE[this.code].http;
  }

  get smtpReply(): string {
    return ERROR_CATALOGUE[this.code].smtp;
  }

  get retryable(): boolean {
    return ERROR_CATALOGUE[this.code].retryable;
  }
}

export function isLazaretError(error: unknown, code?: ErrorCode): error is LazaretError {
  return error instanceof LazaretError && (code === undefined || error.code === code);
}

/** SQLite's "database is busy/locked" after busy_timeout: the embedded store's overload signal. */
const SQLITE_OVERLOAD_CODES = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_BUSY_SNAPSHOT']);
/** A full file system or quota, as the file system (errno) and SQLite report it. */
const STORAGE_FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

/**
 * Wraps an unexpected failure of a storage backend, keeping the cause for the logs. A full disk
 * (ENOSPC, EDQUOT, SQLITE_FULL) becomes `insufficient_storage`; overload signals (SQLite busy) become
 * `store_throttled`, which the bulk engine answers by backing off; each backend
 * maps its own throttling errors the same way (see ItemStore).
 */
export function storeError(operation: string, cause: unknown): LazaretError {
  if (cause instanceof LazaretError) return cause;
  const reason = cause instanceof Error ? cause.message : String(cause);
  const code = (cause as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && STORAGE_FULL_CODES.has(code)) {
    return new LazaretError(
      'insufficient_storage',
      `Storage is full during ${operation}: ${reason}`,
      undefined,
      { cause },
    );
  }
  if (typeof code === 'string' && SQLITE_OVERLOAD_CODES.has(code)) {
    return new LazaretError(
      'store_throttled',
      `Storage is overloaded during ${operation}: ${reason}`,
      undefined,
      {
        cause,
      },
    );
  }
  return new LazaretError('store_error', `Storage failed during ${operation}: ${reason}`, undefined, {
    cause,
  });
}

/** The codes a storage backend fails with (see storeError); anything else is not the store's failure. */
export const STORE_FAILURE_CODES: readonly ErrorCode[] = [
  'store_error',
  'store_throttled',
  'insufficient_storage',
];

export function isStoreFailure(error: unknown): error is LazaretError {
  return isLazaretError(error) && STORE_FAILURE_CODES.includes(error.code);
}

/** Whether a failure is a store's throttling/overload signal, after which a caller should back off. */
export function isThrottling(error: unknown): boolean {
  return isLazaretError(error, 'store_throttled');
}
