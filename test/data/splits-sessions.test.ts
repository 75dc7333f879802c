/**
 * The SR-GNN session protocol on small hand-made click files, every count worked out by hand,
 * and the session metrics (next click from each prefix) on a scorer whose ranking is known.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readDataset } from '../../src/data/readers/index.js';
import { sequenceOf } from '../../src/data/sequences.js';
import { sessionSplitByDays, sessionSplitGivenTest } from '../../src/data/splits/sessions.js';
import type { ScoreQuery } from '../../src/data/training-data.js';
import { evaluateSessions, prefixQuery, sessionPredictions } from '../../src/eval/sessions.js';

const root = mkdtempSync(path.join(tmpdir(), 'recoder-session-split-'));
after(() => rmSync(root, { recursive: true, force: true }));
function clicks(name: string, rows: [string, string, number][]): string {
  const file = path.join(root, name);
  writeFileSync(file, ['SessionId\tItemId\tTime', ...rows.map((r) => r.join('\t'))].join('\n') + '\n');
  return file;
}

/**
 * Train: a = x y x, b = y z, c = x (one click: dropped), d = x w.
 * Test:  t1 = x q y, t2 = z x, t3 = y y, t4 = z v v.
 * Clicks over the sessions of ≥ 2 clicks: x 5, y 5, z 3, v 2, w 1, q 1; with minItemClicks 2,
 * w and q are rare: d is left with one click (dropped), t1 becomes x y. The catalogue is what
 * a and b clicked: x, y, z; v is unseen in training, so t4 is left with z alone (dropped).
 */
async function givenTestSplit() {
  const train = clicks('train.txt', [['a', 'x', 1], ['a', 'y', 2], ['b', 'y', 4], ['b', 'z', 5], ['c', 'x', 6], ['d', 'x', 7], ['d', 'w', 8], ['a', 'x', 3]]);
  const test = clicks('test.txt', [['t1', 'x', 10], ['t1', 'y', 12], ['t1', 'q', 11], ['t2', 'z', 13], ['t2', 'x', 14], ['t3', 'y', 15], ['t3', 'y', 16], ['t4', 'z', 17], ['t4', 'v', 18], ['t4', 'v', 19]]);
  return sessionSplitGivenTest((await readDataset('session-clicks', train)).dataset, (await readDataset('session-clicks', test)).dataset, { minItemClicks: 2 });
}

const listsOf = (sessions: Parameters<typeof sequenceOf>[0]) => Array.from({ length: sessions.nRows }, (_, r) => Array.from(sequenceOf(sessions, r).items));

test('sessions, given test file: one-click sessions, rare items and unseen test items go; clicks stay in time order', async () => {
  const split = await givenTestSplit();
  assert.deepEqual(split.itemIds, ['x', 'y', 'z']);
  assert.deepEqual(split.trainSessionIds, ['a', 'b']);
  // a's clicks are ordered by time (x at 1, y at 2, x at 3) although the file lists x@3 last.
  assert.deepEqual(listsOf(split.train.sequences), [[0, 1, 0], [1, 2]]);
  assert.deepEqual(Array.from(split.train.sequences.timestamps!), [1, 2, 3, 4, 5]);
  assert.deepEqual([0, 1].map((r) => Array.from(split.train.matrix.rowIndices(r))), [[0, 1], [1, 2]]);
  assert.deepEqual(split.test.sessionIds, ['t1', 't2', 't3']);
  assert.deepEqual(listsOf(split.test.sessions), [[0, 1], [2, 0], [1, 1]]);
  assert.deepEqual(split.counts, {
    inputSessions: 8,
    inputClicks: 18,
    oneClickSessions: 1,
    rareItems: 2,
    sessionsShortAfterRareItems: 1,
    sessionsOnCutoffDay: 0,
    testClicksOnUnseenItems: 2,
    testSessionsShortAfterUnseenItems: 1,
    trainSessions: 2,
    trainClicks: 5,
    testSessions: 3,
    testClicks: 6,
    testPredictions: 3,
    items: 3,
  });
});

test('sessions, last days: the day of the latest click decides; the cut-off day itself is in neither part', async () => {
  const day = (d: number, seconds = 0) => d * 86400 + seconds;
  // maxDay 10, 2 test days → cut-off day 8: s7 trains, s8 is dropped, s9 and s10 test.
  const file = clicks('days.txt', [
    ['s7', 'x', day(7)], ['s7', 'y', day(7, 60)],
    ['s8', 'x', day(8)], ['s8', 'y', day(8, 60)],
    ['s9', 'y', day(9)], ['s9', 'x', day(9, 60)],
    ['s10', 'x', day(10, 5)], ['s10', 'y', day(10, 9)],
    // Starts on day 7, its latest click is on day 9: a test session.
    ['late', 'y', day(7, 86000)], ['late', 'x', day(9, 10)],
  ]);
  const split = sessionSplitByDays((await readDataset('session-clicks', file)).dataset, 2, { minItemClicks: 1 });
  assert.deepEqual(split.trainSessionIds, ['s7']);
  assert.deepEqual(split.test.sessionIds, ['s9', 's10', 'late']);
  assert.equal(split.counts.sessionsOnCutoffDay, 1);
  assert.deepEqual(split.protocol, { kind: 'sessions', test: { kind: 'last-days', days: 2 }, minItemClicks: 1 });
  assert.throws(() => sessionSplitByDays(split as never, 0), /testDays must be a positive integer/);
});

test('session predictions: every click after the first, from the prefix before it, in order, as an anonymous visitor', async () => {
  const { test: testSet } = await givenTestSplit();
  const predictions = sessionPredictions(testSet.sessions);
  assert.deepEqual(predictions, [{ session: 0, length: 1 }, { session: 1, length: 1 }, { session: 2, length: 1 }]);
  const query = prefixQuery(testSet.sessions, [{ session: 1, length: 1 }, { session: 0, length: 1 }]);
  assert.deepEqual(listsOf(query.sequences!), [[2], [0]]);
  assert.deepEqual(Array.from(query.users!), [-1, -1]);
  // A longer session: a = x y x gives prefixes "x" and "x y"; the row is the prefix's items once.
  const { train } = await givenTestSplit();
  assert.deepEqual(sessionPredictions(train.sequences), [{ session: 0, length: 1 }, { session: 0, length: 2 }, { session: 1, length: 1 }]);
  const longer = prefixQuery(train.sequences, [{ session: 0, length: 2 }]);
  assert.deepEqual(listsOf(longer.sequences!), [[0, 1]]);
  assert.deepEqual(Array.from(longer.histories.rowIndices(0)), [0, 1]);
});

test('session metrics: recall@k (= P@20 of SR-GNN) and mrr@k over predictions, with standard errors', async () => {
  const { test: testSet } = await givenTestSplit();
  // Always ranks x, y, z. Targets: t1 "x → y" (rank 2), t2 "z → x" (rank 1), t3 "y → y" (rank 2: nothing is excluded).
  const fixed = { nItems: 3, score: (q: ScoreQuery) => new Float32Array(q.histories.nRows * 3).map((_, k) => 3 - (k % 3)) };
  const result = evaluateSessions(fixed, testSet.sessions, { metrics: ['recall@1', 'recall@2', 'mrr@2', 'mrr@1'], batchSize: 2 });
  assert.equal(result.predictions, 3);
  assert.equal(result.sessions, 3);
  const near = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} vs ${expected}`);
  // recall@1: 0, 1, 0 → mean 1/3; sd = √(1/3), stderr = √(1/3)/√3 = 1/3.
  near(result.metrics['recall@1']!.mean, 1 / 3, 'recall@1');
  near(result.metrics['recall@1']!.stderr, 1 / 3, 'recall@1 stderr');
  near(result.metrics['recall@2']!.mean, 1, 'recall@2');
  near(result.metrics['recall@2']!.stderr, 0, 'recall@2 stderr');
  // mrr@2: 1/2, 1, 1/2 → mean 2/3; deviations −1/6, 1/3, −1/6 → variance (1/6)/2 = 1/12, stderr √(1/12)/√3 = 1/6.
  near(result.metrics['mrr@2']!.mean, 2 / 3, 'mrr@2');
  near(result.metrics['mrr@2']!.stderr, 1 / 6, 'mrr@2 stderr');
  near(result.metrics['mrr@1']!.mean, 1 / 3, 'mrr@1');
  assert.throws(() => evaluateSessions(fixed, testSet.sessions, { metrics: ['precision@20'] }), /not a session metric/);
  assert.throws(() => evaluateSessions({ ...fixed, nItems: 4 }, testSet.sessions), /model scores 4 items but the test sessions are over 3/);
});
