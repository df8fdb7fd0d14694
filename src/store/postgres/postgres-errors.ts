import { LazaretError, storeError } from '../../core/errors.js';

/**
 * SQLSTATEs after which the same call may succeed a moment later: too many connections, the server
 * starting or shutting down, a lock or statement timeout, serialization failure and deadlock.
 */
const OVERLOAD_STATES = new Set(['53300', '57P03', '55P03', '57014', '40001', '40P01']);
/** Disk full, out of memory. */
const FULL_STATES = new Set(['53100', '53200']);

/** A driver or server failure as the store's `LazaretError` (see ItemStore for the codes). */
export function postgresError(operation: string, cause: unknown): LazaretError {
  if (cause instanceof LazaretError) return cause;
  const code = (cause as { code?: unknown } | null)?.code;
  const reason = cause instanceof Error ? cause.message : String(cause);
  if (typeof code === 'string' && FULL_STATES.has(code)) {
    return new LazaretError(
      'insufficient_storage',
      `Storage is full during ${operation}: ${reason}`,
      undefined,
      {
        cause,
      },
    );
  }
  // A pool that waited in vain for a free connection is overloaded as well.
  if (
    (typeof code === 'string' && OVERLOAD_STATES.has(code)) ||
    /timeout exceeded when trying to connect/.test(reason)
  ) {
    return new LazaretError(
      'store_throttled',
      `Storage is overloaded during ${operation}: ${reason}`,
      undefined,
      {
        cause,
      },
    );
  }
  return storeError(operation, cause);
}
