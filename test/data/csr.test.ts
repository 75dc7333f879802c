import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CsrMatrix, csrFromCoo } from '../../src/data/csr.js';
import { IdMap } from '../../src/data/id-map.js';

test('csrFromCoo sorts columns within rows and keeps values', () => {
  const m = csrFromCoo(3, 4, [2, 0, 0, 2], [1, 3, 0, 0], [5, 6, 7, 8]);
  assert.deepEqual([...m.indptr], [0, 2, 2, 4]);
  assert.deepEqual([...m.indices], [0, 3, 0, 1]);
  assert.deepEqual([...m.values], [7, 6, 8, 5]);
  assert.equal(m.get(2, 1), 5);
  assert.equal(m.get(1, 1), 0);
});

test('duplicate policies: last, sum, max, error', () => {
  const rows = [0, 0, 0];
  const cols = [1, 1, 1];
  const vals = [3, 5, 4];
  assert.deepEqual([...csrFromCoo(1, 2, rows, cols, vals, 'last').values], [4]);
  assert.deepEqual([...csrFromCoo(1, 2, rows, cols, vals, 'sum').values], [12]);
  assert.deepEqual([...csrFromCoo(1, 2, rows, cols, vals, 'max').values], [5]);
  assert.throws(() => csrFromCoo(1, 2, rows, cols, vals, 'error'), /duplicate entry at row 0, column 1/);
});

test('csrFromCoo rejects out-of-range coordinates', () => {
  assert.throws(() => csrFromCoo(2, 2, [2], [0], [1]), /row 2 outside/);
  assert.throws(() => csrFromCoo(2, 2, [0], [-1], [1]), /column -1 outside/);
});

test('transpose gives the CSC form and round-trips', () => {
  const m = csrFromCoo(3, 4, [0, 0, 1, 2, 2], [1, 3, 0, 1, 2], [1, 2, 3, 4, 5]);
  const t = m.transpose();
  assert.equal(t.nRows, 4);
  assert.equal(t.nCols, 3);
  const dense = m.toDense();
  const denseT = t.toDense();
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) assert.equal(denseT[c * 3 + r], dense[r * 4 + c]);
  assert.deepEqual(t.transpose().toDense(), dense);
});

test('selectRows, columnCounts and withConstantValues', () => {
  const m = csrFromCoo(3, 3, [0, 1, 1, 2], [0, 1, 2, 2], [9, 8, 7, 6]);
  const s = m.selectRows([2, 0]);
  assert.deepEqual([...s.toDense()], [0, 0, 6, 9, 0, 0]);
  assert.deepEqual([...m.columnCounts()], [1, 1, 2]);
  assert.deepEqual([...m.withConstantValues().values], [1, 1, 1, 1]);
});

test('constructor checks shapes', () => {
  assert.throws(() => new CsrMatrix(2, 2, new Int32Array([0, 1]), new Int32Array(1), new Float32Array(1)), /indptr has length 2/);
});

test('IdMap maps both ways and subsets densely', () => {
  const ids = IdMap.fromIds(['a', 'b', 'a', 'c']);
  assert.equal(ids.size, 3);
  assert.equal(ids.indexOf('c'), 2);
  assert.equal(ids.indexOf('zz'), -1);
  assert.equal(ids.idOf(1), 'b');
  assert.throws(() => ids.idOf(5), /outside the id map/);
  const { map, oldToNew } = ids.subset((i) => i !== 1);
  assert.deepEqual(map.ids(), ['a', 'c']);
  assert.deepEqual([...oldToNew], [0, -1, 1]);
});
