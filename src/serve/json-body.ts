/**
 * The JSON body parser. Fastify's built-in one answers a syntax error with a
 * bare "Body is not valid JSON"; this one passes on where the parser stopped,
 * and refuses `__proto__` keys (prototype poisoning) just as Fastify does.
 */
import type { FastifyInstance } from 'fastify';
import { ApiError } from './errors.js';

function refuseProtoKeys(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new ApiError(400, 'invalid_json', `request body contains the key '__proto__', which is not allowed`);
  return value;
}

export function parseJsonBody(text: string): unknown {
  // An empty body (e.g. a DELETE sent with a JSON content type) is no body; routes that need one say so.
  if (text.trim() === '') return undefined;
  try {
    // The reviver costs a second walk, so only bodies that mention the key pay for it.
    return text.includes('__proto__') ? JSON.parse(text, refuseProtoKeys) : JSON.parse(text);
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError(400, 'invalid_json', `request body is not valid JSON: ${(e as Error).message}`);
  }
}

export function installJsonBodyParser(app: FastifyInstance): void {
  // JSON only: Fastify's text/plain parser would let a plain-text body reach the schema as a string.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
}
