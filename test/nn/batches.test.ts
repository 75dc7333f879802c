import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo, type CsrMatrix } from '../../src/data/csr.js';
import { Rng } from '../../src/data/random.js';
import { rowBatches } from '../../src/nn/batches.js';

/** 11 × 6 with row r holding columns r mod 6 and (r + 2) mod 6 (value r + col/10); row 4 empty. */
function sample(): CsrMatrix {
  const rows: number[] = [];
  const cols: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < 11; r++) {
    if (r === 4) continue;
    for (const c of [r % 6, (r + 2) % 6]) {
      rows.push(r);
      cols.push(c);
      values.push(r + c / 10);
    }
  }
  return csrFromCoo(11, 6, rows, cols, values);
}

function assertRowsMatch(source: CsrMatrix, batch: CsrMatrix, rows: Int32Array): void {
  assert.equal(batch.nRows, rows.length);
  assert.equal(batch.nCols, source.nCols);
  assert.equal(batch.indptr[0], 0);
  rows.forEach((r, i) => {
    assert.deepEqual(batch.rowIndices(i), source.rowIndices(r), `indices of batch row ${i} (source row ${r})`);
    assert.deepEqual(batch.rowValues(i), source.rowValues(r), `values of batch row ${i} (source row ${r})`);
  });
}

test('in order, batches cover the rows contiguously and share the source arrays', () => {
  const matrix = sample();
  const batches = rowBatches(matrix, 4);
  assert.equal(batches.count, 3);
  assert.equal(batches.order, undefined);
  const seen: number[] = [];
  for (const { index, rows, input } of batches) {
    assert.equal(index, seen.length / 4);
    assertRowsMatch(matrix, input, rows);
    assert.equal(input.indices.buffer, matrix.indices.buffer, 'indices are a view');
    assert.equal(input.values.buffer, matrix.values.buffer, 'values are a view');
    seen.push(...rows);
  }
  assert.deepEqual(seen, Array.from({ length: 11 }, (_, i) => i));
  assert.equal(batches.batch(2).rows.length, 3, 'the last batch holds the remainder');
});

test('shuffled, batches follow one seeded permutation and gather every row exactly once', () => {
  const matrix = sample();
  const batches = rowBatches(matrix, 3, new Rng(7));
  assert.equal(batches.count, 4);
  const seen: number[] = [];
  for (const { rows, input } of batches) {
    assertRowsMatch(matrix, input, rows);
    seen.push(...rows);
  }
  assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 11 }, (_, i) => i));
  assert.notDeepEqual(seen, Array.from({ length: 11 }, (_, i) => i), 'seed 7 does not give the identity order');
  assert.deepEqual(seen, [...rowBatches(matrix, 5, new Rng(7)).order!], 'the order depends on the seed, not on the batch size');
  assert.notDeepEqual([...rowBatches(matrix, 3, new Rng(8)).order!], seen);
});

test('batch size and index are checked', () => {
  assert.throws(() => rowBatches(sample(), 0), /batch size must be a positive integer, got 0/);
  assert.throws(() => rowBatches(sample(), 4).batch(3), /batch index must be an integer in 0\.\.2, got 3/);
  assert.equal(rowBatches(csrFromCoo(0, 3, [], [], []), 4).count, 0);
});
