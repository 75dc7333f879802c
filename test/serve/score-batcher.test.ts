/**
 * The score batcher stacks concurrent queries of one shape into one model call: sequences with
 * their timestamps and event types travel with the stacked rows, and queries that differ in
 * shape (timestamps or not, other event types) are scored in separate calls.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csrFromCoo } from '../../src/data/csr.js';
import { sequencesFromLists, type UserSequences } from '../../src/data/sequences.js';
import type { ScoreQuery } from '../../src/data/training-data.js';
import type { Recommender } from '../../src/models/model.js';
import { ScoreBatcher, stackQueries } from '../../src/serve/score-batcher.js';

const ITEMS = 5;

function query(lists: number[][], extras: { timestamps?: number[][]; types?: { codes: number[][]; names: string[] } } = {}): ScoreQuery {
  const rows = lists.flatMap((list, r) => list.map(() => r));
  const histories = csrFromCoo(lists.length, ITEMS, Int32Array.from(rows), Int32Array.from(lists.flat()), null, 'max');
  const base = sequencesFromLists(lists, ITEMS, extras.timestamps);
  const sequences: UserSequences = extras.types
    ? { ...base, eventTypeCodes: Int16Array.from(extras.types.codes.flat()), eventTypes: extras.types.names }
    : base;
  return { histories, sequences };
}

test('stacked sequences keep the timestamps and event types of every row, in order', () => {
  const types = (codes: number[][]) => ({ codes, names: ['view', 'buy'] });
  const stacked = stackQueries([
    query([[0, 1], [2]], { timestamps: [[10, 11], [12]], types: types([[0, 1], [0]]) }),
    query([[3, 4, 0]], { timestamps: [[20, 21, 22]], types: types([[1, 1, 0]]) }),
  ]);
  const s = stacked.sequences!;
  assert.equal(s.nRows, 3);
  assert.deepEqual([...s.indptr], [0, 2, 3, 6]);
  assert.deepEqual([...s.items], [0, 1, 2, 3, 4, 0]);
  assert.deepEqual([...s.timestamps!], [10, 11, 12, 20, 21, 22]);
  assert.deepEqual([...s.eventTypeCodes!], [0, 1, 0, 1, 1, 0]);
  assert.deepEqual(s.eventTypes, ['view', 'buy']);
  assert.equal(stacked.histories.nRows, 3);
});

test('queries with and without timestamps wait together but are scored in separate calls, each row getting its own scores', async () => {
  const calls: ScoreQuery[] = [];
  // A model whose score for item j of a row is 100·(the row's first timestamp, or 0) + its first item + j.
  const model = {
    nItems: ITEMS,
    score(q: ScoreQuery): Float32Array {
      calls.push(q);
      const out = new Float32Array(q.histories.nRows * ITEMS);
      const s = q.sequences!;
      for (let r = 0; r < q.histories.nRows; r++) {
        const first = s.indptr[r]!;
        for (let j = 0; j < ITEMS; j++) out[r * ITEMS + j] = 100 * (s.timestamps ? s.timestamps[first]! : 0) + s.items[first]! + j;
      }
      return out;
    },
  } as unknown as Recommender;
  const batcher = new ScoreBatcher({ maxRows: 64, windowMs: 0 });
  const [a, b, c] = await Promise.all([
    batcher.score(model, query([[1]], { timestamps: [[3]] })),
    batcher.score(model, query([[2]])),
    batcher.score(model, query([[4]], { timestamps: [[5]] })),
  ]);
  assert.equal(calls.length, 2, 'one call for the two queries with timestamps, one for the one without');
  assert.deepEqual(calls.map((q) => q.histories.nRows).sort(), [1, 2]);
  assert.deepEqual([...a!], [301, 302, 303, 304, 305]);
  assert.deepEqual([...b!], [2, 3, 4, 5, 6]);
  assert.deepEqual([...c!], [504, 505, 506, 507, 508]);
  assert.deepEqual(batcher.stats, { calls: 2, rows: 3 });
});
