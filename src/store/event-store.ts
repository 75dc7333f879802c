/**
 * The service's storage of users, items and feedback events, behind one
 * interface so that SQLite (embedded, the default) and PostgreSQL can serve
 * the same HTTP app and the same test suite. Every write is one transaction:
 * a batch is stored whole or not at all.
 */

/** Attribute values are JSON. */
export type Attributes = Readonly<Record<string, unknown>>;

export interface UserRecord {
  readonly id: string;
  readonly attributes: Attributes;
  /** Milliseconds since the Unix epoch. */
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

export interface ItemRecord {
  readonly id: string;
  readonly categories: readonly string[];
  readonly attributes: Attributes;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

export interface UserInput {
  readonly id: string;
  readonly attributes?: Attributes;
}

export interface ItemInput {
  readonly id: string;
  readonly categories?: readonly string[];
  readonly attributes?: Attributes;
}

export interface EventInput {
  /**
   * Idempotency key: an event whose key is already stored is a duplicate and
   * ignored. Default: derived from (user, item, type, timestamp, value), so a
   * retried batch never double-counts.
   */
  readonly id?: string;
  readonly userId: string;
  readonly itemId: string;
  /** view, click, cart, purchase, rating, ... */
  readonly type: string;
  /** A rating or weight; null when the event type carries none. */
  readonly value?: number | null;
  readonly timestampMs: number;
}

export interface EventRecord extends Required<Omit<EventInput, 'value'>> {
  readonly value: number | null;
  /** Insertion order: a stable cursor for paging and exports. */
  readonly sequence: number;
}

export interface Page<T> {
  readonly records: readonly T[];
  /** Pass as `after` to get the next page; null on the last page. */
  readonly next: string | null;
}

export interface ListOptions {
  readonly limit: number;
  /** Cursor from a previous page. */
  readonly after?: string;
}

export interface EventQuery extends ListOptions {
  readonly userId?: string;
  readonly itemId?: string;
}

export interface PopularItemsQuery {
  readonly limit: number;
  /** Count only events at or after this time (recency). */
  readonly sinceMs?: number;
  readonly category?: string;
  readonly excludeItemIds?: readonly string[];
}

export interface StoreCounts {
  readonly users: number;
  readonly items: number;
  readonly events: number;
}

export interface EventStore {
  readonly kind: 'sqlite' | 'postgres';

  /** Inserts new users and replaces the attributes of known ones. */
  upsertUsers(users: readonly UserInput[]): Promise<{ inserted: number; updated: number }>;
  getUser(id: string): Promise<UserRecord | null>;
  listUsers(options: ListOptions): Promise<Page<UserRecord>>;
  /** Deletes the user and their events; false when the user did not exist. */
  deleteUser(id: string): Promise<boolean>;

  upsertItems(items: readonly ItemInput[]): Promise<{ inserted: number; updated: number }>;
  getItem(id: string): Promise<ItemRecord | null>;
  /** The known items among `ids`, in one read (a page of recommendations with attributes); unknown ids are absent. */
  getItems(ids: readonly string[]): Promise<Map<string, ItemRecord>>;
  listItems(options: ListOptions & { readonly category?: string }): Promise<Page<ItemRecord>>;
  /** Deletes the item and its events; false when the item did not exist. */
  deleteItem(id: string): Promise<boolean>;
  /** Categories of each known item among `ids` (unknown ids are absent from the map). */
  itemCategories(ids: readonly string[]): Promise<Map<string, readonly string[]>>;

  /**
   * Stores a batch of events in one transaction, creating users and items that
   * are not known yet. Duplicates (same id) are skipped, not errors.
   */
  insertEvents(events: readonly EventInput[]): Promise<{ inserted: number; duplicates: number }>;
  listEvents(query: EventQuery): Promise<Page<EventRecord>>;
  /** Deletes the events matching every given field; at least one field is required. */
  deleteEvents(query: { readonly userId?: string; readonly itemId?: string }): Promise<number>;
  /**
   * Events of one user, oldest first: all of them, or with `limit` only the
   * most recent `limit` (what one recommendation request reads, so that a user
   * with a huge history cannot stall the service).
   */
  userEvents(userId: string, options?: { readonly limit?: number }): Promise<readonly EventRecord[]>;
  /** Every event in insertion order, in batches, for training. */
  exportEvents(batchSize?: number): AsyncIterable<readonly EventRecord[]>;

  /** Items ranked by their number of distinct users (recent ones only with sinceMs). */
  popularItems(query: PopularItemsQuery): Promise<readonly { itemId: string; users: number }[]>;

  counts(): Promise<StoreCounts>;
  close(): Promise<void>;
}

/** Thrown for input a store refuses; the HTTP layer turns it into a 400. */
export class StoreInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreInputError';
  }
}

/**
 * Thrown when the store's database cannot be reached (it restarted, the
 * network is cut); the HTTP layer answers 503, and the request may be retried.
 */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}
