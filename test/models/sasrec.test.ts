/**
 * SASRec: the whole network's gradient (embeddings, positions, attention, feed-forward, layer
 * norms, the tied catalogue softmax) against central finite differences on each backend, the
 * native backend against the reference on one training step, and behaviour — it learns an
 * order that a set-based model cannot see, scores a visitor never seen in training, and reads
 * only the last maxLength events.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csrFromCoo } from '../../src/data/csr.js';
import { Rng } from '../../src/data/random.js';
import { sequencesFromLists } from '../../src/data/sequences.js';
import type { Backend } from '../../src/engine/backend.js';
import { referenceBackend } from '../../src/engine/reference.js';
import { CatalogueSoftmax } from '../../src/nn/catalogue-softmax.js';
import { packWindows } from '../../src/nn/packed-windows.js';
import { trainingWindows } from '../../src/nn/sequence-windows.js';
import { SasrecNetwork, type DropoutPlan } from '../../src/models/sequential/sasrec-network.js';
import { sasrecRecommender } from '../../src/models/sequential/sasrec.js';
import { assertClose, backendOrSkip, backendsUnderTest, nativeUnderTest } from '../engine/fixtures.js';

const STEP = 1e-2;
const FD_TOLERANCE = { rtol: 3e-2, atol: 3e-3 };

/** Sequences of a small catalogue: a full window, a short one, one of a single event (no target). */
function smallBatch(items: number) {
  const sequences = sequencesFromLists([[0, 3, 1, 4, 2, 5, 6, 1], [2, 6, 3], [5]], items);
  return packWindows(trainingWindows(sequences, 5, [0, 1, 2]));
}

/** A plan whose seeds repeat on every forward, so that finite differences see the same masks. */
function fixedPlan(rate: number): { plan: DropoutPlan; reset: () => void } {
  let next = 0;
  return { plan: { rate, nextSeed: () => 1000 + next++ }, reset: () => (next = 0) };
}

function smallNetwork(backend: Backend, items: number): SasrecNetwork {
  return new SasrecNetwork(backend, { items, hidden: 4, blocks: 2, heads: 2, maxLength: 5 }, new Rng(3));
}

for (const underTest of backendsUnderTest()) {
  test(`${underTest.name}: the SASRec loss gradient matches finite differences for every parameter`, (t) => {
    const backend = backendOrSkip(t, underTest);
    if (backend === undefined) return;
    const items = 7;
    const net = smallNetwork(backend, items);
    // Larger weights than the N(0, 0.02²) start, so that every path carries a visible gradient.
    const rng = new Rng(9);
    for (const p of net.parameters) for (let i = 0; i < p.value.length; i++) p.value[i] = p.value[i]! + 0.5 * (rng.nextFloat() - 0.5);
    const windows = smallBatch(items);
    const loss = new CatalogueSoftmax(backend, net.itemEmbedding, undefined, { chunkSlots: 3 });
    const { plan, reset } = fixedPlan(0.2);
    const evaluate = () => {
      reset();
      const hidden = net.forward(windows, plan);
      return loss.meanLossAndGradient(hidden, windows.targets!);
    };
    for (const p of net.parameters) p.zeroGrad();
    const { gradHidden } = evaluate();
    net.backward(gradHidden);
    const analytic = net.parameters.map((p) => p.grad.slice());
    for (const [index, p] of net.parameters.entries()) {
      const numeric = new Float64Array(p.value.length);
      for (let i = 0; i < p.value.length; i++) {
        const original = p.value[i]!;
        p.value[i] = original + STEP;
        const up = p.value[i]!;
        const lossUp = evaluate().loss;
        p.value[i] = original - STEP;
        const down = p.value[i]!;
        const lossDown = evaluate().loss;
        p.value[i] = original;
        numeric[i] = (lossUp - lossDown) / (up - down);
      }
      assertClose(analytic[index]!, numeric, FD_TOLERANCE, `∂loss/∂${p.name}`);
    }
  });
}

test('native agrees with reference: a SASRec training step (hidden states, loss, every gradient)', (t) => {
  const nat = backendOrSkip(t, nativeUnderTest());
  if (nat === undefined) return;
  const items = 40;
  const rng = new Rng(4);
  const lists = Array.from({ length: 30 }, () => Array.from({ length: 1 + rng.nextInt(25) }, () => rng.nextInt(items)));
  const windows = packWindows(trainingWindows(sequencesFromLists(lists, items), 20, Array.from({ length: 30 }, (_, i) => i)));
  const results = [referenceBackend, nat].map((backend) => {
    const net = new SasrecNetwork(backend, { items, hidden: 16, blocks: 2, heads: 2, maxLength: 20 }, new Rng(5));
    const { plan } = fixedPlan(0.1);
    const hidden = net.forward(windows, plan).slice();
    const { loss, gradHidden } = new CatalogueSoftmax(backend, net.itemEmbedding, undefined, { chunkSlots: 64 }).meanLossAndGradient(hidden, windows.targets!);
    net.backward(gradHidden);
    return { hidden, loss, grads: net.parameters.map((p) => [p.name, p.grad] as const) };
  });
  const [ref, native] = results as [(typeof results)[0], (typeof results)[0]];
  assertClose(native.hidden, ref.hidden, { rtol: 1e-3, atol: 1e-4 }, 'hidden states');
  assert.ok(Math.abs(native.loss - ref.loss) < 1e-4 * Math.abs(ref.loss), `loss ${native.loss} vs ${ref.loss}`);
  native.grads.forEach(([name, grad], i) => assertClose(grad, ref.grads[i]![1], { rtol: 1e-2, atol: 1e-4 }, name));
});

/** Users walking a cycle 0 → 1 → … → 9 → 0 from random starts: the next item is always the successor. */
function cycleData(users: number, items: number, rng: Rng) {
  const lists = Array.from({ length: users }, () => {
    const start = rng.nextInt(items);
    return Array.from({ length: 4 + rng.nextInt(6) }, (_, j) => (start + j) % items);
  });
  const rows: number[] = [];
  const cols: number[] = [];
  lists.forEach((list, u) => list.forEach((item) => (rows.push(u), cols.push(item))));
  return { matrix: csrFromCoo(users, items, rows, cols, rows.map(() => 1), 'last'), sequences: sequencesFromLists(lists, items), lists };
}

test('SASRec learns the order of events, scores an unseen visitor, and reads only the last maxLength events', async () => {
  const items = 10;
  const data = cycleData(120, items, new Rng(8));
  const model = sasrecRecommender({ hidden: 16, blocks: 1, maxLength: 6, epochs: 60, batchSize: 32, learningRate: 5e-3, dropout: 0 });
  await model.fit(data, { seed: 1 });
  // A visitor never seen in training: histories ending at each item; the top item must be the successor.
  const histories = Array.from({ length: items }, (_, i) => [(i + items - 2) % items, (i + items - 1) % items, i]);
  const query = { histories: csrFromCoo(items, items, [], [], []), sequences: sequencesFromLists(histories, items) };
  const scores = model.score(query);
  let correct = 0;
  for (let i = 0; i < items; i++) {
    const row = scores.subarray(i * items, (i + 1) * items);
    if (row.indexOf(Math.max(...row)) === (i + 1) % items) correct++;
  }
  assert.ok(correct >= 9, `successor ranked first for ${correct} of ${items} histories`);
  // Events older than the last maxLength do not change the scores.
  const long = [[3, 7, 1, 2, 3, 4, 5, 6]];
  const suffix = [long[0]!.slice(-6)];
  const scoreOf = (lists: number[][]) => model.score({ histories: csrFromCoo(1, items, [], [], []), sequences: sequencesFromLists(lists, items) });
  assert.deepEqual(scoreOf(long), scoreOf(suffix));
});

test('SASRec refuses a query without sequences and heads that do not divide hidden', async () => {
  assert.throws(() => sasrecRecommender({ hidden: 6, heads: 4 }), /'heads' of model 'sasrec' must divide hidden \(6\), got 4/);
  const data = cycleData(10, 5, new Rng(2));
  const model = sasrecRecommender({ hidden: 4, maxLength: 4, epochs: 1 });
  await model.fit(data, { seed: 1 });
  assert.throws(() => model.score({ histories: data.matrix.selectRows([0]) }), /scores ordered histories/);
});
