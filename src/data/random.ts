/**
 * A seedable pseudo-random generator: xoshiro128** (Blackman & Vigna,
 * "Scrambled linear pseudorandom number generators", 2021), seeded through a
 * splitmix-style hash of (seed, stream path).
 *
 * Everything except `nextNormal` uses 32-bit integer arithmetic (Math.imul,
 * shifts) and exact integer-valued doubles, so a seed gives the same numbers
 * on every platform and Node version. Splits and models draw from it; each
 * consumer should take its own `fork(streamId)` so that adding draws in one
 * place does not shift the numbers seen by another.
 */

const TWO_POW_32 = 4294967296;

/** Murmur3's 32-bit finaliser: a bijective avalanche mix of a 32-bit word. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Absorbs one 32-bit word into a running hash (Weyl increment keeps zero inputs from collapsing). */
function absorb(hash: number, word: number): number {
  return mix32((Math.imul(hash ^ word, 0x9e3779b1) + 0x7f4a7c15) | 0);
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

/** Everything needed to resume a generator: its identity (seed, stream path) and its 128-bit state. */
export interface RngState {
  readonly seed: number;
  readonly streamPath: readonly number[];
  readonly words: readonly number[];
}

/** Arrays that `shuffle` can permute in place: plain number arrays and every numeric typed array. */
export interface MutableNumberArray {
  readonly length: number;
  [index: number]: number;
}

export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /**
   * @param seed any safe integer (negative allowed); seeds are hashed, so 1 and 2 give unrelated streams.
   * @param streamPath the fork ids leading to this generator; use `fork` rather than passing it.
   */
  constructor(
    readonly seed: number,
    readonly streamPath: readonly number[] = [],
  ) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`Rng seed must be a safe integer, got ${seed}`);
    for (const id of streamPath) checkStreamId(id);
    // Low and high 32-bit halves of the seed (two's complement for negatives), then the fork path.
    let hash = absorb(0x6a09e667, seed >>> 0);
    hash = absorb(hash, Math.floor(seed / TWO_POW_32) >>> 0);
    for (const id of streamPath) hash = absorb(hash, id);
    // splitmix32 expands the 32-bit hash into the 128-bit state, as the xoshiro authors recommend.
    let weyl = hash;
    const next = () => mix32((weyl = (weyl + 0x9e3779b9) | 0));
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /**
   * An independent generator for stream `streamId` (an integer in 0..2^32-1).
   * It depends only on this generator's seed and stream path, not on how many
   * numbers have been drawn here, so `fork(3)` is the same stream whenever it is taken.
   */
  fork(streamId: number): Rng {
    checkStreamId(streamId);
    return new Rng(this.seed, [...this.streamPath, streamId]);
  }

  /** A snapshot to resume from later (e.g. in a training checkpoint); see `Rng.fromState`. */
  getState(): RngState {
    return { seed: this.seed, streamPath: this.streamPath.slice(), words: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0] };
  }

  /** A generator that continues exactly where the one that gave `state` was; its forks are the same too. */
  static fromState(state: RngState): Rng {
    const rng = new Rng(state.seed, state.streamPath);
    const words = state.words;
    if (words.length !== 4 || !words.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_POW_32) || words.every((w) => w === 0)) {
      throw new RangeError(`Rng state must be four 32-bit unsigned words, not all zero; got [${words.join(', ')}]`);
    }
    [rng.s0, rng.s1, rng.s2, rng.s3] = words.map((w) => w | 0) as [number, number, number, number];
    return rng;
  }

  /** Uniform integer in 0..2^32-1 (xoshiro128**). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1), a multiple of 2^-32. */
  nextFloat(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** Uniform integer in 0..n-1 without modulo bias (rejection of the incomplete top block). */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) throw new RangeError(`nextInt bound must be an integer in 1..2^32, got ${n}`);
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let r = this.nextUint32();
    while (r >= limit) r = this.nextUint32();
    return r % n;
  }

  /**
   * Standard normal deviate by the Box–Muller transform. Uses Math.log/cos/sqrt,
   * so results are reproducible for a given Node version but, unlike the other
   * methods, not guaranteed bit-identical across JavaScript engines.
   */
  nextNormal(): number {
    const u1 = 1 - this.nextFloat(); // in (0, 1], so log is finite
    const u2 = this.nextFloat();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Permutes `array` in place uniformly at random (Fisher–Yates, Durstenfeld's variant) and returns it. */
  shuffle<T extends MutableNumberArray>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = array[i]!;
      array[i] = array[j]!;
      array[j] = tmp;
    }
    return array;
  }

  /**
   * `k` distinct integers drawn uniformly from 0..n-1, in random order: the
   * first k slots of a forward Fisher–Yates shuffle of 0..n-1. For small k the
   * shuffled array is kept sparsely in a Map; both paths give the same result.
   */
  randomSample(n: number, k: number): Int32Array {
    if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) throw new RangeError(`randomSample population must be an integer in 0..2^31-1, got ${n}`);
    if (!Number.isInteger(k) || k < 0 || k > n) throw new RangeError(`randomSample size must be an integer in 0..${n}, got ${k}`);
    const sample = new Int32Array(k);
    if (k * 4 >= n) {
      const pool = new Int32Array(n);
      for (let i = 0; i < n; i++) pool[i] = i;
      for (let i = 0; i < k; i++) {
        const j = i + this.nextInt(n - i);
        sample[i] = pool[j]!;
        pool[j] = pool[i]!;
      }
      return sample;
    }
    const moved = new Map<number, number>(); // position -> value, for positions that no longer hold their own index
    for (let i = 0; i < k; i++) {
      const j = i + this.nextInt(n - i);
      sample[i] = moved.get(j) ?? j;
      moved.set(j, moved.get(i) ?? i);
    }
    return sample;
  }
}

function checkStreamId(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id >= TWO_POW_32) throw new RangeError(`Rng stream id must be an integer in 0..2^32-1, got ${id}`);
}
