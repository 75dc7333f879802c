/** Items with categories and attributes: upsert one or many, read, list (optionally by category), delete. */
import type { FastifyPluginAsync } from 'fastify';
import type { Attributes, ItemInput } from '../../store/event-store.js';
import type { RoutePluginOptions } from '../context.js';
import { ApiError } from '../errors.js';
import {
  deletedSchema,
  errorResponses,
  idParamsSchema,
  itemPageQuerySchema,
  itemPutBodySchema,
  itemRecordSchema,
  itemsBodySchema,
  pageOf,
  upsertResultSchema,
} from '../schemas.js';
import { recordsOf } from './batch.js';

const tags = ['items'];
const security = [{ apiKey: [] }];

export const itemRoutes: FastifyPluginAsync<RoutePluginOptions> = async (app, { context }) => {
  const { store } = context;
  // An item written here is recommendable (or gone) at the next request, not after the new-item index's refresh.
  const itemsChanged = () => context.recommendations.newItems?.invalidate();

  app.post<{ Body: Record<string, unknown> }>(
    '/v1/items',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        security,
        summary: 'Insert or update items: one as { id, categories, attributes }, or many as { items: [...] }',
        body: itemsBodySchema,
        response: { 200: upsertResultSchema, ...errorResponses(400, 401, 403, 413, 429) },
      },
    },
    async (request) => {
      const result = await store.upsertItems(recordsOf<ItemInput>(request.body, 'items', ['id']));
      itemsChanged();
      return result;
    },
  );

  app.put<{ Params: { id: string }; Body: { categories?: string[]; attributes?: Attributes } }>(
    '/v1/items/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        security,
        summary: "Insert or replace one item's categories and attributes",
        params: idParamsSchema,
        body: itemPutBodySchema,
        response: { 200: itemRecordSchema, ...errorResponses(400, 401, 403, 413, 429) },
      },
    },
    async (request) => {
      await store.upsertItems([{ id: request.params.id, categories: request.body.categories ?? [], attributes: request.body.attributes ?? {} }]);
      itemsChanged();
      return store.getItem(request.params.id);
    },
  );

  app.get<{ Querystring: { limit: number; after?: string; category?: string } }>(
    '/v1/items',
    {
      config: { access: 'read' },
      schema: {
        tags,
        security,
        summary: 'List items in id order, a page at a time; optionally those of one category',
        querystring: itemPageQuerySchema,
        response: { 200: pageOf('items', itemRecordSchema), ...errorResponses(400, 401, 429) },
      },
    },
    async (request) => {
      const page = await store.listItems(request.query);
      return { items: page.records, next: page.next };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/items/:id',
    {
      config: { access: 'read' },
      schema: { tags, security, summary: 'One item', params: idParamsSchema, response: { 200: itemRecordSchema, ...errorResponses(400, 401, 404, 429) } },
    },
    async (request) => {
      const item = await store.getItem(request.params.id);
      if (item === null) throw new ApiError(404, 'item_not_found', `no item '${request.params.id}'`);
      return item;
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/items/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags,
        security,
        summary: 'Delete an item and its events (a served model keeps recommending it until the next version: pass exclude to hide it sooner)',
        params: idParamsSchema,
        response: { 200: deletedSchema, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      if (!(await store.deleteItem(request.params.id))) throw new ApiError(404, 'item_not_found', `no item '${request.params.id}'`);
      itemsChanged();
      return { deleted: 1 };
    },
  );
};
