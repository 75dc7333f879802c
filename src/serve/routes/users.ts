/** Users: upsert one or many, read, list by cursor, delete (with their events), and their events. */
import type { FastifyPluginAsync } from 'fastify';
import type { Attributes, UserInput } from '../../store/event-store.js';
import type { RoutePluginOptions } from '../context.js';
import { ApiError } from '../errors.js';
import {
  deletedSchema,
  errorResponses,
  eventRecordSchema,
  idParamsSchema,
  pageOf,
  pageQuerySchema,
  upsertResultSchema,
  userPutBodySchema,
  userRecordSchema,
  usersBodySchema,
} from '../schemas.js';
import { recordsOf } from './batch.js';

const tags = ['users'];
const security = [{ apiKey: [] }];

export const userRoutes: FastifyPluginAsync<RoutePluginOptions> = async (app, { context }) => {
  const { store } = context;

  app.post<{ Body: Record<string, unknown> }>(
    '/v1/users',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        security,
        summary: 'Insert or update users: one as { id, attributes }, or many as { users: [...] }',
        body: usersBodySchema,
        response: { 200: upsertResultSchema, ...errorResponses(400, 401, 403, 413, 429) },
      },
    },
    async (request) => store.upsertUsers(recordsOf<UserInput>(request.body, 'users', ['id'])),
  );

  app.put<{ Params: { id: string }; Body: { attributes?: Attributes } }>(
    '/v1/users/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        security,
        summary: "Insert or replace one user's attributes",
        params: idParamsSchema,
        body: userPutBodySchema,
        response: { 200: userRecordSchema, ...errorResponses(400, 401, 403, 413, 429) },
      },
    },
    async (request) => {
      await store.upsertUsers([{ id: request.params.id, attributes: request.body.attributes ?? {} }]);
      return store.getUser(request.params.id);
    },
  );

  app.get<{ Querystring: { limit: number; after?: string } }>(
    '/v1/users',
    {
      config: { access: 'read' },
      schema: { tags, security, summary: 'List users in id order, a page at a time', querystring: pageQuerySchema, response: { 200: pageOf('users', userRecordSchema), ...errorResponses(400, 401, 429) } },
    },
    async (request) => {
      const page = await store.listUsers(request.query);
      return { users: page.records, next: page.next };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/users/:id',
    {
      config: { access: 'read' },
      schema: { tags, security, summary: 'One user', params: idParamsSchema, response: { 200: userRecordSchema, ...errorResponses(400, 401, 404, 429) } },
    },
    async (request) => {
      const user = await store.getUser(request.params.id);
      if (user === null) throw new ApiError(404, 'user_not_found', `no user '${request.params.id}'`);
      return user;
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/users/:id',
    {
      config: { access: 'admin' },
      schema: { tags, security, summary: 'Delete a user and their events', params: idParamsSchema, response: { 200: deletedSchema, ...errorResponses(400, 401, 403, 404, 429) } },
    },
    async (request) => {
      if (!(await store.deleteUser(request.params.id))) throw new ApiError(404, 'user_not_found', `no user '${request.params.id}'`);
      return { deleted: 1 };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { limit: number; after?: string } }>(
    '/v1/users/:id/events',
    {
      config: { access: 'read' },
      schema: {
        tags,
        security,
        summary: "A user's events in insertion order, a page at a time",
        params: idParamsSchema,
        querystring: pageQuerySchema,
        response: { 200: pageOf('events', eventRecordSchema), ...errorResponses(400, 401, 429) },
      },
    },
    async (request) => {
      const page = await store.listEvents({ ...request.query, userId: request.params.id });
      return { events: page.records, next: page.next };
    },
  );
};
