/**
 * The hybrid DAE: its gradients against central finite differences of the whole loss (an
 * independent float64 oracle), and the behaviour it exists for — an item without training
 * interactions ranked from its attributes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csrFromCoo, type CsrMatrix } from '../../src/data/csr.js';
import { Rng } from '../../src/data/random.js';
import { referenceBackend } from '../../src/engine/reference.js';
import { HybridDaeNetwork, hybridDaeRecommender } from '../../src/models/hybrid/hybrid-dae.js';
import { generatedItemFeatures } from '../../test-support/training-data-for.js';
import { assertClose, backendOrSkip, backendsUnderTest, seededRng } from '../engine/fixtures.js';

const STEP = 1e-3;
const FD_TOLERANCE = { rtol: 2e-3, atol: 2e-4 };
const KEEP = 0.5;
const DROPOUT_SEED = 4242;
const L2 = 0.03;

/** 4 users × 6 items; item 5 has no interactions (cold). */
function batch(): CsrMatrix {
  return csrFromCoo(4, 6, [0, 0, 1, 1, 1, 2, 3, 3], [0, 2, 1, 3, 4, 0, 2, 4], [1, 1, 1, 1, 1, 1, 1, 1]);
}

/** Unit-free attribute vectors for 6 items over 3 attributes (item 5 shares item 0's). */
function attributes(): CsrMatrix {
  return csrFromCoo(6, 3, [0, 1, 2, 2, 3, 4, 5], [0, 1, 1, 2, 2, 0, 0], [1, 1, 0.6, 0.8, 1, 1, 1]);
}

function oracleLoss(network: HybridDaeNetwork, x: CsrMatrix, keep: Uint8Array): number {
  const L = network.latent;
  const warm = network.warmItems;
  const mask = new Uint8Array(x.nnz);
  referenceBackend.dropout(new Float32Array(x.nnz).fill(1), KEEP, DROPOUT_SEED, mask, new Float32Array(x.nnz));
  const v = network.attributes;
  const vector = (item: number, w: number): { d: number[]; c: number } => {
    const d = new Array<number>(L).fill(0);
    let c = 0;
    for (let p = v.indptr[item]!; p < v.indptr[item + 1]!; p++) {
      for (let k = 0; k < L; k++) d[k]! += v.values[p]! * network.content.value[v.indices[p]! * L + k]!;
      c += v.values[p]! * network.contentBias.value[v.indices[p]!]!;
    }
    if (keep[w] === 1) {
      for (let k = 0; k < L; k++) d[k]! += network.collaborative.value[w * L + k]!;
      c += network.bias.value[w]!;
    }
    return { d, c };
  };
  const items = Array.from(warm, (item, w) => vector(item, w));
  let nll = 0;
  for (let r = 0; r < x.nRows; r++) {
    let squared = 0;
    for (let p = x.indptr[r]!; p < x.indptr[r + 1]!; p++) squared += x.values[p]! ** 2;
    const norm = Math.max(Math.sqrt(squared), 1e-12);
    const h = Array.from(network.encoder.bias!.value, Number);
    for (let p = x.indptr[r]!; p < x.indptr[r + 1]!; p++) {
      const value = mask[p] ? x.values[p]! / norm / KEEP : 0;
      for (let k = 0; k < L; k++) h[k]! += value * network.encoder.weight.value[x.indices[p]! * L + k]!;
    }
    const code = h.map(Math.tanh);
    const logits = items.map(({ d, c }) => c + d.reduce((sum, dk, k) => sum + dk * code[k]!, 0));
    const max = Math.max(...logits);
    const logSum = max + Math.log(logits.reduce((sum, value) => sum + Math.exp(value - max), 0));
    for (let p = x.indptr[r]!; p < x.indptr[r + 1]!; p++) nll -= x.values[p]! * (logits[network.warmIndex[x.indices[p]!]!]! - logSum);
  }
  let norm = 0;
  for (const weight of network.weights) for (const w of weight.value) norm += w * w;
  return nll / x.nRows + L2 * norm;
}

for (const underTest of backendsUnderTest()) {
  test(`${underTest.name}: hybrid DAE: every parameter's gradient matches finite differences of the whole loss`, (t) => {
    const backend = backendOrSkip(t, underTest);
    if (backend === undefined) return;
    const rng = seededRng('hybrid dae gradient');
    const x = batch();
    const network = new HybridDaeNetwork(backend, attributes(), Int32Array.of(0, 1, 2, 3, 4), 3, rng);
    for (const p of [network.encoder.bias!, network.bias, network.contentBias]) for (let i = 0; i < p.size; i++) p.value[i] = 0.4 * rng.nextFloat() - 0.2;
    assert.deepEqual(Array.from(network.encoder.weight.value.subarray(15, 18)), [0, 0, 0], 'the cold item’s encoder row is zero');
    // Items 1 and 3 lose their collaborative part in this batch.
    const keep = Uint8Array.of(1, 0, 1, 0, 1);
    for (const parameter of network.parameters) parameter.zeroGrad();
    const parts = network.accumulateGradients(x, keep, KEEP, DROPOUT_SEED, L2);
    const exact = oracleLoss(network, x, keep);
    assert.ok(Math.abs(parts.nll + parts.l2 - exact) < 1e-4 * Math.max(1, exact), `reported ${parts.nll + parts.l2} vs oracle ${exact}`);
    for (const parameter of network.parameters) {
      const values = parameter.value;
      const numeric = new Float64Array(values.length);
      for (let i = 0; i < values.length; i++) {
        const original = values[i]!;
        values[i] = original + STEP;
        const up = values[i]!;
        const lossUp = oracleLoss(network, x, keep);
        values[i] = original - STEP;
        const down = values[i]!;
        const lossDown = oracleLoss(network, x, keep);
        values[i] = original;
        numeric[i] = (lossUp - lossDown) / (up - down);
      }
      // The cold item's encoder row has a zero gradient: it is in no input.
      assertClose(parameter.grad, numeric, FD_TOLERANCE, `∂loss/∂${parameter.name}`);
    }
  });
}

test('hybrid DAE ranks an item nobody interacted with from its attributes', async () => {
  // Two tastes: users 0..29 like items 0..9, users 30..59 items 10..19; items 9 and 19 are cold.
  const rng = new Rng(3);
  const rows: number[] = [];
  const cols: number[] = [];
  for (let u = 0; u < 60; u++) {
    const base = u < 30 ? 0 : 10;
    for (const i of rng.randomSample(9, 5)) (rows.push(u), cols.push(base + i));
  }
  const matrix = csrFromCoo(60, 20, rows, cols, rows.map(() => 1));
  const model = hybridDaeRecommender({ latent: 8, epochs: 30, batchSize: 20, learningRate: 0.01, itemDropout: 0.5 });
  await model.fit({ matrix, itemFeatures: generatedItemFeatures(20) }, { seed: 1 });
  const scores = model.score({ histories: csrFromCoo(2, 20, [0, 0, 0, 1, 1, 1], [0, 1, 2, 10, 11, 12], [1, 1, 1, 1, 1, 1]) });
  // A first-taste user prefers the cold first-half item 9 to the cold second-half item 19, and the other way round.
  assert.ok(scores[9]! > scores[19]!, `first taste: item 9 ${scores[9]} vs item 19 ${scores[19]}`);
  assert.ok(scores[20 + 19]! > scores[20 + 9]!, `second taste: item 19 ${scores[39]} vs item 9 ${scores[29]}`);
});
