import { test } from 'node:test';
import assert from 'node:assert/strict';
import { choleskyInPlace, choleskySteps, NotPositiveDefiniteError } from '../../../src/engine/linalg/cholesky.js';
import { invertSpdInPlace, spdInverseSteps } from '../../../src/engine/linalg/spd-inverse.js';
import { maxAbsDifference, multiply, randomSpd, referenceInverse, seededRandom } from './fixtures.js';

// The textbook example: A = L·Lᵀ with L = [[2,0,0],[6,1,0],[-8,5,3]].
const A3 = [4, 12, -16, 12, 37, -43, -16, -43, 98];

test('cholesky of a hand-computed 3 × 3 matrix; the upper triangle is left alone', () => {
  const a = Float64Array.from(A3);
  choleskyInPlace(a, 3);
  assert.deepEqual([a[0], a[3], a[4], a[6], a[7], a[8]], [2, 6, 1, -8, 5, 3]);
  assert.deepEqual([a[1], a[2], a[5]], [12, -16, -43]);
});

test('inverse of the hand-computed 3 × 3 matrix', () => {
  const a = Float64Array.from(A3);
  invertSpdInPlace(a, 3);
  // Exact inverse, by cofactors: (1/36) · [[1777, -488, 76], [-488, 136, -20], [76, -20, 4]].
  const expected = [1777, -488, 76, -488, 136, -20, 76, -20, 4].map((v) => v / 36);
  assert.ok(maxAbsDifference(a, expected) < 1e-10, `got ${[...a]}`);
});

test('blocked cholesky reproduces A = L·Lᵀ across block sizes and ragged edges', () => {
  const random = seededRandom(7);
  for (const [n, blockSize] of [[1, 4], [9, 4], [37, 8], [70, 16], [130, 96]] as const) {
    const original = randomSpd(n, random);
    const a = Float64Array.from(original);
    choleskyInPlace(a, n, blockSize);
    const lower = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) lower[i * n + j] = a[i * n + j]!;
    const upper = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) upper[i * n + j] = lower[j * n + i]!;
    assert.ok(maxAbsDifference(multiply(lower, upper, n, n, n), original) < 1e-9 * n, `n = ${n}, block ${blockSize}`);
  }
});

test('inverse of random SPD matrices: A·A⁻¹ ≈ I, symmetric, equal to Gauss–Jordan', () => {
  const random = seededRandom(11);
  for (const [n, blockSize] of [[2, 4], [13, 4], [50, 16], [101, 32], [150, 96]] as const) {
    const original = randomSpd(n, random);
    const a = Float64Array.from(original);
    invertSpdInPlace(a, n, blockSize);
    const identity = new Float64Array(n * n);
    for (let i = 0; i < n; i++) identity[i * n + i] = 1;
    assert.ok(maxAbsDifference(multiply(original, a, n, n, n), identity) < 1e-10, `n = ${n}, block ${blockSize}`);
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) assert.equal(a[i * n + j], a[j * n + i]);
    assert.ok(maxAbsDifference(a, referenceInverse(original, n)) < 1e-12);
  }
});

test('only the lower triangle of the input is read', () => {
  const random = seededRandom(3);
  const n = 20;
  const original = randomSpd(n, random);
  const a = Float64Array.from(original);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) a[i * n + j] = Number.NaN;
  invertSpdInPlace(a, n, 8);
  assert.ok(maxAbsDifference(a, referenceInverse(original, n)) < 1e-12);
});

test('a matrix that is not positive definite is rejected with the failing pivot', () => {
  assert.throws(
    () => choleskyInPlace(Float64Array.from([1, 2, 2, 1]), 2),
    (e: unknown) => e instanceof NotPositiveDefiniteError && e.pivotIndex === 1 && /not positive definite: pivot 1/.test(e.message),
  );
  // A failure in a later block, found by the blocked path.
  const n = 20;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) a[i * n + i] = 1;
  a[13 * n + 13] = -1;
  assert.throws(() => invertSpdInPlace(a, n, 4), (e: unknown) => e instanceof NotPositiveDefiniteError && e.pivotIndex === 13);
  // NaN never passes as positive.
  assert.throws(() => choleskyInPlace(Float64Array.from([Number.NaN]), 1), NotPositiveDefiniteError);
});

test('size mismatches are reported', () => {
  assert.throws(() => choleskyInPlace(new Float64Array(5), 2), /expected an 2 × 2 matrix \(4 values\), got 5/);
});

test('the step generators report each phase up to its total', () => {
  const n = 30;
  const a = randomSpd(n, seededRandom(5));
  const phases = new Map<string, number>();
  for (const step of spdInverseSteps(a, n, 8)) {
    assert.equal(step.total, n);
    phases.set(step.phase, step.done);
  }
  assert.deepEqual([...phases], [['cholesky', n], ['inverse', n], ['product', n]]);
  assert.equal([...choleskySteps(randomSpd(n, seededRandom(6)), n, 8)].length, 4);
});
