import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  coverageAtK,
  describeMetric,
  f1AtK,
  hitRateAtK,
  ItemCoverage,
  listPopularityAtK,
  mae,
  mapAtK,
  meanWithStderr,
  mrrAtK,
  ndcgAtK,
  parseMetricName,
  precisionAtK,
  rankedHits,
  recallAtK,
  recallCappedAtK,
  rmse,
  userRankingMetric,
} from '../../src/eval/metrics.js';

const close = (actual: number, expected: number, what = '') =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what} expected ${expected}, got ${actual}`);

test('three targets, two hits in the top 3', () => {
  // targets {2, 5, 9}, ranking [5, 1, 9, 3, 2], k = 3 → hits at ranks 1 and 3.
  const ranking = rankedHits([5, 1, 9, 3, 2], new Set([2, 5, 9]));
  assert.deepEqual([...ranking.hits], [1, 0, 1, 0, 1]);
  close(precisionAtK(ranking, 3), 2 / 3, 'precision: 2 hits / k=3');
  close(recallAtK(ranking, 3), 2 / 3, 'recall: 2 hits / |targets|=3');
  close(recallCappedAtK(ranking, 3), 2 / 3, 'recall_capped: 2 / min(3, 3)');
  // DCG = 1/log2(2) + 1/log2(4) = 1 + 0.5; IDCG = 1/log2(2) + 1/log2(3) + 1/log2(4).
  close(ndcgAtK(ranking, 3), 1.5 / (1 + 1 / Math.log2(3) + 0.5), 'ndcg');
  close(hitRateAtK(ranking, 3), 1, 'hr');
  close(mrrAtK(ranking, 3), 1, 'mrr: first hit at rank 1');
  // map = (P@1·1 + P@3·1) / min(3, 3) = (1 + 2/3) / 3 = 5/9.
  close(mapAtK(ranking, 3), 5 / 9, 'map');
  // P = R = 2/3 → F1 = 2/3.
  close(f1AtK(ranking, 3), 2 / 3, 'f1');
  // At k = 5 the third target (item 2 at rank 5) is found too.
  close(recallAtK(ranking, 5), 1, 'recall@5');
  close(ndcgAtK(ranking, 5), (1 + 0.5 + 1 / Math.log2(6)) / (1 + 1 / Math.log2(3) + 0.5), 'ndcg@5: IDCG over min(3, 5) ranks');
});

test('recall divides by |targets|, recall_capped by min(k, |targets|)', () => {
  // targets {2, 5, 9, 11, 12}, ranking [5, 1, 9], k = 3: 2 hits.
  const ranking = rankedHits([5, 1, 9], new Set([2, 5, 9, 11, 12]));
  close(recallAtK(ranking, 3), 2 / 5, 'recall = 2 / 5');
  close(recallCappedAtK(ranking, 3), 2 / 3, 'recall_capped = 2 / min(3, 5)');
  // F1 uses the |targets| recall: P = 2/3, R = 2/5 → 2·(4/15)/(16/15) = 1/2.
  close(f1AtK(ranking, 3), 0.5, 'f1');
  // map denominator min(3, 5) = 3: (1 + 2/3) / 3.
  close(mapAtK(ranking, 3), 5 / 9, 'map');
  // ndcg: IDCG stops at min(5, 3) = 3 ideal ranks, not 5: (1 + 1/log2(4)) / (1 + 1/log2(3) + 1/log2(4)).
  close(ndcgAtK(ranking, 3), 1.5 / (1 + 1 / Math.log2(3) + 0.5), 'ndcg with more targets than k');
});

test('fewer targets than k', () => {
  // targets {4}, ranking [0, 4, 1, 2, 3], k = 5: one hit at rank 2.
  const ranking = rankedHits([0, 4, 1, 2, 3], Int32Array.from([4]));
  close(precisionAtK(ranking, 5), 1 / 5, 'precision = 1/5');
  close(recallAtK(ranking, 5), 1, 'recall = 1/1');
  close(recallCappedAtK(ranking, 5), 1, 'recall_capped = 1/min(5, 1)');
  // DCG = 1/log2(3); IDCG over min(1, 5) = 1 rank = 1/log2(2) = 1.
  close(ndcgAtK(ranking, 5), 1 / Math.log2(3), 'ndcg');
  close(mrrAtK(ranking, 5), 1 / 2, 'mrr');
  // map = P@2 · 1 / min(5, 1) = 1/2.
  close(mapAtK(ranking, 5), 1 / 2, 'map');
  // F1 = 2 · 0.2 · 1 / 1.2 = 1/3.
  close(f1AtK(ranking, 5), 1 / 3, 'f1');
});

test('no hits gives zero for every per-user metric', () => {
  const ranking = rankedHits([0, 1, 2], new Set([7]));
  for (const kind of ['precision', 'recall', 'recall_capped', 'ndcg', 'hr', 'mrr', 'map', 'f1'] as const) {
    assert.equal(userRankingMetric(kind, ranking, 3), 0, kind);
  }
});

test('padding (-1) and lists shorter than k count as misses', () => {
  // Only two candidates were left; the target is second. k = 4 > list length.
  const ranking = rankedHits([3, 8, -1], Int32Array.from([8]));
  close(precisionAtK(ranking, 4), 1 / 4, 'precision divides by k, not by the list length');
  close(mrrAtK(ranking, 4), 1 / 2, 'mrr');
  close(hitRateAtK(ranking, 1), 0, 'hr@1');
});

test('metrics refuse users without targets and bad cutoffs', () => {
  const empty = rankedHits([1, 2], new Set());
  assert.throws(() => ndcgAtK(empty, 2), /ndcg@2 is undefined for a user with no targets/);
  const ranking = rankedHits([1, 2], new Set([1]));
  assert.throws(() => recallAtK(ranking, 0), /recall@k needs k to be a positive integer, got 0/);
  assert.throws(() => rankedHits([1], Int32Array.from([5, 3])), /ascending and unique.*got 5 then 3/);
});

test('coverage and popularity bias on three users', () => {
  // Catalogue of 6 items; top-2 lists: u0 [0, 1], u1 [1, 2], u2 [0, 3] → distinct {0, 1, 2, 3} = 4 of 6.
  const lists = [[0, 1, 5], [1, 2, 5], [0, 3, 5]];
  close(coverageAtK(lists, 2, 6), 4 / 6, 'coverage@2');
  close(coverageAtK(lists, 3, 6), 5 / 6, 'coverage@3 adds item 5');
  const accumulated = new ItemCoverage(6, 2);
  accumulated.add(lists[0]!);
  accumulated.add(lists[1]!);
  accumulated.add(lists[2]!);
  close(accumulated.value(), 4 / 6, 'coverage accumulated list by list');
  // Popularity [10, 4, 2, 8, 0, 1]: u0 (10+4)/2 = 7, u1 (4+2)/2 = 3, u2 (10+8)/2 = 9 → ARP = 19/3.
  const popularity = Int32Array.from([10, 4, 2, 8, 0, 1]);
  const perUser = lists.map((list) => listPopularityAtK(list, popularity, 2));
  assert.deepEqual(perUser, [7, 3, 9]);
  close(meanWithStderr(perUser).mean, 19 / 3, 'popularity_bias@2');
  // Padding is left out of the mean: (10) / 1.
  assert.equal(listPopularityAtK([0, -1], popularity, 2), 10);
});

test('rmse and mae, with and without clamping', () => {
  // Errors -0.5, 0.2, -1 → squares 0.25, 0.04, 1 → rmse = sqrt(1.29/3); mae = 1.7/3.
  const predicted = [3.5, 5.2, 1.0];
  const target = [4, 5, 2];
  close(rmse(predicted, target), Math.sqrt(1.29 / 3), 'rmse');
  close(mae(predicted, target), 1.7 / 3, 'mae');
  // Clamped to [1, 5]: 5.2 → 5, errors -0.5, 0, -1 → rmse = sqrt(1.25/3), mae = 1.5/3.
  close(rmse(predicted, target, [1, 5]), Math.sqrt(1.25 / 3), 'clamped rmse');
  close(mae(predicted, target, [1, 5]), 0.5, 'clamped mae');
  assert.throws(() => rmse([1], [1, 2]), /rmse: 1 predictions but 2 target ratings/);
  assert.throws(() => mae([], []), /mae of zero ratings is undefined/);
});

test('stderr is the sample standard deviation over sqrt(n)', () => {
  // [1, 2, 3, 4]: mean 2.5; squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5; var = 5/3; se = sqrt(5/3)/2.
  const summary = meanWithStderr([1, 2, 3, 4]);
  close(summary.mean, 2.5);
  close(summary.stderr, Math.sqrt(5 / 3) / 2, 'stderr');
  assert.ok(Number.isNaN(meanWithStderr([3]).stderr), 'one value has no sample deviation');
  close(meanWithStderr([1, 2, 3, 4, 100], 4).mean, 2.5, 'count limits the values used');
});

test('parseMetricName accepts canonical names and explains the rest', () => {
  assert.deepEqual(parseMetricName('ndcg@100'), { name: 'ndcg@100', family: 'ranking', kind: 'ndcg', k: 100 });
  assert.deepEqual(parseMetricName(' Recall_Capped@20 '), { name: 'recall_capped@20', family: 'ranking', kind: 'recall_capped', k: 20 });
  assert.deepEqual(parseMetricName('RMSE'), { name: 'rmse', family: 'rating', kind: 'rmse' });
  assert.throws(() => parseMetricName('ndgc@10'), /unknown metric 'ndgc@10'; valid metrics: precision@K, recall@K, recall_capped@K, .*rmse, mae/);
  assert.throws(() => parseMetricName('ndcg'), /needs a cutoff, e.g. 'ndcg@10'/);
  assert.throws(() => parseMetricName('recall@0'), /positive integer, got '0'/);
  assert.throws(() => parseMetricName('recall@1.5'), /positive integer, got '1.5'/);
  assert.throws(() => parseMetricName('mae@10'), /mae takes no cutoff/);
  assert.match(describeMetric(parseMetricName('recall_capped@50')), /min\(k, \|targets\|\).*Liang/);
  assert.match(describeMetric(parseMetricName('recall@50')), /hits@k \/ \|targets\|/);
});
