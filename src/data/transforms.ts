/**
 * From a Dataset to the matrix the models and splits work on: combining
 * duplicate interactions (keeping their timestamps), binarising ratings and
 * k-core filtering. Every filter here reports which rows, columns and entries
 * it kept, so ids and timestamps follow the matrix.
 */
import { CsrMatrix, type DuplicatePolicy } from './csr.js';
import { featureTableFromAttributes, selectFeatureRows, type FeatureTable } from './features.js';
import { timeOrder, type Dataset } from './interactions.js';
import type { UserSequences } from './sequences.js';
import type { TrainingData } from './training-data.js';

/**
 * Every user's events in order with, for each event, the stored matrix entry
 * (position in `matrix.indices`) of its (user, item) pair: splits give an event the
 * part of its entry, filters drop the events of dropped entries.
 */
export interface EventLog {
  readonly sequences: UserSequences;
  readonly entries: Int32Array;
}

/**
 * A user × item matrix with the ids of its rows and columns and, per stored
 * entry, when it happened. This is what splits take as input.
 */
export interface InteractionData {
  readonly name: string;
  readonly matrix: CsrMatrix;
  /** Seconds since the Unix epoch of each stored entry, aligned with `matrix.indices`; null when the source has none. */
  readonly timestamps: Float64Array | null;
  /** External id of each row. */
  readonly userIds: readonly string[];
  /** External id of each column. */
  readonly itemIds: readonly string[];
  /**
   * Position in the source interaction log of each stored entry, aligned with
   * `matrix.indices`. Time-based splits break ties in time by it (file order);
   * when absent, ties are broken by item index.
   */
  readonly logPositions?: Int32Array;
  /** Each user's events in time order, repeats kept (what sequence models read). */
  readonly events?: EventLog;
  /** Features of each column's item. */
  readonly itemFeatures?: FeatureTable;
  /** Features of each row's user. */
  readonly userFeatures?: FeatureTable;
}

export interface MatrixWithTimes {
  readonly matrix: CsrMatrix;
  /** Timestamp of the entry kept for each stored (user, item), aligned with `matrix.indices`; null without timestamps. */
  readonly timestamps: Float64Array | null;
  /** Log position of the entry kept for each stored (user, item), aligned with `matrix.indices`. */
  readonly logPositions: Int32Array;
  /** Every interaction of the log, per user in time order (file order among equal times). */
  readonly events: EventLog;
}

/**
 * The user × item matrix of `dataset` (values: the rating or event weight, 1
 * when the source has none) with, for each stored entry, the timestamp of the
 * interaction it came from. Several interactions with the same (user, item) are
 * combined by `duplicates`, taking them in time order when there are
 * timestamps (NaN timestamps count as earliest), in file order otherwise:
 *   - 'last': the latest interaction's value and time;
 *   - 'sum':  the sum of the values, with the latest time;
 *   - 'max':  the largest value, with the time of the latest interaction having it;
 *   - 'error': throws, naming the user and item.
 * The matrix equals `interactionMatrix(dataset, duplicates)` (sums are taken in
 * double precision here, so non-integer 'sum' values may differ in the last float32 bit).
 */
export function interactionMatrixWithTimes(dataset: Dataset, duplicates: DuplicatePolicy = 'last'): MatrixWithTimes {
  const log = dataset.interactions;
  const nUsers = dataset.users.size;
  const nItems = dataset.items.size;
  for (let k = 0; k < log.length; k++) {
    const u = log.users[k]!;
    const i = log.items[k]!;
    if (!(u >= 0 && u < nUsers)) throw new RangeError(`${dataset.name}: interaction ${k} has user index ${u}, outside 0..${nUsers - 1}`);
    if (!(i >= 0 && i < nItems)) throw new RangeError(`${dataset.name}: interaction ${k} has item index ${i}, outside 0..${nItems - 1}`);
  }
  const inTime = dataset.hasTimestamps ? timeOrder(log) : identity(log.length);
  // Two stable counting sorts (by item, then by user) order the log by (user, item, time).
  const byItem = stableCountingSort(inTime, log.items, nItems);
  const sorted = stableCountingSort(byItem, log.users, nUsers);

  const indptr = new Int32Array(nUsers + 1);
  const indices = new Int32Array(log.length);
  const values = new Float32Array(log.length);
  const logPositions = new Int32Array(log.length);
  const entryOfLog = new Int32Array(log.length);
  const valueOf = (k: number) => (Number.isNaN(log.values[k]!) ? 1 : log.values[k]!);
  let nnz = 0;
  let p = 0;
  for (let u = 0; u < nUsers; u++) {
    while (p < sorted.length && log.users[sorted[p]!] === u) {
      const item = log.items[sorted[p]!]!;
      let end = p + 1;
      while (end < sorted.length && log.users[sorted[end]!] === u && log.items[sorted[end]!] === item) end++;
      if (duplicates === 'error' && end - p > 1) {
        throw new Error(
          `${dataset.name}: user '${dataset.users.idOf(u)}' and item '${dataset.items.idOf(item)}' appear ${end - p} times ` +
            `(log positions ${Array.from(sorted.subarray(p, end)).join(', ')}); choose a duplicate policy other than 'error'`,
        );
      }
      let kept = sorted[end - 1]!; // the latest, for 'last' and 'sum'
      let value = valueOf(kept);
      if (duplicates === 'sum') {
        value = 0;
        for (let q = p; q < end; q++) value += valueOf(sorted[q]!);
      } else if (duplicates === 'max') {
        for (let q = p; q < end; q++) {
          const v = valueOf(sorted[q]!);
          if (v >= value) {
            value = v;
            kept = sorted[q]!;
          }
        }
      }
      for (let q = p; q < end; q++) entryOfLog[sorted[q]!] = nnz;
      indices[nnz] = item;
      values[nnz] = value;
      logPositions[nnz] = kept;
      nnz++;
      p = end;
    }
    indptr[u + 1] = nnz;
  }
  const positions = logPositions.slice(0, nnz);
  const timestamps = dataset.hasTimestamps ? Float64Array.from(positions, (k) => log.timestamps[k]!) : null;
  const matrix = new CsrMatrix(nUsers, nItems, indptr, indices.slice(0, nnz), values.slice(0, nnz));
  return { matrix, timestamps, logPositions: positions, events: eventLogOf(log, inTime, entryOfLog, nUsers, nItems, dataset.hasTimestamps) };
}

/** The log's interactions grouped by user, each user's in the order of `inTime`. */
function eventLogOf(log: Dataset['interactions'], inTime: Int32Array, entryOfLog: Int32Array, nUsers: number, nItems: number, hasTimestamps: boolean): EventLog {
  const order = stableCountingSort(inTime, log.users, nUsers);
  const indptr = new Int32Array(nUsers + 1);
  for (let k = 0; k < log.length; k++) indptr[log.users[k]! + 1]!++;
  for (let u = 0; u < nUsers; u++) indptr[u + 1]! += indptr[u]!;
  const hasTypes = log.eventTypes.length > 0;
  const sequences: UserSequences = {
    nRows: nUsers,
    nItems,
    indptr,
    items: Int32Array.from(order, (k) => log.items[k]!),
    timestamps: hasTimestamps ? Float64Array.from(order, (k) => log.timestamps[k]!) : null,
    weights: Float32Array.from(order, (k) => (Number.isNaN(log.values[k]!) ? 1 : log.values[k]!)),
    eventTypeCodes: hasTypes ? Int16Array.from(order, (k) => log.eventTypeCodes[k]!) : null,
    eventTypes: log.eventTypes,
  };
  return { sequences, entries: Int32Array.from(order, (k) => entryOfLog[k]!) };
}

/** The InteractionData of a dataset: its matrix (see `interactionMatrixWithTimes`) with ids and timestamps. */
export function interactionDataFromDataset(dataset: Dataset, duplicates: DuplicatePolicy = 'last'): InteractionData {
  const { matrix, timestamps, logPositions, events } = interactionMatrixWithTimes(dataset, duplicates);
  return {
    name: dataset.name,
    matrix,
    timestamps,
    logPositions,
    events,
    userIds: dataset.users.ids(),
    itemIds: dataset.items.ids(),
    ...(dataset.itemAttributes ? { itemFeatures: featureTableFromAttributes(dataset.itemAttributes, dataset.items.size) } : {}),
    ...(dataset.userAttributes ? { userFeatures: featureTableFromAttributes(dataset.userAttributes, dataset.users.size) } : {}),
  };
}

export interface BinarizeOptions {
  /** Ratings at (or above, see `inclusive`) this value become positives; Mult-VAE uses 3.5 with inclusive false. */
  readonly threshold: number;
  /** true: keep value >= threshold; false: keep value > threshold. */
  readonly inclusive: boolean;
}

/**
 * Implicit feedback from ratings: keeps the entries whose value passes the
 * threshold and sets them to 1. A matrix whose values are all 1 is already
 * implicit and is returned unchanged, whatever the threshold.
 */
export function binarize(matrix: CsrMatrix, options: BinarizeOptions): CsrMatrix {
  return binarizeEntries(matrix, options).matrix;
}

/** `binarize`, also returning the positions (in `matrix.indices`) of the kept entries. */
export function binarizeEntries(matrix: CsrMatrix, options: BinarizeOptions): { matrix: CsrMatrix; keptEntries: Int32Array } {
  const { threshold, inclusive } = options;
  if (!Number.isFinite(threshold)) throw new RangeError(`binarize threshold must be a finite number, got ${threshold}`);
  if (matrix.values.every((v) => v === 1)) return { matrix, keptEntries: identity(matrix.nnz) };
  const keep = new Uint8Array(matrix.nnz);
  for (let k = 0; k < matrix.nnz; k++) {
    const v = matrix.values[k]!;
    keep[k] = (inclusive ? v >= threshold : v > threshold) ? 1 : 0;
  }
  const kept = keepEntries(matrix, keep);
  return { matrix: kept.matrix.withConstantValues(1), keptEntries: kept.keptEntries };
}

export interface KCoreOptions {
  /** Users with fewer interactions (after items are dropped) are removed. */
  readonly minUserInteractions: number;
  /** Items with fewer interactions (after users are dropped) are removed. */
  readonly minItemInteractions: number;
}

export interface KCoreResult {
  /** The filtered matrix, with the kept rows and columns renumbered densely in their old order. */
  readonly matrix: CsrMatrix;
  /** Old row index of each new row. */
  readonly keptRows: Int32Array;
  /** Old column index of each new column. */
  readonly keptColumns: Int32Array;
  /** Position in the old `indices`/`values` of each new stored entry. */
  readonly keptEntries: Int32Array;
}

/**
 * The largest sub-matrix in which every row has at least `minUserInteractions`
 * entries and every column at least `minItemInteractions`. Removing a user can
 * push an item below its minimum and the other way round, so rows and columns
 * are peeled off until nothing changes (a queue of pending removals, O(nnz)).
 * With both minimums 0 nothing is removed.
 */
export function kCore(matrix: CsrMatrix, options: KCoreOptions): KCoreResult {
  const { minUserInteractions: minRow, minItemInteractions: minCol } = options;
  for (const [name, v] of Object.entries(options)) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`k-core ${name} must be a non-negative integer, got ${v}`);
  }
  const { nRows, nCols } = matrix;
  const byColumn = columnEntryIndex(matrix);
  const rowCount = Int32Array.from({ length: nRows }, (_, r) => matrix.rowLength(r));
  const colCount = matrix.columnCounts();
  const rowAlive = new Uint8Array(nRows).fill(1);
  const colAlive = new Uint8Array(nCols).fill(1);
  // Pending removals: rows as r, columns as nRows + c. Marked dead when queued.
  const queue: number[] = [];
  const removeRow = (r: number) => {
    rowAlive[r] = 0;
    queue.push(r);
  };
  const removeColumn = (c: number) => {
    colAlive[c] = 0;
    queue.push(nRows + c);
  };
  for (let r = 0; r < nRows; r++) if (rowCount[r]! < minRow) removeRow(r);
  for (let c = 0; c < nCols; c++) if (colCount[c]! < minCol) removeColumn(c);
  // Each entry is uncounted once, from the side still alive when its other end is removed.
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head]!;
    if (node < nRows) {
      for (let k = matrix.indptr[node]!; k < matrix.indptr[node + 1]!; k++) {
        const c = matrix.indices[k]!;
        if (colAlive[c] && --colCount[c]! < minCol) removeColumn(c);
      }
    } else {
      const c = node - nRows;
      for (let q = byColumn.indptr[c]!; q < byColumn.indptr[c + 1]!; q++) {
        const r = byColumn.rows[q]!;
        if (rowAlive[r] && --rowCount[r]! < minRow) removeRow(r);
      }
    }
  }
  const keptRows = indicesWhere(rowAlive);
  const keptColumns = indicesWhere(colAlive);
  const newColumn = new Int32Array(nCols).fill(-1);
  keptColumns.forEach((c, j) => (newColumn[c] = j));
  const indptr = new Int32Array(keptRows.length + 1);
  const entries: number[] = [];
  keptRows.forEach((r, i) => {
    for (let k = matrix.indptr[r]!; k < matrix.indptr[r + 1]!; k++) if (colAlive[matrix.indices[k]!]) entries.push(k);
    indptr[i + 1] = entries.length;
  });
  const keptEntries = Int32Array.from(entries);
  const indices = Int32Array.from(keptEntries, (k) => newColumn[matrix.indices[k]!]!);
  const values = Float32Array.from(keptEntries, (k) => matrix.values[k]!);
  return { matrix: new CsrMatrix(keptRows.length, keptColumns.length, indptr, indices, values), keptRows, keptColumns, keptEntries };
}

export interface FilterOptions {
  /** Binarise ratings first (skipped when absent). */
  readonly binarize?: BinarizeOptions;
  /** k-core minimum per user; default 1, which drops users left without interactions. */
  readonly minUserInteractions?: number;
  /** k-core minimum per item; default 1, which drops items left without interactions. */
  readonly minItemInteractions?: number;
}

/**
 * Binarise (optionally), then k-core filter, carrying ids, timestamps and log
 * positions along. Mult-VAE's preprocessing is
 * `{ binarize: { threshold: 3.5, inclusive: false }, minUserInteractions: 5, minItemInteractions: 0 }`.
 */
export function filterInteractions(data: InteractionData, options: FilterOptions): InteractionData {
  let entries = identity(data.matrix.nnz);
  let matrix = data.matrix;
  if (options.binarize) {
    const binarized = binarizeEntries(matrix, options.binarize);
    matrix = binarized.matrix;
    entries = binarized.keptEntries;
  }
  const core = kCore(matrix, {
    minUserInteractions: options.minUserInteractions ?? 1,
    minItemInteractions: options.minItemInteractions ?? 1,
  });
  const sourceEntries = Int32Array.from(core.keptEntries, (k) => entries[k]!);
  const result: InteractionData = {
    name: data.name,
    matrix: core.matrix,
    timestamps: data.timestamps ? Float64Array.from(sourceEntries, (k) => data.timestamps![k]!) : null,
    userIds: Array.from(core.keptRows, (r) => data.userIds[r]!),
    itemIds: Array.from(core.keptColumns, (c) => data.itemIds[c]!),
    ...(data.events ? { events: filteredEvents(data.events, sourceEntries, core, data.matrix.nnz) } : {}),
    ...(data.itemFeatures ? { itemFeatures: selectFeatureRows(data.itemFeatures, core.keptColumns) } : {}),
    ...(data.userFeatures ? { userFeatures: selectFeatureRows(data.userFeatures, core.keptRows) } : {}),
  };
  return data.logPositions ? { ...result, logPositions: Int32Array.from(sourceEntries, (k) => data.logPositions![k]!) } : result;
}

/** The events whose entry survived a filter, renumbered to the kept rows, columns and entries. */
function filteredEvents(events: EventLog, sourceEntries: Int32Array, core: KCoreResult, oldNnz: number): EventLog {
  const newEntry = new Int32Array(oldNnz).fill(-1);
  sourceEntries.forEach((old, k) => (newEntry[old] = k));
  const newColumn = new Int32Array(events.sequences.nItems).fill(-1);
  core.keptColumns.forEach((c, j) => (newColumn[c] = j));
  const old = events.sequences;
  const taken: number[] = [];
  const indptr = new Int32Array(core.keptRows.length + 1);
  core.keptRows.forEach((r, i) => {
    for (let e = old.indptr[r]!; e < old.indptr[r + 1]!; e++) if (newEntry[events.entries[e]!]! >= 0) taken.push(e);
    indptr[i + 1] = taken.length;
  });
  const sequences: UserSequences = {
    nRows: core.keptRows.length,
    nItems: core.keptColumns.length,
    indptr,
    items: Int32Array.from(taken, (e) => newColumn[old.items[e]!]!),
    timestamps: old.timestamps ? Float64Array.from(taken, (e) => old.timestamps![e]!) : null,
    weights: Float32Array.from(taken, (e) => old.weights[e]!),
    eventTypeCodes: old.eventTypeCodes ? Int16Array.from(taken, (e) => old.eventTypeCodes![e]!) : null,
    eventTypes: old.eventTypes,
  };
  return { sequences, entries: Int32Array.from(taken, (e) => newEntry[events.entries[e]!]!) };
}

/** The entries of `matrix` where `keep` is 1, same shape; with their old positions. */
export function keepEntries(matrix: CsrMatrix, keep: Uint8Array): { matrix: CsrMatrix; keptEntries: Int32Array } {
  const indptr = new Int32Array(matrix.nRows + 1);
  let n = 0;
  for (let r = 0; r < matrix.nRows; r++) {
    for (let k = matrix.indptr[r]!; k < matrix.indptr[r + 1]!; k++) n += keep[k]!;
    indptr[r + 1] = n;
  }
  const keptEntries = new Int32Array(n);
  for (let k = 0, j = 0; k < matrix.nnz; k++) if (keep[k]) keptEntries[j++] = k;
  const indices = Int32Array.from(keptEntries, (k) => matrix.indices[k]!);
  const values = Float32Array.from(keptEntries, (k) => matrix.values[k]!);
  return { matrix: new CsrMatrix(matrix.nRows, matrix.nCols, indptr, indices, values), keptEntries };
}

function identity(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

function indicesWhere(flags: Uint8Array): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < flags.length; i++) if (flags[i]) out.push(i);
  return Int32Array.from(out);
}

/** `positions` reordered by `keys[position]` (0..nKeys-1), keeping the input order among equal keys. */
function stableCountingSort(positions: Int32Array, keys: Int32Array, nKeys: number): Int32Array {
  const start = new Int32Array(nKeys + 1);
  for (let i = 0; i < positions.length; i++) start[keys[positions[i]!]! + 1]!++;
  for (let key = 0; key < nKeys; key++) start[key + 1]! += start[key]!;
  const out = new Int32Array(positions.length);
  for (let i = 0; i < positions.length; i++) out[start[keys[positions[i]!]!]!++] = positions[i]!;
  return out;
}

/** For each column, the rows holding an entry in it (the CSC pattern, without values). */
function columnEntryIndex(matrix: CsrMatrix): { indptr: Int32Array; rows: Int32Array } {
  const indptr = new Int32Array(matrix.nCols + 1);
  for (let k = 0; k < matrix.nnz; k++) indptr[matrix.indices[k]! + 1]!++;
  for (let c = 0; c < matrix.nCols; c++) indptr[c + 1]! += indptr[c]!;
  const cursor = indptr.slice(0, matrix.nCols);
  const rows = new Int32Array(matrix.nnz);
  for (let r = 0; r < matrix.nRows; r++) {
    for (let k = matrix.indptr[r]!; k < matrix.indptr[r + 1]!; k++) rows[cursor[matrix.indices[k]!]!++] = r;
  }
  return { indptr, rows };
}

/** Everything `data` holds for training on all of it: matrix, ordered events, features. */
export function trainingDataOf(data: InteractionData): TrainingData {
  return {
    matrix: data.matrix,
    ...(data.events ? { sequences: data.events.sequences } : {}),
    ...(data.itemFeatures ? { itemFeatures: data.itemFeatures } : {}),
    ...(data.userFeatures ? { userFeatures: data.userFeatures } : {}),
  };
}
