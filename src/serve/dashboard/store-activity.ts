/**
 * Aggregates of the event store for the dashboard: events per day and an item
 * title index. The store interface has no aggregate queries, so both are built
 * by reading the store through its public methods (every event, every item)
 * and kept for `maxAgeMs`; a rebuild runs once however many requests wait on it.
 */
import type { EventStore } from '../../store/event-store.js';

export interface EventsPerDay {
  /** UTC days with at least one event, in time order. */
  readonly days: ReadonlyArray<{ readonly day: string; readonly events: number }>;
  /** Events of each type. */
  readonly types: Readonly<Record<string, number>>;
  readonly events: number;
  /** When the aggregate was computed (ms since the epoch). */
  readonly computedAtMs: number;
}

export interface IndexedItem {
  readonly id: string;
  /** The item's `title` attribute (or `name`), when it has one. */
  readonly title: string | null;
  readonly categories: readonly string[];
}

const DAY_MS = 24 * 3600 * 1000;
const PAGE = 1000;

/** A value recomputed at most every `maxAgeMs`, with concurrent callers sharing one computation. */
class CachedValue<T> {
  private value: { readonly at: number; readonly data: T } | undefined;
  private pending: Promise<T> | undefined;

  constructor(
    private readonly compute: () => Promise<T>,
    private readonly maxAgeMs: number,
  ) {}

  get(now = Date.now()): Promise<T> {
    if (this.value !== undefined && now - this.value.at < this.maxAgeMs) return Promise.resolve(this.value.data);
    this.pending ??= this.compute().then(
      (data) => {
        this.value = { at: Date.now(), data };
        this.pending = undefined;
        return data;
      },
      (e: unknown) => {
        this.pending = undefined;
        throw e;
      },
    );
    return this.pending;
  }
}

export function titleOf(attributes: Readonly<Record<string, unknown>>): string | null {
  const title = attributes['title'] ?? attributes['name'];
  return typeof title === 'string' ? title : null;
}

export class StoreActivity {
  private readonly perDay: CachedValue<EventsPerDay>;
  private readonly itemIndex: CachedValue<readonly IndexedItem[]>;

  constructor(
    private readonly store: EventStore,
    maxAgeMs = 60_000,
  ) {
    this.perDay = new CachedValue(() => this.countEventsPerDay(), maxAgeMs);
    this.itemIndex = new CachedValue(() => this.readItemIndex(), maxAgeMs);
  }

  eventsPerDay(): Promise<EventsPerDay> {
    return this.perDay.get();
  }

  /**
   * Items whose title or id contains `query` (case-insensitive): exact id
   * matches first, then titles that start with the query, then the rest, each
   * group in title order.
   */
  async searchItems(query: string, limit: number): Promise<IndexedItem[]> {
    const needle = query.trim().toLowerCase();
    if (needle === '') return [];
    const rank = (item: IndexedItem): number => {
      if (item.id.toLowerCase() === needle) return 0;
      const title = item.title?.toLowerCase() ?? '';
      if (title.startsWith(needle)) return 1;
      if (title.includes(needle)) return 2;
      return item.id.toLowerCase().includes(needle) ? 3 : -1;
    };
    const matches: Array<{ item: IndexedItem; rank: number }> = [];
    for (const item of await this.itemIndex.get()) {
      const r = rank(item);
      if (r >= 0) matches.push({ item, rank: r });
    }
    matches.sort((a, b) => a.rank - b.rank || (a.item.title ?? a.item.id).localeCompare(b.item.title ?? b.item.id));
    return matches.slice(0, limit).map((m) => m.item);
  }

  private async countEventsPerDay(): Promise<EventsPerDay> {
    const perDay = new Map<number, number>();
    const types: Record<string, number> = {};
    let events = 0;
    for await (const batch of this.store.exportEvents()) {
      for (const event of batch) {
        const day = Math.floor(event.timestampMs / DAY_MS);
        perDay.set(day, (perDay.get(day) ?? 0) + 1);
        types[event.type] = (types[event.type] ?? 0) + 1;
        events += 1;
      }
    }
    const days = [...perDay.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([day, count]) => ({ day: new Date(day * DAY_MS).toISOString().slice(0, 10), events: count }));
    return { days, types, events, computedAtMs: Date.now() };
  }

  private async readItemIndex(): Promise<IndexedItem[]> {
    const items: IndexedItem[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.store.listItems({ limit: PAGE, ...(after !== undefined ? { after } : {}) });
      for (const item of page.records) items.push({ id: item.id, title: titleOf(item.attributes), categories: item.categories });
      if (page.next === null) return items;
      after = page.next;
    }
  }
}
