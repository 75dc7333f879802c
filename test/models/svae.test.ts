/**
 * SVAE: the network's gradient (embedding, GRU, per-step Gaussian code, decoder, next-k
 * multinomial) against finite differences of its loss with the noise held fixed; it learns
 * an order and scores any ordered history, a never-seen visitor's included.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csrFromCoo } from '../../src/data/csr.js';
import { Rng } from '../../src/data/random.js';
import { sequencesFromLists } from '../../src/data/sequences.js';
import { referenceBackend } from '../../src/engine/reference.js';
import { trainingWindows } from '../../src/nn/sequence-windows.js';
import { SvaeNetwork, svaeRecommender, type SvaeSettings } from '../../src/models/sequential/svae.js';
import { assertClose, backendOrSkip, backendsUnderTest } from '../engine/fixtures.js';

const ITEMS = 10;

function dataOf(lists: number[][]) {
  const rows: number[] = [];
  const cols: number[] = [];
  lists.forEach((list, r) => list.forEach((item) => (rows.push(r), cols.push(item))));
  return { matrix: csrFromCoo(lists.length, ITEMS, rows, cols, new Array(rows.length).fill(1), 'last'), sequences: sequencesFromLists(lists, ITEMS) };
}

const SETTINGS: SvaeSettings = {
  itemEmbedding: 3, rnnSize: 4, hidden: 3, latent: 2, nextK: 2, maxLength: 4, learningRate: 1e-3, weightDecay: 0, betaCap: 0.2, totalAnnealSteps: 0, batchSize: 4, epochs: 1, patience: 0,
};

for (const underTest of backendsUnderTest()) {
  test(`${underTest.name}: SVAE's gradient matches finite differences of its loss (noise fixed)`, (t) => {
    const backend = backendOrSkip(t, underTest);
    if (backend === undefined) return;
    const network = new SvaeNetwork(backend, ITEMS, SETTINGS, new Rng(2));
    const { sequences } = dataOf([[1, 2, 3, 1], [4, 5, 6, 7, 8, 9], [0, 9]]);
    const rows = [1, 0, 2];
    const windows = trainingWindows(sequences, SETTINGS.maxLength, rows);
    const loss = () => {
      const { nll, kl } = network.accumulateGradients(sequences, rows, windows, new Rng(7), 0.2);
      return nll + 0.2 * kl;
    };
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
      assertClose(analytic[k]!, numeric, { rtol: 3e-2, atol: 3e-3 }, p.name);
    });
  });
}

test('SVAE learns an order and scores any ordered history, an unseen visitor included', async () => {
  const rng = new Rng(1);
  const walks = Array.from({ length: 40 }, () => {
    const start = rng.nextInt(ITEMS);
    return Array.from({ length: 7 }, (_, k) => (start + k) % ITEMS);
  });
  const model = svaeRecommender({ itemEmbedding: 16, rnnSize: 16, hidden: 16, latent: 8, nextK: 1, maxLength: 6, epochs: 60, batchSize: 8, learningRate: 1e-2, weightDecay: 0 }, referenceBackend);
  await model.fit(dataOf(walks), { seed: 1 });
  const histories = [[3, 4, 5], [8, 9], [2]];
  const { matrix, sequences } = dataOf(histories);
  const scores = model.score({ histories: matrix, sequences, users: Int32Array.of(-1, -1, -1) });
  histories.forEach((history, r) => {
    const row = scores.subarray(r * ITEMS, (r + 1) * ITEMS);
    assert.equal(row.indexOf(Math.max(...row)), (history.at(-1)! + 1) % ITEMS, `after ${history.join(', ')}`);
  });
});
