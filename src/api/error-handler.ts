import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CATALOGUE, type ErrorCode, LazaretError } from '../core/errors.js';

function body(code: ErrorCode, message: string, details?: Record<string, unknown>) {
  return { error: { code, message, ...(details ? { details } : {}) } };
}

export interface ErrorHandlerOptions {
  /** Answers a request no route matched before it becomes `route_not_found`; null to pass (the web UI's routes). */
  notFoundFallback?: (request: FastifyRequest, reply: FastifyReply) => FastifyReply | null;
}

/** The only place where API error bodies are built: `{ error: { code, message, details? } }`. */
export function installErrorHandler(app: FastifyInstance, options: ErrorHandlerOptions = {}): void {
  app.setErrorHandler((error: FastifyError | LazaretError, request, reply) => {
    if (error instanceof LazaretError) {
      if (error.httpStatus >= 500) request.log.error({ event: 'API_ERROR', err: error });
      const retryAfter = error.details?.retryAfterSeconds;
      if (error.code === 'rate_limited' && typeof retryAfter === 'number') {
        reply.header('retry-after', String(retryAfter));
      }
      if (error.code === 'unauthenticated') reply.header('www-authenticate', 'Bearer realm="lazaret"');
      return reply.status(error.httpStatus).send(body(error.code, error.message, error.details));
    }
    if (error.validation) {
      return reply.status(400).send(
        body('validation_error', `Invalid request: ${error.message}`, {
          problems: error.validation.map((problem) => ({
            where: error.validationContext,
            path: problem.instancePath,
            message: problem.message,
          })),
        }),
      );
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.status(413).send(body('message_too_large', 'Request body too large.'));
    }
    const status = error.statusCode ?? 500;
    if (status < 500) {
      return reply.status(status === 404 ? 404 : 400).send(body('validation_error', error.message));
    }
    request.log.error({ event: 'API_INTERNAL_ERROR', err: error });
    return reply
      .status(ERROR_CATALOGUE.internal_error.http)
      .send(body('internal_error', 'Something went wrong on the server; it has been logged.'));
  });
  app.setNotFoundHandler(
    (request, reply) =>
      options.notFoundFallback?.(request, reply) ??
      reply.status(404).send(body('route_not_found', `No route ${request.method} ${request.url}`)),
  );
}
