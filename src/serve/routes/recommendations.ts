/** Recommendations for a user, for an anonymous session, and items similar to an item. */
import type { FastifyPluginAsync } from 'fastify';
import type { RoutePluginOptions } from '../context.js';
import { ApiError } from '../errors.js';
import type { RankOptions, SessionInteraction } from '../recommendations.js';
import {
  errorResponses,
  idParamsSchema,
  sessionBodySchema,
  sessionRecommendationsSchema,
  similarItemsSchema,
  similarQuerySchema,
  userRecommendationQuerySchema,
  userRecommendationsSchema,
} from '../schemas.js';

const tags = ['recommendations'];
const security = [{ apiKey: [] }];

interface RankingQuery {
  n: number;
  offset: number;
  category?: string;
  exclude?: string;
  attributes: boolean;
  excludeSeen?: boolean;
  explain?: boolean;
}

interface SessionBody {
  items?: string[];
  events?: SessionInteraction[];
  n: number;
  offset: number;
  category?: string;
  exclude?: string[];
  excludeSeen: boolean;
  attributes: boolean;
  explain?: boolean;
}

/** 'a, b,,c' → ['a', 'b', 'c']: ids in a query string are comma-separated. */
const splitIds = (text: string | undefined): string[] => (text ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');

function rankOptions(query: RankingQuery, excludeItemIds: string[], excludeSeen: boolean): RankOptions {
  return {
    n: query.n,
    offset: query.offset,
    ...(query.category !== undefined ? { category: query.category } : {}),
    excludeItemIds,
    excludeSeen,
    withAttributes: query.attributes,
    explain: query.explain ?? false,
  };
}

export const recommendationRoutes: FastifyPluginAsync<RoutePluginOptions> = async (app, { context }) => {
  const { recommendations, metrics } = context;

  app.get<{ Params: { id: string }; Querystring: RankingQuery }>(
    '/v1/users/:id/recommendations',
    {
      config: { access: 'read' },
      schema: {
        tags,
        security,
        summary: "Top n items for a user: from the model (a user it was trained on), folded in from the user's stored events, or popular-and-recent (no events)",
        params: idParamsSchema,
        querystring: userRecommendationQuerySchema,
        response: { 200: userRecommendationsSchema, ...errorResponses(400, 401, 429) },
      },
    },
    async (request) => {
      const query = request.query;
      const result = await recommendations.forUser(request.params.id, rankOptions(query, splitIds(query.exclude), query.excludeSeen ?? true));
      metrics.countRecommendation(result.source, 'user');
      return { user: request.params.id, ...result };
    },
  );

  app.post<{ Body: SessionBody }>(
    '/v1/recommendations/session',
    {
      config: { access: 'read' },
      schema: {
        tags,
        security,
        summary: 'Top n items for an anonymous visitor, from the item ids (or events) of their session, folded into the model',
        body: sessionBodySchema,
        response: { 200: sessionRecommendationsSchema, ...errorResponses(400, 401, 413, 422, 429) },
      },
    },
    async (request) => {
      const body = request.body;
      if ((body.items === undefined) === (body.events === undefined)) {
        throw new ApiError(400, body.items === undefined ? 'missing_field' : 'invalid_request', "give exactly one of 'items' (item ids) or 'events' ({ itemId, type?, value? }, oldest first)", {
          field: 'items',
          in: 'body',
        });
      }
      const interactions: SessionInteraction[] = body.events ?? body.items!.map((itemId) => ({ itemId }));
      const result = await recommendations.forSession(interactions, rankOptions({ ...body, exclude: undefined }, body.exclude ?? [], body.excludeSeen));
      metrics.countRecommendation(result.source, 'session');
      return result;
    },
  );

  app.get<{ Params: { id: string }; Querystring: RankingQuery }>(
    '/v1/items/:id/similar',
    {
      config: { access: 'read' },
      schema: {
        tags,
        security,
        summary:
          "Items similar to an item: the model's scores for a visitor who interacted with that item alone (EASE: the item's row of B; item-kNN: its neighbours; autoencoders: their output for a one-item input)",
        params: idParamsSchema,
        querystring: similarQuerySchema,
        response: { 200: similarItemsSchema, ...errorResponses(400, 401, 404, 422, 429, 503) },
      },
    },
    async (request) => {
      const query = request.query;
      const result = await recommendations.similarItems(request.params.id, rankOptions(query, splitIds(query.exclude), true));
      metrics.countRecommendation(result.source, 'similar');
      return { item: request.params.id, ...result };
    },
  );
};
