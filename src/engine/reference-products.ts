/**
 * The reference backend's products and bias kernels in plain TypeScript.
 * Arguments are already checked (checked-backend.ts). Sums are accumulated
 * in double precision and rounded once on store, which makes these the more
 * accurate side when the native backend is tested against them.
 */
import type { CsrOperand } from './backend.js';
import { checkCsrContents } from './shape-checks.js';

/** Row-major SGEMM: C = alpha·op(A)·op(B) + beta·C (see Backend.gemm). */
export function gemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  lda: number,
  b: Float32Array,
  ldb: number,
  beta: number,
  c: Float32Array,
  ldc: number,
): void {
  // op(A)[i, p] lives at a[i·strideRow + p·strideCol]; likewise for B.
  const aRowStride = transA ? 1 : lda;
  const aColStride = transA ? lda : 1;
  const rowSums = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    rowSums.fill(0);
    if (!transB) {
      // i-p-j order: the inner loop walks a row of B and a row of the sums contiguously.
      for (let p = 0; p < k; p++) {
        const aip = a[i * aRowStride + p * aColStride]!;
        const bRow = p * ldb;
        for (let j = 0; j < n; j++) rowSums[j]! += aip * b[bRow + j]!;
      }
    } else {
      for (let j = 0; j < n; j++) {
        const bRow = j * ldb;
        let sum = 0;
        for (let p = 0; p < k; p++) sum += a[i * aRowStride + p * aColStride]! * b[bRow + p]!;
        rowSums[j] = sum;
      }
    }
    storeRow(c, i * ldc, rowSums, n, alpha, beta);
  }
}

/** c[offset + j] = alpha·sums[j] + beta·c[offset + j], not reading c when beta is 0. */
function storeRow(c: Float32Array, offset: number, sums: Float64Array, n: number, alpha: number, beta: number): void {
  if (beta === 0) {
    for (let j = 0; j < n; j++) c[offset + j] = alpha * sums[j]!;
  } else {
    for (let j = 0; j < n; j++) c[offset + j] = alpha * sums[j]! + beta * c[offset + j]!;
  }
}

/** C = alpha·X·B + beta·C, X sparse nRows × nCols, B nCols × n, C nRows × n. */
export function csrMatmul(alpha: number, x: CsrOperand, b: Float32Array, n: number, beta: number, c: Float32Array): void {
  checkCsrContents('csrMatmul', 'x', x);
  const { indptr, indices, values } = x;
  const rowSums = new Float64Array(n);
  for (let r = 0; r < x.nRows; r++) {
    rowSums.fill(0);
    for (let p = indptr[r]!; p < indptr[r + 1]!; p++) {
      const v = values[p]!;
      const bRow = indices[p]! * n;
      for (let j = 0; j < n; j++) rowSums[j]! += v * b[bRow + j]!;
    }
    storeRow(c, r * n, rowSums, n, alpha, beta);
  }
}

/** C = alpha·Xᵀ·G + beta·C, X sparse nRows × nCols, G nRows × n, C nCols × n. */
export function csrTransposeMatmul(alpha: number, x: CsrOperand, g: Float32Array, n: number, beta: number, c: Float32Array): void {
  checkCsrContents('csrTransposeMatmul', 'x', x);
  const { indptr, indices, values } = x;
  // Scatter into a double-precision copy of the output so that rounding happens once.
  const sums = new Float64Array(x.nCols * n);
  for (let r = 0; r < x.nRows; r++) {
    const gRow = r * n;
    for (let p = indptr[r]!; p < indptr[r + 1]!; p++) {
      const v = values[p]!;
      const cRow = indices[p]! * n;
      for (let j = 0; j < n; j++) sums[cRow + j]! += v * g[gRow + j]!;
    }
  }
  if (beta === 0) {
    for (let i = 0; i < sums.length; i++) c[i] = alpha * sums[i]!;
  } else {
    for (let i = 0; i < sums.length; i++) c[i] = alpha * sums[i]! + beta * c[i]!;
  }
}

/** out[p] = (A·op(B))[r, c] at each stored position p = (r, c) of the pattern. */
export function sampledDot(pattern: CsrOperand, a: Float32Array, b: Float32Array, k: number, transB: boolean, out: Float32Array): void {
  checkCsrContents('sampledDot', 'pattern', pattern);
  const { indptr, indices, nCols } = pattern;
  for (let r = 0; r < pattern.nRows; r++) {
    const aRow = r * k;
    for (let p = indptr[r]!; p < indptr[r + 1]!; p++) {
      const column = indices[p]!;
      let sum = 0;
      if (transB) {
        const bRow = column * k;
        for (let j = 0; j < k; j++) sum += a[aRow + j]! * b[bRow + j]!;
      } else {
        for (let j = 0; j < k; j++) sum += a[aRow + j]! * b[j * nCols + column]!;
      }
      out[p] = sum;
    }
  }
}

export function addBias(x: Float32Array, rows: number, cols: number, bias: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const offset = r * cols;
    for (let c = 0; c < cols; c++) x[offset + c]! += bias[c]!;
  }
}

export function biasGradient(grad: Float32Array, rows: number, cols: number, beta: number, out: Float32Array): void {
  const sums = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const offset = r * cols;
    for (let c = 0; c < cols; c++) sums[c]! += grad[offset + c]!;
  }
  for (let c = 0; c < cols; c++) out[c] = beta === 0 ? sums[c]! : sums[c]! + beta * out[c]!;
}

export function addBiasAtPattern(pattern: CsrOperand, bias: Float32Array, values: Float32Array): void {
  checkCsrContents('addBiasAtPattern', 'pattern', pattern);
  const nnz = pattern.indptr[pattern.nRows]!;
  for (let p = 0; p < nnz; p++) values[p]! += bias[pattern.indices[p]!]!;
}

export function biasGradientAtPattern(pattern: CsrOperand, grad: Float32Array, beta: number, out: Float32Array): void {
  checkCsrContents('biasGradientAtPattern', 'pattern', pattern);
  const sums = new Float64Array(pattern.nCols);
  const nnz = pattern.indptr[pattern.nRows]!;
  for (let p = 0; p < nnz; p++) sums[pattern.indices[p]!]! += grad[p]!;
  for (let c = 0; c < pattern.nCols; c++) out[c] = beta === 0 ? sums[c]! : sums[c]! + beta * out[c]!;
}
