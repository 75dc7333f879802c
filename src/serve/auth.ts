/**
 * API keys, sent in the `X-API-Key` header. Read keys may read and ask for
 * recommendations; admin keys may also write, delete, reload, roll back and
 * train. Each route declares the access it needs in its `config.access`.
 *
 * Keys are kept as SHA-256 digests and the request's key is hashed before the
 * lookup, so the time a lookup takes says nothing about how much of a real
 * key was guessed.
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

export const API_KEY_HEADER = 'x-api-key';

/** What a route needs: nothing (health, metrics, the OpenAPI document), a read key, or an admin key. */
export type Access = 'public' | 'read' | 'admin';

export interface ApiKeys {
  readonly read: readonly string[];
  readonly admin: readonly string[];
}

export type KeyLevel = 'read' | 'admin';

const digest = (key: string): string => createHash('sha256').update(key).digest('base64');

export class ApiKeyRing {
  private readonly levels = new Map<string, KeyLevel>();

  constructor(keys: ApiKeys) {
    const add = (key: string, level: KeyLevel, option: string) => {
      if (typeof key !== 'string' || key.trim() !== key || key === '') {
        throw new Error(`${option} key ${JSON.stringify(key)} must be a non-empty string without surrounding spaces`);
      }
      // An admin key also listed as a read key stays an admin key.
      if (this.levels.get(digest(key)) !== 'admin') this.levels.set(digest(key), level);
    };
    for (const key of keys.read) add(key, 'read', 'read');
    for (const key of keys.admin) add(key, 'admin', 'admin');
  }

  /** The level of a presented key, or null when it is not one of ours. */
  levelOf(key: string): KeyLevel | null {
    return this.levels.get(digest(key)) ?? null;
  }

  /** The key presented by a request, when there is exactly one. */
  static presented(request: FastifyRequest): string | undefined {
    const header = request.headers[API_KEY_HEADER];
    return typeof header === 'string' && header !== '' ? header : undefined;
  }

  /** Throws the 401 or 403 for a request that may not use a route needing `access`. */
  authorize(request: FastifyRequest, access: Access): void {
    if (access === 'public') return;
    const key = ApiKeyRing.presented(request);
    if (key === undefined) {
      const repeated = Array.isArray(request.headers[API_KEY_HEADER]);
      throw new ApiError(
        401,
        repeated ? 'invalid_api_key' : 'missing_api_key',
        repeated ? 'send exactly one X-API-Key header' : `this route needs an API key: send it in the X-API-Key header`,
      );
    }
    const level = this.levelOf(key);
    if (level === null) throw new ApiError(401, 'invalid_api_key', 'the API key in the X-API-Key header is not valid');
    if (access === 'admin' && level !== 'admin') {
      throw new ApiError(403, 'forbidden', `${request.method} ${request.routeOptions.url ?? request.url} needs an admin key; this key may only read`);
    }
  }
}
