/** What the route plugins share: the store, the served model, and the services built on them. */
import type { EventStore } from '../store/event-store.js';
import type { Access } from './auth.js';
import type { ServiceMetrics } from './metrics.js';
import type { ModelSlot } from './model-slot.js';
import type { RecommendationService } from './recommendations.js';
import type { TrainingRunner } from './training-runner.js';

export interface ServiceContext {
  readonly store: EventStore;
  readonly slot: ModelSlot;
  readonly recommendations: RecommendationService;
  readonly metrics: ServiceMetrics;
  /** Null when the service was started without a training configuration. */
  readonly training: TrainingRunner | null;
  /** Ready without a model (recommendations then come from the popular fallback). */
  readonly readyWithoutModel: boolean;
  readonly watchIntervalMs: number;
}

/** Options every route plugin is registered with. */
export interface RoutePluginOptions {
  readonly context: ServiceContext;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route (auth.ts); every route declares it. */
    access?: Access;
  }
}
