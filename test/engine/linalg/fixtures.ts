/** Small generated matrices shared by the linalg and model tests. */
import { CsrMatrix, csrFromCoo } from '../../../src/data/csr.js';

/** Mulberry32: a tiny seeded generator, good enough for test data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random sparse matrix; values are 1 or, with `valued`, drawn from 0.5..5. */
export function randomSparse(nRows: number, nCols: number, density: number, random: () => number, valued = false): CsrMatrix {
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  for (let r = 0; r < nRows; r++) {
    for (let c = 0; c < nCols; c++) {
      if (random() < density) {
        rows.push(r);
        cols.push(c);
        vals.push(valued ? 0.5 + Math.round(random() * 9) / 2 : 1);
      }
    }
  }
  return csrFromCoo(nRows, nCols, rows, cols, vals, 'error');
}

/** A random symmetric positive definite n × n matrix: MᵀM + n·I with M uniform in [-1, 1). */
export function randomSpd(n: number, random: () => number): Float64Array {
  const m = new Float64Array(n * n).map(() => 2 * random() - 1);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += m[k * n + i]! * m[k * n + j]!;
      a[i * n + j] = s + (i === j ? n : 0);
    }
  }
  return a;
}

/** Dense product of row-major a (n × m) and b (m × p). */
export function multiply(a: ArrayLike<number>, b: ArrayLike<number>, n: number, m: number, p: number): Float64Array {
  const out = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < m; k++) {
      const v = a[i * m + k]!;
      for (let j = 0; j < p; j++) out[i * p + j] += v * b[k * p + j]!;
    }
  }
  return out;
}

/** Inverse by Gauss–Jordan elimination with partial pivoting: an independent reference for the tests. */
export function referenceInverse(a: ArrayLike<number>, n: number): Float64Array {
  const work = Float64Array.from(a);
  const inverse = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inverse[i * n + i] = 1;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(work[r * n + col]!) > Math.abs(work[pivot * n + col]!)) pivot = r;
    for (let c = 0; c < n; c++) {
      [work[col * n + c], work[pivot * n + c]] = [work[pivot * n + c]!, work[col * n + c]!];
      [inverse[col * n + c], inverse[pivot * n + c]] = [inverse[pivot * n + c]!, inverse[col * n + c]!];
    }
    const d = work[col * n + col]!;
    for (let c = 0; c < n; c++) {
      work[col * n + c]! /= d;
      inverse[col * n + c]! /= d;
    }
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = work[r * n + col]!;
      if (f === 0) continue;
      for (let c = 0; c < n; c++) {
        work[r * n + c]! -= f * work[col * n + c]!;
        inverse[r * n + c]! -= f * inverse[col * n + c]!;
      }
    }
  }
  return inverse;
}

/** Largest absolute difference between two equally long arrays. */
export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}
