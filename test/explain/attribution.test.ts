/**
 * Attribution of scores to the history (src/explain): EASE's and item-kNN's exact shares sum
 * to their scores; leave-one-out weights, computed in one batched pass, equal the score
 * changes of explicit one-item-removed re-scorings — for every registered model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo, type CsrMatrix } from '../../src/data/csr.js';
import { Rng } from '../../src/data/random.js';
import { sequenceOf, sequencesFromLists } from '../../src/data/sequences.js';
import type { ScoreQuery } from '../../src/data/training-data.js';
import { attributeScores, rankedReasons, topReasons } from '../../src/explain/attribution.js';
import { leaveOneOutQuery, leaveOneOutWeights } from '../../src/explain/leave-one-out.js';
import type { Recommender } from '../../src/models/model.js';
import { getModelFactory, listModelFactories } from '../../src/models/registry.js';
import { SMALL_MODEL_SETTINGS } from '../../test-support/small-model-settings.js';
import { orderedQuery } from '../../test-support/ordered-data.js';
import { trainingDataFor } from '../../test-support/training-data-for.js';

const USERS = 40;
const ITEMS = 30;

const SMALL_SETTINGS = SMALL_MODEL_SETTINGS;

function generated(ratings: boolean): CsrMatrix {
  const rng = new Rng(5);
  const rows: number[] = [];
  const cols: number[] = [];
  const values: number[] = [];
  for (let u = 0; u < USERS; u++) {
    const base = (u % 2) * 15;
    for (const p of rng.randomSample(15, 7)) {
      rows.push(u);
      cols.push(base + p);
      values.push(ratings ? 1 + ((u + p) % 5) : 1);
    }
  }
  return csrFromCoo(USERS, ITEMS, rows, cols, values, 'last');
}

async function fitted(name: string): Promise<{ model: Recommender; train: CsrMatrix }> {
  const factory = getModelFactory(name);
  const train = generated(factory.predictsRatings);
  const model = factory.create(SMALL_SETTINGS[name] ?? {});
  await model.fit(trainingDataFor(factory, train), { seed: 3 });
  return { model, train };
}

/** Training user 4's row (a known user) and its training index. */
function knownUserQuery(train: CsrMatrix): ScoreQuery {
  // With the rows as ordered sequences, so that sequence models run here too (the others ignore them).
  return orderedQuery({ histories: train.selectRows([3, 4]), users: Int32Array.of(3, 4) });
}

// User 4 has the taste of items 0..14: most of these targets score non-zero for it, 22 does not.
const TARGETS = [0, 3, 7, 11, 14, 22];
const close = (actual: number, expected: number, scale: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= 1e-5 * Math.max(1, scale), `${what}: ${actual} vs ${expected}`);

test('the linear models (EASE, EDLAE, item-kNN, the attribute models) say their exact shares; the others are explained by leave-one-out', async () => {
  const linear = new Set(['ease', 'edlae', 'itemknn', 'attribute-knn', 'attribute-map']);
  for (const factory of listModelFactories().filter((f) => f.name in SMALL_SETTINGS)) {
    const hasShares = factory.create(SMALL_SETTINGS[factory.name]!).scoreContributions !== undefined;
    assert.equal(hasShares, linear.has(factory.name), factory.name);
  }
});

// Every model that says exact shares: they must make its score.
for (const name of listModelFactories().filter((f) => f.name in SMALL_SETTINGS && f.create(SMALL_SETTINGS[f.name]!).scoreContributions).map((f) => f.name)) {
  test(`${name}: each history item's exact share; the shares of a target sum to its score`, async () => {
    const { model, train } = await fitted(name);
    const query = knownUserQuery(train);
    const scores = model.score(query);
    const attribution = attributeScores(model, query, 1, TARGETS);
    assert.equal(attribution.method, 'exact');
    assert.deepEqual(Array.from(attribution.items), Array.from(train.rowIndices(4)));
    let nonZero = 0;
    TARGETS.forEach((t, j) => {
      let sum = 0;
      for (let h = 0; h < attribution.items.length; h++) sum += attribution.weights[h * TARGETS.length + j]!;
      const score = scores[ITEMS + t]!;
      close(sum, score, Math.abs(score), `target ${t}`);
      if (score !== 0) nonZero++;
    });
    assert.ok(nonZero >= 3, 'most targets have a non-zero score');
  });
}

test("ease: an item's share is its row of B at the target, seen as a one-item history's score", async () => {
  const { model, train } = await fitted('ease');
  const query = knownUserQuery(train);
  const attribution = attributeScores(model, query, 1, TARGETS);
  for (let h = 0; h < attribution.items.length; h++) {
    const alone = model.score(orderedQuery({ histories: csrFromCoo(1, ITEMS, [0], [attribution.items[h]!], [1]) }));
    TARGETS.forEach((t, j) => close(attribution.weights[h * TARGETS.length + j]!, alone[t]!, Math.abs(alone[t]!), `item ${attribution.items[h]} → ${t}`));
  }
});

/** Score of every target for the row without its history entry at position `p`, asked alone. */
function explicitWithout(model: Recommender, query: ScoreQuery, row: number, p: number): Float32Array {
  const cols = Array.from(query.histories.rowIndices(row));
  const values = Array.from(query.histories.rowValues(row));
  const [removed] = cols.splice(p, 1);
  values.splice(p, 1);
  const histories = csrFromCoo(1, ITEMS, new Array(cols.length).fill(0), cols, values);
  return model.score(orderedQuery({ histories, ...(query.users ? { users: Int32Array.of(query.users[row]!) } : {}) }));
}

for (const factory of listModelFactories().filter((f) => f.name in SMALL_SETTINGS)) {
  test(`${factory.name}: leave-one-out weights from one batched pass equal explicit one-item-removed re-scorings`, async () => {
    const { model, train } = await fitted(factory.name);
    for (const query of [knownUserQuery(train), orderedQuery({ histories: train.selectRows([4]), users: Int32Array.of(-1) })]) {
      const row = query.histories.nRows - 1;
      let calls = 0;
      const counting: Recommender = Object.assign(Object.create(model) as Recommender, {
        score: (q: ScoreQuery) => {
          calls++;
          return model.score(q);
        },
      });
      const loo = leaveOneOutWeights(counting, query, row, TARGETS);
      assert.equal(calls, 1, 'one forward pass for the whole history');
      const full = model.score(orderedQuery({ histories: query.histories.selectRows([row]), ...(query.users ? { users: Int32Array.of(query.users[row]!) } : {}) }));
      assert.deepEqual(Array.from(loo.items), Array.from(query.histories.rowIndices(row)));
      for (let p = 0; p < loo.items.length; p++) {
        const without = explicitWithout(model, query, row, p);
        TARGETS.forEach((t, j) => {
          const expected = full[t]! - without[t]!;
          close(loo.weights[p * TARGETS.length + j]!, expected, Math.abs(full[t]!), `removing item ${loo.items[p]} → target ${t}`);
        });
      }
      const attribution = attributeScores(model, query, row, TARGETS);
      assert.equal(attribution.method, model.scoreContributions ? 'exact' : 'leave-one-out');
    }
  });
}

test('leave-one-out on a linear model agrees with its exact shares (EASE: removing an item removes its share)', async () => {
  const { model, train } = await fitted('ease');
  const query = knownUserQuery(train);
  const exact = attributeScores(model, query, 1, TARGETS);
  const loo = leaveOneOutWeights(model, query, 1, TARGETS);
  for (let k = 0; k < exact.weights.length; k++) close(loo.weights[k]!, exact.weights[k]!, 1, `entry ${k}`);
});

test('the leave-one-out batch: row 0 is the history, row 1 + k lacks entry k, in the row and (every occurrence) in the sequence', () => {
  const histories = csrFromCoo(2, 6, [0, 1, 1, 1], [5, 1, 3, 4], [1, 1, 2, 1]);
  const sequences = sequencesFromLists([[5], [3, 1, 4, 3]], 6);
  const batch = leaveOneOutQuery({ histories, sequences, users: Int32Array.of(7, 9) }, 1, [0, 1, 2]);
  assert.equal(batch.histories.nRows, 4);
  assert.deepEqual([0, 1, 2, 3].map((r) => Array.from(batch.histories.rowIndices(r))), [[1, 3, 4], [3, 4], [1, 4], [1, 3]]);
  assert.deepEqual(Array.from(batch.histories.rowValues(1)), [2, 1]);
  assert.deepEqual([0, 1, 2, 3].map((r) => Array.from(sequenceOf(batch.sequences!, r).items)), [[3, 1, 4, 3], [3, 4, 3], [1, 4], [3, 1, 3]]);
  assert.deepEqual(Array.from(batch.users!), [9, 9, 9, 9]);
});

test('a history too large for one pass is split into several, with the same weights', async () => {
  const { model, train } = await fitted('mult-dae');
  const query = knownUserQuery(train);
  const one = leaveOneOutWeights(model, query, 1, TARGETS);
  const split = leaveOneOutWeights(model, query, 1, TARGETS, { maxScoreFloats: 3 * ITEMS });
  for (let k = 0; k < one.weights.length; k++) close(split.weights[k]!, one.weights[k]!, 1, `entry ${k}`);
});

test('reasons: largest weight first, zero weights left out, signed', () => {
  const attribution = { method: 'exact' as const, targets: Int32Array.of(9, 8), items: Int32Array.of(1, 2, 3, 4), weights: Float32Array.of(0.5, 0, -0.25, 1, 0, 2, 0.75, -1) };
  assert.deepEqual(rankedReasons(attribution, 0), [{ item: 4, weight: 0.75 }, { item: 1, weight: 0.5 }, { item: 2, weight: -0.25 }]);
  assert.deepEqual(topReasons(attribution, 1, 2), [{ item: 3, weight: 2 }, { item: 2, weight: 1 }]);
});
