import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CATALOGUE, type ErrorCode, LazaretError } from '../core/errors.js';

function body(code: ErrorCode, message: string, details?: Record<string, unknown>) {
  return { error: { code, message, ...(details ? { details } : {}) } };
}

function send(reply: FastifyReply, code: ErrorCode, message: string, details?: Record<string, unknown>) {
  return reply.status(ERROR_CATALOGUE[code].http).send(body(code, message, details));
}

/** Fastify's own errors a client can cause, by their code: what they answer instead. */
const FRAMEWORK_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'message_too_large', message: 'Request body too large.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'unsupported_media_type',
    message: 'This route does not take a body of that Content-Type; send application/json.',
  },
  FST_ERR_MAX_PARAM_LENGTH: { code: 'uri_too_long', message: 'A path segment of the URL is too long.' },
  FST_ERR_BAD_URL: { code: 'bad_request', message: 'The URL is malformed (bad percent-encoding).' },
};

/** Any other client error Fastify raises (bad JSON, bad Content-Length …), by HTTP status. */
const BY_STATUS: Record<number, ErrorCode> = {
  404: 'route_not_found',
  405: 'route_not_found',
  408: 'request_timeout',
  413: 'message_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  431: 'headers_too_large',
};

function clientError(error: FastifyError): { code: ErrorCode; message: string } {
  const known = FRAMEWORK_ERRORS[error.code];
  if (known) return known;
  return { code: BY_STATUS[error.statusCode ?? 400] ?? 'bad_request', message: error.message };
}

export interface ErrorHandlerOptions {
  /** Answers a request no route matched before it becomes `route_not_found`; null to pass (the web UI's routes). */
  notFoundFallback?: (request: FastifyRequest, reply: FastifyReply) => FastifyReply | null;
}

/**
 * The only place where API error bodies are built: `{ error: { code, message, details? } }`, with the
 * HTTP status the catalogue gives the code. Covers route errors, requests no route matched, the
 * router's own refusals (`frameworkErrors`, see `frameworkErrorHandler`) and what Node's HTTP parser
 * refuses before Fastify sees a request (`clientErrorHandler`).
 */
export function installErrorHandler(app: FastifyInstance, options: ErrorHandlerOptions = {}): void {
  app.setErrorHandler((error: FastifyError | LazaretError, request, reply) => {
    if (error instanceof LazaretError) {
      if (error.httpStatus >= 500) request.log.error({ event: 'API_ERROR', err: error });
      const retryAfter = error.details?.retryAfterSeconds;
      if (error.code === 'rate_limited' && typeof retryAfter === 'number') {
        reply.header('retry-after', String(retryAfter));
      }
      if (error.code === 'unauthenticated') reply.header('www-authenticate', 'Bearer realm="lazaret"');
      return send(reply, error.code, error.message, error.details);
    }
    if (error.validation) {
      return send(reply, 'validation_error', `Invalid request: ${error.message}`, {
        problems: error.validation.map((problem) => ({
          where: error.validationContext,
          path: problem.instancePath,
          message: problem.message,
        })),
      });
    }
    if ((error.statusCode ?? 500) < 500) {
      const { code, message } = clientError(error);
      return send(reply, code, message);
    }
    request.log.error({ event: 'API_INTERNAL_ERROR', err: error });
    return send(reply, 'internal_error', 'Something went wrong on the server; it has been logged.');
  });
  app.setNotFoundHandler(
    (request, reply) =>
      options.notFoundFallback?.(request, reply) ??
      send(reply, 'route_not_found', `No route ${request.method} ${request.url}`),
  );
}

/** Fastify's `frameworkErrors`: the router's refusals (malformed URL, over-long path segment). */
export function frameworkErrorHandler(error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  const { code, message } = clientError(error);
  return send(reply, code, message);
}

/** Node's parser refusals, by its error code: oversized headers, a request not received in time. */
const PARSER_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  HPE_HEADER_OVERFLOW: {
    code: 'headers_too_large',
    message: 'The request line and headers are over the server limit.',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    code: 'request_timeout',
    message: 'The request was not received in time (http.requestTimeoutMs).',
  },
};

/**
 * Fastify's `clientErrorHandler`: the connection is unusable, so the answer is written to the socket
 * directly (as Node and Fastify do) — in the documented shape — and the socket closed.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { code, message } = PARSER_ERRORS[error.code ?? ''] ?? {
    code: 'bad_request' as const,
    message: 'The request is not valid HTTP.',
  };
  const status = ERROR_CATALOGUE[code].http;
  const text = JSON.stringify(body(code, message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy(error);
}
