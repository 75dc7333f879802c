/**
 * Compressed sparse row matrix with float32 values. Row i's entries are
 * indices[indptr[i] .. indptr[i+1]) with values at the same positions; column
 * indices within a row are sorted ascending and unique.
 *
 * The transpose of a CSR matrix is its CSC form, so `transpose()` is how a
 * column-major view is obtained.
 */
export class CsrMatrix {
  constructor(
    readonly nRows: number,
    readonly nCols: number,
    readonly indptr: Int32Array,
    readonly indices: Int32Array,
    readonly values: Float32Array,
  ) {
    if (indptr.length !== nRows + 1) {
      throw new Error(`CSR indptr has length ${indptr.length}, expected nRows + 1 = ${nRows + 1}`);
    }
    const nnz = indptr[nRows]!;
    if (indices.length !== nnz || values.length !== nnz) {
      throw new Error(`CSR has ${nnz} entries by indptr but ${indices.length} indices and ${values.length} values`);
    }
  }

  static empty(nRows: number, nCols: number): CsrMatrix {
    return new CsrMatrix(nRows, nCols, new Int32Array(nRows + 1), new Int32Array(0), new Float32Array(0));
  }

  get nnz(): number {
    return this.indptr[this.nRows]!;
  }

  rowLength(row: number): number {
    return this.indptr[row + 1]! - this.indptr[row]!;
  }

  rowIndices(row: number): Int32Array {
    return this.indices.subarray(this.indptr[row]!, this.indptr[row + 1]!);
  }

  rowValues(row: number): Float32Array {
    return this.values.subarray(this.indptr[row]!, this.indptr[row + 1]!);
  }

  /** Value at (row, col), or 0 when the entry is not stored. Binary search within the row. */
  get(row: number, col: number): number {
    let lo = this.indptr[row]!;
    let hi = this.indptr[row + 1]! - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.indices[mid]!;
      if (c === col) return this.values[mid]!;
      if (c < col) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  /** The transpose, i.e. this matrix in CSC form. Rows of the result are sorted, as required. */
  transpose(): CsrMatrix {
    const counts = new Int32Array(this.nCols + 1);
    for (let k = 0; k < this.nnz; k++) counts[this.indices[k]! + 1]!++;
    for (let c = 0; c < this.nCols; c++) counts[c + 1]! += counts[c]!;
    const indptr = counts.slice();
    const cursor = counts.slice(0, this.nCols);
    const indices = new Int32Array(this.nnz);
    const values = new Float32Array(this.nnz);
    for (let r = 0; r < this.nRows; r++) {
      for (let k = this.indptr[r]!; k < this.indptr[r + 1]!; k++) {
        const c = this.indices[k]!;
        const dst = cursor[c]!++;
        indices[dst] = r;
        values[dst] = this.values[k]!;
      }
    }
    return new CsrMatrix(this.nCols, this.nRows, indptr, indices, values);
  }

  /** A matrix made of the given rows, in the given order. */
  selectRows(rows: ArrayLike<number>): CsrMatrix {
    const indptr = new Int32Array(rows.length + 1);
    for (let i = 0; i < rows.length; i++) indptr[i + 1] = indptr[i]! + this.rowLength(rows[i]!);
    const indices = new Int32Array(indptr[rows.length]!);
    const values = new Float32Array(indptr[rows.length]!);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      indices.set(this.rowIndices(r), indptr[i]!);
      values.set(this.rowValues(r), indptr[i]!);
    }
    return new CsrMatrix(rows.length, this.nCols, indptr, indices, values);
  }

  /** Same sparsity pattern with every stored value replaced by `value` (e.g. 1 for implicit feedback). */
  withConstantValues(value = 1): CsrMatrix {
    return new CsrMatrix(this.nRows, this.nCols, this.indptr, this.indices, new Float32Array(this.nnz).fill(value));
  }

  /** Number of stored entries in each column. */
  columnCounts(): Int32Array {
    const counts = new Int32Array(this.nCols);
    for (let k = 0; k < this.nnz; k++) counts[this.indices[k]!]!++;
    return counts;
  }

  /** Dense row-major copy; for tests and small matrices only. */
  toDense(): Float32Array {
    const dense = new Float32Array(this.nRows * this.nCols);
    for (let r = 0; r < this.nRows; r++) {
      for (let k = this.indptr[r]!; k < this.indptr[r + 1]!; k++) dense[r * this.nCols + this.indices[k]!] = this.values[k]!;
    }
    return dense;
  }
}

/** How to combine several entries for the same (row, column). */
export type DuplicatePolicy = 'last' | 'sum' | 'max' | 'error';

/**
 * Builds a CSR matrix from coordinate triples. `order` gives the input order
 * used by the 'last' policy (later wins); entries are otherwise taken as given.
 */
export function csrFromCoo(
  nRows: number,
  nCols: number,
  rows: ArrayLike<number>,
  cols: ArrayLike<number>,
  vals: ArrayLike<number> | null,
  duplicates: DuplicatePolicy = 'last',
): CsrMatrix {
  const n = rows.length;
  const counts = new Int32Array(nRows + 1);
  for (let k = 0; k < n; k++) {
    const r = rows[k]!;
    const c = cols[k]!;
    if (!(r >= 0 && r < nRows)) throw new RangeError(`row ${r} outside 0..${nRows - 1}`);
    if (!(c >= 0 && c < nCols)) throw new RangeError(`column ${c} outside 0..${nCols - 1}`);
    counts[r + 1]!++;
  }
  for (let r = 0; r < nRows; r++) counts[r + 1]! += counts[r]!;
  // Stable counting sort by row keeps the input order within a row, which 'last' relies on.
  const order = new Int32Array(n);
  const cursor = counts.slice(0, nRows);
  for (let k = 0; k < n; k++) order[cursor[rows[k]!]!++] = k;

  const indptr = new Int32Array(nRows + 1);
  const indices = new Int32Array(n);
  const values = new Float32Array(n);
  let nnz = 0;
  let scratch: number[] = [];
  for (let r = 0; r < nRows; r++) {
    const start = counts[r]!;
    const end = counts[r + 1]!;
    scratch = [];
    for (let p = start; p < end; p++) scratch.push(order[p]!);
    // Sort by column, ties by input position, so duplicates are adjacent and in input order.
    scratch.sort((a, b) => cols[a]! - cols[b]! || a - b);
    for (let q = 0; q < scratch.length; q++) {
      const k = scratch[q]!;
      const c = cols[k]!;
      const v = vals ? vals[k]! : 1;
      if (nnz > indptr[r]! && indices[nnz - 1] === c) {
        if (duplicates === 'error') throw new Error(`duplicate entry at row ${r}, column ${c}`);
        const prev = values[nnz - 1]!;
        values[nnz - 1] = duplicates === 'sum' ? prev + v : duplicates === 'max' ? Math.max(prev, v) : v;
      } else {
        indices[nnz] = c;
        values[nnz] = v;
        nnz++;
      }
    }
    indptr[r + 1] = nnz;
  }
  return new CsrMatrix(nRows, nCols, indptr, indices.slice(0, nnz), values.slice(0, nnz));
}
