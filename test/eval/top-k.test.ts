import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo, type CsrMatrix } from '../../src/data/csr.js';
import { topKPerRow } from '../../src/eval/top-k.js';

function csrFromLists(lists: readonly number[][], nCols: number): CsrMatrix {
  const rows: number[] = [];
  const cols: number[] = [];
  lists.forEach((list, r) => list.forEach((c) => (rows.push(r), cols.push(c))));
  return csrFromCoo(lists.length, nCols, rows, cols, null);
}

test('top-k returns the best items first with their scores', () => {
  const scores = Float32Array.from([0.1, 0.7, 0.3, 0.9, 0.5, /* row 1 */ 5, 4, 3, 2, 1]);
  const top = topKPerRow(scores, 5, 3, { withScores: true });
  assert.equal(top.rows, 2);
  assert.deepEqual([...top.items], [3, 1, 4, 0, 1, 2]);
  assert.deepEqual([...top.scores!], [0.9, 0.7, 0.5, 5, 4, 3].map(Math.fround));
});

test('ties are broken by lower item index, whatever the scan order meets first', () => {
  // Items 1 and 3 tie at the top, 0 and 2 tie behind them; item 2 must lose to item 0.
  const scores = Float32Array.from([0.5, 0.9, 0.5, 0.9, 0.1]);
  assert.deepEqual([...topKPerRow(scores, 5, 3).items], [1, 3, 0]);
  // All equal: the ranking is simply ascending item index.
  assert.deepEqual([...topKPerRow(new Float32Array(6).fill(2), 6, 4).items], [0, 1, 2, 3]);
});

test('an excluded item never appears, even with the top score', () => {
  const scores = Float32Array.from([0.1, 0.99, 0.5, /* row 1 */ 0.3, 0.2, 0.1]);
  const exclude = csrFromLists([[1], [0, 2]], 3);
  const top = topKPerRow(scores, 3, 2, { exclude });
  assert.deepEqual([...top.items], [2, 0, 1, -1]);
});

test('rows with fewer candidates than k are padded with -1 (−∞ scores)', () => {
  const scores = Float32Array.from([1, 2, 3]);
  const top = topKPerRow(scores, 3, 5, { exclude: csrFromLists([[0]], 3), withScores: true });
  assert.deepEqual([...top.items], [2, 1, -1, -1, -1]);
  assert.deepEqual([...top.scores!].slice(0, 2), [3, 2]);
  assert.ok(top.scores!.slice(2).every((v) => v === -Infinity));
});

test('excludeRowOffset lines a batch up with a larger exclusion matrix', () => {
  const exclude = csrFromLists([[0], [1], [2]], 3);
  const scores = Float32Array.from([3, 2, 1, /* row 1 */ 1, 2, 3]);
  // The block holds evaluation rows 1 and 2, which exclude items 1 and 2.
  assert.deepEqual([...topKPerRow(scores, 3, 1, { exclude, excludeRowOffset: 1 }).items], [0, 1]);
  // Without the offset, rows 0 and 1 (excluding items 0 and 1) would apply.
  assert.deepEqual([...topKPerRow(scores, 3, 1, { exclude }).items], [1, 2]);
  assert.throws(() => topKPerRow(scores, 3, 1, { exclude, excludeRowOffset: 2 }), /exclusion rows 2\.\.3 requested but the matrix has 3 rows/);
});

test('NaN and −∞ scores are never selected and do not corrupt the order', () => {
  const scores = Float32Array.from([NaN, 1, NaN, -Infinity, 2]);
  assert.deepEqual([...topKPerRow(scores, 5, 5).items], [4, 1, -1, -1, -1]);
});

test('exclusions leave the caller\'s scores untouched', () => {
  const scores = Float32Array.from([3, 2, 1]);
  topKPerRow(scores, 3, 2, { exclude: csrFromLists([[0]], 3) });
  assert.deepEqual([...scores], [3, 2, 1]);
});

test('top-k rejects a bad k or a block that is not whole rows', () => {
  assert.throws(() => topKPerRow(new Float32Array(4), 2, 0), /positive integer, got 0/);
  assert.throws(() => topKPerRow(new Float32Array(5), 2, 1), /5 values, not a whole number of rows of 2 items/);
  assert.throws(() => topKPerRow(new Float32Array(4), 2, 1, { exclude: csrFromLists([[0]], 3) }), /3 columns but the scores have 2 items/);
});

/** Deterministic generator so a failure can be replayed. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('top-k agrees with a full sort on random data with ties and exclusions', () => {
  const random = mulberry32(42);
  for (const [nRows, nItems, k] of [
    [50, 200, 10],
    [30, 40, 40],
    [20, 15, 30],
    [10, 300, 1],
  ] as const) {
    // Scores from only 20 distinct values, so ties are everywhere.
    const scores = Float32Array.from({ length: nRows * nItems }, () => Math.floor(random() * 20) / 7);
    const excludeLists = Array.from({ length: nRows }, () => {
      const list: number[] = [];
      for (let i = 0; i < nItems; i++) if (random() < 0.2) list.push(i);
      return list;
    });
    const top = topKPerRow(scores, nItems, k, { exclude: csrFromLists(excludeLists, nItems), withScores: true });
    for (let r = 0; r < nRows; r++) {
      const excluded = new Set(excludeLists[r]);
      const reference = [...Array(nItems).keys()]
        .filter((i) => !excluded.has(i))
        .sort((a, b) => scores[r * nItems + b]! - scores[r * nItems + a]! || a - b)
        .slice(0, k);
      while (reference.length < k) reference.push(-1);
      assert.deepEqual([...top.items.subarray(r * k, (r + 1) * k)], reference, `row ${r} of ${nRows}×${nItems}, k=${k}`);
    }
  }
});
