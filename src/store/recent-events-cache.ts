/**
 * The newest events of recently asked-for users, in memory, so that a
 * recommendation request does not read (and parse) the user's events from the
 * database every time: profiled at 700 requests/s on ml-1m, that read was a
 * third of the server's time (BENCHMARKS.md, "Service: the fast path").
 *
 * The store that owns the cache keeps it exact: it fills an entry from one
 * bounded read (the newest `eventsPerUser` events), appends every event it
 * inserts, drops entries its deletes touch, and clears everything when another
 * connection wrote to the database. An entry is either `complete` (every event
 * the user has) or exactly the newest `eventsPerUser` of them.
 *
 * Memory is bounded by `maxEvents` over all entries: past it, the users asked
 * for least recently are dropped. Entries are held column by column (event-columns.ts), a
 * few typed arrays per user rather than an object per event.
 */
import { EventColumns, StringTable } from './event-columns.js';
import type { EventRecord } from './event-store.js';

export interface RecentEventsCacheOptions {
  /** Newest events kept per user; a read asking for more goes to the database. */
  readonly eventsPerUser: number;
  /** Events kept over all users (about 60 bytes each); least recently used users go first. */
  readonly maxEvents: number;
}

interface Entry {
  /** Oldest first, by (timestampMs, sequence): the order of EventStore.userEvents. */
  readonly events: EventColumns;
  /** True when `events` is every event of the user, not only the newest eventsPerUser. */
  complete: boolean;
}

export class RecentEventsCache {
  /** Map order is recency of use: the first entry is the least recently used. */
  private readonly entries = new Map<string, Entry>();
  private eventCount = 0;
  /** Item ids and event types, shared by every entry; cleared with the cache. */
  private strings = { items: new StringTable(), types: new StringTable() };

  constructor(readonly options: RecentEventsCacheOptions) {
    if (!Number.isInteger(options.eventsPerUser) || options.eventsPerUser < 1) {
      throw new RangeError(`the recent-events cache needs eventsPerUser ≥ 1, got ${options.eventsPerUser}`);
    }
    if (!Number.isInteger(options.maxEvents) || options.maxEvents < 0) throw new RangeError(`the recent-events cache needs maxEvents ≥ 0, got ${options.maxEvents}`);
  }

  /** Users and events held, for tests and metrics. */
  get stats(): { readonly users: number; readonly events: number } {
    return { users: this.entries.size, events: this.eventCount };
  }

  /** Events held for a user, per entry (for tests of the bound). */
  heldFor(userId: string): number | undefined {
    return this.entries.get(userId)?.events.length;
  }

  /** The newest `limit` events of the user, oldest first; undefined when the cache cannot answer. */
  get(userId: string, limit: number): EventRecord[] | undefined {
    if (limit > this.options.eventsPerUser) return undefined;
    const entry = this.entries.get(userId);
    if (entry === undefined) return undefined;
    this.entries.delete(userId);
    this.entries.set(userId, entry);
    return entry.events.records(entry.events.length - limit);
  }

  /**
   * Stores what one read of the newest `eventsPerUser` events returned (oldest first).
   * Fewer than asked means the read saw all of them.
   */
  fill(userId: string, newest: readonly EventRecord[]): void {
    this.drop(userId);
    const complete = newest.length < this.options.eventsPerUser;
    // A complete entry may grow by appends; a truncated one stays at eventsPerUser.
    const events = new EventColumns(userId, this.strings, complete ? newest.length + 8 : this.options.eventsPerUser + 1);
    for (const event of newest) events.insert(events.length, event);
    const entry: Entry = { events, complete };
    this.entries.set(userId, entry);
    this.eventCount += entry.events.length;
    this.evict();
  }

  /** An event the owning store has just committed; kept only if its user is held and it is among their newest. */
  append(event: EventRecord): void {
    const entry = this.entries.get(event.userId);
    if (entry === undefined) return;
    const { events } = entry;
    // Usually the newest event: found at the end.
    const at = events.positionOf(event);
    // Older than every held event of a truncated entry: not among the newest, and not held.
    if (at === 0 && !entry.complete) return;
    events.insert(at, event);
    this.eventCount++;
    if (events.length > this.options.eventsPerUser) {
      events.shift();
      this.eventCount--;
      entry.complete = false;
    }
    this.evict();
  }

  drop(userId: string): void {
    const entry = this.entries.get(userId);
    if (entry === undefined) return;
    this.entries.delete(userId);
    this.eventCount -= entry.events.length;
  }

  /** Drops the entries holding an event of the item (its events were deleted). */
  dropItem(itemId: string): void {
    const item = this.strings.items.find(itemId);
    if (item === undefined) return;
    for (const [userId, entry] of this.entries) {
      if (entry.events.hasItem(item)) this.drop(userId);
    }
  }

  clear(): void {
    this.entries.clear();
    this.eventCount = 0;
    this.strings = { items: new StringTable(), types: new StringTable() };
  }

  private evict(): void {
    for (const userId of this.entries.keys()) {
      if (this.eventCount <= this.options.maxEvents) return;
      this.drop(userId);
    }
  }
}
