/** Model versions and training, for admin keys: state, reload, rollback, train now. */
import type { FastifyPluginAsync } from 'fastify';
import type { RoutePluginOptions } from '../context.js';
import { ApiError } from '../errors.js';
import type { ServedModel } from '../model-slot.js';
import { NoPreviousVersionError } from '../model-slot.js';
import { listVersions } from '../model-versions.js';
import { errorResponses } from '../schemas.js';
import { TrainingBusyError } from '../training-runner.js';
import { NothingToTrainError } from '../training.js';

const tags = ['admin'];
const security = [{ apiKey: [] }];

const versionSchema = {
  type: ['object', 'null'],
  properties: {
    version: { type: 'string' },
    model: { type: 'string' },
    hyperParameters: { type: 'object', additionalProperties: true },
    createdAt: { type: 'string' },
    users: { type: 'integer' },
    items: { type: 'integer' },
    interactions: { type: 'integer' },
    loadedAt: { type: 'string' },
  },
  additionalProperties: false,
} as const;

const reloadResultSchema = {
  type: 'object',
  properties: { changed: { type: 'boolean' }, version: { type: ['string', 'null'] }, previousVersion: { type: ['string', 'null'] } },
  required: ['changed', 'version', 'previousVersion'],
  additionalProperties: false,
} as const;

const noBodyQuery = { type: 'object', properties: {}, additionalProperties: false } as const;

function summary(served: ServedModel | null) {
  if (served === null) return null;
  const { manifest } = served;
  return {
    version: served.version,
    model: manifest.model,
    hyperParameters: manifest.hyperParameters,
    createdAt: manifest.createdAt,
    users: manifest.data.nUsers,
    items: manifest.data.nItems,
    interactions: manifest.data.nInteractions,
    loadedAt: new Date(served.loadedAtMs).toISOString(),
  };
}

export const adminRoutes: FastifyPluginAsync<RoutePluginOptions> = async (app, { context }) => {
  const { slot, training } = context;

  app.get(
    '/v1/admin/models',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        security,
        summary: 'The served and previous model versions, the versions on disk, and the state of training',
        querystring: noBodyQuery,
        response: {
          200: {
            type: 'object',
            properties: {
              modelDir: { type: 'string' },
              current: versionSchema,
              previous: versionSchema,
              versionsOnDisk: { type: 'array', items: { type: 'string' } },
              watchIntervalMs: { type: 'integer' },
              training: { type: ['object', 'null'], additionalProperties: true },
            },
            additionalProperties: false,
          },
          ...errorResponses(401, 403, 429),
        },
      },
    },
    async () => ({
      modelDir: slot.modelDir,
      current: summary(slot.current),
      previous: summary(slot.previous),
      versionsOnDisk: await listVersions(slot.modelDir),
      watchIntervalMs: context.watchIntervalMs,
      training: training?.status() ?? null,
    }),
  );

  app.post(
    '/v1/admin/models/reload',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        security,
        summary: 'Load the version the model directory points at (CURRENT, else the newest) and swap to it once loaded',
        querystring: noBodyQuery,
        response: { 200: reloadResultSchema, ...errorResponses(401, 403, 409, 429) },
      },
    },
    async () => {
      try {
        return await slot.reload();
      } catch (e) {
        // The version on disk is at fault, not the server: 409, and the current version keeps serving.
        throw new ApiError(409, 'reload_failed', `could not load the new model version; still serving ${slot.current?.version ?? 'no model'}: ${(e as Error).message}`);
      }
    },
  );

  app.post(
    '/v1/admin/models/rollback',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        security,
        summary: 'Serve the previous version again and point CURRENT at it (a second rollback returns to where it started)',
        querystring: noBodyQuery,
        response: { 200: reloadResultSchema, ...errorResponses(401, 403, 409, 429) },
      },
    },
    async () => {
      try {
        return await slot.rollback();
      } catch (e) {
        if (e instanceof NoPreviousVersionError) throw new ApiError(409, 'no_previous_version', e.message);
        throw e;
      }
    },
  );

  app.post<{ Querystring: { wait: boolean } }>(
    '/v1/admin/models/train',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        security,
        summary: 'Train a new version on the stored events (in a worker thread) and swap to it; 202 at once, or the result with wait=true',
        querystring: { type: 'object', properties: { wait: { type: 'boolean', default: false } }, additionalProperties: false },
        response: {
          200: { type: 'object', additionalProperties: true },
          202: { type: 'object', properties: { status: { type: 'string' }, startedAt: { type: 'string' } }, additionalProperties: false },
          ...errorResponses(401, 403, 409, 422, 429, 500),
        },
      },
    },
    async (request, reply) => {
      if (training === null) throw new ApiError(409, 'training_not_configured', 'this server was started without a training configuration (recoder serve --train-model NAME)');
      if (training.running) throw new ApiError(409, 'training_in_progress', new TrainingBusyError(training.status().runningSince!).message);
      const run = training.run('request');
      if (!request.query.wait) {
        run.catch((e: Error) => request.log.error({ err: e }, 'training failed'));
        return reply.code(202).send({ status: 'started', startedAt: training.status().runningSince! });
      }
      try {
        return await run;
      } catch (e) {
        if (e instanceof NothingToTrainError) throw new ApiError(422, 'nothing_to_train', e.message);
        throw new ApiError(500, 'training_failed', `training failed: ${(e as Error).message}`);
      }
    },
  );
};
