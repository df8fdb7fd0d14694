import fc from 'fast-check';
import { ERROR_CATALOGUE } from '../../src/core/errors.js';
import { type JsonSchema, type Operation, type Parameter, UNKNOWN_ID } from './openapi-operations.js';

/**
 * Hostile requests for the operations of the OpenAPI document, as fast-check arbitraries: values
 * drawn from each input's schema (so new routes and fields are covered by themselves) mixed with
 * wrong types, non-finite and out-of-range numbers, huge strings, bogus ids, deep and wide bodies,
 * wrong content types and methods.
 */

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Which credentials were sent: a key of the credentials table. */
  credential: string;
}

const NUMBER_TEXTS = [
  'Infinity',
  '-Infinity',
  'NaN',
  '1e309',
  '-1e309',
  '0x10',
  '1e2',
  '-0',
  '',
  ' 7',
  '1.5',
  '-1',
];
const STRING_TEXTS = [
  '',
  ' ',
  '\u0000',
  '../../../etc/passwd',
  '%00',
  '%',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '\u202e\u2066bidi',
  '\u000b\u001b\u0085\u2028',
  'null',
  '[]',
  '{}',
  '__proto__',
  'constructor',
];

export const hugeString = fc.integer({ min: 1_000, max: 200_000 }).map((length) => 'x'.repeat(length));

export const hostileString = fc.oneof(
  { arbitrary: fc.string({ maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 2 },
  { arbitrary: fc.constantFrom(...STRING_TEXTS), weight: 2 },
  { arbitrary: fc.constantFrom(...NUMBER_TEXTS), weight: 1 },
  { arbitrary: hugeString, weight: 1 },
);

/**
 * A search (`q`, a job's `query`): well-formed terms in any number, kind, order and negation — each
 * shape is new work for the parser and a new statement for the store — or a broken one.
 */
const SEARCH_TERMS = [
  'from:spammer@bad.test',
  'to:alice@corp.test',
  'subject:offer',
  'subject:"a phrase"',
  'reason:spam',
  'status:released',
  'has:attachment',
  'larger:1k',
  'smaller:5m',
  'after:2026-01-01',
  'before:2027-01-01',
  'message-id:<x@y.test>',
];
const BROKEN_TERMS = ['colour:red', '"unclosed', 'larger:lots', 'after:yesterday'];

const searchOf = (terms: readonly string[], maxTerms: number) =>
  fc
    .array(fc.tuple(fc.boolean(), fc.oneof(fc.constantFrom(...terms), fc.stringMatching(/^[a-z]{1,8}$/))), {
      minLength: 1,
      maxLength: maxTerms,
    })
    .map((chosen) => chosen.map(([negated, term]) => `${negated ? '-' : ''}${term}`).join(' '));

export const searchQuery = searchOf([...SEARCH_TERMS, ...BROKEN_TERMS], 60);
/** Searches the parser accepts (at most 50 terms), each of a shape the store compiles anew. */
export const validSearchQuery = searchOf(SEARCH_TERMS, 50);

const types = (schema: JsonSchema) =>
  [schema.type].flat().filter((type): type is string => type !== undefined);

/** A query or path value (always text) for `schema`: often valid, often not. */
function textFor(schema: JsonSchema, ids: readonly string[]): fc.Arbitrary<string> {
  const type = types(schema)[0];
  const valid: fc.Arbitrary<string>[] = [];
  if (schema.enum) valid.push(fc.constantFrom(...schema.enum.map(String)));
  if (type === 'integer' || type === 'number') {
    const min = schema.minimum ?? -1_000;
    const max = schema.maximum ?? 1_000;
    valid.push(
      fc.oneof(
        { arbitrary: fc.constantFrom(...NUMBER_TEXTS), weight: 3 },
        { arbitrary: fc.integer({ min, max }).map(String), weight: 2 },
        { arbitrary: fc.integer({ min: min - 1_000, max: max + 1_000 }).map(String), weight: 1 },
        { arbitrary: fc.double().map(String), weight: 1 },
      ),
    );
  }
  if (type === 'boolean') valid.push(fc.constantFrom('true', 'false', '1', '0', 'yes'));
  if (schema.format === 'date-time')
    valid.push(fc.date({ noInvalidDate: true }).map((date) => date.toISOString()));
  if (schema.pattern) {
    valid.push(fc.stringMatching(new RegExp(schema.pattern)));
    valid.push(fc.constantFrom(...ids));
  }
  return valid.length > 0
    ? fc.oneof({ arbitrary: fc.oneof(...valid), weight: 4 }, { arbitrary: hostileString, weight: 1 })
    : hostileString;
}

/** `name=value` pairs for one query parameter: one to three values (arrays repeat the parameter). */
function pairsFor(parameter: Parameter, ids: readonly string[]): fc.Arbitrary<string[]> {
  const inner = types(parameter.schema)[0] === 'array' ? (parameter.schema.items ?? {}) : parameter.schema;
  const value = parameter.name === 'q' ? fc.oneof(searchQuery, textFor(inner, ids)) : textFor(inner, ids);
  return fc
    .array(value, { minLength: 1, maxLength: 3 })
    .map((values) =>
      values.map((value) => `${encodeURIComponent(parameter.name)}=${encodeURIComponent(value)}`),
    );
}

/**
 * The query string for an operation: either one of its parameters alone (so that a bad value of it
 * is not hidden behind another parameter's refusal) or any subset, plus strangers.
 */
function queryFor(parameters: Parameter[], ids: readonly string[]): fc.Arbitrary<string> {
  const query = parameters.filter((parameter) => parameter.in === 'query');
  const strangers = fc.array(
    fc
      .tuple(hostileString, hostileString)
      .map(([key, value]) => `${encodeURIComponent(key.slice(0, 100))}=${encodeURIComponent(value)}`),
    { maxLength: 2 },
  );
  const raw = fc.constantFrom('', '', '', '&&&', 'a=%', 'a[b]=1', '%zz=1', 'limit=1&limit=2');
  if (query.length === 0)
    return fc.tuple(strangers, raw).map(([extra, tail]) => [...extra, tail].filter(Boolean).join('&'));
  // Numbers are the inputs that most often slip through coercion: they are chosen alone more often.
  const one = fc
    .oneof(
      ...query.map((parameter) => ({
        arbitrary: fc.constant(parameter),
        weight: ['integer', 'number'].includes(types(parameter.schema)[0] ?? '') ? 3 : 1,
      })),
    )
    .chain((parameter) => pairsFor(parameter, ids));
  const subset = fc
    .tuple(...query.map((parameter) => fc.option(pairsFor(parameter, ids), { nil: [] as string[], freq: 2 })))
    .map((chosen) => chosen.flat());
  return fc
    .tuple(fc.oneof(one, subset), fc.option(strangers, { nil: [], freq: 2 }), raw)
    .map(([chosen, extra, tail]) => [...chosen, ...extra, tail].filter(Boolean).join('&'));
}

/** A JSON value for `schema`: valid shapes with hostile leaves, or anything at all. */
function jsonFor(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  const anything = fc.jsonValue({ maxDepth: 2 });
  if (depth > 4) return anything;
  const variants: fc.Arbitrary<unknown>[] = [];
  if (schema.anyOf) variants.push(...schema.anyOf.map((inner) => jsonFor(inner, depth + 1)));
  if (schema.enum) variants.push(fc.constantFrom(...schema.enum));
  for (const type of types(schema)) {
    if (type === 'object') {
      const properties = Object.entries(schema.properties ?? {});
      variants.push(
        fc
          .tuple(
            fc.record(
              Object.fromEntries(
                properties.map(([name, inner]) => [
                  name,
                  name === 'query'
                    ? fc.oneof(searchQuery, jsonFor(inner, depth + 1))
                    : jsonFor(inner, depth + 1),
                ]),
              ),
              {
                requiredKeys: [],
              },
            ),
            fc.dictionary(
              hostileString.map((key) => key.slice(0, 50)),
              anything,
              { maxKeys: 2 },
            ),
            fc.boolean(),
          )
          .map(([known, extra, withExtra]) => (withExtra ? { ...extra, ...known } : known)),
      );
    }
    if (type === 'array') {
      variants.push(fc.array(jsonFor(schema.items ?? {}, depth + 1), { maxLength: 5 }));
      variants.push(fc.array(fc.constantFrom(UNKNOWN_ID, 'x'), { minLength: 1_000, maxLength: 1_200 }));
    }
    if (type === 'integer' || type === 'number') {
      const min = schema.minimum ?? -1_000;
      const max = schema.maximum ?? 1_000;
      variants.push(fc.integer({ min, max }), fc.integer(), fc.double(), fc.constantFrom(...NUMBER_TEXTS));
    }
    if (type === 'string') {
      variants.push(hostileString);
      if (schema.format === 'email') variants.push(fc.emailAddress());
      if (schema.pattern) variants.push(fc.stringMatching(new RegExp(schema.pattern)));
    }
    if (type === 'boolean') variants.push(fc.boolean());
    if (type === 'null') variants.push(fc.constant(null));
  }
  return variants.length > 0
    ? fc.oneof({ arbitrary: fc.oneof(...variants), weight: 4 }, { arbitrary: anything, weight: 1 })
    : anything;
}

/** Bodies no schema describes: deep, wide, huge, not JSON at all, or JSON with a number too large to be finite. */
const strangeBody = fc.oneof(
  fc.integer({ min: 100, max: 100_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  fc.integer({ min: 100, max: 5_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
  fc
    .integer({ min: 1_000, max: 30_000 })
    .map((width) =>
      JSON.stringify(Object.fromEntries(Array.from({ length: width }, (_, index) => [`k${index}`, index]))),
    ),
  hugeString.map((text) => JSON.stringify({ ids: [text], email: text, q: text })),
  fc.constantFrom(
    '',
    '{',
    'null',
    '"x"',
    '1e309',
    '{"ids":[1e309]}',
    '{"__proto__":{"admin":true}}',
    '\u0000',
  ),
  fc.string({ unit: 'binary', maxLength: 200 }),
);

const MAX_REQUEST_LINE = 14_000;
/** Credentials that get past authentication, drawn more often so that the checks behind it are reached. */
export const VALID_CREDENTIALS = ['adminSession', 'adminToken', 'userSession', 'readToken'];

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json; charset=utf-16',
  ';;;',
];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** One hostile request for `operation`, with one of `credentials` (keys of the caller's table). */
export function requestFor(
  operation: Operation,
  credentials: readonly string[],
  ids: readonly string[],
): fc.Arbitrary<FuzzRequest> {
  const pathParameters = operation.parameters.filter((parameter) => parameter.in === 'path');
  const pathValues = fc.tuple(
    ...pathParameters.map((parameter) =>
      fc.oneof(
        fc.constantFrom(...ids),
        textFor(parameter.schema, ids).map((text) => text.slice(0, 12_000)),
      ),
    ),
  );
  const body = operation.body
    ? fc.oneof(
        { arbitrary: jsonFor(operation.body).map((value) => JSON.stringify(value) ?? 'null'), weight: 5 },
        {
          arbitrary: jsonFor(operation.body).map((value) =>
            (JSON.stringify(value) ?? '1').replace(/\d+(\.\d+)?/, '1e309'),
          ),
          weight: 1,
        },
        { arbitrary: strangeBody, weight: 2 },
      )
    : fc.option(strangeBody, { nil: undefined, freq: 4 });
  const contentType = fc.oneof(
    { arbitrary: fc.constant('application/json'), weight: 6 },
    { arbitrary: fc.constantFrom(...CONTENT_TYPES), weight: 1 },
  );
  const method = fc.oneof(
    { arbitrary: fc.constant(operation.method), weight: 8 },
    { arbitrary: fc.constantFrom(...METHODS), weight: 1 },
  );
  return fc
    .record({
      method,
      pathValues,
      query: queryFor(operation.parameters, ids),
      body,
      contentType,
      credential: fc.oneof(
        {
          arbitrary: fc.constantFrom(...credentials.filter((key) => VALID_CREDENTIALS.includes(key))),
          weight: 3,
        },
        { arbitrary: fc.constantFrom(...credentials), weight: 1 },
      ),
      idempotencyKey: fc.option(
        hostileString.map((key) => key.slice(0, 300)),
        { nil: undefined },
      ),
    })
    .map(({ method, pathValues, query, body, contentType, credential, idempotencyKey }) => {
      let index = 0;
      const path = operation.path.replace(/\{\w+\}/g, () => encodeURIComponent(pathValues[index++] ?? ''));
      const sendsBody = body !== undefined && method !== 'GET' && method !== 'HEAD';
      const headers: Record<string, string> = {};
      if (sendsBody) headers['content-type'] = contentType;
      if (idempotencyKey !== undefined && /^[\x20-\x7e]*$/.test(idempotencyKey))
        headers['idempotency-key'] = idempotencyKey;
      // Past 16 KiB of request line and headers Node closes the connection (tested in api-input-rules).
      const room = Math.max(0, MAX_REQUEST_LINE - path.length);
      return {
        method,
        path: query ? `${path}?${query.slice(0, room)}` : path,
        headers,
        ...(sendsBody ? { body } : {}),
        credential,
      };
    });
}

/** What every answer must be: no 5xx, and every error `{ error: { code, message, details? } }` with its catalogue status. */
export function answerProblem(
  request: FuzzRequest,
  status: number,
  contentType: string,
  text: string,
): string | null {
  if (status >= 500) return `answered ${status}: ${text.slice(0, 300)}`;
  if (status < 400 || request.method === 'HEAD') return null;
  if (!contentType.includes('application/json'))
    return `error ${status} is not JSON (${contentType}): ${text.slice(0, 200)}`;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `error ${status} has an unreadable body: ${text.slice(0, 200)}`;
  }
  const error = (body as { error?: Record<string, unknown> } | null)?.error;
  const keys = Object.keys(body as object);
  if (!error || keys.length !== 1) return `error ${status} is not { error }: ${text.slice(0, 200)}`;
  const extra = Object.keys(error).filter((key) => !['code', 'message', 'details'].includes(key));
  if (typeof error.code !== 'string' || typeof error.message !== 'string' || extra.length > 0)
    return `error ${status} has the wrong fields: ${text.slice(0, 200)}`;
  const entry = ERROR_CATALOGUE[error.code as keyof typeof ERROR_CATALOGUE];
  if (!entry) return `error code ${error.code} is not in the catalogue`;
  if (entry.http !== status)
    return `error code ${error.code} answered ${status}, the catalogue says ${entry.http}`;
  return null;
}
