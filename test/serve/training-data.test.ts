import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration } from '../../src/serve/duration.js';
import { interactionValue } from '../../src/serve/event-filter.js';
import { buildTrainingMatrix, readTrainingData } from '../../src/serve/training-data.js';
import { SqliteEventStore } from '../../src/store/sqlite-store.js';

test('durations: units, combinations, and a message naming the option for anything else', () => {
  assert.equal(parseDuration('500ms', '--x'), 500);
  assert.equal(parseDuration('30s', '--x'), 30_000);
  assert.equal(parseDuration('1h30m', '--x'), 5_400_000);
  assert.equal(parseDuration('1.5d', '--x'), 129_600_000);
  assert.equal(parseDuration('0', '--x'), 0);
  assert.throws(() => parseDuration('soon', '--train-every'), /--train-every takes a duration like 30s.*got 'soon'/);
  assert.throws(() => parseDuration('5 m', '--x'), /got '5 m'/);
});

test('event filter: types, minimum value, and values only for rating models', () => {
  const implicit = { filter: { eventTypes: ['view', 'rating'], minValue: 4 }, useValues: false };
  assert.equal(interactionValue({ type: 'view' }, implicit), 1);
  assert.equal(interactionValue({ type: 'cart' }, implicit), undefined);
  assert.equal(interactionValue({ type: 'rating', value: 3.5 }, implicit), undefined);
  assert.equal(interactionValue({ type: 'rating', value: 4.5 }, implicit), 1);
  const ratings = { filter: {}, useValues: true };
  assert.equal(interactionValue({ type: 'rating', value: 2 }, ratings), 2);
  assert.equal(interactionValue({ type: 'view', value: null }, ratings), undefined, 'a rating model needs a value');
});

test('training data: repeated events give one entry (1, or the latest value); rare items and then empty users are dropped', () => {
  const data = {
    userIds: ['a', 'b', 'c', 'd'],
    itemIds: ['x', 'y', 'z'],
    // a: x twice; b: x, z; c: z; d: y only
    rows: Int32Array.from([0, 0, 1, 1, 2, 3]),
    cols: Int32Array.from([0, 0, 0, 2, 2, 1]),
    values: Float32Array.from([5, 2, 4, 1, 1, 3]),
    timestamps: Float64Array.from([1, 2, 3, 4, 5, 6]),
    itemAttributes: [{ title: 'X' }, null, { title: 'Z' }],
    itemCategories: [['c1'], [], []],
    userAttributes: [null, null, null, null],
    eventsRead: 6,
    store: 'sqlite',
  };
  const implicit = buildTrainingMatrix({ ...data, values: new Float32Array(6).fill(1) }, { filter: {}, useValues: false });
  assert.deepEqual(Array.from(implicit.matrix.toDense()), [1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0]);
  const rated = buildTrainingMatrix(data, { filter: {}, useValues: true });
  assert.equal(rated.matrix.get(0, 0), 2, 'the later rating of x by a wins');
  // y has one user: with minItemUsers 2 it goes, and with it d, who had nothing else.
  const common = buildTrainingMatrix(data, { filter: {}, useValues: true }, 2);
  assert.deepEqual([common.itemIds, common.userIds], [['x', 'z'], ['a', 'b', 'c']]);
  assert.deepEqual(common.itemAttributes, [{ title: 'X' }, { title: 'Z' }]);
  assert.deepEqual(Array.from(common.matrix.toDense()), [2, 0, 4, 1, 0, 1]);
  const strict = buildTrainingMatrix(data, { filter: {}, useValues: false }, 3);
  assert.deepEqual([strict.itemIds, strict.userIds, strict.matrix.nnz], [[], [], 0]);
});

test('reading the store applies the filter and carries item attributes in model order', async () => {
  const store = new SqliteEventStore(':memory:');
  await store.upsertItems([{ id: 'x', attributes: { title: 'X' } }, { id: 'unused', attributes: { title: 'U' } }]);
  await store.insertEvents([
    { userId: 'a', itemId: 'y', type: 'view', timestampMs: 1 },
    { userId: 'a', itemId: 'x', type: 'rating', value: 2, timestampMs: 2 },
    { userId: 'b', itemId: 'x', type: 'rating', value: 5, timestampMs: 3 },
  ]);
  const data = await readTrainingData(store, { filter: { minValue: 4 }, useValues: false }, 2);
  assert.equal(data.eventsRead, 3);
  assert.deepEqual([data.userIds, data.itemIds], [['a', 'b'], ['y', 'x']]);
  assert.deepEqual(data.itemAttributes, [null, { title: 'X' }]);
  assert.deepEqual([Array.from(data.rows), Array.from(data.cols), Array.from(data.values)], [[0, 1], [0, 1], [1, 1]]);
  await store.close();
});
