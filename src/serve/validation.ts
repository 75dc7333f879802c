/**
 * Request validation: Fastify validates every route's JSON schema with Ajv,
 * configured here rather than with Fastify's defaults because the defaults
 * would hide client mistakes:
 *
 * - unknown fields are errors, not silently removed (`removeAdditional: false`,
 *   with `additionalProperties: false` in every schema);
 * - bodies are not type-coerced: `"n": "5"` in JSON is a wrong type, while the
 *   query string and path, which are text by nature, are coerced ("5" → 5);
 * - `verbose` keeps the offending value and schema on each error, so the
 *   message can say what came and what was allowed (errors.ts);
 * - Infinity and NaN are not numbers: a JSON body's 1e309 parses to Infinity
 *   (refused by `strictNumbers`), and the query string's 'Infinity', '1e309'
 *   or '-1e999' coerce to ±Infinity after the type check, which Ajv's
 *   minimum/maximum then skip (they are guarded by isFinite), so coerced
 *   values are checked once more (refuseNonFiniteCoercions);
 * - free-form JSON (`attributes`) is checked for depth and well-formed text
 *   by the keyword of json-limits.ts.
 */
import type { FastifyInstance } from 'fastify';
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import type { DataValidationCxt } from 'ajv/dist/types/index.js';
import { FREE_FORM_JSON_KEYWORD, freeFormJsonProblem } from './json-limits.js';

const COMMON: Options = {
  allErrors: false,
  removeAdditional: false,
  useDefaults: true,
  verbose: true,
  strict: true,
  // type: ['number', 'null'] for values that may be absent-by-design.
  allowUnionTypes: true,
  strictNumbers: true,
};

/** `{ 'x-freeFormJson': { maxDepth } }`: any JSON, at most maxDepth levels deep, every key and string well-formed text. */
function addFreeFormJsonKeyword(ajv: Ajv): Ajv {
  const validate = (schema: { maxDepth: number }, data: unknown, _parent: unknown, dataContext?: DataValidationCxt): boolean => {
    const problem = freeFormJsonProblem(data, schema.maxDepth);
    if (problem === undefined) return true;
    const error: Partial<ErrorObject> = {
      keyword: FREE_FORM_JSON_KEYWORD,
      instancePath: `${dataContext?.instancePath ?? ''}${problem.pointer}`,
      message: problem.message,
      params: { maxDepth: schema.maxDepth },
    };
    (validate as { errors?: Partial<ErrorObject>[] }).errors = [error];
    return false;
  };
  ajv.addKeyword({
    keyword: FREE_FORM_JSON_KEYWORD,
    schemaType: 'object',
    metaSchema: { type: 'object', properties: { maxDepth: { type: 'integer', minimum: 1 } }, required: ['maxDepth'], additionalProperties: false },
    errors: true,
    validate: validate as never,
  });
  return ajv;
}

/**
 * The validator of a query string or path (flat objects of text), failing
 * when a value was coerced to a non-finite number: the error names the
 * parameter and the text that came.
 */
function refuseNonFiniteCoercions(validate: ValidateFunction, schema: { properties?: Record<string, { type?: unknown }> }): ValidateFunction {
  const wrapped = function (this: unknown, data: unknown, context?: DataValidationCxt): boolean {
    const sent = data !== null && typeof data === 'object' ? { ...(data as Record<string, unknown>) } : undefined;
    const valid = validate.call(this, data, context) as boolean;
    wrapped.errors = validate.errors;
    if (!valid || sent === undefined) return valid;
    for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
      if (typeof value !== 'number' || Number.isFinite(value)) continue;
      const error: Partial<ErrorObject> = { keyword: 'type', instancePath: `/${key}`, params: { type: schema.properties?.[key]?.type ?? 'number' }, message: 'must be finite', data: sent[key] };
      wrapped.errors = [error as ErrorObject];
      return false;
    }
    return true;
  } as ValidateFunction;
  Object.assign(wrapped, { schema: validate.schema, schemaEnv: validate.schemaEnv });
  return wrapped;
}

export function installValidators(app: FastifyInstance): void {
  const bodyAjv = addFreeFormJsonKeyword(new Ajv({ ...COMMON, coerceTypes: false }));
  const textAjv = addFreeFormJsonKeyword(new Ajv({ ...COMMON, coerceTypes: true }));
  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === 'body' ? bodyAjv.compile(schema) : refuseNonFiniteCoercions(textAjv.compile(schema), schema as { properties?: Record<string, { type?: unknown }> }),
  );
}
