/** Items by title or id, for pickers: a search over the stored items' titles, or a lookup of given ids. */
import type { FastifyPluginAsync } from 'fastify';
import type { DashboardRouteOptions } from '../dashboard/services.js';
import { titleOf } from '../dashboard/store-activity.js';
import { ApiError } from '../errors.js';
import { errorResponses, idSchema } from '../schemas.js';

const MAX_RESULTS = 100;

const foundItemSchema = {
  type: 'object',
  properties: { id: { type: 'string' }, title: { type: ['string', 'null'] }, categories: { type: 'array', items: { type: 'string' } } },
  required: ['id', 'title', 'categories'],
  additionalProperties: false,
} as const;

export const searchRoutes: FastifyPluginAsync<DashboardRouteOptions> = async (app, { context, services }) => {
  const { store } = context;

  app.get<{ Querystring: { q?: string; ids?: string; limit: number } }>(
    '/v1/search/items',
    {
      config: { access: 'read' },
      schema: {
        tags: ['dashboard'],
        security: [{ apiKey: [] }],
        summary: "Items whose title (attribute 'title' or 'name') or id contains q, case-insensitive, exact ids first; or the items of ids, in that order (unknown ids left out)",
        querystring: {
          type: 'object',
          properties: {
            q: { type: 'string', minLength: 1, maxLength: 200 },
            ids: { type: 'string', maxLength: 30_000, description: `comma-separated item ids, at most ${MAX_RESULTS}` },
            limit: { type: 'integer', minimum: 1, maximum: MAX_RESULTS, default: 20 },
          },
          additionalProperties: false,
          description: 'exactly one of q, ids',
        },
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: foundItemSchema } }, required: ['items'], additionalProperties: false }, ...errorResponses(400, 401, 429) },
      },
    },
    async (request) => {
      const { q, ids, limit } = request.query;
      if ((q === undefined) === (ids === undefined)) throw new ApiError(400, 'invalid_query', 'give exactly one of q (a title to search) and ids (items to look up)', { field: 'q' });
      if (q !== undefined) return { items: await services.activity.searchItems(q, limit) };
      const wanted = [...new Set(ids!.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
      if (wanted.length > MAX_RESULTS) throw new ApiError(400, 'invalid_query', `ids: at most ${MAX_RESULTS} ids, got ${wanted.length}`, { field: 'ids' });
      for (const id of wanted) {
        if (id.length > idSchema.maxLength) throw new ApiError(400, 'invalid_query', `ids: an id is at most ${idSchema.maxLength} characters`, { field: 'ids' });
      }
      const records = await Promise.all(wanted.map((id) => store.getItem(id)));
      return { items: records.filter((r) => r !== null).map((r) => ({ id: r.id, title: titleOf(r.attributes), categories: r.categories })) };
    },
  );
};
