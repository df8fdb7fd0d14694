import type { FastifyServerOptions } from 'fastify';

/**
 * The schema keyword that keeps non-finite numbers out of every handler.
 *
 * Ajv coerces a query-string (or JSON string) value such as `Infinity`, `-Infinity` or `1e309` to a
 * non-finite number and then skips `minimum`/`maximum`, which only look at finite numbers
 * (ajv-validator/ajv#2212, fastify/fastify#6718). The keyword runs after that coercion and refuses
 * what it produced. Schemas get it from `Int` in schemas.ts; a test checks that every numeric input
 * of the OpenAPI document carries it with both bounds.
 */
export const FINITE_KEYWORD = 'x-finite';

type AjvPlugin = Extract<
  NonNullable<NonNullable<FastifyServerOptions['ajv']>['plugins']>[number],
  (...args: never) => unknown
>;

/** Ajv plugin for Fastify's `ajv.plugins`: registers `x-finite`. */
export const finiteNumbers: AjvPlugin = (ajv) =>
  // No `type: 'number'`: Ajv wraps keywords of that type in an isFinite guard, which would skip Infinity.
  ajv.addKeyword({
    keyword: FINITE_KEYWORD,
    schemaType: 'boolean',
    errors: false,
    validate: (required: boolean, data: unknown) =>
      !required || typeof data !== 'number' || Number.isFinite(data),
    error: { message: 'must be a finite number' },
  });
