/**
 * The service's own request metrics as JSON for the dashboard: requests per
 * second and latency percentiles over the last minute and since start, read
 * from the Prometheus histogram of metrics.ts (no second bookkeeping on the
 * request path). A timer keeps a snapshot of the histogram every few seconds;
 * a window's figures are the difference between now and the snapshot taken
 * about a window ago.
 */
import type { Histogram, Registry } from 'prom-client';

const REQUEST_HISTOGRAM = 'recoder_http_request_duration_seconds';
const RECOMMENDATION_COUNTER = 'recoder_recommendations_served_total';

/** Cumulative request counts per histogram bucket upper bound (seconds; the last is Infinity). */
interface Snapshot {
  readonly atMs: number;
  readonly count: number;
  readonly sumSeconds: number;
  readonly buckets: ReadonlyMap<number, number>;
  /** Requests per route ('GET /v1/...'). */
  readonly routes: ReadonlyMap<string, number>;
  readonly errors: number;
}

export interface WindowStats {
  readonly seconds: number;
  readonly requests: number;
  readonly requestsPerSecond: number;
  /** Responses with a 5xx status. */
  readonly serverErrors: number;
  /** Interpolated within the histogram's buckets; null without requests, the last finite bound when beyond it. */
  readonly latencyMs: { readonly mean: number | null; readonly p50: number | null; readonly p95: number | null; readonly p99: number | null };
  readonly topRoutes: ReadonlyArray<{ readonly route: string; readonly requests: number }>;
}

export interface ServiceStats {
  readonly uptimeSeconds: number;
  readonly lastMinute: WindowStats;
  readonly sinceStart: WindowStats;
  readonly recommendations: ReadonlyArray<{ readonly source: string; readonly endpoint: string; readonly served: number }>;
}

const EMPTY: Omit<Snapshot, 'atMs'> = { count: 0, sumSeconds: 0, buckets: new Map(), routes: new Map(), errors: 0 };

export class ServiceStatsSampler {
  private readonly startedAtMs = Date.now();
  private readonly snapshots: Snapshot[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly windowMs = 60_000,
    private readonly sampleEveryMs = 5_000,
  ) {
    this.snapshots.push({ atMs: this.startedAtMs, ...EMPTY });
  }

  start(): void {
    this.timer = setInterval(() => {
      void this.snapshot().then((s) => this.keep(s), () => undefined);
    }, this.sampleEveryMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  async stats(): Promise<ServiceStats> {
    const now = await this.snapshot();
    // The newest snapshot at least a window old, else the oldest kept (the start).
    const windowStart = [...this.snapshots].reverse().find((s) => now.atMs - s.atMs >= this.windowMs) ?? this.snapshots[0]!;
    return {
      uptimeSeconds: (now.atMs - this.startedAtMs) / 1000,
      lastMinute: windowStats(windowStart, now),
      sinceStart: windowStats({ atMs: this.startedAtMs, ...EMPTY }, now),
      recommendations: await this.recommendationCounts(),
    };
  }

  private keep(snapshot: Snapshot): void {
    this.snapshots.push(snapshot);
    // Keep one snapshot older than the window (the window's start) and everything after it.
    while (this.snapshots.length > 2 && snapshot.atMs - this.snapshots[1]!.atMs >= this.windowMs) this.snapshots.shift();
  }

  private async snapshot(): Promise<Snapshot> {
    const histogram = this.registry.getSingleMetric(REQUEST_HISTOGRAM) as Histogram | undefined;
    const atMs = Date.now();
    if (histogram === undefined) return { atMs, ...EMPTY };
    const { values } = await histogram.get();
    const buckets = new Map<number, number>();
    const routes = new Map<string, number>();
    let count = 0;
    let sumSeconds = 0;
    let errors = 0;
    for (const { labels, value, metricName } of values) {
      if (metricName === `${REQUEST_HISTOGRAM}_bucket`) {
        const le = labels['le'] === '+Inf' ? Infinity : Number(labels['le']);
        buckets.set(le, (buckets.get(le) ?? 0) + value);
      } else if (metricName === `${REQUEST_HISTOGRAM}_count`) {
        count += value;
        const route = `${String(labels['method'])} ${String(labels['route'])}`;
        routes.set(route, (routes.get(route) ?? 0) + value);
        if (String(labels['status_code']).startsWith('5')) errors += value;
      } else if (metricName === `${REQUEST_HISTOGRAM}_sum`) {
        sumSeconds += value;
      }
    }
    return { atMs, count, sumSeconds, buckets, routes, errors };
  }

  private async recommendationCounts(): Promise<ServiceStats['recommendations']> {
    const counter = this.registry.getSingleMetric(RECOMMENDATION_COUNTER);
    if (counter === undefined) return [];
    const { values } = await counter.get();
    return values.map(({ labels, value }) => ({ source: String(labels['source']), endpoint: String(labels['endpoint']), served: value }));
  }
}

function windowStats(from: Snapshot, to: Snapshot): WindowStats {
  const seconds = Math.max((to.atMs - from.atMs) / 1000, 1e-3);
  const requests = to.count - from.count;
  const bounds = [...to.buckets.keys()].sort((a, b) => a - b);
  const cumulative = bounds.map((le) => (to.buckets.get(le) ?? 0) - (from.buckets.get(le) ?? 0));
  const percentile = (q: number): number | null => {
    if (requests <= 0) return null;
    const rank = q * requests;
    for (let i = 0; i < bounds.length; i++) {
      if (cumulative[i]! < rank) continue;
      const upper = bounds[i]!;
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      if (!Number.isFinite(upper)) return lower * 1000;
      const below = i === 0 ? 0 : cumulative[i - 1]!;
      const inBucket = cumulative[i]! - below;
      const fraction = inBucket > 0 ? (rank - below) / inBucket : 1;
      return (lower + (upper - lower) * fraction) * 1000;
    }
    return null;
  };
  const topRoutes = [...to.routes.entries()]
    .map(([route, total]) => ({ route, requests: total - (from.routes.get(route) ?? 0) }))
    .filter((r) => r.requests > 0)
    .sort((a, b) => b.requests - a.requests || a.route.localeCompare(b.route))
    .slice(0, 10);
  return {
    seconds,
    requests,
    requestsPerSecond: requests / seconds,
    serverErrors: to.errors - from.errors,
    latencyMs: {
      mean: requests > 0 ? ((to.sumSeconds - from.sumSeconds) / requests) * 1000 : null,
      p50: percentile(0.5),
      p95: percentile(0.95),
      p99: percentile(0.99),
    },
    topRoutes,
  };
}
