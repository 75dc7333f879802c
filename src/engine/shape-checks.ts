/**
 * Argument checks shared by both backends, so that a wrong shape gives the
 * same RangeError whichever backend runs — and so that the native addon never
 * reads or writes outside an array. Every check is O(1) except
 * `checkCsrContents`, which is O(nRows + nnz) and cheap beside any kernel that
 * touches every stored entry.
 */
import type { CsrOperand } from './backend.js';

/** A non-negative integer size (rows, cols, k, a leading dimension). */
export function checkSize(kernel: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`${kernel}: ${name} must be a non-negative integer, got ${value}`);
  }
}

export function checkFinite(kernel: string, name: string, value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`${kernel}: ${name} must be a finite number, got ${value}`);
}

/** An array that must hold exactly `expected` elements. */
export function checkLength(kernel: string, name: string, array: ArrayLike<number>, expected: number, shape?: string): void {
  if (array.length !== expected) {
    const shown = shape === undefined ? `${expected}` : `${shape} = ${expected}`;
    throw new RangeError(`${kernel}: ${name} has ${array.length} elements, expected ${shown}`);
  }
}

/** A dense rows × cols matrix stored with exactly rows·cols elements. */
export function checkMatrix(kernel: string, name: string, array: Float32Array, rows: number, cols: number): void {
  checkSize(kernel, `${name} rows`, rows);
  checkSize(kernel, `${name} cols`, cols);
  checkLength(kernel, name, array, rows * cols, `${rows} × ${cols}`);
}

/** A rows × cols matrix with leading dimension ld (row stride), as BLAS stores it. */
export function checkStrided(kernel: string, name: string, array: Float32Array, rows: number, cols: number, ld: number): void {
  checkSize(kernel, `ld${name.toLowerCase()}`, ld);
  if (ld < cols) {
    throw new RangeError(`${kernel}: ld${name.toLowerCase()} = ${ld} is smaller than ${name}'s row length ${cols}`);
  }
  const needed = rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
  if (array.length < needed) {
    throw new RangeError(`${kernel}: ${name} has ${array.length} elements, a ${rows} × ${cols} matrix with leading dimension ${ld} needs ${needed}`);
  }
}

/** The O(1) structure of a CSR operand: sizes and the lengths its indptr implies. */
export function checkCsrShape(kernel: string, name: string, csr: CsrOperand, valuesRead: boolean): number {
  checkSize(kernel, `${name}.nRows`, csr.nRows);
  checkSize(kernel, `${name}.nCols`, csr.nCols);
  if (csr.indptr.length !== csr.nRows + 1) {
    throw new RangeError(`${kernel}: ${name}.indptr has ${csr.indptr.length} entries, expected nRows + 1 = ${csr.nRows + 1}`);
  }
  const nnz = csr.indptr[csr.nRows]!;
  if (csr.indices.length < nnz) {
    throw new RangeError(`${kernel}: ${name}.indptr ends at ${nnz} but ${name}.indices has ${csr.indices.length} entries`);
  }
  if (valuesRead && csr.values.length < nnz) {
    throw new RangeError(`${kernel}: ${name}.indptr ends at ${nnz} but ${name}.values has ${csr.values.length} entries`);
  }
  return nnz;
}

/**
 * The contents of a CSR operand: indptr starts at 0 and never decreases, and
 * every column index lies in 0..nCols-1. The native addon performs the same
 * check in C++ with the same messages.
 */
export function checkCsrContents(kernel: string, name: string, csr: CsrOperand): void {
  const { indptr, indices, nRows, nCols } = csr;
  if (indptr[0] !== 0) throw new RangeError(`${kernel}: ${name}.indptr[0] is ${indptr[0]}, expected 0`);
  for (let r = 0; r < nRows; r++) {
    if (indptr[r + 1]! < indptr[r]!) {
      throw new RangeError(`${kernel}: ${name}.indptr decreases at row ${r} (${indptr[r]} then ${indptr[r + 1]})`);
    }
  }
  const nnz = indptr[nRows]!;
  for (let p = 0; p < nnz; p++) {
    const column = indices[p]!;
    if (column < 0 || column >= nCols) {
      throw new RangeError(`${kernel}: ${name}.indices[${p}] = ${column} is outside 0..${nCols - 1}`);
    }
  }
}

export function checkSameLength(kernel: string, names: readonly string[], arrays: readonly ArrayLike<number>[]): void {
  const expected = arrays[0]!.length;
  for (let i = 1; i < arrays.length; i++) {
    if (arrays[i]!.length !== expected) {
      throw new RangeError(`${kernel}: ${names[i]} has ${arrays[i]!.length} elements but ${names[0]} has ${expected}`);
    }
  }
}

export function checkKeepProbability(kernel: string, keepProb: number): void {
  if (!(keepProb > 0 && keepProb <= 1)) throw new RangeError(`${kernel}: keepProb must be in (0, 1], got ${keepProb}`);
}

export function checkSeed(kernel: string, seed: number): void {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`${kernel}: seed must be an integer in 0..2^32-1, got ${seed}`);
  }
}

export function checkAdamStep(kernel: string, step: { learningRate: number; beta1: number; beta2: number; epsilon: number; weightDecay: number; step: number }): void {
  checkFinite(kernel, 'learningRate', step.learningRate);
  checkFinite(kernel, 'weightDecay', step.weightDecay);
  if (!(step.beta1 >= 0 && step.beta1 < 1)) throw new RangeError(`${kernel}: beta1 must be in [0, 1), got ${step.beta1}`);
  if (!(step.beta2 >= 0 && step.beta2 < 1)) throw new RangeError(`${kernel}: beta2 must be in [0, 1), got ${step.beta2}`);
  if (!(step.epsilon > 0)) throw new RangeError(`${kernel}: epsilon must be positive, got ${step.epsilon}`);
  if (!Number.isInteger(step.step) || step.step < 1) throw new RangeError(`${kernel}: step must be an integer ≥ 1 (t is 1-based), got ${step.step}`);
}
