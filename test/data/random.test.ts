import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/data/random.js';

const draws = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.nextUint32());

test('xoshiro128** matches the reference C implementation from state {1, 2, 3, 4}', () => {
  // Output of Blackman & Vigna's xoshiro128starstar.c with s = {1, 2, 3, 4}.
  const rng = Rng.fromState({ seed: 0, streamPath: [], words: [1, 2, 3, 4] });
  assert.deepEqual(draws(rng, 8), [11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849]);
});

test('a seed gives the same stream every time, and different seeds different streams', () => {
  assert.deepEqual(draws(new Rng(42), 20), draws(new Rng(42), 20));
  assert.notDeepEqual(draws(new Rng(42), 20), draws(new Rng(43), 20));
  assert.notDeepEqual(draws(new Rng(0), 20), draws(new Rng(2 ** 32), 20), 'high seed bits are used');
  assert.notDeepEqual(draws(new Rng(-1), 20), draws(new Rng(1), 20));
  assert.throws(() => new Rng(1.5), /safe integer/);
});

test('getState / fromState resume the stream and keep fork identity', () => {
  const rng = new Rng(7).fork(3);
  draws(rng, 5);
  const resumed = Rng.fromState(rng.getState());
  assert.deepEqual(draws(resumed, 10), draws(rng, 10));
  assert.deepEqual(draws(resumed.fork(1), 5), draws(new Rng(7).fork(3).fork(1), 5));
  assert.throws(() => Rng.fromState({ seed: 0, streamPath: [], words: [0, 0, 0, 0] }), /not all zero/);
});

test('fork depends on the stream path only, not on draws already made', () => {
  const a = new Rng(9);
  const b = new Rng(9);
  draws(b, 100);
  assert.deepEqual(draws(a.fork(1), 10), draws(b.fork(1), 10));
  assert.notDeepEqual(draws(a.fork(1), 10), draws(a.fork(2), 10));
  assert.notDeepEqual(draws(a.fork(1).fork(2), 10), draws(a.fork(2).fork(1), 10));
  assert.notDeepEqual(draws(a.fork(0), 10), draws(a, 10));
  assert.throws(() => a.fork(-1), /stream id/);
});

test('nextFloat lies in [0, 1) with mean near 1/2; nextNormal has mean 0 and variance 1', () => {
  const rng = new Rng(1);
  let sum = 0;
  for (let i = 0; i < 20000; i++) {
    const x = rng.nextFloat();
    assert.ok(x >= 0 && x < 1);
    sum += x;
  }
  assert.ok(Math.abs(sum / 20000 - 0.5) < 0.01);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < 20000; i++) {
    const z = rng.nextNormal();
    s1 += z;
    s2 += z * z;
  }
  assert.ok(Math.abs(s1 / 20000) < 0.03);
  assert.ok(Math.abs(s2 / 20000 - 1) < 0.04);
});

test('nextInt covers 0..n-1 evenly and rejects bad bounds', () => {
  const rng = new Rng(5);
  const counts = new Array(7).fill(0);
  for (let i = 0; i < 70000; i++) counts[rng.nextInt(7)]++;
  for (const c of counts) assert.ok(Math.abs(c - 10000) < 400, `count ${c}`);
  assert.equal(rng.nextInt(1), 0);
  assert.throws(() => rng.nextInt(0), /bound/);
  assert.throws(() => rng.nextInt(2.5), /bound/);
});

test('shuffle permutes in place, deterministically, and every position moves over many shuffles', () => {
  const a = new Rng(3).shuffle(Int32Array.from({ length: 50 }, (_, i) => i));
  const b = new Rng(3).shuffle(Int32Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual(a, b);
  assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
  assert.notDeepEqual([...a], Array.from({ length: 50 }, (_, i) => i));
  // Uniformity: over many shuffles of [0, 1, 2], each of the 6 orders appears about equally often.
  const rng = new Rng(11);
  const seen = new Map<string, number>();
  for (let i = 0; i < 6000; i++) {
    const key = rng.shuffle([0, 1, 2]).join('');
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  assert.equal(seen.size, 6);
  for (const c of seen.values()) assert.ok(Math.abs(c - 1000) < 150, `order count ${c}`);
});

test('randomSample draws distinct values, and the sparse and dense paths agree', () => {
  const rng = new Rng(8);
  const sample = rng.randomSample(1000, 30);
  assert.equal(new Set(sample).size, 30);
  for (const v of sample) assert.ok(v >= 0 && v < 1000);
  // k = 10 of 100 uses the Map path, k = 60 the dense array: the first 10 draws must coincide.
  const sparse = new Rng(4).randomSample(100, 10);
  const dense = new Rng(4).randomSample(100, 60);
  assert.deepEqual([...sparse], [...dense.subarray(0, 10)]);
  assert.deepEqual([...new Rng(4).randomSample(5, 5)].sort(), [0, 1, 2, 3, 4]);
  assert.equal(rng.randomSample(0, 0).length, 0);
  assert.throws(() => rng.randomSample(3, 4), /size/);
});
