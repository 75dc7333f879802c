import { IdMap } from './id-map.js';
import { CsrMatrix, csrFromCoo, type DuplicatePolicy } from './csr.js';

/**
 * Interactions stored column-wise in typed arrays, so that a file of tens of
 * millions of lines costs a few bytes per line instead of one JS object each.
 * Missing ratings and timestamps are NaN.
 */
export interface InteractionLog {
  readonly length: number;
  readonly users: Int32Array;
  readonly items: Int32Array;
  /** Explicit rating or event weight; NaN when the source has none. */
  readonly values: Float32Array;
  /** Seconds since the Unix epoch; NaN when the source has none. */
  readonly timestamps: Float64Array;
  /** Index into `eventTypes`, or -1 when the source has no event type. */
  readonly eventTypeCodes: Int16Array;
  readonly eventTypes: readonly string[];
}

/** Appends interactions into growing typed arrays (amortised doubling). */
export class InteractionLogBuilder {
  private capacity: number;
  private n = 0;
  private users: Int32Array;
  private items: Int32Array;
  private values: Float32Array;
  private timestamps: Float64Array;
  private eventTypeCodes: Int16Array;
  private readonly eventTypeIndex = new Map<string, number>();
  private readonly eventTypes: string[] = [];

  constructor(initialCapacity = 1 << 16) {
    this.capacity = Math.max(16, initialCapacity);
    this.users = new Int32Array(this.capacity);
    this.items = new Int32Array(this.capacity);
    this.values = new Float32Array(this.capacity);
    this.timestamps = new Float64Array(this.capacity);
    this.eventTypeCodes = new Int16Array(this.capacity);
  }

  get length(): number {
    return this.n;
  }

  push(user: number, item: number, value = Number.NaN, timestamp = Number.NaN, eventType?: string): void {
    if (this.n === this.capacity) this.grow();
    const i = this.n++;
    this.users[i] = user;
    this.items[i] = item;
    this.values[i] = value;
    this.timestamps[i] = timestamp;
    this.eventTypeCodes[i] = eventType === undefined ? -1 : this.eventTypeCode(eventType);
  }

  private eventTypeCode(type: string): number {
    let code = this.eventTypeIndex.get(type);
    if (code === undefined) {
      code = this.eventTypes.length;
      if (code > 32767) throw new Error('more than 32768 distinct event types');
      this.eventTypeIndex.set(type, code);
      this.eventTypes.push(type);
    }
    return code;
  }

  private grow(): void {
    this.capacity *= 2;
    const grow = <T extends Int32Array | Float32Array | Float64Array | Int16Array>(a: T, make: (n: number) => T): T => {
      const b = make(this.capacity);
      b.set(a as never);
      return b;
    };
    this.users = grow(this.users, (n) => new Int32Array(n));
    this.items = grow(this.items, (n) => new Int32Array(n));
    this.values = grow(this.values, (n) => new Float32Array(n));
    this.timestamps = grow(this.timestamps, (n) => new Float64Array(n));
    this.eventTypeCodes = grow(this.eventTypeCodes, (n) => new Int16Array(n));
  }

  build(): InteractionLog {
    const n = this.n;
    return {
      length: n,
      users: this.users.slice(0, n),
      items: this.items.slice(0, n),
      values: this.values.slice(0, n),
      timestamps: this.timestamps.slice(0, n),
      eventTypeCodes: this.eventTypeCodes.slice(0, n),
      eventTypes: this.eventTypes.slice(),
    };
  }
}

/** A table of attributes keyed by the same dense indices as an IdMap (titles, genres, extra columns). */
export interface AttributeTable {
  /** Column names, e.g. ['title', 'genres']. */
  readonly columns: readonly string[];
  /** Row per index; a missing entity has no row (undefined). List-valued fields (genres) are string arrays. */
  readonly rows: ReadonlyArray<Record<string, string | number | string[]> | undefined>;
}

/** Everything a reader produces: ids, interactions and optional attribute tables. */
export interface Dataset {
  readonly name: string;
  readonly users: IdMap;
  readonly items: IdMap;
  readonly interactions: InteractionLog;
  /** True when `interactions.values` holds explicit ratings (rather than NaN or event weights). */
  readonly hasRatings: boolean;
  readonly hasTimestamps: boolean;
  readonly itemAttributes?: AttributeTable;
  readonly userAttributes?: AttributeTable;
}

/**
 * The user × item matrix of a dataset. Entries without a value (implicit data)
 * are stored as 1. Duplicate (user, item) pairs are combined by `duplicates`;
 * 'last' means last in time when timestamps exist, else last in file order.
 */
export function interactionMatrix(dataset: Dataset, duplicates: DuplicatePolicy = 'last'): CsrMatrix {
  const log = dataset.interactions;
  let rows: Int32Array = log.users;
  let cols: Int32Array = log.items;
  let vals = new Float32Array(log.length);
  for (let k = 0; k < log.length; k++) {
    const v = log.values[k]!;
    vals[k] = Number.isNaN(v) ? 1 : v;
  }
  if (duplicates === 'last' && dataset.hasTimestamps) {
    const order = timeOrder(log);
    rows = order.map((k) => log.users[k]!);
    cols = order.map((k) => log.items[k]!);
    vals = Float32Array.from(order, (k) => vals[k]!);
  }
  return csrFromCoo(dataset.users.size, dataset.items.size, rows, cols, vals, duplicates);
}

/** Positions of the log sorted by timestamp (stable; NaN timestamps first). */
export function timeOrder(log: InteractionLog): Int32Array {
  const order = new Int32Array(log.length);
  for (let k = 0; k < log.length; k++) order[k] = k;
  const t = log.timestamps;
  const key = (k: number) => (Number.isNaN(t[k]!) ? -Infinity : t[k]!);
  return order.sort((a, b) => key(a) - key(b) || a - b);
}
