/**
 * Per-user event sequences: each user's interactions in the order they happened,
 * repeats kept. The interaction matrix says *what* a user touched; a sequence says
 * in which order and how often, which is what sequence models read.
 *
 * Stored like a CSR matrix without the sorting: row r's events are
 * `items[indptr[r] .. indptr[r + 1])`, oldest first. Order is by timestamp when the
 * source has timestamps (ties, and sources without timestamps, keep the file order).
 */

export interface UserSequences {
  readonly nRows: number;
  /** Catalogue size: every item index is in 0..nItems-1. */
  readonly nItems: number;
  readonly indptr: Int32Array;
  /** Item index of each event. */
  readonly items: Int32Array;
  /** Seconds since the Unix epoch of each event; null when the source has none. */
  readonly timestamps: Float64Array | null;
  /** The event's rating or weight; 1 when the source has none. */
  readonly weights: Float32Array;
  /** Index into `eventTypes` of each event, -1 for none; null when the source has no event types. */
  readonly eventTypeCodes: Int16Array | null;
  readonly eventTypes: readonly string[];
}

/** One user's events, as views into the sequences' arrays. */
export interface UserSequence {
  readonly items: Int32Array;
  readonly timestamps: Float64Array | null;
  readonly weights: Float32Array;
}

export function sequenceOf(sequences: UserSequences, row: number): UserSequence {
  if (!(Number.isInteger(row) && row >= 0 && row < sequences.nRows)) {
    throw new RangeError(`sequence row ${row} is outside 0..${sequences.nRows - 1}`);
  }
  const start = sequences.indptr[row]!;
  const end = sequences.indptr[row + 1]!;
  return {
    items: sequences.items.subarray(start, end),
    timestamps: sequences.timestamps ? sequences.timestamps.subarray(start, end) : null,
    weights: sequences.weights.subarray(start, end),
  };
}

export function emptySequences(nRows: number, nItems: number): UserSequences {
  return {
    nRows,
    nItems,
    indptr: new Int32Array(nRows + 1),
    items: new Int32Array(0),
    timestamps: null,
    weights: new Float32Array(0),
    eventTypeCodes: null,
    eventTypes: [],
  };
}

/** Sequences from plain lists of item indices (oldest first), e.g. an anonymous session or a test fixture. */
export function sequencesFromLists(lists: ReadonlyArray<ArrayLike<number>>, nItems: number, timestamps?: ReadonlyArray<ArrayLike<number>>): UserSequences {
  const indptr = new Int32Array(lists.length + 1);
  for (let r = 0; r < lists.length; r++) indptr[r + 1] = indptr[r]! + lists[r]!.length;
  const items = new Int32Array(indptr[lists.length]!);
  const times = timestamps ? new Float64Array(items.length) : null;
  for (let r = 0; r < lists.length; r++) {
    const list = lists[r]!;
    if (timestamps && timestamps[r]!.length !== list.length) throw new RangeError(`sequence ${r}: ${timestamps[r]!.length} timestamps for ${list.length} items`);
    for (let j = 0; j < list.length; j++) {
      const item = list[j]!;
      if (!(Number.isInteger(item) && item >= 0 && item < nItems)) throw new RangeError(`sequence ${r}, position ${j}: item index ${item} is outside 0..${nItems - 1}`);
      items[indptr[r]! + j] = item;
      if (times) times[indptr[r]! + j] = timestamps![r]![j]!;
    }
  }
  return { nRows: lists.length, nItems, indptr, items, timestamps: times, weights: new Float32Array(items.length).fill(1), eventTypeCodes: null, eventTypes: [] };
}

/** The sequences of `rows`, in that order (rows may repeat). */
export function selectSequenceRows(sequences: UserSequences, rows: ArrayLike<number>): UserSequences {
  return filterEvents(sequences, rows, () => true, null);
}

/**
 * The events of `rows` (in that order) for which `keep(eventIndex)` holds, with item
 * indices renumbered by `newItem` when given (an event whose item maps to -1 is dropped).
 */
export function filterEvents(
  sequences: UserSequences,
  rows: ArrayLike<number>,
  keep: (event: number) => boolean,
  columns: { readonly newIndex: Int32Array; readonly nCols: number } | null,
): UserSequences {
  const taken: number[] = [];
  const indptr = new Int32Array(rows.length + 1);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (!(Number.isInteger(r) && r >= 0 && r < sequences.nRows)) throw new RangeError(`sequence row ${r} is outside 0..${sequences.nRows - 1}`);
    for (let e = sequences.indptr[r]!; e < sequences.indptr[r + 1]!; e++) {
      if (keep(e) && (columns === null || columns.newIndex[sequences.items[e]!]! >= 0)) taken.push(e);
    }
    indptr[i + 1] = taken.length;
  }
  return {
    nRows: rows.length,
    nItems: columns ? columns.nCols : sequences.nItems,
    indptr,
    items: Int32Array.from(taken, (e) => (columns ? columns.newIndex[sequences.items[e]!]! : sequences.items[e]!)),
    timestamps: sequences.timestamps ? Float64Array.from(taken, (e) => sequences.timestamps![e]!) : null,
    weights: Float32Array.from(taken, (e) => sequences.weights[e]!),
    eventTypeCodes: sequences.eventTypeCodes ? Int16Array.from(taken, (e) => sequences.eventTypeCodes![e]!) : null,
    eventTypes: sequences.eventTypes,
  };
}

/** Throws unless the sequences are well formed for `nRows` users over `nItems` items. */
export function checkSequences(sequences: UserSequences, nRows: number, nItems: number, what: string): void {
  if (sequences.nRows !== nRows) throw new RangeError(`${what}: ${sequences.nRows} sequences for ${nRows} rows`);
  if (sequences.nItems !== nItems) throw new RangeError(`${what}: sequences over ${sequences.nItems} items, expected ${nItems}`);
  if (sequences.indptr.length !== nRows + 1 || sequences.indptr[0] !== 0 || sequences.indptr[nRows] !== sequences.items.length) {
    throw new RangeError(`${what}: sequence offsets do not cover the ${sequences.items.length} events`);
  }
}
