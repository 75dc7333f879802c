import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CsrMatrix } from '../../../src/data/csr.js';
import { gramMatrix } from '../../../src/engine/linalg/gram.js';
import { randomSparse, seededRandom } from './fixtures.js';

function denseGram(x: CsrMatrix): Float64Array {
  const dense = x.toDense();
  const n = x.nCols;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let u = 0; u < x.nRows; u++) s += dense[u * n + i]! * dense[u * n + j]!;
      out[i * n + j] = s;
    }
  }
  return out;
}

test('sparse Gram matrix equals the dense XᵀX, binary and valued', () => {
  const random = seededRandom(21);
  for (const valued of [false, true]) {
    const x = randomSparse(60, 35, 0.15, random, valued);
    assert.deepEqual([...gramMatrix(x)], [...denseGram(x)]);
  }
});

test('Gram matrix of a matrix with empty rows and columns', () => {
  const x = new CsrMatrix(3, 4, Int32Array.from([0, 2, 2, 3]), Int32Array.from([0, 2, 2]), Float32Array.from([2, 3, 1]));
  // Column 1 and 3 are empty; XᵀX[0][2] = 2·3, [2][2] = 3² + 1².
  assert.deepEqual([...gramMatrix(x)], [4, 0, 6, 0, 0, 0, 0, 0, 6, 0, 10, 0, 0, 0, 0, 0]);
});
