import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo } from '../../src/data/csr.js';
import { Rng } from '../../src/data/random.js';
import { itemColdStartSplit, makeSplit } from '../../src/data/splits/index.js';
import type { InteractionData } from '../../src/data/transforms.js';
import { evaluateRanking, type Scorer } from '../../src/eval/evaluate.js';
import type { ScoreQuery } from '../../src/data/training-data.js';

function randomData(nUsers: number, nItems: number, density: number, seed: number): InteractionData {
  const rng = new Rng(seed);
  const rows: number[] = [];
  const cols: number[] = [];
  for (let u = 0; u < nUsers; u++) for (let i = 0; i < nItems; i++) if (rng.nextFloat() < density) (rows.push(u), cols.push(i));
  const matrix = csrFromCoo(nUsers, nItems, rows, cols, rows.map(() => 1));
  return { name: 'random', matrix, timestamps: null, userIds: Array.from({ length: nUsers }, (_, u) => `u${u}`), itemIds: Array.from({ length: nItems }, (_, i) => `i${i}`) };
}

const columnsOf = (m: { nnz: number; indices: Int32Array }) => new Set(m.indices.subarray(0, m.nnz));

test('item cold start holds out a seeded share of the items with every interaction, half for validation, half for test', () => {
  const data = randomData(40, 50, 0.2, 3);
  const split = itemColdStartSplit(data, { coldFraction: 0.2, seed: 7 });
  const validationItems = [...split.validation!.candidates!];
  const testItems = [...split.test.candidates!];
  assert.equal(validationItems.length, 5);
  assert.equal(testItems.length, 5);
  assert.ok(validationItems.every((i) => !testItems.includes(i)));
  const trainColumns = columnsOf(split.train.matrix);
  for (const item of [...validationItems, ...testItems]) assert.ok(!trainColumns.has(item), `cold item ${item} has no training interaction`);
  // Every interaction is in exactly one place: train, or a validation/test target.
  assert.equal(split.train.matrix.nnz + split.validation!.targets.nnz + split.test.targets.nnz, data.matrix.nnz);
  assert.ok([...columnsOf(split.test.targets)].every((i) => testItems.includes(i)));
  assert.ok([...columnsOf(split.validation!.targets)].every((i) => validationItems.includes(i)));
  // Inputs are training rows; test exclusions add the validation-item interactions.
  for (let r = 0; r < split.test.users.length; r++) {
    const user = split.test.users[r]!;
    assert.deepEqual([...split.test.input.rowIndices(r)], [...split.train.matrix.rowIndices(user)]);
    assert.ok(split.test.exclude.rowLength(r) >= split.test.input.rowLength(r));
  }
  assert.deepEqual(makeSplit(data, split.protocol), split, 'the protocol makes the same split again');
  assert.notDeepEqual(itemColdStartSplit(data, { coldFraction: 0.2, seed: 8 }).test.candidates, split.test.candidates);
  assert.throws(() => itemColdStartSplit(data, { coldFraction: 1, seed: 1 }), /coldFraction must be a number in \(0, 1\), got 1/);
  assert.throws(() => itemColdStartSplit(data, { coldFraction: 0.01, seed: 1 }), /50 items with interactions give 1 cold items; raise coldFraction/);
});

test('candidates restrict a ranking: hand-computed recall and NDCG among the candidates and over the catalogue', () => {
  // One user, six items scored by their index; the target is item 2, item 5 is excluded.
  const row = (items: number[]) => csrFromCoo(1, 6, items.map(() => 0), items, items.map(() => 1));
  const evalSet = { users: Int32Array.of(0), input: row([]), exclude: row([5]), targets: row([2]) };
  const scorer: Scorer = { nItems: 6, score: (query: ScoreQuery) => Float32Array.from({ length: query.histories.nRows * 6 }, (_, k) => k % 6) };
  const metrics = ['recall@1', 'ndcg@3'];
  // Whole catalogue: 4, 3, 2 — the target third: NDCG@3 = 1 / log2(4).
  const whole = evaluateRanking(scorer, evalSet, { metrics }).metrics;
  assert.equal(whole['recall@1']!.mean, 0);
  assert.equal(whole['ndcg@3']!.mean, 0.5);
  // Candidates 1, 2, 3: 3, 2, 1 — the target second: NDCG@3 = 1 / log2(3).
  const cold = evaluateRanking(scorer, { ...evalSet, candidates: Int32Array.of(1, 2, 3) }, { metrics }).metrics;
  assert.equal(cold['recall@1']!.mean, 0);
  assert.ok(Math.abs(cold['ndcg@3']!.mean - 1 / Math.log2(3)) < 1e-12);
  assert.throws(() => evaluateRanking(scorer, { ...evalSet, candidates: Int32Array.of(6) }, { metrics }), /candidate 0 is item 6, outside 0..5/);
});
