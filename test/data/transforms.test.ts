import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo } from '../../src/data/csr.js';
import { IdMap } from '../../src/data/id-map.js';
import { InteractionLogBuilder, interactionMatrix, type Dataset } from '../../src/data/interactions.js';
import {
  binarize,
  filterInteractions,
  interactionDataFromDataset,
  interactionMatrixWithTimes,
  kCore,
  type InteractionData,
} from '../../src/data/transforms.js';

/** A dataset from (user, item, rating, timestamp) lines, in file order. */
function datasetOf(lines: Array<[string, string, number, number]>, withTimes = true): Dataset {
  const users = new IdMap();
  const items = new IdMap();
  const log = new InteractionLogBuilder(4);
  for (const [u, i, r, t] of lines) log.push(users.add(u), items.add(i), r, withTimes ? t : Number.NaN);
  return { name: 'hand', users, items, interactions: log.build(), hasRatings: true, hasTimestamps: withTimes };
}

// u1 rated a three times, out of time order in the file: 4 @ t=30, 2 @ t=10, 5 @ t=20.
const withDuplicates = datasetOf([
  ['u1', 'a', 4, 30],
  ['u1', 'b', 3, 5],
  ['u2', 'a', 1, 7],
  ['u1', 'a', 2, 10],
  ['u1', 'a', 5, 20],
]);

test("duplicates: 'last' keeps the latest in time, with its timestamp and log position", () => {
  const { matrix, timestamps, logPositions } = interactionMatrixWithTimes(withDuplicates, 'last');
  assert.deepEqual([...matrix.indptr], [0, 2, 3]);
  assert.deepEqual([...matrix.indices], [0, 1, 0]);
  assert.deepEqual([...matrix.values], [4, 3, 1]);
  assert.deepEqual([...timestamps!], [30, 5, 7]);
  assert.deepEqual([...logPositions], [0, 1, 2]);
});

test("duplicates: 'sum' adds the values and keeps the latest time; 'max' keeps the largest value and its time", () => {
  const sum = interactionMatrixWithTimes(withDuplicates, 'sum');
  assert.deepEqual([...sum.matrix.values], [11, 3, 1]);
  assert.deepEqual([...sum.timestamps!], [30, 5, 7]);
  const max = interactionMatrixWithTimes(withDuplicates, 'max');
  assert.deepEqual([...max.matrix.values], [5, 3, 1]);
  assert.deepEqual([...max.timestamps!], [20, 5, 7]);
  assert.deepEqual([...max.logPositions], [4, 1, 2]);
});

test("duplicates: 'error' names the user and item; every policy agrees with interactionMatrix", () => {
  assert.throws(() => interactionMatrixWithTimes(withDuplicates, 'error'), /user 'u1' and item 'a' appear 3 times/);
  for (const policy of ['last', 'sum', 'max'] as const) {
    assert.deepEqual(interactionMatrixWithTimes(withDuplicates, policy).matrix, interactionMatrix(withDuplicates, policy), policy);
  }
});

test('without timestamps, duplicates follow file order and timestamps are null', () => {
  const noTimes = datasetOf(
    [
      ['u1', 'a', 4, 0],
      ['u1', 'a', 2, 0],
      ['u2', 'b', Number.NaN, 0],
    ],
    false,
  );
  const { matrix, timestamps } = interactionMatrixWithTimes(noTimes, 'last');
  assert.deepEqual([...matrix.values], [2, 1], 'a missing value counts as 1');
  assert.equal(timestamps, null);
  const data = interactionDataFromDataset(noTimes);
  assert.deepEqual(data.userIds, ['u1', 'u2']);
  assert.deepEqual(data.itemIds, ['a', 'b']);
});

test('binarize keeps values above (or at) the threshold as 1; implicit data passes unchanged', () => {
  const ratings = csrFromCoo(2, 3, [0, 0, 1, 1], [0, 1, 1, 2], [3.5, 4, 1, 5]);
  const strict = binarize(ratings, { threshold: 3.5, inclusive: false });
  assert.deepEqual([...strict.toDense()], [0, 1, 0, 0, 0, 1]);
  const inclusive = binarize(ratings, { threshold: 3.5, inclusive: true });
  assert.deepEqual([...inclusive.toDense()], [1, 1, 0, 0, 0, 1]);
  const implicit = ratings.withConstantValues(1);
  assert.equal(binarize(implicit, { threshold: 3.5, inclusive: false }), implicit);
});

test('k-core is iterative: dropping a user pushes an item below k, which drops another user', () => {
  // Items 0,1,2. u3 has one item (2) -> dropped; item 2 falls to 1 user -> dropped;
  // u2 is left with one item -> dropped. A single users-then-items pass would keep u2.
  const m = csrFromCoo(4, 3, [0, 0, 1, 1, 2, 2, 3], [0, 1, 0, 1, 1, 2, 2], [1, 2, 3, 4, 5, 6, 7]);
  const core = kCore(m, { minUserInteractions: 2, minItemInteractions: 2 });
  assert.deepEqual([...core.keptRows], [0, 1]);
  assert.deepEqual([...core.keptColumns], [0, 1]);
  assert.deepEqual([...core.matrix.toDense()], [1, 2, 3, 4]);
  assert.deepEqual([...core.keptEntries], [0, 1, 2, 3]);
  const kept = kCore(m, { minUserInteractions: 0, minItemInteractions: 0 });
  assert.deepEqual(kept.matrix, m);
  assert.throws(() => kCore(m, { minUserInteractions: -1, minItemInteractions: 0 }), /minUserInteractions must be a non-negative integer/);
});

test('k-core renumbers columns when an item drops, and keeps row order', () => {
  // Item 1 has a single user (u0); with min 2 per item it goes, u0 keeps items 0 and 2.
  const m = csrFromCoo(3, 3, [0, 0, 0, 1, 1, 2, 2], [0, 1, 2, 0, 2, 0, 2], null);
  const core = kCore(m, { minUserInteractions: 1, minItemInteractions: 2 });
  assert.deepEqual([...core.keptColumns], [0, 2]);
  assert.deepEqual([...core.matrix.indptr], [0, 2, 4, 6]);
  assert.deepEqual([...core.matrix.indices], [0, 1, 0, 1, 0, 1]);
  assert.deepEqual([...core.keptEntries], [0, 2, 3, 4, 5, 6]);
});

test('filterInteractions binarises, then k-cores, carrying ids, timestamps and log positions', () => {
  const data: InteractionData = {
    name: 'hand',
    // u0: 5, 4, 2 on items a, b, c; u1: 5 on a, 1 on c; u2: 3 on b.
    matrix: csrFromCoo(3, 3, [0, 0, 0, 1, 1, 2], [0, 1, 2, 0, 2, 1], [5, 4, 2, 5, 1, 3]),
    timestamps: Float64Array.from([10, 11, 12, 13, 14, 15]),
    logPositions: Int32Array.from([5, 4, 3, 2, 1, 0]),
    userIds: ['u0', 'u1', 'u2'],
    itemIds: ['a', 'b', 'c'],
  };
  // > 3.5 keeps (u0,a) (u0,b) (u1,a); u2 and item c lose everything and are dropped.
  const filtered = filterInteractions(data, { binarize: { threshold: 3.5, inclusive: false } });
  assert.deepEqual(filtered.userIds, ['u0', 'u1']);
  assert.deepEqual(filtered.itemIds, ['a', 'b']);
  assert.deepEqual([...filtered.matrix.toDense()], [1, 1, 1, 0]);
  assert.deepEqual([...filtered.timestamps!], [10, 11, 13]);
  assert.deepEqual([...filtered.logPositions!], [5, 4, 2]);
  // Mult-VAE keeps users with >= 5 positives and all items: here every user goes.
  const none = filterInteractions(data, { binarize: { threshold: 3.5, inclusive: false }, minUserInteractions: 5, minItemInteractions: 0 });
  assert.equal(none.matrix.nRows, 0);
  assert.equal(none.matrix.nCols, 3);
});
