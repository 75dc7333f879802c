import { test } from 'node:test';
import assert from 'node:assert/strict';
import { multiplySparseDense } from '../../src/linalg/sparse-dense.js';
import { maxAbsDifference, multiply, randomSparse, seededRandom } from './fixtures.js';

test('sparse × dense equals the dense product, rows of every length', () => {
  const random = seededRandom(31);
  const x = randomSparse(40, 17, 0.3, random, true);
  const nCols = 9;
  const weights = new Float32Array(17 * nCols).map(() => random() - 0.5);
  const out = new Float32Array(40 * nCols);
  multiplySparseDense(x, weights, nCols, out);
  assert.ok(maxAbsDifference(out, multiply(x.toDense(), weights, 40, 17, nCols)) < 1e-5);
  assert.throws(() => multiplySparseDense(x, weights, 8, out), /dense factor should be 17 × 8 \(136 values\), got 153 values/);
});
