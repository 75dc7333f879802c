import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo, type CsrMatrix } from '../../src/data/csr.js';
import type { EvalSet } from '../../src/data/split-types.js';
import { evaluateRanking, evaluateRatings, type Scorer } from '../../src/eval/evaluate.js';

const close = (actual: number, expected: number, what = '') =>
  assert.ok(Math.abs(actual - expected) < 1e-6, `${what} expected ${expected}, got ${actual}`);

/** Rows given as { item: value } maps. */
function csrFromRowMaps(rows: readonly Record<number, number>[], nCols: number): CsrMatrix {
  const r: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  rows.forEach((row, i) => Object.entries(row).forEach(([item, value]) => (r.push(i), c.push(Number(item)), v.push(value))));
  return csrFromCoo(rows.length, nCols, r, c, v);
}

const set = (...items: number[]) => Object.fromEntries(items.map((i) => [i, 1])) as Record<number, number>;

/**
 * A model that returns a fixed score row per dataset user and records what it was given,
 * so the test also checks that evaluation passes the right rows and users.
 */
function fixedScoreModel(scoresByUser: Record<number, number[]>, nItems: number) {
  const calls: { inputRows: number; users: number[]; firstInputItems: number[] }[] = [];
  const model: Scorer = {
    nItems,
    score({ histories: input, users }) {
      calls.push({ inputRows: input.nRows, users: [...users!], firstInputItems: [...input.rowIndices(0)] });
      const out = new Float32Array(input.nRows * nItems);
      users!.forEach((user, row) => out.set(scoresByUser[user]!, row * nItems));
      return out;
    },
  };
  return { model, calls };
}

// Four users (dataset ids 10..13) over six items. User 12 has no targets.
//   10: scores descending by item, item 0 excluded, targets {1, 3} → ranking [1, 2, 3, 4, 5]
//   11: scores ascending by item, nothing excluded, targets {0}   → ranking [5, 4, 3, 2, 1, 0]
//   13: all scores tie, item 2 excluded, targets {4}             → ranking [0, 1, 3, 4, 5]
const rankingSet: EvalSet = {
  users: Int32Array.from([10, 11, 12, 13]),
  input: csrFromRowMaps([set(0), set(1), set(2), set(2)], 6),
  exclude: csrFromRowMaps([set(0), {}, set(2), set(2)], 6),
  targets: csrFromRowMaps([set(1, 3), set(0), {}, set(4)], 6),
};
const rankingScores = {
  10: [0.9, 0.8, 0.7, 0.6, 0.5, 0.4],
  11: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
  12: [1, 1, 1, 1, 1, 1],
  13: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
};
const metrics = ['recall@2', 'ndcg@2', 'hr@3', 'mrr@5', 'coverage@2', 'precision@2', 'recall_capped@1'];

test('evaluateRanking end to end with fixed scores', () => {
  const { model, calls } = fixedScoreModel(rankingScores, 6);
  const result = evaluateRanking(model, rankingSet, { metrics, perUser: true });
  assert.equal(result.kind, 'ranking');
  assert.equal(result.users, 3);
  assert.equal(result.skippedUsers, 1);
  assert.deepEqual(Object.keys(result.metrics), metrics);
  // The user without targets is never scored; the others get their own input rows.
  assert.deepEqual(calls, [{ inputRows: 3, users: [10, 11, 13], firstInputItems: [0] }]);

  // recall@2: user 10 finds 1 of {1, 3} in [1, 2] → 1/2; users 11 and 13 find nothing → mean 1/6.
  close(result.metrics['recall@2']!.mean, 1 / 6, 'recall@2');
  // stderr of [1/2, 0, 0]: deviations 1/3, -1/6, -1/6 → Σ² = 1/6, var = 1/12, se = sqrt(1/12)/sqrt(3) = 1/6.
  close(result.metrics['recall@2']!.stderr, 1 / 6, 'recall@2 stderr');
  // ndcg@2, user 10: DCG = 1, IDCG = 1 + 1/log2(3) (two targets, k = 2) → mean over 3 users.
  close(result.metrics['ndcg@2']!.mean, 1 / (1 + 1 / Math.log2(3)) / 3, 'ndcg@2');
  // hr@3: only user 10 (user 11's top 3 is [5, 4, 3], user 13's is [0, 1, 3]).
  close(result.metrics['hr@3']!.mean, 1 / 3, 'hr@3');
  // mrr@5: user 10 rank 1 → 1; user 11 finds item 0 only at rank 6 → 0; user 13 finds item 4 at rank 4 → 1/4.
  close(result.metrics['mrr@5']!.mean, (1 + 0 + 0.25) / 3, 'mrr@5');
  // coverage@2: top-2 lists [1, 2], [5, 4], [0, 1] → {0, 1, 2, 4, 5} = 5 of 6 items; no stderr.
  close(result.metrics['coverage@2']!.mean, 5 / 6, 'coverage@2');
  assert.ok(Number.isNaN(result.metrics['coverage@2']!.stderr));
  close(result.metrics['precision@2']!.mean, 1 / 2 / 3, 'precision@2');
  // recall_capped@1: user 10's top item is a target → 1 / min(1, 2) = 1.
  close(result.metrics['recall_capped@1']!.mean, 1 / 3, 'recall_capped@1');

  assert.deepEqual([...result.evaluatedUsers!], [10, 11, 13]);
  assert.deepEqual([...result.perUser!['mrr@5']!], [1, 0, 0.25]);
  assert.equal(result.perUser!['coverage@2'], undefined);
  assert.ok(result.seconds >= 0);
});

test('batching does not change the result, and progress is reported per batch', () => {
  const { model, calls } = fixedScoreModel(rankingScores, 6);
  const progress: [number, number][] = [];
  const batched = evaluateRanking(model, rankingSet, { metrics, batchSize: 2, onProgress: (done, total) => progress.push([done, total]) });
  const whole = evaluateRanking(fixedScoreModel(rankingScores, 6).model, rankingSet, { metrics });
  assert.deepEqual(calls.map((c) => c.users), [[10, 11], [13]]);
  assert.deepEqual(progress, [[2, 3], [3, 3]]);
  for (const name of metrics) assert.equal(batched.metrics[name]!.mean, whole.metrics[name]!.mean, name);
});

test('popularity_bias needs item popularity and averages each list', () => {
  const { model } = fixedScoreModel(rankingScores, 6);
  assert.throws(() => evaluateRanking(model, rankingSet, { metrics: ['popularity_bias@2'] }), /needs options.itemPopularity/);
  // Popularity = item index + 1. Top-2 lists [1, 2], [5, 4], [0, 1] → means 2.5, 5.5, 1.5 → ARP = 9.5/3.
  const itemPopularity = Int32Array.from([1, 2, 3, 4, 5, 6]);
  const result = evaluateRanking(model, rankingSet, { metrics: ['popularity_bias@2'], itemPopularity });
  close(result.metrics['popularity_bias@2']!.mean, 9.5 / 3, 'popularity_bias@2');
  // With popularity given, the default metric set includes popularity_bias@10.
  assert.ok('popularity_bias@10' in evaluateRanking(model, rankingSet, { itemPopularity }).metrics);
});

test('evaluateRanking explains bad metrics and mismatched models', () => {
  const { model } = fixedScoreModel(rankingScores, 6);
  assert.throws(() => evaluateRanking(model, rankingSet, { metrics: ['rmse'] }), /'rmse' is a rating metric; use evaluateRatings/);
  assert.throws(() => evaluateRanking(model, rankingSet, { metrics: ['nDCG@x'] }), /cutoff after '@' must be a positive integer/);
  assert.throws(() => evaluateRanking({ ...model, nItems: 7 }, rankingSet), /model scores 7 items but the evaluation set has 6/);
  const shortScores: Scorer = { score: ({ histories: input }) => new Float32Array(input.nRows * 5) };
  assert.throws(() => evaluateRanking(shortScores, rankingSet), /score returned 15 scores for 3 rows × 6 items \(expected 18\)/);
});

// Ratings: users 0 and 1 have targets, user 2 has none.
//   user 0 predictions [3, 4, 5.5, 1], targets {0: 4, 2: 5} → errors -1, +0.5
//   user 1 predictions [2, 2, 2, 2],   targets {1: 3}       → error  -1
const ratingSet: EvalSet = {
  users: Int32Array.from([0, 1, 2]),
  input: csrFromRowMaps([{ 1: 4 }, { 0: 2 }, { 3: 5 }], 4),
  exclude: csrFromRowMaps([{ 1: 4 }, { 0: 2 }, { 3: 5 }], 4),
  targets: csrFromRowMaps([{ 0: 4, 2: 5 }, { 1: 3 }, {}], 4),
};
const ratingScores = { 0: [3, 4, 5.5, 1], 1: [2, 2, 2, 2], 2: [0, 0, 0, 0] };

test('evaluateRatings: global and per-user RMSE and MAE', () => {
  const { model } = fixedScoreModel(ratingScores, 4);
  const result = evaluateRatings(model, ratingSet, { perUser: true });
  assert.equal(result.users, 2);
  assert.equal(result.skippedUsers, 1);
  assert.equal(result.ratings, 3);
  // Squared errors 1, 0.25, 1 → MSE 0.75 → RMSE sqrt(0.75); MAE (1 + 0.5 + 1)/3.
  close(result.metrics.rmse.mean, Math.sqrt(0.75), 'rmse');
  close(result.metrics.mae.mean, 2.5 / 3, 'mae');
  // se(MSE): deviations 0.25, -0.5, 0.25 → Σ² 0.375, var 0.1875, se = sqrt(0.1875/3) = 0.25;
  // delta method: se(RMSE) = 0.25 / (2 sqrt(0.75)).
  close(result.metrics.rmse.stderr, 0.25 / (2 * Math.sqrt(0.75)), 'rmse stderr');
  // Per user: RMSE sqrt(1.25/2) and 1; MAE 0.75 and 1.
  close(result.metrics.rmse_per_user.mean, (Math.sqrt(0.625) + 1) / 2, 'rmse_per_user');
  close(result.metrics.mae_per_user.mean, 0.875, 'mae_per_user');
  assert.deepEqual([...result.perUser!.mae], [0.75, 1]);
  assert.deepEqual([...result.evaluatedUsers!], [0, 1]);
});

test('evaluateRatings clamps predictions into the rating range', () => {
  const { model } = fixedScoreModel(ratingScores, 4);
  // 5.5 → 5: squared errors 1, 0, 1 → RMSE sqrt(2/3); MAE 2/3.
  const result = evaluateRatings(model, ratingSet, { clamp: [1, 5] });
  close(result.metrics.rmse.mean, Math.sqrt(2 / 3), 'clamped rmse');
  close(result.metrics.mae.mean, 2 / 3, 'clamped mae');
  assert.throws(() => evaluateRatings(model, ratingSet, { clamp: [5, 1] }), /clamp range \[5, 1\] is empty/);
});

test('evaluateRatings names the user and item of a NaN prediction', () => {
  const { model } = fixedScoreModel({ ...ratingScores, 1: [2, NaN, 2, 2] }, 4);
  assert.throws(() => evaluateRatings(model, ratingSet), /NaN for evaluation row 1 \(user 1\), item 1/);
});
