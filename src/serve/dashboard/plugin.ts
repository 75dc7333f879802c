/**
 * The dashboard: its page under /dashboard/ and the read endpoints it calls
 * (stats, model versions, evaluations, item search, the key's access level),
 * every one with a JSON schema and so in the OpenAPI document. Registered by
 * buildApp beside the other route plugins.
 */
import type { FastifyPluginAsync } from 'fastify';
import { apiKeyRoutes } from '../routes/api-key.js';
import { dashboardPageRoutes } from '../routes/dashboard-page.js';
import { evaluationRoutes } from '../routes/evaluations.js';
import { searchRoutes } from '../routes/search.js';
import { statsRoutes } from '../routes/stats.js';
import { versionRoutes } from '../routes/versions.js';
import { EvaluationFiles } from './evaluation-files.js';
import { ServiceStatsSampler } from './service-stats.js';
import type { DashboardPluginOptions, DashboardServices } from './services.js';
import { StoreActivity } from './store-activity.js';
import { VersionCatalog } from './version-catalog.js';

export const dashboardPlugin: FastifyPluginAsync<DashboardPluginOptions> = async (app, options) => {
  const { context } = options;
  const services: DashboardServices = {
    activity: new StoreActivity(context.store),
    versions: new VersionCatalog(context.slot.modelDir),
    evaluations: new EvaluationFiles(options.evaluationsDir),
    serviceStats: new ServiceStatsSampler(context.metrics.registry),
  };
  services.serviceStats.start();
  app.addHook('onClose', async () => services.serviceStats.stop());
  for (const routes of [dashboardPageRoutes, statsRoutes, versionRoutes, evaluationRoutes, searchRoutes, apiKeyRoutes]) {
    await app.register(routes, { ...options, services });
  }
};
