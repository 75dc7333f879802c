/**
 * Aggregates of the event store for the dashboard: events per day and an item
 * title index. The store interface has no aggregate queries, so both are built
 * by reading the store through its public methods and kept for `maxAgeMs`; a
 * rebuild runs once however many requests wait on it, a page at a time with
 * the event loop free between pages.
 *
 * Events per day are counted incrementally: a refresh reads only the events
 * inserted since the last one (their `sequence` is the listing cursor), and
 * every `recountEveryMs` the count starts over, so deleted events drop out.
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
const ITEM_PAGE = 1000;
const EVENT_PAGE = 10_000;
const DEFAULT_RECOUNT_MS = 30 * 60 * 1000;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Running counts of events per UTC day and per type, and the cursor they reach. */
interface EventTally {
  readonly perDay: Map<number, number>;
  readonly types: Map<string, number>;
  events: number;
  /** Sequence of the last event counted, as a listing cursor; undefined before the first. */
  after: string | undefined;
  readonly startedAtMs: number;
}

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
  private tally: EventTally | undefined;

  constructor(
    private readonly store: EventStore,
    maxAgeMs = 60_000,
    private readonly recountEveryMs = DEFAULT_RECOUNT_MS,
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
    if (this.tally === undefined || Date.now() - this.tally.startedAtMs >= this.recountEveryMs) {
      this.tally = { perDay: new Map(), types: new Map(), events: 0, after: undefined, startedAtMs: Date.now() };
    }
    const tally = this.tally;
    for (;;) {
      const page = await this.store.listEvents({ limit: EVENT_PAGE, ...(tally.after !== undefined ? { after: tally.after } : {}) });
      for (const event of page.records) {
        const day = Math.floor(event.timestampMs / DAY_MS);
        tally.perDay.set(day, (tally.perDay.get(day) ?? 0) + 1);
        tally.types.set(event.type, (tally.types.get(event.type) ?? 0) + 1);
        tally.events += 1;
      }
      const last = page.records[page.records.length - 1];
      if (last !== undefined) tally.after = String(last.sequence);
      if (page.next === null) break;
      await yieldToEventLoop();
    }
    const days = [...tally.perDay.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([day, events]) => ({ day: new Date(day * DAY_MS).toISOString().slice(0, 10), events }));
    return { days, types: Object.fromEntries(tally.types), events: tally.events, computedAtMs: Date.now() };
  }

  private async readItemIndex(): Promise<IndexedItem[]> {
    const items: IndexedItem[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.store.listItems({ limit: ITEM_PAGE, ...(after !== undefined ? { after } : {}) });
      for (const item of page.records) items.push({ id: item.id, title: titleOf(item.attributes), categories: item.categories });
      if (page.next === null) return items;
      after = page.next;
      await yieldToEventLoop();
    }
  }
}
