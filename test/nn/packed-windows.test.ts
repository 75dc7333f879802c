/**
 * Packed windows keep exactly the filled slots of right-aligned windows, oldest first, with
 * their targets; learned positions number each window's events from its oldest, and their
 * backward sums the gradient of every window's i-th event into row i.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sequencesFromLists } from '../../src/data/sequences.js';
import { referenceBackend } from '../../src/engine/reference.js';
import { packWindows } from '../../src/nn/packed-windows.js';
import { PositionalEmbedding } from '../../src/nn/positional-embedding.js';
import { historyWindows, trainingWindows } from '../../src/nn/sequence-windows.js';

const sequences = sequencesFromLists([[4, 1, 2, 3], [], [5], [0, 6, 7, 1, 2, 3]], 8);

test('packed training windows hold the filled slots and their next items, window by window', () => {
  const packed = packWindows(trainingWindows(sequences, 3, [0, 1, 2, 3]));
  assert.deepEqual([...packed.filled], [3, 0, 0, 3]);
  assert.deepEqual([...packed.firstRow], [0, 3, 3, 3, 6]);
  assert.equal(packed.rows, 6);
  assert.equal(packed.longest, 3);
  assert.deepEqual([...packed.items], [4, 1, 2, 7, 1, 2]);
  assert.deepEqual([...packed.targets!], [1, 2, 3, 1, 2, 3]);
});

test('packed history windows keep the last events, and an empty history takes no rows', () => {
  const packed = packWindows(historyWindows(sequences, 4));
  assert.deepEqual([...packed.filled], [4, 0, 1, 4]);
  assert.deepEqual([...packed.items], [4, 1, 2, 3, 5, 7, 1, 2, 3]);
  assert.equal(packed.targets, undefined);
  const empty = packWindows(historyWindows(sequences, 4, [1]));
  assert.equal(empty.rows, 0);
  assert.equal(empty.longest, 1);
});

test('positions count from each window\'s oldest event; the backward sums per position', () => {
  const packed = packWindows(historyWindows(sequences, 4, [0, 2]));
  const positions = new PositionalEmbedding(referenceBackend, 'pos', 4, 2);
  positions.weight.value.set([1, 10, 2, 20, 3, 30, 4, 40]);
  const x = new Float32Array(packed.rows * 2);
  positions.forward(x, packed);
  assert.deepEqual([...x], [1, 10, 2, 20, 3, 30, 4, 40, 1, 10]);
  positions.backward(Float32Array.from({ length: packed.rows * 2 }, (_, i) => i), packed);
  // Row 0 gets window 0's first event (0, 1) and window 1's (8, 9).
  assert.deepEqual([...positions.weight.grad], [8, 10, 2, 3, 4, 5, 6, 7]);
  assert.throws(() => new PositionalEmbedding(referenceBackend, 'short', 3, 2).forward(x, packed), /a window of 4 events exceeds the 3 positions/);
});
