import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo } from '../../src/data/csr.js';
import { interactionsOnly } from '../../src/data/training-data.js';
import { edlaeFactory } from '../../src/models/autoencoders/edlae.js';
import { easeFactory } from '../../src/models/baselines/ease.js';
import { maxAbsDifference, multiply, randomSparse, referenceInverse, seededRandom } from '../engine/linalg/fixtures.js';

/** G = XᵀX, Λ = p/(1−p)·diag(G) + λ, P = (G + Λ)⁻¹ in float64, densely. */
function denseClosedForm(x: ReturnType<typeof randomSparse>, p: number, lambda: number) {
  const n = x.nCols;
  const dense = x.toDense();
  const transposed = new Float64Array(n * x.nRows);
  for (let u = 0; u < x.nRows; u++) for (let i = 0; i < n; i++) transposed[i * x.nRows + u] = dense[u * n + i]!;
  const gram = multiply(transposed, dense, n, x.nRows, n);
  const penalty = Float64Array.from({ length: n }, (_, i) => (p / (1 - p)) * gram[i * n + i]! + lambda);
  for (let i = 0; i < n; i++) gram[i * n + i] += penalty[i]!;
  return { n, dense, penalty, inverse: referenceInverse(gram, n) };
}

test('EDLAE equals the dense closed form B = I − P·diagMat(1 ⊘ diag(P)) with the dropout penalty (zero diagonal)', async () => {
  const x = randomSparse(50, 14, 0.3, seededRandom(3), true);
  const { n, dense, inverse } = denseClosedForm(x, 0.4, 2);
  const model = edlaeFactory.create({ dropout: 0.4, lambda: 2 });
  await model.fit(interactionsOnly(x));
  const b = model.exportState().tensors['B']!.data as Float32Array;
  const expected = Float64Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 0 : -inverse[k]! / inverse[(k % n) * n + (k % n)]!));
  assert.ok(maxAbsDifference(b, expected) < 1e-6, `max difference ${maxAbsDifference(b, expected)}`);
  assert.ok(maxAbsDifference(model.score({ histories: x }), multiply(dense, b, x.nRows, n, n)) < 1e-5);
});

test('DLAE equals B = I − PΛ and keeps a (shrunk) diagonal', async () => {
  const x = randomSparse(50, 14, 0.3, seededRandom(4), true);
  const { n, penalty, inverse } = denseClosedForm(x, 0.5, 1);
  const model = edlaeFactory.create({ dropout: 0.5, lambda: 1, variant: 'dlae' });
  await model.fit(interactionsOnly(x));
  const b = model.exportState().tensors['B']!.data as Float32Array;
  const expected = Float64Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0) - inverse[k]! * penalty[k % n]!);
  assert.ok(maxAbsDifference(b, expected) < 1e-6);
  for (let i = 0; i < n; i++) assert.ok(b[i * n + i]! > 0 && b[i * n + i]! < 1, `diagonal ${i} is ${b[i * n + i]}`);
});

test('EDLAE without dropout is EASE', async () => {
  const x = randomSparse(40, 12, 0.3, seededRandom(5), true);
  const edlae = edlaeFactory.create({ dropout: 0, lambda: 5 });
  const ease = easeFactory.create({ lambda: 5 });
  await edlae.fit(interactionsOnly(x));
  await ease.fit(interactionsOnly(x));
  assert.ok(maxAbsDifference(edlae.score({ histories: x }), ease.score({ histories: x })) < 1e-6);
});

test('EDLAE: an item nobody chose needs λ > 0, and says so', async () => {
  const x = csrFromCoo(2, 3, [0, 1], [0, 1], null);
  await assert.rejects(edlaeFactory.create({ lambda: 0 }).fit(interactionsOnly(x)), /EDLAE: XᵀX \+ Λ is not positive definite .* an item without users needs λ > 0/);
  assert.throws(() => edlaeFactory.create({ dropout: 1 }), /'dropout' of model 'edlae' must be a finite number ≥ 0 and < 1/);
});
