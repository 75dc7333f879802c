/**
 * Popular-item rankings for the fallback, cached for a short time. The
 * fallback is the hot path of every visitor without events, and counting
 * distinct users per item is a scan of the events; a ranking a minute old is
 * as good as a fresh one for this purpose. A stale ranking keeps answering
 * while one refresh runs in the background; a cold one is fetched once for all
 * the requests waiting on it.
 */
import type { EventStore } from '../store/event-store.js';

export interface PopularEntry {
  readonly itemId: string;
  readonly users: number;
}

export interface PopularQuery {
  readonly category?: string;
  /** Count only events at or after this time; undefined for all time. */
  readonly sinceMs?: number;
}

interface CachedRanking {
  readonly entries: readonly PopularEntry[];
  /** False when the ranking was cut at `depth` items (more exist). */
  readonly complete: boolean;
  readonly fetchedAtMs: number;
}

export interface PopularCacheOptions {
  /** How long a ranking is fresh; 0 asks the store on every request. */
  readonly ttlMs: number;
  /** Items kept per ranking: enough for the deepest page plus the exclusions of most requests. */
  readonly depth?: number;
  readonly now?: () => number;
}

export class PopularItemsCache {
  private readonly rankings = new Map<string, CachedRanking>();
  private readonly pending = new Map<string, Promise<CachedRanking>>();
  private readonly depth: number;
  private readonly now: () => number;

  constructor(private readonly store: EventStore, private readonly options: PopularCacheOptions) {
    this.depth = options.depth ?? 2000;
    this.now = options.now ?? Date.now;
  }

  /** The `wanted` most popular items of the query that are not excluded, best first. */
  async top(query: PopularQuery, wanted: number, exclude: ReadonlySet<string>, windowKey: string): Promise<PopularEntry[]> {
    const direct = () =>
      this.store.popularItems({ ...query, limit: wanted, excludeItemIds: [...exclude] }).then((entries) => [...entries]);
    if (this.options.ttlMs <= 0) return direct();
    const ranking = await this.ranking(query, windowKey);
    const kept = ranking.entries.filter((e) => !exclude.has(e.itemId)).slice(0, wanted);
    // Only a request excluding much of a cut ranking needs the store itself.
    return kept.length < wanted && !ranking.complete ? direct() : kept;
  }

  private async ranking(query: PopularQuery, windowKey: string): Promise<CachedRanking> {
    const key = `${windowKey}\u0000${query.category ?? ''}`;
    const cached = this.rankings.get(key);
    if (cached !== undefined) {
      if (this.now() - cached.fetchedAtMs >= this.options.ttlMs && !this.pending.has(key)) {
        // Stale: refresh in the background; a failure keeps the old ranking until the next try.
        this.fetch(key, query).catch(() => undefined);
      }
      return cached;
    }
    return this.pending.get(key) ?? this.fetch(key, query);
  }

  private fetch(key: string, query: PopularQuery): Promise<CachedRanking> {
    const fetching = this.store
      .popularItems({ ...query, limit: this.depth })
      .then((entries) => {
        const ranking = { entries, complete: entries.length < this.depth, fetchedAtMs: this.now() };
        this.rankings.set(key, ranking);
        return ranking;
      })
      .finally(() => this.pending.delete(key));
    this.pending.set(key, fetching);
    return fetching;
  }
}
