/**
 * Session-kNN (V-SKNN) scores on a tiny example computed by hand. Training sessions, items 0..4:
 *
 *   s0: 0 1     (times 1, 2; recency rank 0, the oldest)
 *   s1: 1 2 3   (times 3, 4, 5; rank 1)
 *   s2: 0 3     (times 6, 7; rank 2)
 *   s3: 4       (time 8; rank 3, the newest)
 *
 * History "1 then 0" with linear weights: w1 = 1/2, w0 = 2/2 = 1, ‖w‖ = √1.25 = 1.118034.
 * Candidates (share an item): s0, s1, s2. Cosine to the binary neighbour vectors:
 *   sim(s0) = (1 + 0.5) / (1.118034 · √2) = 0.948683
 *   sim(s1) =  0.5      / (1.118034 · √3) = 0.258199
 *   sim(s2) =  1        / (1.118034 · √2) = 0.632456
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo } from '../../src/data/csr.js';
import { sequencesFromLists } from '../../src/data/sequences.js';
import type { ScoreQuery } from '../../src/data/training-data.js';
import { positionWeight, recencyRanks, sessionKnnFactory } from '../../src/models/baselines/session-knn.js';

const ITEMS = 5;
const SESSIONS = [[0, 1], [1, 2, 3], [0, 3], [4]];
const TIMES = [[1, 2], [3, 4, 5], [6, 7], [8]];

function training(times = true) {
  const rows = SESSIONS.flatMap((s, r) => s.map(() => r));
  const matrix = csrFromCoo(SESSIONS.length, ITEMS, rows, SESSIONS.flat(), rows.map(() => 1));
  return { matrix, sequences: sequencesFromLists(SESSIONS, ITEMS, times ? TIMES : undefined) };
}

function query(history: number[], user = -1): ScoreQuery {
  const sorted = [...new Set(history)].sort((a, b) => a - b);
  return {
    histories: csrFromCoo(1, ITEMS, sorted.map(() => 0), sorted, sorted.map(() => 1)),
    sequences: sequencesFromLists([history], ITEMS),
    users: Int32Array.of(user),
  };
}

async function scores(settings: Record<string, unknown>, history: number[], user = -1, times = true): Promise<number[]> {
  const model = sessionKnnFactory.create(settings);
  await model.fit(training(times));
  return Array.from(model.score(query(history, user)));
}

function close(actual: number[], expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, what);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]!) < 1e-5, `${what}: item ${i}: ${a} vs ${expected[i]}`));
}

test('session-kNN: the two most similar sessions vote their similarity (k = 2)', async () => {
  // Neighbours s0 and s2: item 0 = 0.948683 + 0.632456, item 1 = 0.948683, item 3 = 0.632456.
  close(await scores({ neighbours: 2 }, [1, 0]), [1.581139, 0.948683, 0, 0.632456, 0], 'k = 2');
  // All three candidates vote; s3 shares nothing and never does.
  close(await scores({ neighbours: 3 }, [1, 0]), [1.581139, 1.206882, 0.258199, 0.890655, 0], 'k = 3');
});

test('session-kNN: order matters — the most recent event weighs most', async () => {
  // "0 then 1": w0 = 1/2, w1 = 1; sim(s0) = 0.948683, sim(s1) = 1 / (1.118034 · √3) = 0.516398,
  // sim(s2) = 0.5 / (1.118034 · √2) = 0.316228; k = 2 takes s0 and s1.
  close(await scores({ neighbours: 2 }, [0, 1]), [0.948683, 1.465081, 0.516398, 0.516398, 0], 'reversed');
});

test('session-kNN: only the sampleSize most recent sharing sessions are candidates', async () => {
  // sampleSize 2 keeps s2 and s1 (ranks 2 and 1) and drops the older s0.
  close(await scores({ neighbours: 2, sampleSize: 2 }, [1, 0]), [0.632456, 0.258199, 0.258199, 0.890655, 0], 'sample 2');
  // Without times, recency is row order: the same here, as the rows are in time order.
  close(await scores({ neighbours: 2, sampleSize: 2 }, [1, 0], -1, false), [0.632456, 0.258199, 0.258199, 0.890655, 0], 'row order');
});

test('session-kNN: a training user is not its own neighbour', async () => {
  // As training session s0, the history "1 then 0" has s2 and s1 as its two neighbours.
  close(await scores({ neighbours: 2 }, [1, 0], 0), [0.632456, 0.258199, 0.258199, 0.890655, 0], 'user 0');
});

test('session-kNN: a repeated item keeps the weight of its latest occurrence', async () => {
  // "0 1 0": w0 = 3/3 = 1, w1 = 2/3; ‖w‖ = √(13/9) = 1.201850.
  // sim(s0) = (5/3) / (1.201850 · √2) = 0.980581, sim(s2) = 1 / (1.201850 · √2) = 0.588348.
  close(await scores({ neighbours: 2 }, [0, 1, 0]), [1.568929, 0.980581, 0, 0.588348, 0], 'repeat');
});

test('session-kNN: an empty history scores zero; an unknown-only history too', async () => {
  close(await scores({}, []), [0, 0, 0, 0, 0], 'empty');
});

test('session-kNN: position weights and recency ranks', () => {
  assert.equal(positionWeight('linear', 1, 4), 0.25);
  assert.equal(positionWeight('uniform', 1, 4), 1);
  assert.equal(positionWeight('quadratic', 2, 4), 0.25);
  assert.ok(Math.abs(positionWeight('log', 4, 4) - 1 / Math.log10(1.7)) < 1e-12);
  // s1 has the latest event, then s0; the time-less s2 ranks first (oldest).
  const matrix = csrFromCoo(3, 2, [0, 1, 2], [0, 1, 0], [1, 1, 1]);
  const sequences = sequencesFromLists([[0], [1], [0]], 2, [[5], [9], [Number.NaN]]);
  assert.deepEqual(Array.from(recencyRanks(matrix, sequences)), [1, 2, 0]);
});

test('session-kNN: a query without sequences is refused, naming what it needs', async () => {
  const model = sessionKnnFactory.create({});
  await model.fit(training());
  assert.throws(() => model.score({ histories: query([1, 0]).histories }), /scores ordered histories/);
  await assert.rejects(sessionKnnFactory.create({}).fit({ matrix: training().matrix }), /needs ordered event sequences/);
});
