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
import { featureTableFromAttributes, type FeatureTable } from '../../src/data/features.js';
import { attributeNeighbours, encodeAttributes, fitAttributeEncoding } from '../../src/models/hybrid/attribute-vectors.js';
import { HybridDaeNetwork, hybridDaeFactory, hybridDaeRecommender, itemTextsOf } from '../../src/models/hybrid/hybrid-dae.js';
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

/** Four users: a gender and an age. */
const USER_FEATURES: FeatureTable = {
  nRows: 4,
  fields: [
    { kind: 'categorical', name: 'gender', vocabulary: ['f', 'm'], indptr: Int32Array.of(0, 1, 2, 3, 3), codes: Int32Array.of(0, 1, 1) },
    { kind: 'numeric', name: 'age', values: Float32Array.of(18, 25, 35, 50) },
  ],
};

function oracleLoss(network: HybridDaeNetwork, x: CsrMatrix, keep: Uint8Array, users?: CsrMatrix, dropHistory?: Uint8Array, neighbours?: CsrMatrix): number {
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
    if (neighbours) {
      for (let p = neighbours.indptr[item]!; p < neighbours.indptr[item + 1]!; p++) {
        const n = neighbours.indices[p]!;
        for (let k = 0; k < L; k++) d[k]! += neighbours.values[p]! * network.collaborative.value[n * L + k]!;
        c += neighbours.values[p]! * network.bias.value[n]!;
      }
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
      const value = mask[p] && dropHistory?.[r] !== 1 ? x.values[p]! / norm / KEEP : 0;
      for (let k = 0; k < L; k++) h[k]! += value * network.encoder.weight.value[x.indices[p]! * L + k]!;
    }
    if (users && network.userLayer) {
      for (let p = users.indptr[r]!; p < users.indptr[r + 1]!; p++) {
        for (let k = 0; k < L; k++) h[k]! += users.values[p]! * network.userLayer.weight.value[users.indices[p]! * L + k]!;
      }
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
  for (const withUsers of [false, true]) {
  test(`${underTest.name}: hybrid DAE${withUsers ? ' with user attributes and attribute neighbours' : ''}: every parameter's gradient matches finite differences of the whole loss`, (t) => {
    const backend = backendOrSkip(t, underTest);
    if (backend === undefined) return;
    const rng = seededRng(`hybrid dae gradient ${withUsers}`);
    const x = batch();
    const encoding = withUsers ? fitAttributeEncoding(USER_FEATURES, { withText: true, numericBins: 2 }) : undefined;
    const users = encoding ? encodeAttributes(USER_FEATURES, encoding) : undefined;
    // User 2's history is dropped: its code comes from its attributes alone.
    const dropHistory = withUsers ? Uint8Array.of(0, 0, 1, 0) : undefined;
    const neighbours = withUsers ? attributeNeighbours(attributes(), attributes().selectRows(Int32Array.of(0, 1, 2, 3, 4)), Int32Array.of(0, 1, 2, 3, 4), 2) : undefined;
    const network = new HybridDaeNetwork(backend, attributes(), Int32Array.of(0, 1, 2, 3, 4), 3, encoding, rng, undefined, withUsers ? 2 : 0);
    assert.equal(network.userLayer !== undefined, withUsers);
    for (const p of [network.encoder.bias!, network.bias, network.contentBias]) for (let i = 0; i < p.size; i++) p.value[i] = 0.4 * rng.nextFloat() - 0.2;
    assert.deepEqual(Array.from(network.encoder.weight.value.subarray(15, 18)), [0, 0, 0], 'the cold item’s encoder row is zero');
    // Items 1 and 3 lose their collaborative part in this batch.
    const keep = Uint8Array.of(1, 0, 1, 0, 1);
    for (const parameter of network.parameters) parameter.zeroGrad();
    const parts = network.accumulateGradients(x, keep, KEEP, DROPOUT_SEED, L2, users, dropHistory);
    const exact = oracleLoss(network, x, keep, users, dropHistory, neighbours);
    assert.ok(Math.abs(parts.nll + parts.l2 - exact) < 1e-4 * Math.max(1, exact), `reported ${parts.nll + parts.l2} vs oracle ${exact}`);
    for (const parameter of network.parameters) {
      const values = parameter.value;
      const numeric = new Float64Array(values.length);
      for (let i = 0; i < values.length; i++) {
        const original = values[i]!;
        values[i] = original + STEP;
        const up = values[i]!;
        const lossUp = oracleLoss(network, x, keep, users, dropHistory, neighbours);
        values[i] = original - STEP;
        const down = values[i]!;
        const lossDown = oracleLoss(network, x, keep, users, dropHistory, neighbours);
        values[i] = original;
        numeric[i] = (lossUp - lossDown) / (up - down);
      }
      // The cold item's encoder row has a zero gradient: it is in no input.
      assertClose(parameter.grad, numeric, FD_TOLERANCE, `∂loss/∂${parameter.name}`);
    }
  });
  }
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

for (const [label, settings] of [
  ['content part only', {}],
  ['with attribute neighbours', { neighbours: 3 }],
  ['with a text CNN', { textCnn: true, cnnFilters: 3, cnnWidth: 2, cnnEmbedding: 2 }],
] as const) {
  test(`hybrid DAE (${label}) scores an item created after training exactly as the same item would be scored in the catalogue`, async () => {
    const rng = new Rng(5);
    const rows: number[] = [];
    const cols: number[] = [];
    for (let u = 0; u < 40; u++) for (const i of rng.randomSample(9, 4)) (rows.push(u), cols.push((u < 20 ? 0 : 10) + i));
    const matrix = csrFromCoo(40, 20, rows, cols, rows.map(() => 1));
    const model = hybridDaeRecommender({ latent: 6, epochs: 5, batchSize: 10, learningRate: 0.01, ...settings });
    await model.fit({ matrix, itemFeatures: generatedItemFeatures(20) }, { seed: 4 });
    // Cold item 9's attributes (genres first+odd, year 1989, title words first, story), typed from
    // loose records as the service does: the vocabularies' order differs from training's and
    // the unseen word 'sequel' must add nothing.
    const created = featureTableFromAttributes({ columns: ['genres', 'year', 'title'], rows: [{ genres: ['odd', 'first'], year: 1989, title: 'First story sequel' }] }, 1);
    const query = { histories: csrFromCoo(2, 20, [0, 0, 1, 1], [0, 1, 10, 11], [1, 1, 1, 1]) };
    const catalogue = model.score(query);
    const fresh = model.scoreNewItems!(query, created)!;
    assert.equal(fresh.length, 2);
    assertClose(fresh, Float64Array.of(catalogue[9]!, catalogue[20 + 9]!), { rtol: 1e-5, atol: 1e-6 }, 'new item vs cold item 9');
    const restored = hybridDaeFactory.restore(model.hyperParameters as Record<string, unknown>, model.exportState(), 20);
    assert.deepEqual(restored.scoreNewItems!(query, created), fresh);
  });
}

test('hybrid DAE encodes a user with attributes and no history from the attributes', async () => {
  // Users' tastes follow their gender: 'f' users like items 0..9, 'm' users items 10..19.
  const rng = new Rng(4);
  const rows: number[] = [];
  const cols: number[] = [];
  for (let u = 0; u < 60; u++) for (const i of rng.randomSample(10, 5)) (rows.push(u), cols.push((u % 2) * 10 + i));
  const matrix = csrFromCoo(60, 20, rows, cols, rows.map(() => 1));
  const userFeatures: FeatureTable = {
    nRows: 60,
    fields: [{ kind: 'categorical', name: 'gender', vocabulary: ['f', 'm'], indptr: Int32Array.from({ length: 61 }, (_, i) => i), codes: Int32Array.from({ length: 60 }, (_, u) => u % 2) }],
  };
  const model = hybridDaeRecommender({ latent: 8, epochs: 30, batchSize: 20, learningRate: 0.01, userDropout: 0.5 });
  await model.fit({ matrix, itemFeatures: generatedItemFeatures(20), userFeatures }, { seed: 2 });
  const newUsers: FeatureTable = { nRows: 2, fields: [{ ...userFeatures.fields[0]!, indptr: Int32Array.of(0, 1, 2), codes: Int32Array.of(0, 1) } as FeatureTable['fields'][number]] };
  const scores = model.score({ histories: csrFromCoo(2, 20, [], [], []), userFeatures: newUsers });
  const mean = (row: number, from: number) => Array.from(scores.subarray(row * 20 + from, row * 20 + from + 10)).reduce((a, b) => a + b, 0) / 10;
  assert.ok(mean(0, 0) > mean(0, 10), `an 'f' user without history prefers items 0..9: ${mean(0, 0)} vs ${mean(0, 10)}`);
  assert.ok(mean(1, 10) > mean(1, 0), `an 'm' user without history prefers items 10..19: ${mean(1, 10)} vs ${mean(1, 0)}`);
  // The user encoding travels with the saved state.
  const restored = hybridDaeFactory.restore(model.hyperParameters as Record<string, unknown>, model.exportState(), 20);
  assert.deepEqual(restored.score({ histories: csrFromCoo(2, 20, [], [], []), userFeatures: newUsers }), scores);
});

test('hybrid DAE with a text CNN: the CNN parameters get the gradient of the loss, and the model restores to the same scores', async () => {
  const backend = backendsUnderTest()[0]!.backend!;
  const rng = seededRng('hybrid dae text cnn');
  const features = generatedItemFeatures(6);
  const texts = itemTextsOf(features);
  const network = new HybridDaeNetwork(backend, attributes(), Int32Array.of(0, 1, 2, 3, 4), 3, undefined, rng, { texts, filters: 2, width: 2, embedding: 2 });
  const cnnParameters = network.parameters.filter((p) => p.name.startsWith('decoder.text.'));
  assert.equal(cnnParameters.length, 4);
  const projection = cnnParameters.find((p) => p.name === 'decoder.text.projection')!;
  assert.ok(projection.value.every((v) => v === 0), 'the text part starts silent');
  // Away from the silent start, so that every CNN parameter's gradient is tested away from zero.
  for (let i = 0; i < projection.size; i++) projection.value[i] = rng.nextFloat() - 0.5;
  const keep = Uint8Array.of(1, 0, 1, 1, 0);
  const x = batch();
  const loss = () => {
    for (const p of network.parameters) p.zeroGrad();
    const parts = network.accumulateGradients(x, keep, 1, DROPOUT_SEED, 0);
    return parts.nll;
  };
  loss();
  const analytic = cnnParameters.map((p) => Float64Array.from(p.grad));
  cnnParameters.forEach((parameter, k) => {
    const numeric = new Float64Array(parameter.size);
    for (let i = 0; i < parameter.size; i++) {
      const original = parameter.value[i]!;
      parameter.value[i] = original + 2e-3;
      const up = loss();
      parameter.value[i] = original - 2e-3;
      const down = loss();
      parameter.value[i] = original;
      numeric[i] = (up - down) / 4e-3;
    }
    assertClose(analytic[k]!, numeric, { rtol: 2e-2, atol: 2e-3 }, `∂loss/∂${parameter.name}`);
  });

  const matrix = csrFromCoo(8, 6, [0, 0, 1, 2, 3, 4, 5, 6, 7], [0, 1, 2, 3, 4, 0, 1, 2, 3], [1, 1, 1, 1, 1, 1, 1, 1, 1]);
  const model = hybridDaeRecommender({ latent: 4, epochs: 2, batchSize: 4, textCnn: true, cnnFilters: 3, cnnWidth: 2, cnnEmbedding: 2 });
  await model.fit({ matrix, itemFeatures: features }, { seed: 3 });
  const query = { histories: csrFromCoo(1, 6, [0, 0], [0, 2], [1, 1]) };
  const restored = hybridDaeFactory.restore(model.hyperParameters as Record<string, unknown>, model.exportState(), 6);
  assert.deepEqual(restored.score(query), model.score(query));
});

test('attribute neighbours: each item’s most similar warm items by attribute cosine, itself excluded, weights summing to 1', () => {
  // Attributes (unit rows): item 0 = a, 1 = b, 2 = 0.6a + 0.8b, 3 = b, 4 = a, 5 (cold) = a.
  const vectors = csrFromCoo(6, 2, [0, 1, 2, 2, 3, 4, 5], [0, 1, 0, 1, 1, 0, 0], [1, 1, 0.6, 0.8, 1, 1, 1]);
  const neighbours = attributeNeighbours(vectors, vectors.selectRows(Int32Array.of(0, 1, 2, 3, 4)), Int32Array.of(0, 1, 2, 3, 4), 2);
  // Item 5 (cold): warm items 0 and 4 (cosine 1 each), equal weights.
  assert.deepEqual(Array.from(neighbours.rowIndices(5)), [0, 4]);
  assert.deepEqual(Array.from(neighbours.rowValues(5)), [0.5, 0.5]);
  // Item 2: cosines 0.6 (items 0, 4) and 0.8 (items 1, 3): the two 0.8s.
  assert.deepEqual(Array.from(neighbours.rowIndices(2)), [1, 3]);
  // Item 0: not itself; item 4 (cosine 1), then item 2 (0.6).
  assert.deepEqual(Array.from(neighbours.rowIndices(0)), [2, 4]);
  const weights = Array.from(neighbours.rowValues(0));
  assert.ok(Math.abs(weights[0]! - 0.6 / 1.6) < 1e-6 && Math.abs(weights[1]! - 1 / 1.6) < 1e-6);
});
