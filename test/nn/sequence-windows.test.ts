import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sequencesFromLists } from '../../src/data/sequences.js';
import { PAD, historyWindows, oneHotRows, trainingWindows } from '../../src/nn/sequence-windows.js';

const sequences = sequencesFromLists([[4, 1, 2, 1], [3], [0, 5, 6, 7, 8, 2]], 9);

test('history windows hold the most recent events right-aligned, padded on the left', () => {
  const windows = historyWindows(sequences, 3);
  assert.deepEqual([...windows.inputs], [1, 2, 1, PAD, PAD, 3, 7, 8, 2]);
  assert.deepEqual([...windows.filled], [3, 1, 3]);
  const picked = historyWindows(sequences, 5, [1, 0]);
  assert.deepEqual([...picked.inputs], [PAD, PAD, PAD, PAD, 3, PAD, 4, 1, 2, 1]);
});

test('training windows pair each input slot with the event that followed it', () => {
  const windows = trainingWindows(sequences, 3, [0, 1, 2]);
  assert.deepEqual([...windows.inputs], [4, 1, 2, PAD, PAD, PAD, 6, 7, 8]);
  assert.deepEqual([...windows.targets], [1, 2, 1, PAD, PAD, PAD, 7, 8, 2]);
  assert.deepEqual([...windows.filled], [3, 0, 3]);
  assert.deepEqual([...windows.targetSlots], [0, 1, 2, 6, 7, 8]);
  const long = trainingWindows(sequences, 8, [0]);
  assert.deepEqual([...long.inputs].slice(-3), [4, 1, 2]);
  assert.deepEqual([...long.targets].slice(-3), [1, 2, 1]);
  assert.deepEqual([...long.targetSlots], [5, 6, 7]);
});

test('one-hot rows: one entry per filled slot, empty rows for padding', () => {
  const windows = trainingWindows(sequences, 3, [0, 1]);
  const all = oneHotRows(windows.inputs, 9);
  assert.deepEqual([...all.indptr], [0, 1, 2, 3, 3, 3, 3]);
  assert.deepEqual([...all.indices], [4, 1, 2]);
  const targets = oneHotRows(windows.targets, 9, windows.targetSlots);
  assert.equal(targets.nRows, 3);
  assert.deepEqual([...targets.indices], [1, 2, 1]);
  assert.throws(() => oneHotRows(Int32Array.of(9), 9), /item index 9 is outside 0..8/);
  assert.throws(() => historyWindows(sequences, 0), /window length must be a positive integer/);
  assert.throws(() => trainingWindows(sequences, 2, [3]), /sequence row 3 is outside 0..2/);
});
