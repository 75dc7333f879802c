/**
 * The stored events as training data. Reading (`readTrainingData`) walks the
 * store's export in batches and keeps only coordinate lists and id lists, so
 * that it can run on the server's event loop, yielding between batches; the
 * heavier matrix build (`buildTrainingMatrix`) runs where the model is fitted,
 * in a worker thread when the server trains.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { csrFromCoo, type CsrMatrix } from '../data/csr.js';
import { IdMap } from '../data/id-map.js';
import type { EventStore } from '../store/event-store.js';
import { interactionValue, type InteractionRule } from './event-filter.js';

/** Interactions as coordinates over first-seen user and item ids; plain data, so it can be posted to a worker. */
export interface TrainingData {
  readonly userIds: string[];
  readonly itemIds: string[];
  readonly rows: Int32Array;
  readonly cols: Int32Array;
  readonly values: Float32Array;
  /** Store attributes of each item in `itemIds` (null for items the store has no attributes for). */
  readonly itemAttributes: Array<Record<string, unknown> | null>;
  readonly eventsRead: number;
  readonly store: string;
}

/** A growable int/float column, so a million events do not become a million JS numbers. */
class GrowableColumn<T extends Int32Array | Float32Array> {
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

export async function readTrainingData(store: EventStore, rule: InteractionRule, batchSize = 10_000): Promise<TrainingData> {
  const users = new IdMap();
  const items = new IdMap();
  const rows = new GrowableColumn((n) => new Int32Array(n));
  const cols = new GrowableColumn((n) => new Int32Array(n));
  const values = new GrowableColumn((n) => new Float32Array(n));
  let eventsRead = 0;
  for await (const batch of store.exportEvents(batchSize)) {
    for (const event of batch) {
      const value = interactionValue(event, rule);
      if (value === undefined) continue;
      rows.push(users.add(event.userId));
      cols.push(items.add(event.itemId));
      values.push(value);
    }
    eventsRead += batch.length;
    // Let requests in between batches: an embedded store reads synchronously.
    await nextTurn();
  }
  const attributes = new Map<string, Record<string, unknown>>();
  let after: string | undefined;
  do {
    const page = await store.listItems({ limit: PAGE, ...(after !== undefined ? { after } : {}) });
    for (const item of page.records) {
      if (items.has(item.id) && Object.keys(item.attributes).length > 0) attributes.set(item.id, { ...item.attributes });
    }
    after = page.next ?? undefined;
    await nextTurn();
  } while (after !== undefined);
  const itemIds = [...items.ids()];
  return {
    userIds: [...users.ids()],
    itemIds,
    rows: rows.finish(),
    cols: cols.finish(),
    values: values.finish(),
    itemAttributes: itemIds.map((id) => attributes.get(id) ?? null),
    eventsRead,
    store: store.kind,
  };
}

export interface TrainingMatrix {
  readonly matrix: CsrMatrix;
  readonly userIds: string[];
  readonly itemIds: string[];
  readonly itemAttributes: Array<Record<string, unknown> | null>;
}

/**
 * Users × items matrix of the data. Repeated (user, item) events give one
 * entry: 1 for implicit feedback, the latest value for ratings. Items with
 * fewer than `minItemUsers` distinct users are dropped (one pass, not an
 * iterative core), then users left without items.
 */
export function buildTrainingMatrix(data: TrainingData, rule: InteractionRule, minItemUsers = 1): TrainingMatrix {
  const full = csrFromCoo(data.userIds.length, data.itemIds.length, data.rows, data.cols, data.values, rule.useValues ? 'last' : 'max');
  if (minItemUsers <= 1) return { matrix: full, userIds: data.userIds, itemIds: data.itemIds, itemAttributes: data.itemAttributes };
  const itemUsers = full.columnCounts();
  const itemMap = IdMap.fromIds(data.itemIds).subset((i) => itemUsers[i]! >= minItemUsers);
  const kept = itemMap.oldToNew;
  const rowCounts = new Int32Array(full.nRows);
  for (let r = 0; r < full.nRows; r++) for (const c of full.rowIndices(r)) if (kept[c]! >= 0) rowCounts[r]!++;
  const userMap = IdMap.fromIds(data.userIds).subset((u) => rowCounts[u]! > 0);
  const rows: number[] = [];
  const cols: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < full.nRows; r++) {
    const row = userMap.oldToNew[r]!;
    if (row < 0) continue;
    const indices = full.rowIndices(r);
    const rowValues = full.rowValues(r);
    for (let p = 0; p < indices.length; p++) {
      const col = kept[indices[p]!]!;
      if (col < 0) continue;
      rows.push(row);
      cols.push(col);
      values.push(rowValues[p]!);
    }
  }
  const itemIds = [...itemMap.map.ids()];
  const attributeOf = new Map(data.itemIds.map((id, i) => [id, data.itemAttributes[i] ?? null]));
  return {
    matrix: csrFromCoo(userMap.map.size, itemMap.map.size, rows, cols, values, 'last'),
    userIds: [...userMap.map.ids()],
    itemIds,
    itemAttributes: itemIds.map((id) => attributeOf.get(id) ?? null),
  };
}
