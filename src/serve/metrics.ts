/**
 * Prometheus metrics, on a registry of the app's own (two apps in one process,
 * as in tests, do not share counters). Served at GET /metrics.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type RecommendationSource = 'model' | 'fold-in' | 'sequence' | 'user-attributes' | 'item-attributes' | 'popular';
export type RecommendationEndpoint = 'user' | 'session' | 'similar';

export class ServiceMetrics {
  readonly registry = new Registry();

  private readonly requestDuration = new Histogram({
    name: 'recoder_http_request_duration_seconds',
    help: 'Time from receiving a request to sending its response, by route and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  private readonly recommendations = new Counter({
    name: 'recoder_recommendations_served_total',
    help: 'Recommendation responses, by the path that produced them and the endpoint asked',
    labelNames: ['source', 'endpoint'] as const,
    registers: [this.registry],
  });

  private readonly modelInfo = new Gauge({
    name: 'recoder_model_info',
    help: 'The model version being served (value 1; labels name it)',
    labelNames: ['version', 'model'] as const,
    registers: [this.registry],
  });

  private readonly modelLoadedAt = new Gauge({
    name: 'recoder_model_loaded_timestamp_seconds',
    help: 'When the served model version was loaded (Unix time)',
    registers: [this.registry],
  });

  private readonly modelSwaps = new Counter({
    name: 'recoder_model_swaps_total',
    help: 'Changes of the served model version, by reason (reload, rollback, or fallback at start to an older intact version)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  private readonly trainingRuns = new Counter({
    name: 'recoder_training_runs_total',
    help: 'Training runs on the stored events, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'recoder_' });
  }

  observeRequest(method: string, route: string, statusCode: number, seconds: number): void {
    this.requestDuration.observe({ method, route, status_code: String(statusCode) }, seconds);
  }

  countRecommendation(source: RecommendationSource, endpoint: RecommendationEndpoint): void {
    this.recommendations.inc({ source, endpoint });
  }

  modelServed(served: { version: string; model: string; loadedAtMs: number } | null, reason: 'reload' | 'rollback' | 'fallback'): void {
    this.modelInfo.reset();
    if (served === null) return;
    this.modelInfo.set({ version: served.version, model: served.model }, 1);
    this.modelLoadedAt.set(served.loadedAtMs / 1000);
    this.modelSwaps.inc({ reason });
  }

  /** Score calls and the rows they scored, read when scraped: rows per call above 1 is requests batched together (score-batcher.ts). */
  watchScoring(stats: () => { readonly calls: number; readonly rows: number }): void {
    for (const [name, help, pick] of [
      ['recoder_score_calls_total', 'Calls to a model\'s score (one per batch of concurrent requests)', (s: { calls: number }) => s.calls],
      ['recoder_scored_rows_total', 'Rows (users, sessions, items for similar-items) scored', (s: { rows: number }) => s.rows],
    ] as const) {
      new Counter({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.reset();
          this.inc(pick(stats() as { calls: number; rows: number }));
        },
      });
    }
  }

  countTraining(outcome: 'published' | 'failed'): void {
    this.trainingRuns.inc({ outcome });
  }

  async render(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
