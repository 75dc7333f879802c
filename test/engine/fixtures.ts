/**
 * Shared helpers for the engine tests: seeded random matrices, a comparison
 * with tolerances that reports the first bad element, and the list of
 * backends to run on (the native one only when it is built).
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { csrFromCoo } from '../../src/data/csr.js';
import { Rng } from '../../src/data/random.js';
import type { Backend, CsrOperand } from '../../src/engine/backend.js';
import { loadNativeBackend } from '../../src/engine/native.js';
import { referenceBackend } from '../../src/engine/reference.js';

/** Uniform values in [low, high), as float32. */
export function randomArray(rng: Rng, length: number, low = -1, high = 1): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = low + (high - low) * rng.nextFloat();
  return out;
}

/**
 * A random nRows × nCols CSR matrix with about `density` of its entries stored
 * and values in [-1, 1). Every third row is left empty, so the kernels meet
 * empty rows in every test that uses this.
 */
export function randomCsr(rng: Rng, nRows: number, nCols: number, density: number): CsrOperand {
  const rows: number[] = [];
  const cols: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < nRows; r++) {
    if (r % 3 === 1) continue;
    for (let c = 0; c < nCols; c++) {
      if (rng.nextFloat() < density) {
        rows.push(r);
        cols.push(c);
        values.push(2 * rng.nextFloat() - 1);
      }
    }
  }
  return csrFromCoo(nRows, nCols, rows, cols, values);
}

/** Dense copy of a CSR operand, for building expected values by plain loops in tests. */
export function csrToDense(x: CsrOperand): Float64Array {
  const dense = new Float64Array(x.nRows * x.nCols);
  for (let r = 0; r < x.nRows; r++) {
    for (let p = x.indptr[r]!; p < x.indptr[r + 1]!; p++) dense[r * x.nCols + x.indices[p]!] = x.values[p]!;
  }
  return dense;
}

/**
 * Asserts |actual[i] − expected[i]| ≤ atol + rtol·|expected[i]| for every i, and
 * that NaN and infinities sit at the same places. Reports the first failure.
 */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: { rtol: number; atol: number },
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      assert.ok(Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)), `${what}[${i}]: got ${a}, expected ${e}`);
      continue;
    }
    const bound = tolerance.atol + tolerance.rtol * Math.abs(e);
    assert.ok(Math.abs(a - e) <= bound, `${what}[${i}]: got ${a}, expected ${e} (difference ${Math.abs(a - e)} > ${bound})`);
  }
}

export interface BackendUnderTest {
  readonly name: 'native' | 'reference';
  /** Undefined when the backend is not available; then `skipReason` says why. */
  readonly backend: Backend | undefined;
  readonly skipReason?: string;
}

/**
 * The native backend, or a skip message when the addon is not built. An addon
 * that exists but fails to load is a test failure, never a skip.
 */
export function nativeUnderTest(): BackendUnderTest {
  const result = loadNativeBackend();
  if (result.status === 'loaded') return { name: 'native', backend: result.backend };
  if (result.status === 'not-built') {
    return { name: 'native', backend: undefined, skipReason: `native engine not built (${result.addonPath} missing); native tests skipped` };
  }
  throw new Error(`the native engine is built but broken: ${result.reason}`);
}

export function backendsUnderTest(): BackendUnderTest[] {
  return [{ name: 'reference', backend: referenceBackend }, nativeUnderTest()];
}

/** Returns the backend, or marks the test skipped (with the reason) and returns undefined. */
export function backendOrSkip(t: TestContext, underTest: BackendUnderTest): Backend | undefined {
  if (underTest.backend === undefined) t.skip(underTest.skipReason);
  return underTest.backend;
}

export function seededRng(testName: string): Rng {
  // One stream per test, keyed by its name, so adding a test does not change another's data.
  let hash = 0;
  for (let i = 0; i < testName.length; i++) hash = (Math.imul(hash, 31) + testName.charCodeAt(i)) >>> 0;
  return new Rng(20240601).fork(hash);
}
