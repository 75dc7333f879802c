/**
 * Item records (categories and attributes) in memory, so that a page of
 * recommendations with attributes does not read and JSON-parse each item from
 * the database: one lookup per returned item was a tenth of the server's time
 * at 700 requests/s on ml-1m (BENCHMARKS.md, "Service: the fast path").
 *
 * The owning store keeps it exact: an upsert or delete of an item drops its
 * record, and a write by another connection clears everything. Only items that
 * exist are held (an absent item may be created by any event insert). Bounded
 * by `maxItems`, least recently used first out.
 */
import type { ItemRecord } from './event-store.js';

export class ItemRecordCache {
  /** Map order is recency of use. */
  private readonly records = new Map<string, ItemRecord>();

  constructor(readonly maxItems: number) {
    if (!Number.isInteger(maxItems) || maxItems < 0) throw new RangeError(`the item cache needs maxItems ≥ 0, got ${maxItems}`);
  }

  get size(): number {
    return this.records.size;
  }

  get(id: string): ItemRecord | undefined {
    const record = this.records.get(id);
    if (record !== undefined) {
      this.records.delete(id);
      this.records.set(id, record);
    }
    return record;
  }

  set(record: ItemRecord): void {
    if (this.maxItems === 0) return;
    this.records.delete(record.id);
    this.records.set(record.id, record);
    if (this.records.size > this.maxItems) this.records.delete(this.records.keys().next().value!);
  }

  drop(id: string): void {
    this.records.delete(id);
  }

  clear(): void {
    this.records.clear();
  }
}
