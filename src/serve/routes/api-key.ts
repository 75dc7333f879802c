/** What the presented API key may do, so that a client (the dashboard) shows only the actions it is allowed. */
import type { FastifyPluginAsync } from 'fastify';
import { ApiKeyRing } from '../auth.js';
import type { DashboardRouteOptions } from '../dashboard/services.js';
import { errorResponses } from '../schemas.js';

export const apiKeyRoutes: FastifyPluginAsync<DashboardRouteOptions> = async (app, { keyRing }) => {
  app.get(
    '/v1/key',
    {
      config: { access: 'read' },
      schema: {
        tags: ['dashboard'],
        security: [{ apiKey: [] }],
        summary: "The access level of the request's X-API-Key: read (read and recommend) or admin (also write and manage models)",
        querystring: { type: 'object', properties: {}, additionalProperties: false },
        response: {
          200: { type: 'object', properties: { access: { type: 'string', enum: ['read', 'admin'] } }, required: ['access'], additionalProperties: false },
          ...errorResponses(401, 429),
        },
      },
    },
    // The preParsing hook has already refused requests without a valid key.
    async (request) => ({ access: keyRing.levelOf(ApiKeyRing.presented(request)!)! }),
  );
};
