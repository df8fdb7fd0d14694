import { ERROR_CATALOGUE, type ErrorCode, LazaretError } from '../../core/errors.js';

/** What the store thread is started with. */
export interface StoreThreadData {
  /** The database file. */
  path: string;
  /** Whether the item store writes a message's raw bytes in its commit: only beside the inline blobs' reader. */
  keepsRawInline: boolean;
}

/** A call of one store's method, main thread → store thread. */
export interface StoreCall {
  id: number;
  store: string;
  method: string;
  args: unknown[];
}

/** An error as it crosses threads: structured clone keeps neither the class nor a LazaretError's code. */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  details?: Record<string, unknown>;
  cause?: { message: string; code?: string };
}

/** Store thread → main thread. */
export type StoreThreadMessage =
  | { kind: 'ready'; methods: Record<string, string[]> }
  | { kind: 'failed'; error: WireError }
  | { kind: 'answer'; id: number; ok: true; value: unknown }
  | { kind: 'answer'; id: number; ok: false; error: WireError };

const codeOf = (error: unknown) => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

export function toWire(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const cause = error.cause;
  const code = codeOf(error);
  return {
    name: error.name,
    message: error.message,
    ...(code !== undefined ? { code } : {}),
    ...(error instanceof LazaretError && error.details ? { details: error.details } : {}),
    ...(cause instanceof Error
      ? { cause: { message: cause.message, ...(codeOf(cause) !== undefined ? { code: codeOf(cause) } : {}) } }
      : {}),
  };
}

const withCode = (error: Error, code: string | undefined) =>
  code === undefined ? error : Object.assign(error, { code });

export function fromWire(wire: WireError): Error {
  const cause = wire.cause ? withCode(new Error(wire.cause.message), wire.cause.code) : undefined;
  const options = cause ? { cause } : undefined;
  if (wire.name === 'LazaretError' && wire.code !== undefined && wire.code in ERROR_CATALOGUE) {
    return new LazaretError(wire.code as ErrorCode, wire.message, wire.details, options);
  }
  const error = withCode(new Error(wire.message, options), wire.code);
  error.name = wire.name;
  return error;
}
