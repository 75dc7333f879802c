import type { CsrMatrix } from '../data/csr.js';
import { getBackend } from '../engine/index.js';

/** The k best items of each row of a score block, best first. */
export interface TopKLists {
  readonly rows: number;
  readonly k: number;
  /** rows × k item indices, best first; -1 pads a row that had fewer than k candidates. */
  readonly items: Int32Array;
  /** rows × k scores aligned with `items` (−∞ at padding); only when `withScores` was asked. */
  readonly scores?: Float32Array;
}

export interface TopKOptions {
  /**
   * Items that must never be returned: row r of the score block uses row
   * `excludeRowOffset + r` of this matrix (its stored pattern; values are ignored).
   */
  readonly exclude?: CsrMatrix;
  /** Row of `exclude` matching the block's first row, so a batch can use the whole evaluation set's matrix. */
  readonly excludeRowOffset?: number;
  readonly withScores?: boolean;
}

/**
 * Selects the k highest-scoring items of every row of a dense row-major
 * `rows × nItems` score block, skipping excluded items — on the engine's top-k
 * (backend.topKRows: native, threads over rows; or its TypeScript reference), the
 * one selection every layer uses.
 *
 * Order: higher score first; equal scores → lower item index first, so results
 * do not depend on the platform's sort. NaN and −∞ scores are never selected
 * (a diverged model yields short, padded rows rather than a crash mid-training).
 * Exclusions are applied on a copy of the scores (set to −∞), never on `scores`.
 */
export function topKPerRow(scores: Float32Array, nItems: number, k: number, options: TopKOptions = {}): TopKLists {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`top-k needs k to be a positive integer, got ${k}`);
  if (!Number.isInteger(nItems) || nItems < 0) throw new RangeError(`top-k needs nItems to be a non-negative integer, got ${nItems}`);
  const rows = nItems === 0 ? 0 : scores.length / nItems;
  if (!Number.isInteger(rows) || (nItems === 0 && scores.length > 0)) {
    throw new RangeError(`score block has ${scores.length} values, not a whole number of rows of ${nItems} items`);
  }
  const { exclude, excludeRowOffset = 0, withScores = false } = options;
  let candidates = scores;
  if (exclude) {
    if (exclude.nCols !== nItems) {
      throw new RangeError(`exclusion matrix has ${exclude.nCols} columns but the scores have ${nItems} items`);
    }
    if (excludeRowOffset < 0 || excludeRowOffset + rows > exclude.nRows) {
      throw new RangeError(
        `exclusion rows ${excludeRowOffset}..${excludeRowOffset + rows - 1} requested but the matrix has ${exclude.nRows} rows`,
      );
    }
    candidates = Float32Array.from(scores);
    for (let r = 0; r < rows; r++) {
      const base = r * nItems;
      for (let p = exclude.indptr[excludeRowOffset + r]!; p < exclude.indptr[excludeRowOffset + r + 1]!; p++) candidates[base + exclude.indices[p]!] = -Infinity;
    }
  }
  const items = new Int32Array(rows * k);
  const values = new Float32Array(rows * k);
  if (rows > 0) getBackend().topKRows(candidates, rows, nItems, k, items, values);
  return withScores ? { rows, k, items, scores: values } : { rows, k, items };
}
