/**
 * The reference backend's per-row top-k selection.
 *
 * One pass per row with a bounded min-heap of the k best entries seen so far,
 * whose root is the worst of them. Columns are visited in ascending order, so
 * a candidate that only ties the root loses the tie-break (the root has the
 * lower column) and is rejected with one comparison. The heap is sorted at the
 * end: k log k per row, never the whole row.
 */

/** True when entry (valueA, columnA) ranks below (valueB, columnB): lower score, or equal score and higher column. */
function ranksBelow(valueA: number, columnA: number, valueB: number, columnB: number): boolean {
  return valueA < valueB || (valueA === valueB && columnA > columnB);
}

export function topKRows(scores: Float32Array, rows: number, cols: number, k: number, outIdx: Int32Array, outVals: Float32Array): void {
  const heapColumns = new Int32Array(k);
  const heapValues = new Float64Array(k);
  for (let r = 0; r < rows; r++) {
    const offset = r * cols;
    let size = 0;
    for (let c = 0; c < cols; c++) {
      const value = scores[offset + c]!;
      // −∞ marks an excluded entry; NaN fails every comparison, so it is skipped here too.
      if (!(value > -Infinity)) continue;
      if (size < k) {
        siftUp(heapColumns, heapValues, size++, c, value);
      } else if (k > 0 && value > heapValues[0]!) {
        siftDown(heapColumns, heapValues, size, c, value);
      }
    }
    writeSorted(heapColumns, heapValues, size, k, outIdx, outVals, r * k);
  }
}

/** Inserts (column, value) at position `hole` (the heap's new last slot) and restores the heap. */
function siftUp(columns: Int32Array, values: Float64Array, hole: number, column: number, value: number): void {
  while (hole > 0) {
    const parent = (hole - 1) >> 1;
    if (!ranksBelow(value, column, values[parent]!, columns[parent]!)) break;
    columns[hole] = columns[parent]!;
    values[hole] = values[parent]!;
    hole = parent;
  }
  columns[hole] = column;
  values[hole] = value;
}

/** Replaces the root with (column, value) and restores the heap of `size` entries. */
function siftDown(columns: Int32Array, values: Float64Array, size: number, column: number, value: number): void {
  let hole = 0;
  for (;;) {
    let child = 2 * hole + 1;
    if (child >= size) break;
    if (child + 1 < size && ranksBelow(values[child + 1]!, columns[child + 1]!, values[child]!, columns[child]!)) child++;
    if (!ranksBelow(values[child]!, columns[child]!, value, column)) break;
    columns[hole] = columns[child]!;
    values[hole] = values[child]!;
    hole = child;
  }
  columns[hole] = column;
  values[hole] = value;
}

/** Writes the heap's entries best first into row slot `offset` of the outputs, padding to k with (−1, −∞). */
function writeSorted(
  columns: Int32Array,
  values: Float64Array,
  size: number,
  k: number,
  outIdx: Int32Array,
  outVals: Float32Array,
  offset: number,
): void {
  const order = Array.from({ length: size }, (_, i) => i);
  order.sort((i, j) => (i === j ? 0 : ranksBelow(values[i]!, columns[i]!, values[j]!, columns[j]!) ? 1 : -1));
  for (let i = 0; i < size; i++) {
    outIdx[offset + i] = columns[order[i]!]!;
    outVals[offset + i] = values[order[i]!]!;
  }
  for (let i = size; i < k; i++) {
    outIdx[offset + i] = -1;
    outVals[offset + i] = -Infinity;
  }
}
