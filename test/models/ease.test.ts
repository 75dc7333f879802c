import { test } from 'node:test';
import { interactionsOnly } from '../../src/data/training-data.js';
import assert from 'node:assert/strict';
import { csrFromCoo } from '../../src/data/csr.js';
import { easeFactory } from '../../src/models/baselines/ease.js';
import { maxAbsDifference, multiply, randomSparse, referenceInverse, seededRandom } from '../engine/linalg/fixtures.js';

test('EASE on a hand-computed two-item example', async () => {
  // X = [[1, 1], [1, 0]], λ = 1: XᵀX + λI = [[3, 1], [1, 2]], P = (1/5)·[[2, -1], [-1, 3]],
  // B01 = −P01/P11 = 1/3, B10 = −P10/P00 = 1/2.
  const x = csrFromCoo(2, 2, [0, 0, 1], [0, 1, 0], null);
  const model = easeFactory.create({ lambda: 1 });
  await model.fit(interactionsOnly(x));
  const b = model.exportState().tensors['B']!.data;
  assert.ok(maxAbsDifference(b, [0, 1 / 3, 1 / 2, 0]) < 1e-7, `B = ${[...b]}`);
  assert.ok(maxAbsDifference(model.score({ histories: x }), [1 / 2, 1 / 3, 0, 1 / 3]) < 1e-7);
});

test('EASE weights equal the dense closed form: B = −P / diag(P), zero diagonal', async () => {
  const x = randomSparse(40, 15, 0.3, seededRandom(1), true);
  const n = x.nCols;
  const lambda = 7;
  const model = easeFactory.create({ lambda });
  await model.fit(interactionsOnly(x));
  const dense = x.toDense();
  const transposed = new Float64Array(n * x.nRows);
  for (let u = 0; u < x.nRows; u++) for (let i = 0; i < n; i++) transposed[i * x.nRows + u] = dense[u * n + i]!;
  const gram = multiply(transposed, dense, n, x.nRows, n);
  for (let i = 0; i < n; i++) gram[i * n + i] += lambda;
  const p = referenceInverse(gram, n);
  const expected = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expected[i * n + j] = i === j ? 0 : -p[i * n + j]! / p[j * n + j]!;
  const b = model.exportState().tensors['B']!.data as Float32Array;
  assert.ok(maxAbsDifference(b, expected) < 1e-6);
  for (let i = 0; i < n; i++) assert.equal(b[i * n + i], 0);
  // Scores are x·B for every row.
  assert.ok(maxAbsDifference(model.score({ histories: x }), multiply(dense, b, x.nRows, n, n)) < 1e-5);
});

test('EASE with λ = 0 and an item nobody chose fails with a clear message', async () => {
  const x = csrFromCoo(2, 3, [0, 1], [0, 1], null);
  await assert.rejects(easeFactory.create({ lambda: 0 }).fit(interactionsOnly(x)), /EASE: XᵀX \+ λI is not positive definite \(λ = 0, failed at item 2\)/);
});

test('EASE rejects a negative or non-numeric lambda', () => {
  assert.throws(() => easeFactory.create({ lambda: -1 }), /'lambda' of model 'ease' must be a finite number ≥ 0, got -1/);
  assert.throws(() => easeFactory.create({ lambda: '5' }), /'lambda' of model 'ease' must be a finite number ≥ 0, got "5"/);
  assert.deepEqual(easeFactory.create({}).hyperParameters, { lambda: 250 });
});
