/**
 * GRU4Rec: the network's gradient (tied embedding, GRU, chunked catalogue softmax) against
 * finite differences of its loss; it learns an order (item i is followed by item i + 1) and
 * scores by it, for a visitor never seen in training too; the same items in another order
 * score differently; native and reference backends train to the same scores.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csrFromCoo } from '../../src/data/csr.js';
import { Rng } from '../../src/data/random.js';
import { sequencesFromLists } from '../../src/data/sequences.js';
import { referenceBackend } from '../../src/engine/reference.js';
import { trainingWindows } from '../../src/nn/sequence-windows.js';
import { Gru4RecNetwork, gru4recRecommender, type Gru4RecSettings } from '../../src/models/sequential/gru4rec.js';
import { assertClose, backendOrSkip, backendsUnderTest, nativeUnderTest } from '../engine/fixtures.js';

const ITEMS = 12;

/** Users walking the catalogue in order from a random start: i → i + 1 (mod ITEMS). */
function walks(users: number, length: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: users }, () => {
    const start = rng.nextInt(ITEMS);
    return Array.from({ length }, (_, k) => (start + k) % ITEMS);
  });
}

function dataOf(lists: number[][]) {
  const rows: number[] = [];
  const cols: number[] = [];
  lists.forEach((list, r) => list.forEach((item) => (rows.push(r), cols.push(item))));
  return { matrix: csrFromCoo(lists.length, ITEMS, rows, cols, new Array(rows.length).fill(1), 'last'), sequences: sequencesFromLists(lists, ITEMS) };
}

function queryOf(lists: number[][]) {
  const { matrix, sequences } = dataOf(lists);
  return { histories: matrix, sequences, users: new Int32Array(lists.length).fill(-1) };
}

const SETTINGS: Gru4RecSettings = { hidden: 4, layers: 2, embedding: 0, maxLength: 4, dropoutEmbedding: 0, dropoutHidden: 0, learningRate: 1e-3, batchSize: 8, epochs: 1, patience: 0 };

for (const underTest of backendsUnderTest()) {
  for (const embedding of [0, 3]) {
    test(`${underTest.name}: GRU4Rec's gradient (embedding ${embedding === 0 ? 'tied' : 'separate'}) matches finite differences of its loss`, (t) => {
      const backend = backendOrSkip(t, underTest);
      if (backend === undefined) return;
      const network = new Gru4RecNetwork(backend, ITEMS, { ...SETTINGS, embedding }, new Rng(3));
      const { sequences } = dataOf([[1, 2, 3], [4, 5, 6, 7, 8, 9], [0, 11]]);
      const windows = trainingWindows(sequences, SETTINGS.maxLength, [1, 0, 2]);
      const seeds = { embedding: 1, hidden: 2 };
      const loss = () => network.accumulateGradients(windows, seeds);
      for (const p of network.parameters) p.zeroGrad();
      loss();
      const analytic = network.parameters.map((p) => p.grad.slice());
      const step = 1e-2;
      network.parameters.forEach((p, k) => {
        const numeric = Float64Array.from(p.value, (_, i) => {
          const original = p.value[i]!;
          p.value[i] = original + step;
          const up = loss();
          p.value[i] = original - step;
          const down = loss();
          p.value[i] = original;
          return (up - down) / (2 * step);
        });
        // accumulateGradients returns the summed loss; the gradient is of the mean over the 7 targets.
        assertClose(analytic[k]!.map((g) => g * windows.targetSlots.length), numeric, { rtol: 3e-2, atol: 3e-3 }, p.name);
      });
    });
  }
}

test('GRU4Rec learns an order and scores any ordered history, an unseen visitor included', async () => {
  const model = gru4recRecommender({ hidden: 16, maxLength: 6, epochs: 60, batchSize: 16, learningRate: 1e-2, dropoutHidden: 0 }, referenceBackend);
  await model.fit(dataOf(walks(48, 7, 1)), { seed: 1 });
  const histories = [[3, 4, 5], [9, 10], [7]];
  const scores = model.score(queryOf(histories));
  histories.forEach((history, r) => {
    const row = scores.subarray(r * ITEMS, (r + 1) * ITEMS);
    const best = row.indexOf(Math.max(...row));
    assert.equal(best, (history.at(-1)! + 1) % ITEMS, `after ${history.join(', ')}`);
  });
  // The same items in another order: another next item.
  const reversed = model.score(queryOf([[5, 4, 3]]));
  assert.notEqual(reversed.indexOf(Math.max(...reversed)), 6);
  // An empty history scores the output bias alone, finite.
  assert.ok(model.score(queryOf([[]])).every(Number.isFinite));
});

test('native and reference train GRU4Rec to the same scores', async (t) => {
  const nat = backendOrSkip(t, nativeUnderTest());
  if (nat === undefined) return;
  const settings = { hidden: 8, maxLength: 5, epochs: 3, batchSize: 8, dropoutHidden: 0.2, dropoutEmbedding: 0.1 };
  const data = dataOf(walks(20, 6, 2));
  const [a, b] = [gru4recRecommender(settings, referenceBackend), gru4recRecommender(settings, nat)];
  await a.fit(data, { seed: 4 });
  await b.fit(data, { seed: 4 });
  const query = queryOf([[1, 2, 3], [8]]);
  assertClose(b.score(query), a.score(query), { rtol: 1e-3, atol: 1e-4 }, 'scores');
});
