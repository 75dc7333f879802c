/**
 * One user's events held column by column, for the recent-events cache. A million events held
 * as EventRecord objects were a million objects (and their id, item and type strings) for the
 * garbage collector to mark: on ml-1m the server's heap was about 290 MB, and the collector's
 * work stalled every request by 100–400 ms a few times a minute (BENCHMARKS.md, issue 18).
 * Here an entry is a few typed arrays: item ids and event types are indices into shared string
 * tables, and an id derived from the event's fields ("h:" and 32 base64url characters) is kept
 * as its 24 bytes. Records are rebuilt on read, for the rows asked for only.
 */
import type { EventRecord } from './event-store.js';

/** Strings that many events share (item ids, event types), each held once. */
export class StringTable {
  private readonly index = new Map<string, number>();
  private readonly values: string[] = [];

  indexOf(value: string): number {
    let at = this.index.get(value);
    if (at === undefined) {
      at = this.values.length;
      this.values.push(value);
      this.index.set(value, at);
    }
    return at;
  }

  /** The index of a string already held; undefined when it never was. */
  find(value: string): number | undefined {
    return this.index.get(value);
  }

  at(index: number): string {
    return this.values[index]!;
  }
}

/** A derived event id: "h:" and the base64url of 24 bytes (event-key.ts). */
const DERIVED_ID = /^h:[A-Za-z0-9_-]{32}$/;
const HASH_BYTES = 24;

/** Store order: by time, then insertion. */
const before = (timestampA: number, sequenceA: number, timestampB: number, sequenceB: number): boolean =>
  timestampA < timestampB || (timestampA === timestampB && sequenceA < sequenceB);

export class EventColumns {
  length = 0;
  private timestamps: Float64Array;
  private sequences: Float64Array;
  /** NaN for an event without a value. */
  private values: Float64Array;
  private items: Int32Array;
  private types: Int32Array;
  /** The 24 bytes of each derived id. */
  private hashes: Uint8Array;
  /** Ids that are not derived (a client's own), by position; absent until the first one. */
  private otherIds: (string | undefined)[] | undefined;

  constructor(
    readonly userId: string,
    private readonly strings: { readonly items: StringTable; readonly types: StringTable },
    capacity: number,
  ) {
    const size = Math.max(1, capacity);
    this.timestamps = new Float64Array(size);
    this.sequences = new Float64Array(size);
    this.values = new Float64Array(size);
    this.items = new Int32Array(size);
    this.types = new Int32Array(size);
    this.hashes = new Uint8Array(size * HASH_BYTES);
  }

  /** Where `event` goes to keep store order (searching from the newest end, where most events land). */
  positionOf(event: EventRecord): number {
    let at = this.length;
    while (at > 0 && before(event.timestampMs, event.sequence, this.timestamps[at - 1]!, this.sequences[at - 1]!)) at--;
    return at;
  }

  /** Inserts `event` at `at` (0..length), moving the later events up by one. */
  insert(at: number, event: EventRecord): void {
    if (this.length === this.timestamps.length) this.grow(2 * this.length);
    const tail = this.length;
    if (at < tail) {
      for (const column of [this.timestamps, this.sequences, this.values, this.items, this.types]) column.copyWithin(at + 1, at, tail);
      this.hashes.copyWithin((at + 1) * HASH_BYTES, at * HASH_BYTES, tail * HASH_BYTES);
      this.otherIds?.splice(at, 0, undefined);
    }
    this.length++;
    this.write(at, event);
  }

  /** Drops the oldest event. */
  shift(): void {
    if (this.length === 0) return;
    for (const column of [this.timestamps, this.sequences, this.values, this.items, this.types]) column.copyWithin(0, 1, this.length);
    this.hashes.copyWithin(0, HASH_BYTES, this.length * HASH_BYTES);
    this.otherIds?.shift();
    this.length--;
  }

  /** Whether any held event is of the item with this string-table index. */
  hasItem(item: number): boolean {
    for (let k = 0; k < this.length; k++) if (this.items[k] === item) return true;
    return false;
  }

  /** The events from position `from` to the newest, as records. */
  records(from: number): EventRecord[] {
    const out: EventRecord[] = [];
    for (let k = Math.max(0, from); k < this.length; k++) {
      const value = this.values[k]!;
      out.push({
        id: this.otherIds?.[k] ?? `h:${Buffer.from(this.hashes.buffer, this.hashes.byteOffset + k * HASH_BYTES, HASH_BYTES).toString('base64url')}`,
        userId: this.userId,
        itemId: this.strings.items.at(this.items[k]!),
        type: this.strings.types.at(this.types[k]!),
        value: Number.isNaN(value) ? null : value,
        timestampMs: this.timestamps[k]!,
        sequence: this.sequences[k]!,
      });
    }
    return out;
  }

  private write(at: number, event: EventRecord): void {
    this.timestamps[at] = event.timestampMs;
    this.sequences[at] = event.sequence;
    this.values[at] = event.value ?? Number.NaN;
    this.items[at] = this.strings.items.indexOf(event.itemId);
    this.types[at] = this.strings.types.indexOf(event.type);
    if (DERIVED_ID.test(event.id)) {
      this.hashes.set(Buffer.from(event.id.slice(2), 'base64url'), at * HASH_BYTES);
      if (this.otherIds) this.otherIds[at] = undefined;
    } else {
      this.otherIds ??= new Array<string | undefined>(this.length).fill(undefined);
      this.otherIds[at] = event.id;
    }
  }

  private grow(capacity: number): void {
    const size = Math.max(1, capacity);
    const copy = <T extends Float64Array | Int32Array | Uint8Array>(column: T, make: (n: number) => T, width = 1): T => {
      const next = make(size * width);
      next.set(column.subarray(0, this.length * width));
      return next;
    };
    this.timestamps = copy(this.timestamps, (n) => new Float64Array(n));
    this.sequences = copy(this.sequences, (n) => new Float64Array(n));
    this.values = copy(this.values, (n) => new Float64Array(n));
    this.items = copy(this.items, (n) => new Int32Array(n));
    this.types = copy(this.types, (n) => new Int32Array(n));
    this.hashes = copy(this.hashes, (n) => new Uint8Array(n), HASH_BYTES);
  }
}
