/**
 * The stored events as training data. Reading (`readTrainingData`) walks the
 * store's export in batches and keeps only coordinate lists and id lists, so
 * that it can run on the server's event loop, yielding between batches; the
 * heavier matrix build (`buildTrainingMatrix`) runs where the model is fitted,
 * in a worker thread when the server trains.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { csrFromCoo, type CsrMatrix } from '../data/csr.js';
import { featureTableFromAttributes, type FeatureTable } from '../data/features.js';
import { IdMap } from '../data/id-map.js';
import type { AttributeTable } from '../data/interactions.js';
import type { UserSequences } from '../data/sequences.js';
import type { TrainingData } from '../data/training-data.js';
import type { EventStore } from '../store/event-store.js';
import { interactionValue, type InteractionRule } from './event-filter.js';

/** Interactions as coordinates over first-seen user and item ids, in export order; plain data, so it can be posted to a worker. */
export interface StoredEvents {
  readonly userIds: string[];
  readonly itemIds: string[];
  readonly rows: Int32Array;
  readonly cols: Int32Array;
  readonly values: Float32Array;
  /** Seconds since the Unix epoch of each event (the order of a user's sequence). */
  readonly timestamps: Float64Array;
  /** Store attributes of each item in `itemIds` (null for items the store has no attributes for). */
  readonly itemAttributes: Array<Record<string, unknown> | null>;
  /** Store categories of each item in `itemIds` (empty when none). */
  readonly itemCategories: string[][];
  /** Store attributes of each user in `userIds` (null when none). */
  readonly userAttributes: Array<Record<string, unknown> | null>;
  readonly eventsRead: number;
  readonly store: string;
}

/** A growable int/float column, so a million events do not become a million JS numbers. */
class GrowableColumn<T extends Int32Array | Float32Array | Float64Array> {
  private data: T;
  length = 0;
  constructor(private readonly make: (n: number) => T) {
    this.data = make(1024);
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = this.make(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
  finish(): T {
    return this.data.slice(0, this.length) as T;
  }
}

const PAGE = 10_000;

export async function readTrainingData(store: EventStore, rule: InteractionRule, batchSize = 10_000): Promise<StoredEvents> {
  const users = new IdMap();
  const items = new IdMap();
  const rows = new GrowableColumn((n) => new Int32Array(n));
  const cols = new GrowableColumn((n) => new Int32Array(n));
  const values = new GrowableColumn((n) => new Float32Array(n));
  const timestamps = new GrowableColumn((n) => new Float64Array(n));
  let eventsRead = 0;
  for await (const batch of store.exportEvents(batchSize)) {
    for (const event of batch) {
      const value = interactionValue(event, rule);
      if (value === undefined) continue;
      rows.push(users.add(event.userId));
      cols.push(items.add(event.itemId));
      values.push(value);
      timestamps.push(event.timestampMs / 1000);
    }
    eventsRead += batch.length;
    // Let requests in between batches: an embedded store reads synchronously.
    await nextTurn();
  }
  const attributes = new Map<string, Record<string, unknown>>();
  const categories = new Map<string, string[]>();
  let after: string | undefined;
  do {
    const page = await store.listItems({ limit: PAGE, ...(after !== undefined ? { after } : {}) });
    for (const item of page.records) {
      if (!items.has(item.id)) continue;
      if (Object.keys(item.attributes).length > 0) attributes.set(item.id, { ...item.attributes });
      if (item.categories.length > 0) categories.set(item.id, [...item.categories]);
    }
    after = page.next ?? undefined;
    await nextTurn();
  } while (after !== undefined);
  const userAttributes = new Map<string, Record<string, unknown>>();
  after = undefined;
  do {
    const page = await store.listUsers({ limit: PAGE, ...(after !== undefined ? { after } : {}) });
    for (const user of page.records) {
      if (users.has(user.id) && Object.keys(user.attributes).length > 0) userAttributes.set(user.id, { ...user.attributes });
    }
    after = page.next ?? undefined;
    await nextTurn();
  } while (after !== undefined);
  const itemIds = [...items.ids()];
  const userIds = [...users.ids()];
  return {
    userIds,
    itemIds,
    rows: rows.finish(),
    cols: cols.finish(),
    values: values.finish(),
    timestamps: timestamps.finish(),
    itemAttributes: itemIds.map((id) => attributes.get(id) ?? null),
    itemCategories: itemIds.map((id) => categories.get(id) ?? []),
    userAttributes: userIds.map((id) => userAttributes.get(id) ?? null),
    eventsRead,
    store: store.kind,
  };
}

export interface TrainingMatrix {
  /** What the model fits on: the matrix, every user's events in time order, item and user features. */
  readonly training: TrainingData;
  readonly matrix: CsrMatrix;
  readonly userIds: string[];
  readonly itemIds: string[];
  readonly itemAttributes: Array<Record<string, unknown> | null>;
}

/**
 * Users × items matrix of the data, with each kept user's events in time order
 * (export order among equal times) and the stored item and user attributes as
 * features. Repeated (user, item) events give one matrix entry: 1 for implicit
 * feedback, the latest value for ratings; the sequence keeps them all. Items with
 * fewer than `minItemUsers` distinct users are dropped (one pass, not an iterative
 * core), then users left without items.
 */
export function buildTrainingMatrix(data: StoredEvents, rule: InteractionRule, minItemUsers = 1): TrainingMatrix {
  const full = csrFromCoo(data.userIds.length, data.itemIds.length, data.rows, data.cols, data.values, rule.useValues ? 'last' : 'max');
  const itemUsers = full.columnCounts();
  const itemMap = IdMap.fromIds(data.itemIds).subset((i) => itemUsers[i]! >= Math.max(1, minItemUsers));
  const keptItem = itemMap.oldToNew;
  const rowCounts = new Int32Array(full.nRows);
  for (let r = 0; r < full.nRows; r++) for (const c of full.rowIndices(r)) if (keptItem[c]! >= 0) rowCounts[r]!++;
  const userMap = IdMap.fromIds(data.userIds).subset((u) => rowCounts[u]! > 0);
  const keptUser = userMap.oldToNew;
  const kept: number[] = [];
  for (let k = 0; k < data.rows.length; k++) if (keptUser[data.rows[k]!]! >= 0 && keptItem[data.cols[k]!]! >= 0) kept.push(k);
  const rows = Int32Array.from(kept, (k) => keptUser[data.rows[k]!]!);
  const cols = Int32Array.from(kept, (k) => keptItem[data.cols[k]!]!);
  const nUsers = userMap.map.size;
  const nItems = itemMap.map.size;
  const matrix = csrFromCoo(nUsers, nItems, rows, cols, Float32Array.from(kept, (k) => data.values[k]!), rule.useValues ? 'last' : 'max');
  const itemIds = [...itemMap.map.ids()];
  const userIds = [...userMap.map.ids()];
  const itemIndexOf = new Map(data.itemIds.map((id, i) => [id, i]));
  const userIndexOf = new Map(data.userIds.map((id, i) => [id, i]));
  const itemAttributes = itemIds.map((id) => data.itemAttributes[itemIndexOf.get(id)!] ?? null);
  const itemCategories = itemIds.map((id) => data.itemCategories[itemIndexOf.get(id)!] ?? []);
  const userAttributes = userIds.map((id) => data.userAttributes[userIndexOf.get(id)!] ?? null);
  const itemFeatures = featuresOf(itemAttributes, itemCategories);
  const userFeatures = featuresOf(userAttributes, null);
  const training: TrainingData = {
    matrix,
    sequences: sequencesOf(rows, cols, Float64Array.from(kept, (k) => data.timestamps[k]!), nUsers, nItems),
    ...(itemFeatures ? { itemFeatures } : {}),
    ...(userFeatures ? { userFeatures } : {}),
  };
  return { training, matrix, userIds, itemIds, itemAttributes };
}

/** Per-user events ordered by time, ties in export order (a stable sort). */
function sequencesOf(rows: Int32Array, cols: Int32Array, times: Float64Array, nUsers: number, nItems: number): UserSequences {
  const order = Int32Array.from({ length: rows.length }, (_, k) => k).sort((a, b) => rows[a]! - rows[b]! || times[a]! - times[b]! || a - b);
  const indptr = new Int32Array(nUsers + 1);
  for (const r of rows) indptr[r + 1]!++;
  for (let u = 0; u < nUsers; u++) indptr[u + 1]! += indptr[u]!;
  return {
    nRows: nUsers,
    nItems,
    indptr,
    items: Int32Array.from(order, (k) => cols[k]!),
    timestamps: Float64Array.from(order, (k) => times[k]!),
    weights: new Float32Array(order.length).fill(1),
    eventTypeCodes: null,
    eventTypes: [],
  };
}

/** Store attributes (and item categories) as features; undefined when no row has any. */
export function featuresOf(attributes: ReadonlyArray<Record<string, unknown> | null>, categories: readonly string[][] | null): FeatureTable | undefined {
  const columns = new Set<string>();
  const rows = attributes.map((record, r) => {
    const row: Record<string, string | number | string[]> = {};
    for (const [name, value] of Object.entries(record ?? {})) {
      // Attributes are free JSON: keep the kinds features can hold.
      if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) row[name] = value;
      else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) row[name] = value as string[];
      else continue;
      columns.add(name);
    }
    if (categories && categories[r]!.length > 0) {
      row['categories'] = categories[r]!;
      columns.add('categories');
    }
    return row;
  });
  if (columns.size === 0) return undefined;
  const table: AttributeTable = { columns: [...columns], rows };
  return featureTableFromAttributes(table, attributes.length);
}
