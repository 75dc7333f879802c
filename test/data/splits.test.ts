import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CsrMatrix, csrFromCoo } from '../../src/data/csr.js';
import { IdMap } from '../../src/data/id-map.js';
import { InteractionLogBuilder } from '../../src/data/interactions.js';
import { Rng } from '../../src/data/random.js';
import type { EvalSet, Split } from '../../src/data/split-types.js';
import {
  heldOutTargetCount,
  heldOutUsersSplit,
  leaveLastOutSplit,
  makeSplit,
  randomRatingSplit,
  ratioSplitCounts,
  timeSplit,
  userRatioSplit,
} from '../../src/data/splits/index.js';
import { interactionDataFromDataset, type InteractionData } from '../../src/data/transforms.js';

// ---- fixtures and invariant checks -------------------------------------------------------------

/** nUsers × nItems, each cell rated 1..5 with probability `density`, distinct timestamps in random order. */
function randomData(nUsers: number, nItems: number, density: number, seed: number): InteractionData {
  const rng = new Rng(seed);
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  for (let u = 0; u < nUsers; u++) {
    for (let i = 0; i < nItems; i++) {
      if (rng.nextFloat() < density) {
        rows.push(u);
        cols.push(i);
        vals.push(1 + rng.nextInt(5));
      }
    }
  }
  const matrix = csrFromCoo(nUsers, nItems, rows, cols, vals);
  const timestamps = Float64Array.from(rng.shuffle(Array.from({ length: matrix.nnz }, (_, k) => 1000 + k)));
  return {
    name: 'random',
    matrix,
    timestamps,
    userIds: Array.from({ length: nUsers }, (_, u) => `u${u}`),
    itemIds: Array.from({ length: nItems }, (_, i) => `i${i}`),
  };
}

/** Entries of a matrix keyed by external ids; row r is user `rowUsers[r]` (or r). */
function entriesOf(m: CsrMatrix, userIds: readonly string[], itemIds: readonly string[], rowUsers?: Int32Array): Map<string, number> {
  const out = new Map<string, number>();
  for (let r = 0; r < m.nRows; r++) {
    const user = userIds[rowUsers ? rowUsers[r]! : r]!;
    for (let k = m.indptr[r]!; k < m.indptr[r + 1]!; k++) out.set(`${user}|${itemIds[m.indices[k]!]}`, m.values[k]!);
  }
  return out;
}

/**
 * Checks that the split's parts are disjoint, lie in the data with the data's
 * values, and returns how many data entries are in no part.
 */
function checkPartition(data: InteractionData, split: Split): number {
  const all = entriesOf(data.matrix, data.userIds, data.itemIds);
  const ids = [split.userIds, split.itemIds] as const;
  const parts = [entriesOf(split.train.matrix, ...ids)];
  for (const set of [split.validation, split.test]) {
    if (!set) continue;
    parts.push(entriesOf(set.targets, ...ids, set.users));
    if (split.protocol.kind === 'held-out-users') parts.push(entriesOf(set.input, ...ids, set.users));
  }
  const seen = new Set<string>();
  for (const part of parts) {
    for (const [key, value] of part) {
      assert.ok(!seen.has(key), `${key} is in two parts`);
      seen.add(key);
      assert.equal(all.get(key), value, `${key} is not in the data with this value`);
    }
  }
  return all.size - seen.size;
}

/** Shape and sanity of an EvalSet: users ascending, each with targets, none of them excluded, input ⊆ exclude. */
function checkEvalSet(set: EvalSet, nItems: number): void {
  for (let i = 1; i < set.users.length; i++) assert.ok(set.users[i]! > set.users[i - 1]!);
  for (const m of [set.input, set.exclude, set.targets]) {
    assert.equal(m.nRows, set.users.length);
    assert.equal(m.nCols, nItems);
  }
  for (let r = 0; r < set.users.length; r++) {
    assert.ok(set.targets.rowLength(r) > 0, 'every evaluated user has a target');
    const excluded = new Set(set.exclude.rowIndices(r));
    for (const c of set.targets.rowIndices(r)) assert.ok(!excluded.has(c), 'a target is excluded');
    for (const c of set.input.rowIndices(r)) assert.ok(excluded.has(c), 'an input item is not excluded');
  }
}

const rowSet = (m: CsrMatrix, r: number) => [...m.rowIndices(r)];
const union = (a: number[], b: number[]) => [...a, ...b].sort((x, y) => x - y);

// ---- random ratings (AutoRec) ------------------------------------------------------------------

test('random-ratings: 90/10 then 10 % of train, every rating in exactly one part, targets keep values', () => {
  const data = randomData(30, 20, 0.4, 1);
  const nnz = data.matrix.nnz;
  const split = randomRatingSplit(data, { testFraction: 0.1, validationFraction: 0.1, seed: 5 });
  const nTest = Math.round(0.1 * nnz);
  assert.equal(split.test.targets.nnz, nTest);
  assert.equal(split.validation!.targets.nnz, Math.round(0.1 * (nnz - nTest)));
  assert.equal(checkPartition(data, split), 0);
  for (const set of [split.validation!, split.test]) {
    checkEvalSet(set, 20);
    set.users.forEach((u, r) => {
      assert.deepEqual(rowSet(set.input, r), rowSet(split.train.matrix, u), 'input is the train row');
      assert.deepEqual(rowSet(set.exclude, r), rowSet(split.train.matrix, u));
    });
  }
  assert.equal(split.dataFingerprint.startsWith('sha256:'), true);
  assert.equal(randomRatingSplit(data, { testFraction: 0.1, seed: 5 }).validation, undefined);
});

test('random-ratings: same seed same split, another seed another split', () => {
  const data = randomData(30, 20, 0.4, 1);
  const a = randomRatingSplit(data, { testFraction: 0.2, seed: 1 });
  assert.deepEqual(randomRatingSplit(data, { testFraction: 0.2, seed: 1 }), a);
  assert.notDeepEqual(randomRatingSplit(data, { testFraction: 0.2, seed: 2 }).test.targets, a.test.targets);
  assert.throws(() => randomRatingSplit(data, { testFraction: 1, seed: 1 }), /testFraction must be a number in \[0, 1\)/);
});

// ---- user ratio (RecBole) ----------------------------------------------------------------------

test("user-ratio counts follow RecBole's _calcu_split_ids", () => {
  const r = [0.8, 0.1, 0.1] as const;
  assert.deepEqual(ratioSplitCounts(0, r), [0, 0, 0]);
  assert.deepEqual(ratioSplitCounts(1, r), [1, 0, 0]);
  assert.deepEqual(ratioSplitCounts(2, r), [1, 0, 1]);
  assert.deepEqual(ratioSplitCounts(3, r), [1, 1, 1]);
  assert.deepEqual(ratioSplitCounts(10, r), [8, 1, 1]);
  assert.deepEqual(ratioSplitCounts(25, r), [21, 2, 2]);
  assert.deepEqual(ratioSplitCounts(10, [8, 1, 1]), [8, 1, 1], 'ratios are normalised');
});

test('user-ratio: per-user counts, partition, test excludes train + validation, input is train', () => {
  const sizes = [1, 2, 3, 10, 20, 0];
  const rows = sizes.flatMap((n, u) => Array<number>(n).fill(u));
  const cols = sizes.flatMap((n) => Array.from({ length: n }, (_, i) => i));
  const data: InteractionData = {
    name: 'sizes',
    matrix: csrFromCoo(6, 20, rows, cols, null),
    timestamps: null,
    userIds: sizes.map((_, u) => `u${u}`),
    itemIds: Array.from({ length: 20 }, (_, i) => `i${i}`),
  };
  const split = userRatioSplit(data, { ratios: [0.8, 0.1, 0.1], seed: 3 });
  assert.equal(checkPartition(data, split), 0);
  const v = split.validation!;
  const t = split.test;
  sizes.forEach((n, u) => {
    const [nTrain, nValidation, nTest] = ratioSplitCounts(n, [0.8, 0.1, 0.1]);
    assert.equal(split.train.matrix.rowLength(u), nTrain, `user ${u} train`);
    const vr = v.users.indexOf(u);
    const tr = t.users.indexOf(u);
    assert.equal(vr < 0 ? 0 : v.targets.rowLength(vr), nValidation, `user ${u} validation`);
    assert.equal(tr < 0 ? 0 : t.targets.rowLength(tr), nTest, `user ${u} test`);
    if (tr >= 0) {
      assert.deepEqual(rowSet(t.input, tr), rowSet(split.train.matrix, u));
      assert.deepEqual(rowSet(t.exclude, tr), union(rowSet(split.train.matrix, u), vr < 0 ? [] : rowSet(v.targets, vr)));
    }
    if (vr >= 0) assert.deepEqual(rowSet(v.exclude, vr), rowSet(split.train.matrix, u));
  });
  checkEvalSet(v, 20);
  checkEvalSet(t, 20);
  assert.deepEqual(userRatioSplit(data, { ratios: [0.8, 0.1, 0.1], seed: 3 }), split);
  assert.notDeepEqual(userRatioSplit(data, { ratios: [0.8, 0.1, 0.1], seed: 4 }).test.targets, t.targets);
  assert.equal(userRatioSplit(data, { ratios: [0.8, 0, 0.2], seed: 3 }).validation, undefined);
});

// ---- held-out users (Mult-VAE) -----------------------------------------------------------------

test("held-out target count is the notebook's int(0.2 n), at least one", () => {
  assert.equal(heldOutTargetCount(5, 0.8), 1, '1 - 0.8 must count as 0.2, not 0.19999999999999996');
  assert.equal(heldOutTargetCount(9, 0.8), 1);
  assert.equal(heldOutTargetCount(10, 0.8), 2);
  assert.equal(heldOutTargetCount(100, 0.8), 20);
  assert.equal(heldOutTargetCount(3, 0.8), 1);
  assert.equal(heldOutTargetCount(7, 0.5), 3);
});

/**
 * 40 users × 30 items at random, plus user 'rare' with 5 items, one of which
 * (item 'only-rare') nobody else has.
 */
function heldOutFixture(): InteractionData {
  const base = randomData(40, 30, 0.3, 2);
  const rows = [...Array.from({ length: 40 }, (_, u) => Array<number>(base.matrix.rowLength(u)).fill(u)).flat(), 40, 40, 40, 40, 40];
  const cols = [...base.matrix.indices, 0, 1, 2, 3, 30];
  return {
    name: 'held-out fixture',
    matrix: csrFromCoo(41, 31, rows, cols, null),
    timestamps: null,
    userIds: [...base.userIds, 'rare'],
    itemIds: [...base.itemIds, 'only-rare'],
  };
}

test('held-out users: train rows of held-out users are empty, fold-in/target ratio, restriction to train items', () => {
  const data = heldOutFixture();
  // Find a seed that holds out 'rare' (deterministic search).
  let seed = 0;
  let split = heldOutUsersSplit(data, { validationUsers: 8, testUsers: 8, seed });
  const isHeldOut = (s: Split, u: number) => s.train.matrix.rowLength(u) === 0;
  while (!isHeldOut(split, 40)) split = heldOutUsersSplit(data, { validationUsers: 8, testUsers: 8, seed: ++seed });

  // 'only-rare' is seen by no training user, so it leaves the column space; 'rare' keeps 4 < 5 items
  // and is not evaluated. Dropped = its 5 entries + held-out users' entries on other untrained items.
  assert.ok(!split.itemIds.includes('only-rare'));
  const keptItems = new Set(split.itemIds);
  const heldOut = Array.from({ length: 41 }, (_, u) => u).filter((u) => isHeldOut(split, u));
  assert.equal(heldOut.length, 16);
  let expectedDropped = 0;
  let expectedEvaluated = 0;
  for (const u of heldOut) {
    const n = data.matrix.rowLength(u);
    const kept = [...data.matrix.rowIndices(u)].filter((c) => keptItems.has(data.itemIds[c]!)).length;
    if (kept >= 5) expectedEvaluated++;
    expectedDropped += kept >= 5 ? n - kept : n;
  }
  assert.equal(checkPartition(data, split), expectedDropped);
  assert.equal(split.validation!.users.length + split.test.users.length, expectedEvaluated);
  assert.ok(![...split.validation!.users, ...split.test.users].includes(40));

  const trainItems = new Set<number>();
  for (let u = 0; u < 41; u++) if (!isHeldOut(split, u)) for (const c of split.train.matrix.rowIndices(u)) trainItems.add(c);
  assert.equal(trainItems.size, split.itemIds.length, 'every kept item has training data');
  assert.equal(split.train.matrix.nCols, split.itemIds.length);

  for (const set of [split.validation!, split.test]) {
    checkEvalSet(set, split.itemIds.length);
    set.users.forEach((u, r) => {
      assert.equal(split.train.matrix.rowLength(u), 0, 'held-out users never train');
      const n = set.input.rowLength(r) + set.targets.rowLength(r);
      assert.equal(set.targets.rowLength(r), heldOutTargetCount(n, 0.8));
      assert.deepEqual(rowSet(set.exclude, r), rowSet(set.input, r));
    });
  }
  assert.deepEqual(split.protocol, {
    kind: 'held-out-users', validationUsers: 8, testUsers: 8, foldInFraction: 0.8, seed, restrictToTrainItems: true, minHeldOutItems: 5,
  });
});

test('held-out users: deterministic for a seed, different across seeds; options and errors', () => {
  const data = heldOutFixture();
  const options = { validationUsers: 5, testUsers: 6, seed: 11 };
  const split = heldOutUsersSplit(data, options);
  assert.deepEqual(heldOutUsersSplit(data, options), split);
  assert.notDeepEqual(heldOutUsersSplit(data, { ...options, seed: 12 }).test.users, split.test.users);
  const unrestricted = heldOutUsersSplit(data, { ...options, restrictToTrainItems: false });
  assert.deepEqual(unrestricted.itemIds, data.itemIds);
  // Without restriction only held-out users with fewer than 5 items lose their interactions.
  let small = 0;
  for (let u = 0; u < 41; u++) if (unrestricted.train.matrix.rowLength(u) === 0 && data.matrix.rowLength(u) < 5) small += data.matrix.rowLength(u);
  assert.equal(checkPartition(data, unrestricted), small);
  assert.equal(heldOutUsersSplit(data, { ...options, validationUsers: 0 }).validation, undefined);
  assert.throws(() => heldOutUsersSplit(data, { validationUsers: 20, testUsers: 21, seed: 1 }), /41 users with interactions: cannot hold out 20 validation and 21 test/);
});

// ---- leave-last-out and time -------------------------------------------------------------------

/**
 * u0: a@10, b@30, c@20 -> test b, validation c.
 * u1: y@5 then x@5 in the file (x has the lower item index) -> the tie goes to x, later in the file.
 * u2: a single item -> train only.
 */
function timedData(): InteractionData {
  const users = IdMap.fromIds(['u0', 'u1', 'u2']);
  const items = IdMap.fromIds(['a', 'b', 'c', 'x', 'y']);
  const log = new InteractionLogBuilder(8);
  const push = (u: string, i: string, t: number) => log.push(users.indexOf(u), items.indexOf(i), Number.NaN, t);
  push('u0', 'a', 10);
  push('u1', 'y', 5);
  push('u0', 'b', 30);
  push('u2', 'a', 7);
  push('u1', 'x', 5);
  push('u0', 'c', 20);
  return interactionDataFromDataset({ name: 'timed', users, items, interactions: log.build(), hasRatings: false, hasTimestamps: true });
}

test('leave-last-out picks the latest (ties by file order), the one before for validation', () => {
  const data = timedData();
  const split = leaveLastOutSplit(data, { validation: true, seed: 0 });
  const item = (name: string) => data.itemIds.indexOf(name);
  assert.deepEqual([...split.test.users], [0, 1]);
  assert.deepEqual(rowSet(split.test.targets, 0), [item('b')]);
  assert.deepEqual(rowSet(split.test.targets, 1), [item('x')]);
  assert.deepEqual([...split.validation!.users], [0], 'u1 has 2 items: one stays in train, so no validation');
  assert.deepEqual(rowSet(split.validation!.targets, 0), [item('c')]);
  assert.deepEqual(rowSet(split.train.matrix, 0), [item('a')]);
  assert.deepEqual(rowSet(split.train.matrix, 2), [item('a')]);
  assert.deepEqual(rowSet(split.test.input, 0), [item('a'), item('c')], 'test input = everything before the test item');
  assert.deepEqual(rowSet(split.validation!.input, 0), [item('a')]);
  assert.equal(checkPartition(data, split), 0);
  checkEvalSet(split.test, 5);

  const noValidation = leaveLastOutSplit(data, { validation: false, seed: 0 });
  assert.equal(noValidation.validation, undefined);
  assert.deepEqual(rowSet(noValidation.train.matrix, 0), [item('a'), item('c')]);
  // Without timestamps, file order decides: u0's a, b, c were logged in that order, u1's y then x.
  const untimed = { ...data, timestamps: null };
  const byFile = leaveLastOutSplit(untimed, { validation: true, seed: 0 });
  assert.deepEqual(rowSet(byFile.test.targets, 0), [item('c')]);
  assert.deepEqual(rowSet(byFile.validation!.targets, 0), [item('b')]);
  assert.deepEqual(rowSet(byFile.test.targets, 1), [item('x')]);
  const { logPositions: _, ...unordered } = untimed;
  assert.throws(() => leaveLastOutSplit(unordered, { validation: true, seed: 0 }), /leave-last-out split of 'timed' needs interaction timestamps/);
});

test('time split: the latest interactions overall are test, the ones before validation', () => {
  const data = randomData(12, 10, 0.5, 7);
  const split = timeSplit(data, { validationFraction: 0.1, testFraction: 0.2, seed: 0 });
  const nnz = data.matrix.nnz;
  const times = data.timestamps!;
  const sorted = [...times].sort((a, b) => a - b);
  const testCut = sorted[nnz - Math.round(0.2 * nnz)]!;
  const validationCut = sorted[nnz - Math.round(0.2 * nnz) - Math.round(0.1 * nnz)]!;
  assert.equal(checkPartition(data, split), 0);
  const timeOf = new Map<string, number>();
  for (let u = 0; u < 12; u++) for (let k = data.matrix.indptr[u]!; k < data.matrix.indptr[u + 1]!; k++) timeOf.set(`${u}|${data.matrix.indices[k]}`, times[k]!);
  const timesIn = (m: CsrMatrix, users?: Int32Array) => {
    const out: number[] = [];
    for (let r = 0; r < m.nRows; r++) for (const c of m.rowIndices(r)) out.push(timeOf.get(`${users ? users[r] : r}|${c}`)!);
    return out;
  };
  assert.ok(timesIn(split.test.targets, split.test.users).every((t) => t >= testCut));
  assert.ok(timesIn(split.validation!.targets, split.validation!.users).every((t) => t >= validationCut && t < testCut));
  assert.ok(timesIn(split.train.matrix).every((t) => t < validationCut));
  split.test.users.forEach((u, r) => {
    const earlier = [...data.matrix.rowIndices(u)].filter((c) => timeOf.get(`${u}|${c}`)! < testCut);
    assert.deepEqual(rowSet(split.test.input, r), earlier, 'test input is everything earlier');
  });
  checkEvalSet(split.test, 10);
  checkEvalSet(split.validation!, 10);
  assert.throws(() => timeSplit({ ...data, timestamps: null }, { validationFraction: 0, testFraction: 0.2, seed: 0 }), /needs interaction timestamps/);
});

// ---- makeSplit ---------------------------------------------------------------------------------

test('makeSplit remakes every protocol from its recorded description', () => {
  const data = randomData(40, 25, 0.3, 9);
  const splits = [
    randomRatingSplit(data, { testFraction: 0.1, validationFraction: 0.1, seed: 1 }),
    userRatioSplit(data, { ratios: [0.8, 0.1, 0.1], seed: 2 }),
    heldOutUsersSplit(data, { validationUsers: 4, testUsers: 4, seed: 3 }),
    leaveLastOutSplit(data, { validation: true, seed: 4 }),
    timeSplit(data, { validationFraction: 0.1, testFraction: 0.1, seed: 5 }),
  ];
  for (const split of splits) assert.deepEqual(makeSplit(data, split.protocol), split, split.protocol.kind);
  assert.throws(() => makeSplit(data, { kind: 'nope' } as never), /unknown split protocol kind "nope"/);
});
