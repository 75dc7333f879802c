/**
 * The reference backend: every kernel in plain TypeScript. It is the
 * correctness oracle the native backend is tested against, and the backend
 * recoder falls back to when the native addon or a BLAS library is missing.
 * Expect about 1–2 GFLOP/s from its GEMM, a hundred times below OpenBLAS.
 */
import type { Backend } from './backend.js';
import { withArgumentChecks } from './checked-backend.js';
import * as pointwise from './reference-pointwise.js';
import * as products from './reference-products.js';
import { topKRows } from './reference-top-k.js';
import { invertSpdInPlace } from './linalg/spd-inverse.js';
// Sequence models: GRU
import { gruBackward, gruForward } from './reference-gru.js';
// Sequence models: attention
import * as attention from './reference-attention.js';

export const referenceBackend: Backend = withArgumentChecks({
  name: 'reference',
  threads: 1,
  library: 'TypeScript',
  gemm: products.gemm,
  csrMatmul: products.csrMatmul,
  csrTransposeMatmul: products.csrTransposeMatmul,
  sampledDot: products.sampledDot,
  addBias: products.addBias,
  biasGradient: products.biasGradient,
  addBiasAtPattern: products.addBiasAtPattern,
  biasGradientAtPattern: products.biasGradientAtPattern,
  activationForward: pointwise.activationForward,
  activationBackward: pointwise.activationBackward,
  scale: pointwise.scale,
  axpy: pointwise.axpy,
  logSoftmaxRows: pointwise.logSoftmaxRows,
  logSoftmaxRowsBackward: pointwise.logSoftmaxRowsBackward,
  multinomialNll: pointwise.multinomialNll,
  multinomialNllGradient: pointwise.multinomialNllGradient,
  swishForward: pointwise.swishForward,
  swishBackward: pointwise.swishBackward,
  layerNormRows: pointwise.layerNormRows,
  layerNormRowsBackward: pointwise.layerNormRowsBackward,
  softmaxCrossEntropyRows: pointwise.softmaxCrossEntropyRows,
  squaredErrorAtPattern: pointwise.squaredErrorAtPattern,
  dropout: pointwise.dropout,
  dropoutBackward: pointwise.dropoutBackward,
  sgdUpdate: pointwise.sgdUpdate,
  adamUpdate: pointwise.adamUpdate,
  adamwUpdate: pointwise.adamwUpdate,
  topKRows,
  spdInverse: (a: Float64Array, n: number) => invertSpdInPlace(a, n),
  // Sequence models: GRU
  gruForward,
  gruBackward,
  // Sequence models: attention
  causalAttentionForward: attention.causalAttentionForward,
  causalAttentionBackward: attention.causalAttentionBackward,
});
