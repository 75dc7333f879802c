/**
 * Every error the service sends is one JSON shape, `{ error: { code, message,
 * details? } }`, whose message says what is wrong with the request (which
 * field, what was expected, what came). Unexpected failures become a 500 that
 * names the request id to look up in the server log; stack traces never leave
 * the process.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorObject } from 'ajv';
import { StoreInputError, StoreUnavailableError } from '../store/event-store.js';
import { FREE_FORM_JSON_KEYWORD, WELL_FORMED_TEXT_PATTERN, textProblem } from './json-limits.js';

export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly details?: Readonly<Record<string, unknown>>;
  };
}

/** An error meant for the client: its status, a stable machine-readable code and a message for people. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details !== undefined ? { details: this.details } : {}) } };
  }
}

/** The JSON schema of an error response, for route documentation. */
export const ERROR_RESPONSE_SCHEMA = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: { type: 'object', additionalProperties: true },
      },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
} as const;

const WHERE: Record<string, string> = { body: 'request body', querystring: 'query string', params: 'URL path', headers: 'headers' };

/** '/users/0/id' → 'users[0].id'. */
function fieldPath(instancePath: string): string {
  let path = '';
  for (const raw of instancePath.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(part) ? `[${part}]` : path === '' ? part : `.${part}`;
  }
  return path;
}

function joinPath(parent: string, child: string): string {
  return parent === '' ? child : `${parent}.${child}`;
}

/** A short rendering of a value the client sent, for "got ..." in messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return `${typeof value} ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

/**
 * The client-facing error for Ajv's first complaint (Ajv runs with
 * allErrors off: one clear problem at a time, and no quadratic work on huge
 * batches). Needs Ajv's `verbose` option for the offending value and schema.
 */
export function validationError(errors: readonly ErrorObject[], context: string): ApiError {
  const first = errors[0];
  const where = WHERE[context] ?? context;
  if (first === undefined) return new ApiError(400, 'invalid_request', `the ${where} is invalid`);
  const path = fieldPath(first.instancePath);
  const subject = (field: string) =>
    context === 'querystring' ? `query parameter '${field}'` : context === 'params' ? `path parameter '${field}'` : `field '${field}' in the ${where}`;
  const at = path === '' ? `the ${where}` : subject(path);
  const got = first.data !== undefined ? `, got ${describeValue(first.data)}` : '';
  switch (first.keyword) {
    case 'additionalProperties': {
      const unknown = joinPath(path, String(first.params['additionalProperty']));
      const allowed = Object.keys((first.parentSchema?.['properties'] as Record<string, unknown> | undefined) ?? {});
      return new ApiError(
        400,
        'unknown_field',
        `unknown ${subject(unknown)}; allowed: ${allowed.length > 0 ? allowed.join(', ') : 'none'}`,
        { field: unknown, in: context, allowed },
      );
    }
    case 'required': {
      const missing = joinPath(path, String(first.params['missingProperty']));
      return new ApiError(400, 'missing_field', `missing required ${subject(missing)}`, { field: missing, in: context });
    }
    case 'pattern':
      if (first.params['pattern'] === WELL_FORMED_TEXT_PATTERN) {
        const problem = typeof first.data === 'string' ? textProblem(first.data) : undefined;
        return new ApiError(400, 'invalid_text', `${at} ${problem ?? 'is not well-formed text'}`, { field: path, in: context, rule: 'well-formed-text' });
      }
      break;
    case FREE_FORM_JSON_KEYWORD:
      return new ApiError(400, 'invalid_value', `${at} ${first.message ?? 'is invalid'}`, { field: path, in: context, rule: FREE_FORM_JSON_KEYWORD, ...first.params });
    case 'type': {
      const expected = String(first.params['type']).replace(',', ' or ');
      return new ApiError(400, 'wrong_type', `${at} must be ${expected}${got}`, { field: path, in: context, expected });
    }
  }
  return new ApiError(400, 'invalid_value', `${at} ${first.message ?? 'is invalid'}${got}`, {
    field: path,
    in: context,
    rule: first.keyword,
    ...first.params,
  });
}

/** Fastify's own client errors (body parsing, media types), as ApiErrors. */
function frameworkError(error: FastifyError, bodyLimitBytes: number): ApiError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(413, 'body_too_large', `request body is larger than the limit of ${bodyLimitBytes} bytes; send smaller batches`, {
        limitBytes: bodyLimitBytes,
      });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(415, 'unsupported_media_type', `request bodies must be JSON: send the header Content-Type: application/json`);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError(400, 'invalid_content_length', 'the Content-Length header does not match the body');
    default:
      return undefined;
  }
}

/** Turns any error thrown while handling a request into the JSON error reply. */
export function errorHandler(bodyLimitBytes: number) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    let apiError: ApiError;
    if (error instanceof ApiError) apiError = error;
    else if (error.validation) apiError = validationError(error.validation as ErrorObject[], error.validationContext ?? 'body');
    else if (error instanceof StoreInputError) apiError = new ApiError(400, 'invalid_input', error.message);
    else if (error instanceof StoreUnavailableError) {
      // The details (host, driver message) go to the log, not to the client.
      request.log.warn({ err: error }, 'event store unavailable');
      apiError = storeUnavailable(request.id);
    }
    else {
      const known = frameworkError(error, bodyLimitBytes);
      const status = error.statusCode ?? 500;
      if (known) apiError = known;
      else if (status >= 400 && status < 500) apiError = new ApiError(status, 'bad_request', error.message);
      else {
        request.log.error({ err: error }, 'request failed');
        apiError = new ApiError(500, 'internal_error', `the server failed to handle this request; its log has the details under request id ${request.id}`);
      }
    }
    return reply.code(apiError.statusCode).type('application/json').send(apiError.toBody());
  };
}

/** 503 for a store that does not answer: retry later; the server log has the cause. */
export function storeUnavailable(requestId: string): ApiError {
  return new ApiError(503, 'store_unavailable', `the event store does not answer; retry shortly (the server log has the cause under request id ${requestId})`);
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply.code(404).send(new ApiError(404, 'route_not_found', `no route ${request.method} ${request.url.split('?')[0]}; see GET /openapi.json`).toBody());
}
