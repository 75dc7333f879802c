/** Read-only figures for the dashboard's overview: store counts, events per day, the service's request rates and latencies. */
import type { FastifyPluginAsync } from 'fastify';
import type { DashboardRouteOptions } from '../dashboard/services.js';
import { errorResponses } from '../schemas.js';

const tags = ['dashboard'];
const security = [{ apiKey: [] }];
const noQuery = { type: 'object', properties: {}, additionalProperties: false } as const;
const nullableNumber = { type: ['number', 'null'] } as const;

const windowSchema = {
  type: 'object',
  properties: {
    seconds: { type: 'number' },
    requests: { type: 'integer' },
    requestsPerSecond: { type: 'number' },
    serverErrors: { type: 'integer', description: 'responses with a 5xx status' },
    latencyMs: {
      type: 'object',
      properties: { mean: nullableNumber, p50: nullableNumber, p95: nullableNumber, p99: nullableNumber },
      required: ['mean', 'p50', 'p95', 'p99'],
      additionalProperties: false,
    },
    topRoutes: {
      type: 'array',
      items: { type: 'object', properties: { route: { type: 'string' }, requests: { type: 'integer' } }, required: ['route', 'requests'], additionalProperties: false },
    },
  },
  required: ['seconds', 'requests', 'requestsPerSecond', 'serverErrors', 'latencyMs', 'topRoutes'],
  additionalProperties: false,
} as const;

export const statsRoutes: FastifyPluginAsync<DashboardRouteOptions> = async (app, { context, services }) => {
  const { store, slot } = context;

  app.get(
    '/v1/stats',
    {
      config: { access: 'read' },
      schema: {
        tags,
        security,
        summary: 'Users, items and events in the store, and the model version being served',
        querystring: noQuery,
        response: {
          200: {
            type: 'object',
            properties: {
              store: { type: 'string', enum: ['sqlite', 'postgres'] },
              users: { type: 'integer' },
              items: { type: 'integer' },
              events: { type: 'integer' },
              servedVersion: { type: ['string', 'null'] },
              servedModel: { type: ['string', 'null'] },
              loadedAt: { type: ['string', 'null'] },
            },
            required: ['store', 'users', 'items', 'events', 'servedVersion', 'servedModel', 'loadedAt'],
            additionalProperties: false,
          },
          ...errorResponses(401, 429),
        },
      },
    },
    async () => {
      const counts = await store.counts();
      const served = slot.current;
      return {
        store: store.kind,
        ...counts,
        servedVersion: served?.version ?? null,
        servedModel: served?.manifest.model ?? null,
        loadedAt: served === null ? null : new Date(served.loadedAtMs).toISOString(),
      };
    },
  );

  app.get(
    '/v1/stats/events-per-day',
    {
      config: { access: 'read' },
      schema: {
        tags,
        security,
        summary: 'Stored events per UTC day (days without events left out) and per event type; recomputed at most once a minute',
        querystring: noQuery,
        response: {
          200: {
            type: 'object',
            properties: {
              days: {
                type: 'array',
                items: { type: 'object', properties: { day: { type: 'string', description: 'YYYY-MM-DD' }, events: { type: 'integer' } }, required: ['day', 'events'], additionalProperties: false },
              },
              types: { type: 'object', additionalProperties: { type: 'integer' } },
              events: { type: 'integer' },
              computedAt: { type: 'string' },
            },
            required: ['days', 'types', 'events', 'computedAt'],
            additionalProperties: false,
          },
          ...errorResponses(401, 429),
        },
      },
    },
    async () => {
      const { days, types, events, computedAtMs } = await services.activity.eventsPerDay();
      return { days, types, events, computedAt: new Date(computedAtMs).toISOString() };
    },
  );

  app.get(
    '/v1/stats/service',
    {
      config: { access: 'read' },
      schema: {
        tags,
        security,
        summary: "The service's own requests per second and latency percentiles (from the /metrics histogram), over the last minute and since start",
        querystring: noQuery,
        response: {
          200: {
            type: 'object',
            properties: {
              uptimeSeconds: { type: 'number' },
              lastMinute: windowSchema,
              sinceStart: windowSchema,
              recommendations: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { source: { type: 'string' }, endpoint: { type: 'string' }, served: { type: 'integer' } },
                  required: ['source', 'endpoint', 'served'],
                  additionalProperties: false,
                },
              },
            },
            required: ['uptimeSeconds', 'lastMinute', 'sinceStart', 'recommendations'],
            additionalProperties: false,
          },
          ...errorResponses(401, 429),
        },
      },
    },
    async () => services.serviceStats.stats(),
  );
};
