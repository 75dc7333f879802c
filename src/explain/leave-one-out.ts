/**
 * Leave-one-out attribution, exact for any model: history item h's weight for target t is
 *
 *   w(h, t) = score(history, t) − score(history without h, t),
 *
 * positive when h raised t's score. All the one-item-removed histories go to the model as
 * one batch (a CSR matrix with the full row first and then one row per removed item, each
 * row's sequence and user features alike), so explaining m history items costs one forward
 * pass over m + 1 rows rather than m requests. Only a batch too large for `maxScoreFloats`
 * (rows × catalogue) is split into several passes.
 */
import { CsrMatrix } from '../data/csr.js';
import { selectFeatureRows } from '../data/features.js';
import type { UserSequences } from '../data/sequences.js';
import type { ScoreQuery } from '../data/training-data.js';
import type { HistoryContributions, Recommender } from '../models/model.js';

/** 32 M floats (128 MiB) of scores per pass: one pass for 8,000 history items on a 4,000-item catalogue. */
export const DEFAULT_MAX_SCORE_FLOATS = 32 * 1024 * 1024;

export interface LeaveOneOutOptions {
  /** Most scores (rows × items) one forward pass may produce; larger batches are split. */
  readonly maxScoreFloats?: number;
}

/**
 * The batch of row `row` of `query` and its one-item-removed variants: batch row 0 is the
 * row itself, batch row 1 + k the row without history entry `removed[k]` (a position in the
 * row's entries, not an item). The removed item leaves the sequence too (every occurrence).
 */
export function leaveOneOutQuery(query: ScoreQuery, row: number, removed: ArrayLike<number>): ScoreQuery {
  const { histories } = query;
  const start = histories.indptr[row]!;
  const length = histories.rowLength(row);
  const rows = 1 + removed.length;
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(length + removed.length * (length - 1));
  const values = new Float32Array(indices.length);
  let at = 0;
  for (let b = 0; b < rows; b++) {
    const skip = b === 0 ? -1 : removed[b - 1]!;
    for (let p = 0; p < length; p++) {
      if (p === skip) continue;
      indices[at] = histories.indices[start + p]!;
      values[at] = histories.values[start + p]!;
      at++;
    }
    indptr[b + 1] = at;
  }
  const sameRow = new Int32Array(rows).fill(row);
  const removedItems = Array.from({ length: removed.length }, (_, k) => histories.indices[start + removed[k]!]!);
  return {
    histories: new CsrMatrix(rows, histories.nCols, indptr, indices, values),
    ...(query.sequences ? { sequences: sequencesWithout(query.sequences, row, removedItems) } : {}),
    ...(query.userFeatures ? { userFeatures: selectFeatureRows(query.userFeatures, sameRow) } : {}),
    ...(query.users ? { users: new Int32Array(rows).fill(query.users[row]!) } : {}),
  };
}

/** Row `row`'s sequence, then the same sequence once without each of `removedItems`. */
function sequencesWithout(sequences: UserSequences, row: number, removedItems: readonly number[]): UserSequences {
  const start = sequences.indptr[row]!;
  const end = sequences.indptr[row + 1]!;
  const rows = 1 + removedItems.length;
  const kept: number[] = [];
  const indptr = new Int32Array(rows + 1);
  for (let b = 0; b < rows; b++) {
    const skip = b === 0 ? -1 : removedItems[b - 1]!;
    for (let e = start; e < end; e++) if (sequences.items[e] !== skip) kept.push(e);
    indptr[b + 1] = kept.length;
  }
  const pick = <T extends Int32Array | Float32Array | Float64Array | Int16Array>(source: T, make: (n: number) => T): T => {
    const out = make(kept.length);
    for (let k = 0; k < kept.length; k++) out[k] = source[kept[k]!]!;
    return out;
  };
  return {
    nRows: rows,
    nItems: sequences.nItems,
    indptr,
    items: pick(sequences.items, (n) => new Int32Array(n)),
    timestamps: sequences.timestamps ? pick(sequences.timestamps, (n) => new Float64Array(n)) : null,
    weights: pick(sequences.weights, (n) => new Float32Array(n)),
    eventTypeCodes: sequences.eventTypeCodes ? pick(sequences.eventTypeCodes, (n) => new Int16Array(n)) : null,
    eventTypes: sequences.eventTypes,
  };
}

/**
 * w(h, t) for every history item h of row `row` and every target, from as few forward
 * passes as `maxScoreFloats` allows (one for any usual history).
 */
export function leaveOneOutWeights(model: Recommender, query: ScoreQuery, row: number, targets: ArrayLike<number>, options: LeaveOneOutOptions = {}): HistoryContributions {
  const { histories } = query;
  if (!(Number.isInteger(row) && row >= 0 && row < histories.nRows)) throw new RangeError(`leave-one-out: row ${row} is outside the query's rows 0..${histories.nRows - 1}`);
  const nItems = model.nItems;
  for (let j = 0; j < targets.length; j++) {
    const t = targets[j]!;
    if (!(Number.isInteger(t) && t >= 0 && t < nItems)) throw new RangeError(`leave-one-out: target ${j} is item ${t}, outside 0..${nItems - 1}`);
  }
  const items = histories.rowIndices(row).slice();
  const nTargets = targets.length;
  const weights = new Float32Array(items.length * nTargets);
  const maxRows = Math.max(2, Math.floor((options.maxScoreFloats ?? DEFAULT_MAX_SCORE_FLOATS) / Math.max(nItems, 1)));
  for (let first = 0; first < items.length; first += maxRows - 1) {
    const removed = Int32Array.from({ length: Math.min(maxRows - 1, items.length - first) }, (_, k) => first + k);
    const scores = model.score(leaveOneOutQuery(query, row, removed));
    for (let k = 0; k < removed.length; k++) {
      const without = (1 + k) * nItems;
      const out = (first + k) * nTargets;
      for (let j = 0; j < nTargets; j++) weights[out + j] = scores[targets[j]!]! - scores[without + targets[j]!]!;
    }
  }
  return { items, weights };
}
