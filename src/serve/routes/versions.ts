/** Every model version on disk with its manifest and training history, for read keys (the admin routes change them). */
import type { FastifyPluginAsync } from 'fastify';
import type { DashboardRouteOptions } from '../dashboard/services.js';
import { errorResponses } from '../schemas.js';

const tags = ['dashboard'];
const security = [{ apiKey: [] }];
const noQuery = { type: 'object', properties: {}, additionalProperties: false } as const;
const freeObject = { type: 'object', additionalProperties: true } as const;
const nullableNumber = { type: ['number', 'null'] } as const;

const epochSchema = {
  type: 'object',
  properties: {
    epoch: { type: 'integer' },
    loss: { ...nullableNumber, description: 'mean training loss over the epoch' },
    seconds: { type: 'number' },
    validation: {
      type: 'object',
      properties: { score: nullableNumber, values: { type: 'object', additionalProperties: nullableNumber } },
      additionalProperties: false,
      description: 'the model-selection score on validation users (NDCG@100, or RMSE for AutoRec) and other validation values',
    },
    values: { type: 'object', additionalProperties: nullableNumber, description: 'other per-epoch training values (e.g. nll, penalty, beta)' },
  },
  required: ['epoch', 'loss', 'seconds'],
  additionalProperties: false,
} as const;

const versionDetailsSchema = {
  type: 'object',
  properties: {
    version: { type: 'string' },
    model: { type: ['string', 'null'] },
    hyperParameters: freeObject,
    createdAt: { type: ['string', 'null'] },
    libraryVersion: { type: ['string', 'null'] },
    data: {
      type: ['object', 'null'],
      properties: { name: { type: 'string' }, fingerprint: { type: 'string' }, nUsers: { type: 'integer' }, nItems: { type: 'integer' }, nInteractions: { type: 'integer' } },
      additionalProperties: false,
    },
    protocol: freeObject,
    metrics: { type: 'object', additionalProperties: nullableNumber, description: 'test metrics recorded at training (recoder train on a split)' },
    fitSeconds: { type: 'number' },
    training: {
      type: 'object',
      description: 'per-epoch history of iterative models (absent for closed-form ones)',
      properties: {
        epochs: { type: 'array', items: epochSchema },
        bestEpoch: { type: 'integer', description: 'the epoch with the best validation score (the last epoch when trained without validation)' },
        bestScore: nullableNumber,
        stoppedEarly: { type: 'boolean' },
        resumedFromEpoch: { type: ['integer', 'null'] },
      },
      required: ['epochs', 'bestEpoch', 'bestScore', 'stoppedEarly'],
      additionalProperties: false,
    },
    serving: {
      type: 'object',
      properties: { rule: freeObject, minItemUsers: { type: 'integer' }, trainedAt: { type: 'string' }, eventsRead: { type: 'integer' }, store: { type: 'string' } },
      additionalProperties: false,
    },
    current: { type: 'boolean', description: 'the version CURRENT points at' },
    served: { type: 'boolean', description: 'the version this server answers with' },
    previous: { type: 'boolean', description: 'the version a rollback returns to' },
    error: { type: 'string', description: "why the version's files could not be read" },
  },
  required: ['version', 'model', 'hyperParameters', 'createdAt', 'data', 'current', 'served', 'previous'],
  additionalProperties: false,
} as const;

export const versionRoutes: FastifyPluginAsync<DashboardRouteOptions> = async (app, { context, services }) => {
  const { slot, training } = context;

  app.get(
    '/v1/models/versions',
    {
      config: { access: 'read' },
      schema: {
        tags,
        security,
        summary: 'Every model version in the model directory, newest first: model, hyper-parameters, data fingerprint, training time and history, test metrics',
        querystring: noQuery,
        response: {
          200: {
            type: 'object',
            properties: {
              single: { type: 'boolean', description: 'the model directory is one saved model, not versions' },
              servedVersion: { type: ['string', 'null'] },
              previousVersion: { type: ['string', 'null'] },
              training: {
                type: 'object',
                properties: { configured: { type: 'boolean' }, running: { type: 'boolean' }, status: { type: ['object', 'null'], additionalProperties: true } },
                required: ['configured', 'running', 'status'],
                additionalProperties: false,
              },
              versions: { type: 'array', items: versionDetailsSchema },
            },
            required: ['single', 'servedVersion', 'previousVersion', 'training', 'versions'],
            additionalProperties: false,
          },
          ...errorResponses(401, 429),
        },
      },
    },
    async () => {
      const listing = await services.versions.list();
      const served = slot.current?.version ?? null;
      const previous = slot.previous?.version ?? null;
      return {
        single: listing.single,
        servedVersion: served,
        previousVersion: previous,
        training: { configured: training !== null, running: training?.running ?? false, status: training?.status() ?? null },
        versions: listing.versions.map((v) => ({
          ...v,
          current: listing.single ? v.version === served : v.version === listing.pointer,
          served: v.version === served,
          previous: v.version === previous,
        })),
      };
    },
  );
};
