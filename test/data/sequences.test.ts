import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InteractionLogBuilder, type Dataset } from '../../src/data/interactions.js';
import { IdMap } from '../../src/data/id-map.js';
import { sequenceOf, sequencesFromLists, selectSequenceRows } from '../../src/data/sequences.js';
import { leaveLastOutSplit } from '../../src/data/splits/leave-last-out.js';
import { heldOutUsersSplit } from '../../src/data/splits/held-out-users.js';
import { filterInteractions, interactionDataFromDataset } from '../../src/data/transforms.js';

/** u0: a(t3) b(t1) a(t5) c(t2) — repeats and out-of-order lines; u1: c(t1) b(t1) (a tie: file order). */
function dataset(): Dataset {
  const users = new IdMap();
  const items = new IdMap();
  const log = new InteractionLogBuilder();
  const add = (u: string, i: string, t: number) => log.push(users.add(u), items.add(i), Number.NaN, t);
  add('u0', 'a', 3);
  add('u0', 'b', 1);
  add('u0', 'a', 5);
  add('u0', 'c', 2);
  add('u1', 'c', 1);
  add('u1', 'b', 1);
  for (let k = 0; k < 6; k++) add(`w${k}`, ['a', 'b', 'c'][k % 3]!, 10 + k);
  return { name: 'tiny', users, items, interactions: log.build(), hasRatings: false, hasTimestamps: true };
}

test('the data keeps every event in time order, ties in file order, repeats kept; the matrix has each pair once', () => {
  const data = interactionDataFromDataset(dataset());
  const names = (row: number) => Array.from(sequenceOf(data.events!.sequences, row).items, (i) => data.itemIds[i]);
  assert.deepEqual(names(0), ['b', 'c', 'a', 'a']);
  assert.deepEqual(names(1), ['c', 'b']);
  assert.equal(data.matrix.rowLength(0), 3);
  assert.deepEqual(Array.from(sequenceOf(data.events!.sequences, 0).timestamps!), [1, 2, 3, 5]);
});

test('leave-last-out: train and validation/test inputs are the ordered history before each target', () => {
  const split = leaveLastOutSplit(interactionDataFromDataset(dataset()), { validation: true, seed: 1 });
  const names = (seq: NonNullable<typeof split.train.sequences>, row: number) => Array.from(sequenceOf(seq, row).items, (i) => split.itemIds[i]);
  // u0's pairs by their latest time: b (1), c (2), a (5) → test target a, validation target c; a's earlier event goes with a.
  assert.deepEqual(names(split.train.sequences!, 0), ['b']);
  const testRow = Array.from(split.test.users).indexOf(0);
  assert.deepEqual(names(split.test.inputSequences!, testRow), ['b', 'c']);
  const validationRow = Array.from(split.validation!.users).indexOf(0);
  assert.deepEqual(names(split.validation!.inputSequences!, validationRow), ['b']);
});

test('filters and held-out users carry the sequences, renumbered with the kept rows and columns', () => {
  const data = filterInteractions(interactionDataFromDataset(dataset()), { minUserInteractions: 2 });
  assert.equal(data.events!.sequences.nRows, data.userIds.length);
  assert.deepEqual(Array.from(sequenceOf(data.events!.sequences, data.userIds.indexOf('u0')).items, (i) => data.itemIds[i]), ['b', 'c', 'a', 'a']);
  const split = heldOutUsersSplit(interactionDataFromDataset(dataset()), { validationUsers: 0, testUsers: 2, minHeldOutItems: 1, seed: 2 });
  assert.equal(split.train.sequences!.nRows, split.train.matrix.nRows);
  for (let r = 0; r < split.test.users.length; r++) {
    const inputs = new Set(sequenceOf(split.test.inputSequences!, r).items);
    assert.deepEqual([...inputs].sort(), [...split.test.input.rowIndices(r)].sort(), 'the sequence holds the fold-in items');
  }
});

test('sequences from lists, and row selection', () => {
  const seq = sequencesFromLists([[2, 0, 2], [1]], 3);
  assert.deepEqual(Array.from(sequenceOf(selectSequenceRows(seq, [1, 0]), 1).items), [2, 0, 2]);
  assert.throws(() => sequencesFromLists([[3]], 3), /item index 3 is outside 0..2/);
});
