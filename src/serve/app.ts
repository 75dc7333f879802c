/**
 * The HTTP service: `buildApp` assembles a Fastify app from the store, the
 * model directory and the security settings. The request path is
 *
 *   rate limit (onRequest) → API key (preParsing, before any body is read)
 *   → JSON parsing with the body size limit → schema validation → handler,
 *
 * and any error on it becomes the JSON error of errors.ts. Tests drive the
 * app with `app.inject`; `recoder serve` calls `listen`.
 */
import { createHash } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import { libraryVersion } from '../models/model-file.js';
import type { EventStore } from '../store/event-store.js';
import { ApiKeyRing, type ApiKeys } from './auth.js';
import type { ServiceContext } from './context.js';
import { dashboardPlugin } from './dashboard/plugin.js';
import { ApiError, errorHandler, notFoundHandler } from './errors.js';
import { installJsonBodyParser } from './json-body.js';
import { ServiceMetrics } from './metrics.js';
import { ModelSlot } from './model-slot.js';
import { DEFAULT_NEW_ITEM_OPTIONS, type NewItemOptions } from './new-items.js';
import { RecommendationService } from './recommendations.js';
import { DEFAULT_SCORE_BATCHING, type ScoreBatchingOptions } from './score-batcher.js';
import { adminRoutes } from './routes/admin.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { itemRoutes } from './routes/items.js';
import { recommendationRoutes } from './routes/recommendations.js';
import { userRoutes } from './routes/users.js';
import { NothingToTrainError, type TrainingConfig } from './training.js';
import { TrainingRunner } from './training-runner.js';
import { installValidators } from './validation.js';

export interface RateLimitOptions {
  /** Requests allowed per window, per API key (or per client address for requests without a valid key). */
  readonly max: number;
  readonly timeWindowMs: number;
}

export interface ServiceOptions {
  readonly store: EventStore;
  /** Where model versions are published (model-versions.ts); a directory holding one saved model also works. */
  readonly modelDir: string;
  readonly apiKeys: ApiKeys;
  /** Largest request body accepted; larger ones get 413. Default 4 MiB. */
  readonly bodyLimitBytes?: number;
  /** Default 100 requests per second; false turns rate limiting off. */
  readonly rateLimit?: RateLimitOptions | false;
  /** Fastify's logger option: false (default), true, or pino options. */
  readonly logger?: FastifyServerOptions['logger'];
  /** How often to look for a new version in the model directory; 0 turns watching off (reload by request only). Default 5 s. */
  readonly watchIntervalMs?: number;
  /** How to train new versions (POST /v1/admin/models/train); with `everyMs`, also on a schedule. */
  readonly training?: TrainingConfig & { readonly everyMs?: number };
  /** Report ready with no model loaded (every recommendation then comes from the popular fallback). Default false. */
  readonly readyWithoutModel?: boolean;
  /** Recency window of the popular fallback. Default 30 days. */
  readonly popularWindowMs?: number;
  /** How long a popular-items ranking is reused before the store is asked again; 0 never reuses. Default 60 s. */
  readonly popularCacheMs?: number;
  /** Trust X-Forwarded-For (behind a reverse proxy), for the per-address rate limit. */
  readonly trustProxy?: boolean;
  /** Most recent events of a user that one recommendation request reads (at most 10,000, the store's page limit). Default 1,000. */
  readonly maxUserEvents?: number;
  /** Concurrent recommendation requests scored in one call (score-batcher.ts). Default: up to 64 rows, those arriving in one event-loop turn; maxRows 1 turns it off. */
  readonly scoreBatching?: ScoreBatchingOptions;
  /** Items newer than the served model ranked from their attributes (new-items.ts): neighbours and refresh; false leaves them out. Default 20 neighbours, 30 s. */
  readonly newItems?: NewItemOptions | false;
  /** Saved `recoder evaluate --json` results the dashboard shows (dashboard/evaluation-files.ts); default none. */
  readonly evaluationsDir?: string;
}

/** Longest percent-encoded path parameter the router takes: an id of 256 characters of up to 4 UTF-8 bytes, each written %XX. */
const MAX_PATH_PARAMETER_CHARACTERS = 256 * 12;
export const DEFAULT_BODY_LIMIT_BYTES = 4 * 1024 * 1024;
export const DEFAULT_RATE_LIMIT: RateLimitOptions = { max: 100, timeWindowMs: 1000 };
export const DEFAULT_WATCH_INTERVAL_MS = 5000;
export const DEFAULT_POPULAR_WINDOW_MS = 30 * 24 * 3600 * 1000;
export const DEFAULT_POPULAR_CACHE_MS = 60_000;
export const DEFAULT_MAX_USER_EVENTS = 1000;

export async function buildApp(options: ServiceOptions): Promise<FastifyInstance> {
  const bodyLimitBytes = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const watchIntervalMs = options.watchIntervalMs ?? DEFAULT_WATCH_INTERVAL_MS;
  const keyRing = new ApiKeyRing(options.apiKeys);
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: bodyLimitBytes,
    trustProxy: options.trustProxy ?? false,
    // The router's default (100 characters) refused ids the schemas allow (256 characters, up to 12 when percent-encoded).
    routerOptions: { maxParamLength: MAX_PATH_PARAMETER_CHARACTERS },
    // Malformed percent-encoding and over-long path parameters: the JSON error shape, like every other 400.
    frameworkErrors: (error, request, reply) => {
      const message = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'a path parameter is too long' : 'the URL path is not valid percent-encoded UTF-8';
      void (reply as FastifyReply).code(400).type('application/json').send(new ApiError(400, 'invalid_url', `${message}: ${request.method} ${request.url.slice(0, 200)}`).toBody());
    },
  });
  installValidators(app);
  installJsonBodyParser(app);
  app.setErrorHandler(errorHandler(bodyLimitBytes));

  const metrics = new ServiceMetrics();
  const slot = new ModelSlot(options.modelDir, {
    onSwap: (served, reason) => {
      metrics.modelServed(served === null ? null : { version: served.version, model: served.manifest.model, loadedAtMs: served.loadedAtMs }, reason);
      app.log.info({ version: served?.version, reason }, 'serving model version');
    },
    onError: (error) => app.log.error({ err: error }, 'could not load a new model version; the current one keeps serving'),
    onFallback: (problem, served) =>
      app.log.error(
        { failedVersion: problem.version, reason: problem.reason, servedVersion: served.version },
        `THE MODEL VERSION THE MODEL DIRECTORY POINTS AT COULD NOT BE LOADED (${problem.version ?? 'CURRENT'}: ${problem.reason}); serving the newest intact version ${served.version} instead`,
      ),
  });
  const training =
    options.training === undefined
      ? null
      : new TrainingRunner({
          store: options.store,
          modelDir: options.modelDir,
          config: options.training,
          onPublished: async (result) => {
            app.log.info({ ...result }, 'trained a new model version');
            await slot.reload();
          },
          onFinished: (run) => metrics.countTraining(run.outcome),
        });
  const context: ServiceContext = {
    store: options.store,
    slot,
    recommendations: new RecommendationService(options.store, slot, {
      popularWindowMs: options.popularWindowMs ?? DEFAULT_POPULAR_WINDOW_MS,
      popularCacheMs: options.popularCacheMs ?? DEFAULT_POPULAR_CACHE_MS,
      maxUserEvents: options.maxUserEvents ?? DEFAULT_MAX_USER_EVENTS,
      scoreBatching: options.scoreBatching ?? DEFAULT_SCORE_BATCHING,
      newItems: options.newItems ?? DEFAULT_NEW_ITEM_OPTIONS,
    }),
    metrics,
    training,
    readyWithoutModel: options.readyWithoutModel ?? false,
    watchIntervalMs,
  };

  metrics.watchScoring(() => context.recommendations.batcher.stats);

  if (options.rateLimit !== false) {
    const limits = options.rateLimit ?? DEFAULT_RATE_LIMIT;
    const windowSeconds = limits.timeWindowMs / 1000;
    await app.register(rateLimit, {
      global: true,
      max: limits.max,
      timeWindow: limits.timeWindowMs,
      // Clients with a valid key share one budget per key; anything else is counted by address.
      keyGenerator: (request) => {
        const key = ApiKeyRing.presented(request);
        return key !== undefined && keyRing.levelOf(key) !== null ? `key:${createHash('sha256').update(key).digest('base64')}` : `ip:${request.ip}`;
      },
      errorResponseBuilder: (_request, limit) =>
        new ApiError(429, 'rate_limited', `more than ${limit.max} requests in ${windowSeconds} s; retry in ${Math.ceil(limit.ttl / 1000)} s`, {
          limit: limit.max,
          windowSeconds,
          retryAfterSeconds: Math.ceil(limit.ttl / 1000),
        }),
    });
  }
  // Unknown routes count against the same budget: otherwise probing them is free.
  if (options.rateLimit !== false) app.setNotFoundHandler({ preHandler: app.rateLimit() }, notFoundHandler);
  else app.setNotFoundHandler(notFoundHandler);
  app.addHook('preParsing', async (request, _reply, payload) => {
    // Unknown routes answer 404 without a key; every route declares its access, and one that forgot needs an admin key.
    if (!request.is404) keyRing.authorize(request, request.routeOptions.config.access ?? 'admin');
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.observeRequest(request.method, request.is404 ? 'unmatched' : request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'recoder',
        version: libraryVersion(),
        description:
          'Recommendations from the models of recoder, served next to your site: send users, items and feedback events; ask for recommendations. ' +
          'Every request except health, metrics and this document needs an X-API-Key header: read keys may read and recommend, admin keys may also write and manage models. ' +
          'Errors are JSON: { error: { code, message, details? } }.',
      },
      components: { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' } } },
      tags: [
        { name: 'users' },
        { name: 'items' },
        { name: 'events' },
        { name: 'recommendations' },
        { name: 'admin', description: 'model versions and training (admin keys)' },
        { name: 'operations', description: 'health, metrics' },
        { name: 'dashboard', description: 'read-only figures the dashboard at /dashboard/ shows (read keys)' },
      ],
    },
  });
  for (const routes of [userRoutes, itemRoutes, eventRoutes, recommendationRoutes, adminRoutes, healthRoutes]) {
    await app.register(routes, { context });
  }
  await app.register(dashboardPlugin, { context, keyRing, evaluationsDir: options.evaluationsDir ?? null });

  app.addHook('onClose', async () => {
    slot.stopWatching();
    await training?.close();
  });

  try {
    await slot.start();
  } catch (e) {
    // A broken version on disk must not keep the service down: it answers from the popular fallback and reports not ready.
    app.log.error({ err: e }, 'could not load the model version at start');
  }
  if (watchIntervalMs > 0) slot.startWatching(watchIntervalMs);
  const everyMs = options.training?.everyMs;
  if (training !== null && everyMs !== undefined) {
    training.scheduleEvery(everyMs, slot.current === null, (error) => {
      if (error instanceof NothingToTrainError) app.log.info(`scheduled training skipped: ${error.message}`);
      else app.log.error({ err: error }, 'scheduled training failed');
    });
  }
  await app.ready();
  return app;
}
