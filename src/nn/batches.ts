/**
 * Mini-batches of the rows of a sparse matrix, in order or shuffled by a
 * seeded permutation. A batch is itself a CSR matrix (batch × nCols) ready for
 * the CSR kernels. In order, a batch's column indices and values are views of
 * the source (only its batch + 1 row offsets are new); shuffled, its rows are
 * gathered into fresh arrays of the batch's own size.
 */
import { CsrMatrix } from '../data/csr.js';
import type { Rng } from '../data/random.js';
import type { CsrOperand } from '../engine/backend.js';

export interface RowBatch {
  /** 0-based position of this batch in the pass. */
  readonly index: number;
  /** The source row of each batch row, in batch order (for per-row targets or embeddings). */
  readonly rows: Int32Array;
  /** The batch: rows.length × source nCols. */
  readonly input: CsrMatrix;
}

export function batchCount(nRows: number, batchSize: number): number {
  return Math.ceil(nRows / batchSize);
}

export class RowBatches implements Iterable<RowBatch> {
  /** Number of batches; the last may be smaller than batchSize. */
  readonly count: number;
  /** The row order of the pass: a permutation when shuffled, undefined when in source order. */
  readonly order: Int32Array | undefined;

  constructor(
    readonly source: CsrOperand,
    readonly batchSize: number,
    rng?: Rng,
  ) {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
    this.count = batchCount(source.nRows, batchSize);
    if (rng !== undefined) {
      const order = new Int32Array(source.nRows);
      for (let r = 0; r < order.length; r++) order[r] = r;
      this.order = rng.shuffle(order);
    }
  }

  /** Batch `index` (0 ≤ index < count); batches can be taken in any order and more than once. */
  batch(index: number): RowBatch {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) {
      throw new RangeError(`batch index must be an integer in 0..${this.count - 1}, got ${index}`);
    }
    const start = index * this.batchSize;
    const end = Math.min(start + this.batchSize, this.source.nRows);
    return this.order === undefined ? this.contiguous(index, start, end) : this.gathered(index, this.order.subarray(start, end));
  }

  *[Symbol.iterator](): Iterator<RowBatch> {
    for (let i = 0; i < this.count; i++) yield this.batch(i);
  }

  private contiguous(index: number, start: number, end: number): RowBatch {
    const { indptr, indices, values, nCols } = this.source;
    const base = indptr[start]!;
    const batchIndptr = new Int32Array(end - start + 1);
    for (let r = start; r <= end; r++) batchIndptr[r - start] = indptr[r]! - base;
    const rows = new Int32Array(end - start);
    for (let r = start; r < end; r++) rows[r - start] = r;
    const last = indptr[end]!;
    const input = new CsrMatrix(end - start, nCols, batchIndptr, indices.subarray(base, last), values.subarray(base, last));
    return { index, rows, input };
  }

  private gathered(index: number, rowOrder: Int32Array): RowBatch {
    const { indptr, indices, values, nCols } = this.source;
    const batchIndptr = new Int32Array(rowOrder.length + 1);
    for (let i = 0; i < rowOrder.length; i++) {
      const r = rowOrder[i]!;
      batchIndptr[i + 1] = batchIndptr[i]! + indptr[r + 1]! - indptr[r]!;
    }
    const nnz = batchIndptr[rowOrder.length]!;
    const batchIndices = new Int32Array(nnz);
    const batchValues = new Float32Array(nnz);
    for (let i = 0; i < rowOrder.length; i++) {
      const r = rowOrder[i]!;
      batchIndices.set(indices.subarray(indptr[r]!, indptr[r + 1]!), batchIndptr[i]!);
      batchValues.set(values.subarray(indptr[r]!, indptr[r + 1]!), batchIndptr[i]!);
    }
    return { index, rows: rowOrder.slice(), input: new CsrMatrix(rowOrder.length, nCols, batchIndptr, batchIndices, batchValues) };
  }
}

/**
 * The mini-batches of `matrix`'s rows: in source order, or — with `rng` — in
 * the order of one permutation drawn from it now (n − 1 draws, Fisher–Yates).
 */
export function rowBatches(matrix: CsrOperand, batchSize: number, rng?: Rng): RowBatches {
  return new RowBatches(matrix, batchSize, rng);
}

/** Rows start..end-1 of a CSR operand, sharing its index and value arrays. */
export function csrRowRange(x: CsrOperand, start: number, end: number): CsrOperand {
  if (start === 0 && end === x.nRows) return x;
  const base = x.indptr[start]!;
  const indptr = new Int32Array(end - start + 1);
  for (let r = start; r <= end; r++) indptr[r - start] = x.indptr[r]! - base;
  const last = x.indptr[end]!;
  return { nRows: end - start, nCols: x.nCols, indptr, indices: x.indices.subarray(base, last), values: x.values.subarray(base, last) };
}
