/** Feedback events: idempotent batch insert, listing by cursor, deletion by user and/or item. */
import type { FastifyPluginAsync } from 'fastify';
import type { EventInput } from '../../store/event-store.js';
import type { RoutePluginOptions } from '../context.js';
import { ApiError } from '../errors.js';
import { deletedSchema, errorResponses, eventDeleteQuerySchema, eventPageQuerySchema, eventRecordSchema, eventsBodySchema, insertEventsResultSchema, pageOf } from '../schemas.js';
import { recordsOf } from './batch.js';

const tags = ['events'];
const security = [{ apiKey: [] }];

export const eventRoutes: FastifyPluginAsync<RoutePluginOptions> = async (app, { context }) => {
  const { store } = context;

  app.post<{ Body: Record<string, unknown> }>(
    '/v1/events',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        security,
        summary: 'Store one event or many ({ events: [...] }) in one transaction; events already stored (same id, or same content) are counted as duplicates',
        body: eventsBodySchema,
        response: { 200: insertEventsResultSchema, ...errorResponses(400, 401, 403, 413, 429) },
      },
    },
    async (request) => {
      const receivedMs = Date.now();
      const events = recordsOf<Omit<EventInput, 'timestampMs'> & { timestampMs?: number }>(request.body, 'events', ['userId', 'itemId', 'type']);
      return store.insertEvents(events.map((event) => ({ ...event, timestampMs: event.timestampMs ?? receivedMs })));
    },
  );

  app.get<{ Querystring: { limit: number; after?: string; userId?: string; itemId?: string } }>(
    '/v1/events',
    {
      config: { access: 'read' },
      schema: {
        tags,
        security,
        summary: 'Events in insertion order, a page at a time; optionally of one user and/or item',
        querystring: eventPageQuerySchema,
        response: { 200: pageOf('events', eventRecordSchema), ...errorResponses(400, 401, 429) },
      },
    },
    async (request) => {
      const page = await store.listEvents(request.query);
      return { events: page.records, next: page.next };
    },
  );

  app.delete<{ Querystring: { userId?: string; itemId?: string } }>(
    '/v1/events',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        security,
        summary: 'Delete the events of a user, of an item, or of a user with an item',
        querystring: eventDeleteQuerySchema,
        response: { 200: deletedSchema, ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const { userId, itemId } = request.query;
      if (userId === undefined && itemId === undefined) {
        throw new ApiError(400, 'missing_field', 'DELETE /v1/events needs a userId or an itemId query parameter (or both)', { field: 'userId', in: 'querystring' });
      }
      return { deleted: await store.deleteEvents({ ...(userId !== undefined ? { userId } : {}), ...(itemId !== undefined ? { itemId } : {}) }) };
    },
  );
};
