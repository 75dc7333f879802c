/** Liveness, readiness, Prometheus metrics and the OpenAPI document: no API key needed, no rate limit. */
import type { FastifyPluginAsync } from 'fastify';
import type { RoutePluginOptions } from '../context.js';
import { ApiError, storeUnavailable } from '../errors.js';
import { errorResponses } from '../schemas.js';

const tags = ['operations'];
const open = { access: 'public' as const, rateLimit: false as const };
const noQuery = { type: 'object', properties: {}, additionalProperties: false } as const;

export const healthRoutes: FastifyPluginAsync<RoutePluginOptions> = async (app, { context }) => {
  const { slot, store, metrics } = context;

  app.get(
    '/health/live',
    {
      config: open,
      schema: { tags, summary: 'The process answers', querystring: noQuery, response: { 200: { type: 'object', properties: { status: { type: 'string' } }, additionalProperties: false } } },
    },
    async () => ({ status: 'live' }),
  );

  app.get(
    '/health/ready',
    {
      config: open,
      schema: {
        tags,
        summary: 'Ready to recommend: a model version is loaded (or the server runs with --ready-without-model) and the store answers',
        querystring: noQuery,
        response: {
          200: { type: 'object', properties: { status: { type: 'string' }, modelVersion: { type: ['string', 'null'] } }, additionalProperties: false },
          ...errorResponses(503),
        },
      },
    },
    async (request) => {
      const served = slot.current;
      if (served === null && !context.readyWithoutModel) {
        throw new ApiError(503, 'not_ready', `no model version loaded from ${slot.modelDir} yet; train one (POST /v1/admin/models/train or recoder train-store)`);
      }
      try {
        // The cheapest query every store has (a count would scan a large events table).
        await store.listUsers({ limit: 1 });
      } catch (e) {
        request.log.warn({ err: e }, 'readiness: the event store does not answer');
        throw storeUnavailable(request.id);
      }
      return { status: 'ready', modelVersion: served?.version ?? null };
    },
  );

  app.get('/metrics', { config: open, schema: { tags, summary: 'Prometheus metrics', querystring: noQuery } }, async (_request, reply) => {
    const { contentType, text } = await metrics.render();
    return reply.type(contentType).send(text);
  });

  app.get('/openapi.json', { config: open, schema: { hide: true, querystring: noQuery } }, async () => app.swagger());
};
