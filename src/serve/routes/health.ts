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
          200: {
            type: 'object',
            properties: {
              status: { type: 'string' },
              modelVersion: { type: ['string', 'null'] },
              warning: { type: 'string', description: 'the version the model directory points at could not be loaded, and why; an older one is served' },
            },
            additionalProperties: false,
          },
          ...errorResponses(503),
        },
      },
    },
    async (request) => {
      const served = slot.current;
      const problem = slot.loadProblem;
      const failed = problem === null ? '' : `model version ${problem.version ?? 'named by CURRENT'} could not be loaded (${problem.reason})`;
      if (served === null && !context.readyWithoutModel) {
        // The model directory's path stays out of this public reply.
        if (problem !== null) throw new ApiError(503, 'model_not_loaded', `${failed}, and no older intact version is on disk; publish a new one (POST /v1/admin/models/train or recoder train-store)`);
        throw new ApiError(503, 'not_ready', 'no model version loaded yet; train one (POST /v1/admin/models/train or recoder train-store)');
      }
      try {
        // The cheapest query every store has (a count would scan a large events table).
        await store.listUsers({ limit: 1 });
      } catch (e) {
        request.log.warn({ err: e }, 'readiness: the event store does not answer');
        throw storeUnavailable(request.id);
      }
      const warning = problem === null ? {} : { warning: `${failed}; serving ${served?.version ?? 'no model (--ready-without-model)'} instead` };
      return { status: 'ready', modelVersion: served?.version ?? null, ...warning };
    },
  );

  app.get('/metrics', { config: open, schema: { tags, summary: 'Prometheus metrics', querystring: noQuery } }, async (_request, reply) => {
    const { contentType, text } = await metrics.render();
    return reply.type(contentType).send(text);
  });

  app.get('/openapi.json', { config: open, schema: { hide: true, querystring: noQuery } }, async () => app.swagger());
};
