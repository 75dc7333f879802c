import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RankingEvaluation, RatingEvaluation } from '../../src/eval/evaluate.js';
import { evaluationToJSON, formatMetricTable, type MetricTableRow } from '../../src/eval/report.js';

const ranking: RankingEvaluation = {
  kind: 'ranking',
  users: 100,
  skippedUsers: 2,
  metrics: {
    'recall@20': { mean: 0.39123, stderr: 0.00312 },
    'recall_capped@20': { mean: 0.4, stderr: 0.003 },
    'coverage@10': { mean: 0.25, stderr: NaN },
  },
  seconds: 1.5,
};

test('evaluationToJSON flattens means and stderrs and names every formula', () => {
  const report = evaluationToJSON(ranking);
  assert.deepEqual(report.metrics, { 'recall@20': 0.39123, 'recall_capped@20': 0.4, 'coverage@10': 0.25 });
  assert.deepEqual(report.stderr, { 'recall@20': 0.00312, 'recall_capped@20': 0.003, 'coverage@10': null });
  assert.match(report.definitions['recall@20']!, /\|targets\| \(RecBole Recall\)/);
  assert.match(report.definitions['recall_capped@20']!, /min\(k, \|targets\|\)/);
  assert.equal(report.users, 100);
  assert.equal(report.skippedUsers, 2);
  assert.equal(report.ratings, undefined);
  // Survives JSON unchanged (no NaN turned into a string or lost key).
  assert.deepEqual(JSON.parse(JSON.stringify(report)), report);
});

test('evaluationToJSON keeps the rating count of a rating evaluation', () => {
  const ratings: RatingEvaluation = {
    kind: 'ratings',
    users: 3,
    skippedUsers: 0,
    ratings: 12,
    metrics: {
      rmse: { mean: 0.9, stderr: 0.01 },
      mae: { mean: 0.7, stderr: 0.01 },
      rmse_per_user: { mean: 0.95, stderr: 0.02 },
      mae_per_user: { mean: 0.72, stderr: 0.02 },
    },
    seconds: 0.1,
  };
  const report = evaluationToJSON(ratings);
  assert.equal(report.ratings, 12);
  assert.deepEqual(Object.keys(report.metrics), ['rmse', 'mae', 'rmse_per_user', 'mae_per_user']);
  assert.match(report.definitions['rmse_per_user']!, /mean over users/);
});

test('formatMetricTable aligns models side by side', () => {
  const rows: MetricTableRow[] = [
    { label: 'ease', metrics: { 'recall@20': { mean: 0.39123, stderr: 0.00312 }, 'ndcg@100': { mean: 0.42, stderr: 0.0027 } } },
    { label: 'mult-vae', metrics: { 'recall@20': { mean: 0.395, stderr: NaN } } },
  ];
  assert.equal(
    formatMetricTable(rows),
    [
      'model           recall@20         ndcg@100',
      '--------  ---------------  ---------------',
      'ease      0.3912 ± 0.0031  0.4200 ± 0.0027',
      'mult-vae           0.3950                -',
    ].join('\n'),
  );
  assert.equal(
    formatMetricTable(rows, { columns: ['ndcg@100'], showStderr: false, decimals: 2 }),
    ['model     ndcg@100', '--------  --------', 'ease          0.42', 'mult-vae         -'].join('\n'),
  );
});

test('a table wider than the terminal is printed with one metric per line, one column per model', () => {
  const metrics = Object.fromEntries(Array.from({ length: 12 }, (_, k) => [`recall@${k + 1}`, { mean: 0.1 * (k % 10), stderr: 0.01 }]));
  const rows = [
    { label: 'ease', metrics },
    { label: 'itemknn', metrics },
  ];
  const wide = formatMetricTable(rows);
  assert.ok(wide.split('\n')[0]!.length > 100);
  const narrow = formatMetricTable(rows, { maxWidth: 100 });
  const lines = narrow.split('\n');
  assert.match(lines[0]!, /^metric\s+ease\s+itemknn$/);
  assert.equal(lines.length, 2 + 12);
  assert.match(lines[2]!, /^recall@1\s+0\.0000 ± 0\.0100\s+0\.0000 ± 0\.0100$/);
  assert.ok(lines.every((line) => line.length <= 100));
  // A table that fits keeps one row per model.
  assert.equal(formatMetricTable(rows, { maxWidth: 10_000 }), wide);
});
