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
 *   message can say what came and what was allowed (errors.ts).
 */
import type { FastifyInstance } from 'fastify';
import { Ajv, type Options } from 'ajv';

const COMMON: Options = {
  allErrors: false,
  removeAdditional: false,
  useDefaults: true,
  verbose: true,
  strict: true,
  // type: ['number', 'null'] for values that may be absent-by-design.
  allowUnionTypes: true,
};

export function installValidators(app: FastifyInstance): void {
  const bodyAjv = new Ajv({ ...COMMON, coerceTypes: false });
  const textAjv = new Ajv({ ...COMMON, coerceTypes: true });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : textAjv).compile(schema));
}
