/** Saved results of `recoder evaluate --json` / `recoder tune --json`: list them (read), upload one (admin). */
import type { FastifyPluginAsync } from 'fastify';
import { EvaluationExistsError, EvaluationFileError } from '../dashboard/evaluation-files.js';
import type { DashboardRouteOptions } from '../dashboard/services.js';
import { ApiError } from '../errors.js';
import { errorResponses } from '../schemas.js';

const tags = ['dashboard'];
const security = [{ apiKey: [] }];
const nullableNumber = { type: ['number', 'null'] } as const;
const freeObject = { type: 'object', additionalProperties: true } as const;

const runSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'file#index' },
    file: { type: 'string' },
    index: { type: 'integer' },
    modifiedAt: { type: 'string' },
    command: { type: 'string', enum: ['evaluate', 'tune'] },
    model: { type: 'string' },
    dataset: { type: 'string' },
    protocol: freeObject,
    seed: { type: 'number' },
    hyperParameters: freeObject,
    fitSeconds: { type: 'number' },
    users: { type: 'number' },
    recoderVersion: { type: 'string' },
    selectBy: { type: 'string' },
    metrics: { type: 'object', additionalProperties: nullableNumber, description: 'per-user mean of each metric' },
    stderr: { type: 'object', additionalProperties: nullableNumber, description: 'standard error of each mean' },
    definitions: { type: 'object', additionalProperties: { type: 'string' } },
  },
  required: ['id', 'file', 'index', 'modifiedAt', 'command', 'model', 'metrics', 'stderr', 'definitions'],
  additionalProperties: false,
} as const;

const uploadedRunSchema = {
  type: 'object',
  properties: { model: { type: 'string', minLength: 1 }, metrics: { type: 'object', additionalProperties: nullableNumber } },
  required: ['model', 'metrics'],
  additionalProperties: true,
  description: 'one run as printed by recoder evaluate --json or recoder tune --json',
} as const;

export const evaluationRoutes: FastifyPluginAsync<DashboardRouteOptions> = async (app, { services }) => {
  const { evaluations } = services;

  app.get(
    '/v1/evaluations',
    {
      config: { access: 'read' },
      schema: {
        tags,
        security,
        summary: 'Saved evaluation runs (JSON of recoder evaluate/tune --json in the evaluations directory), newest file first; unreadable files named with the reason',
        querystring: { type: 'object', properties: {}, additionalProperties: false },
        response: {
          200: {
            type: 'object',
            properties: {
              directory: { type: ['string', 'null'] },
              runs: { type: 'array', items: runSchema },
              unreadable: {
                type: 'array',
                items: { type: 'object', properties: { file: { type: 'string' }, reason: { type: 'string' } }, required: ['file', 'reason'], additionalProperties: false },
              },
            },
            required: ['directory', 'runs', 'unreadable'],
            additionalProperties: false,
          },
          ...errorResponses(401, 429),
        },
      },
    },
    async () => evaluations.list(),
  );

  app.post<{ Body: { name: string; runs: unknown[]; replace: boolean } }>(
    '/v1/evaluations',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        security,
        summary: 'Save evaluation runs as NAME.json in the evaluations directory (409 when it exists, unless replace is true)',
        body: {
          type: 'object',
          properties: {
            name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$', description: 'file name without .json' },
            runs: { type: 'array', items: uploadedRunSchema, minItems: 1, maxItems: 1000 },
            replace: { type: 'boolean', default: false },
          },
          required: ['name', 'runs'],
          additionalProperties: false,
        },
        response: {
          201: {
            type: 'object',
            properties: { file: { type: 'string' }, runs: { type: 'integer' }, replaced: { type: 'boolean' } },
            required: ['file', 'runs', 'replaced'],
            additionalProperties: false,
          },
          ...errorResponses(400, 401, 403, 409, 413, 429),
        },
      },
    },
    async (request, reply) => {
      if (evaluations.directory === null) throw new ApiError(409, 'no_evaluations_directory', 'this server was started without an evaluations directory');
      try {
        const saved = await evaluations.save(request.body.name, request.body.runs, request.body.replace);
        return reply.code(201).send(saved);
      } catch (e) {
        if (e instanceof EvaluationExistsError) throw new ApiError(409, 'evaluation_exists', e.message, { file: e.file });
        if (e instanceof EvaluationFileError) throw new ApiError(400, 'invalid_evaluation', e.message);
        throw e;
      }
    },
  );
};
