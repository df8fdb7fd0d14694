/** The operations of Lazaret's OpenAPI document, as the API tests walk them: new routes are included by themselves. */

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  $ref?: string;
  [keyword: string]: unknown;
};

export interface Parameter {
  in: 'query' | 'path' | 'header';
  name: string;
  required?: boolean;
  schema: JsonSchema;
}

export interface Operation {
  method: string;
  /** The path template, e.g. `/api/quarantine/{id}`. */
  path: string;
  parameters: Parameter[];
  /** The JSON body schema, when the operation takes one. */
  body: JsonSchema | null;
  /** False for operations anyone may call (`security: []`). */
  secured: boolean;
}

export interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Parameter[];
        requestBody?: { content: Record<string, { schema: JsonSchema }> };
        security?: unknown[];
      }
    >
  >;
}

export function operationsOf(document: OpenApiDocument): Operation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      parameters: operation.parameters ?? [],
      body: operation.requestBody?.content['application/json']?.schema ?? null,
      secured: !Array.isArray(operation.security) || operation.security.length > 0,
    })),
  );
}

/** A numeric schema found in an input, with where it sits (`query limit`, `body /hour`). */
export interface NumericInput {
  where: string;
  schema: JsonSchema;
}

const isNumeric = (schema: JsonSchema) =>
  [schema.type].flat().some((type) => type === 'integer' || type === 'number');

function numericIn(schema: JsonSchema | undefined, where: string): NumericInput[] {
  if (!schema) return [];
  return [
    ...(isNumeric(schema) ? [{ where, schema }] : []),
    ...Object.entries(schema.properties ?? {}).flatMap(([name, inner]) =>
      numericIn(inner, `${where}/${name}`),
    ),
    ...numericIn(schema.items, `${where}/items`),
    ...(schema.anyOf ?? []).flatMap((inner) => numericIn(inner, where)),
  ];
}

/** Every numeric value an operation takes: parameters and body fields at any depth. */
export function numericInputs(operation: Operation): NumericInput[] {
  return [
    ...operation.parameters.flatMap((parameter) =>
      numericIn(parameter.schema, `${parameter.in} ${parameter.name}`),
    ),
    ...numericIn(operation.body ?? undefined, 'body '),
  ];
}

/** A valid-looking ULID: path ids that pass the schema and name nothing. */
export const UNKNOWN_ID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';

/** The operation's path with every path parameter filled: `values[name]`, else a value its schema accepts. */
export function fillPath(operation: Operation, values: Record<string, string> = {}): string {
  return operation.path.replace(/\{(\w+)\}/g, (_match, name: string) => {
    if (values[name] !== undefined) return encodeURIComponent(values[name]);
    const schema = operation.parameters.find((parameter) => parameter.name === name)?.schema ?? {};
    if (isNumeric(schema)) return String(schema.minimum ?? 0);
    if (name === 'domain') return 'corp.test';
    return UNKNOWN_ID;
  });
}
