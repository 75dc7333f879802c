import { test } from 'node:test';
import { interactionsOnly } from '../../src/data/training-data.js';
import assert from 'node:assert/strict';
import { CsrMatrix } from '../../src/data/csr.js';
import { itemKnnFactory, itemNeighbourSteps } from '../../src/models/baselines/item-knn.js';
import { maxAbsDifference, multiply, randomSparse, seededRandom } from '../engine/linalg/fixtures.js';

/**
 * RecBole's procedure, densely: W[i][t] = sim(i, t) for the `neighbours` best i ≠ t
 * (higher similarity, then lower index), zero similarities dropped.
 */
function referenceWeights(x: CsrMatrix, neighbours: number, shrink: number): Float64Array {
  const n = x.nCols;
  const dense = x.toDense();
  const column = (i: number) => Array.from({ length: x.nRows }, (_, u) => dense[u * n + i]!);
  const norms = Array.from({ length: n }, (_, i) => Math.sqrt(column(i).reduce((s, v) => s + v * v, 0)));
  const weights = new Float64Array(n * n);
  for (let t = 0; t < n; t++) {
    const ct = column(t);
    const sims = Array.from({ length: n }, (_, i) => {
      if (i === t) return 0;
      const dot = column(i).reduce((s, v, u) => s + v * ct[u]!, 0);
      const denominator = norms[t]! * norms[i]! + shrink;
      return denominator === 0 ? 0 : dot / denominator;
    });
    const order = sims.map((_, i) => i).filter((i) => i !== t);
    order.sort((a, b) => sims[b]! - sims[a]! || a - b);
    for (const i of order.slice(0, neighbours)) if (sims[i] !== 0) weights[i * n + t] = sims[i]!;
  }
  return weights;
}

function exportedWeights(model: ReturnType<typeof itemKnnFactory.create>): Float32Array {
  const { tensors } = model.exportState();
  const n = model.nItems;
  const csr = new CsrMatrix(
    n,
    n,
    tensors['similarity.indptr']!.data as Int32Array,
    tensors['similarity.indices']!.data as Int32Array,
    tensors['similarity.values']!.data as Float32Array,
  );
  return csr.toDense();
}

test('item-kNN similarities match a dense cosine computation, with shrink and truncation', async () => {
  const random = seededRandom(42);
  for (const { valued, neighbours, shrink } of [
    { valued: false, neighbours: 3, shrink: 0 },
    { valued: false, neighbours: 100, shrink: 0 },
    { valued: true, neighbours: 5, shrink: 2.5 },
    { valued: true, neighbours: 1, shrink: 10 },
  ]) {
    const x = randomSparse(50, 20, 0.2, random, valued);
    const model = itemKnnFactory.create({ neighbours, shrink });
    await model.fit(interactionsOnly(x));
    const expected = referenceWeights(x, neighbours, shrink);
    const label = `valued ${valued}, neighbours ${neighbours}, shrink ${shrink}`;
    assert.ok(maxAbsDifference(exportedWeights(model), expected) < 1e-6, label);
    assert.ok(maxAbsDifference(model.score({ histories: x }), multiply(x.toDense(), expected, x.nRows, x.nCols, x.nCols)) < 1e-5, label);
  }
});

test('each target keeps at most `neighbours` items, ties going to the lower index', () => {
  // Items 1, 2, 3 each co-occur once with item 0 and have one user: equal similarity to 0.
  const x = new CsrMatrix(3, 4, Int32Array.from([0, 2, 4, 6]), Int32Array.from([0, 1, 0, 2, 0, 3]), new Float32Array(6).fill(1));
  const steps = itemNeighbourSteps(x, { neighbours: 2, shrink: 0 });
  let result = steps.next();
  while (!result.done) result = steps.next();
  const byTarget = result.value;
  assert.deepEqual([...byTarget.rowIndices(0)], [1, 2]);
  assert.deepEqual([...byTarget.rowIndices(1)], [0]);
});

test('negative similarities are kept only when fewer than `neighbours` items score ≥ 0 (as RecBole)', async () => {
  // Item 1 is anti-correlated with item 0, item 2 positively correlated, item 3 never co-occurs.
  const x = new CsrMatrix(2, 4, Int32Array.from([0, 3, 5]), Int32Array.from([0, 1, 2, 0, 1]), Float32Array.from([1, -1, 1, 1, -2]));
  for (const [neighbours, keepsNegative] of [[2, false], [3, true]] as const) {
    const model = itemKnnFactory.create({ neighbours });
    await model.fit(interactionsOnly(x));
    const expected = referenceWeights(x, neighbours, 0);
    assert.ok(maxAbsDifference(exportedWeights(model), expected) < 1e-6);
    assert.equal(expected[1 * 4 + 0]! < 0, keepsNegative);
  }
});

test('item-kNN hyper-parameters are checked', () => {
  assert.deepEqual(itemKnnFactory.create({}).hyperParameters, { neighbours: 100, shrink: 0 });
  assert.throws(() => itemKnnFactory.create({ neighbours: 2.5 }), /'neighbours' of model 'itemknn' must be an integer ≥ 1, got 2.5/);
  assert.throws(() => itemKnnFactory.create({ shrink: -1 }), /'shrink'.*≥ 0/);
  assert.throws(() => itemKnnFactory.create({ k: 10 }), /unknown hyper-parameter 'k' for model 'itemknn'; known: neighbours, shrink/);
});
