/** What the dashboard's routes share besides the service context: aggregates and readers built for them. */
import type { ApiKeyRing } from '../auth.js';
import type { RoutePluginOptions } from '../context.js';
import { EvaluationFiles } from './evaluation-files.js';
import { ServiceStatsSampler } from './service-stats.js';
import { StoreActivity } from './store-activity.js';
import { VersionCatalog } from './version-catalog.js';

export interface DashboardPluginOptions extends RoutePluginOptions {
  readonly keyRing: ApiKeyRing;
  /** Where saved evaluation results are read and uploaded; null: none. */
  readonly evaluationsDir: string | null;
  /** Where the built dashboard (index.html, assets/) is; default dist/dashboard of this package. */
  readonly dashboardDir?: string;
}

export interface DashboardServices {
  readonly activity: StoreActivity;
  readonly versions: VersionCatalog;
  readonly evaluations: EvaluationFiles;
  readonly serviceStats: ServiceStatsSampler;
}

export interface DashboardRouteOptions extends DashboardPluginOptions {
  readonly services: DashboardServices;
}
