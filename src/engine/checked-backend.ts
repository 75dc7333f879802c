/**
 * Wraps a backend's raw kernels with the argument checks every backend owes
 * its callers (shape-checks.ts): sizes, array lengths, and no overlap where
 * a kernel forbids aliasing. Both backends go through it, so a shape error
 * reads the same on either, and the native kernels can trust their inputs'
 * sizes (the CSR contents are checked inside each backend, where the loop is).
 */
import { ACTIVATIONS, type Activation, type AdamStep, type AttentionShape, type Backend } from './backend.js';
import {
  checkAdamStep,
  checkCsrShape,
  checkFinite,
  checkKeepProbability,
  checkLength,
  checkMatrix,
  checkSameLength,
  checkSeed,
  checkSize,
  checkStrided,
} from './shape-checks.js';

type TypedArray = Float32Array | Int32Array | Uint8Array;

function checkNoOverlap(kernel: string, nameA: string, a: TypedArray, nameB: string, b: TypedArray): void {
  if (a.buffer !== b.buffer || a.byteLength === 0 || b.byteLength === 0) return;
  const overlaps = a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
  if (overlaps) throw new RangeError(`${kernel}: ${nameA} and ${nameB} overlap in memory; this kernel needs them separate`);
}

function checkActivation(kernel: string, activation: Activation): void {
  if (!ACTIVATIONS.includes(activation)) {
    throw new RangeError(`${kernel}: unknown activation '${String(activation)}', expected one of ${ACTIVATIONS.join(', ')}`);
  }
}

export function withArgumentChecks(kernels: Backend): Backend {
  return {
    name: kernels.name,
    threads: kernels.threads,
    library: kernels.library,
    ...(kernels.threadBudget ? { threadBudget: kernels.threadBudget } : {}),

    gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
      const kernel = 'gemm';
      checkSize(kernel, 'm', m);
      checkSize(kernel, 'n', n);
      checkSize(kernel, 'k', k);
      checkFinite(kernel, 'alpha', alpha);
      checkFinite(kernel, 'beta', beta);
      checkStrided(kernel, 'A', a, transA ? k : m, transA ? m : k, lda);
      checkStrided(kernel, 'B', b, transB ? n : k, transB ? k : n, ldb);
      checkStrided(kernel, 'C', c, m, n, ldc);
      checkNoOverlap(kernel, 'C', c, 'A', a);
      checkNoOverlap(kernel, 'C', c, 'B', b);
      kernels.gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    },

    csrMatmul(alpha, x, b, n, beta, c) {
      const kernel = 'csrMatmul';
      checkCsrShape(kernel, 'x', x, true);
      checkSize(kernel, 'n', n);
      checkFinite(kernel, 'alpha', alpha);
      checkFinite(kernel, 'beta', beta);
      checkMatrix(kernel, 'B', b, x.nCols, n);
      checkMatrix(kernel, 'C', c, x.nRows, n);
      checkNoOverlap(kernel, 'C', c, 'B', b);
      kernels.csrMatmul(alpha, x, b, n, beta, c);
    },

    csrTransposeMatmul(alpha, x, g, n, beta, c) {
      const kernel = 'csrTransposeMatmul';
      checkCsrShape(kernel, 'x', x, true);
      checkSize(kernel, 'n', n);
      checkFinite(kernel, 'alpha', alpha);
      checkFinite(kernel, 'beta', beta);
      checkMatrix(kernel, 'G', g, x.nRows, n);
      checkMatrix(kernel, 'C', c, x.nCols, n);
      checkNoOverlap(kernel, 'C', c, 'G', g);
      kernels.csrTransposeMatmul(alpha, x, g, n, beta, c);
    },

    sampledDot(pattern, a, b, k, transB, out) {
      const kernel = 'sampledDot';
      const nnz = checkCsrShape(kernel, 'pattern', pattern, false);
      checkSize(kernel, 'k', k);
      checkMatrix(kernel, 'A', a, pattern.nRows, k);
      if (transB) checkMatrix(kernel, 'B', b, pattern.nCols, k);
      else checkMatrix(kernel, 'B', b, k, pattern.nCols);
      checkLength(kernel, 'out', out, nnz, 'pattern nnz');
      checkNoOverlap(kernel, 'out', out, 'A', a);
      checkNoOverlap(kernel, 'out', out, 'B', b);
      kernels.sampledDot(pattern, a, b, k, transB, out);
    },

    addBias(x, rows, cols, bias) {
      checkMatrix('addBias', 'x', x, rows, cols);
      checkLength('addBias', 'bias', bias, cols, 'cols');
      checkNoOverlap('addBias', 'x', x, 'bias', bias);
      kernels.addBias(x, rows, cols, bias);
    },

    biasGradient(grad, rows, cols, beta, out) {
      checkMatrix('biasGradient', 'grad', grad, rows, cols);
      checkLength('biasGradient', 'out', out, cols, 'cols');
      checkFinite('biasGradient', 'beta', beta);
      checkNoOverlap('biasGradient', 'out', out, 'grad', grad);
      kernels.biasGradient(grad, rows, cols, beta, out);
    },

    addBiasAtPattern(pattern, bias, values) {
      const nnz = checkCsrShape('addBiasAtPattern', 'pattern', pattern, false);
      checkLength('addBiasAtPattern', 'bias', bias, pattern.nCols, 'pattern.nCols');
      checkLength('addBiasAtPattern', 'values', values, nnz, 'pattern nnz');
      checkNoOverlap('addBiasAtPattern', 'values', values, 'bias', bias);
      kernels.addBiasAtPattern(pattern, bias, values);
    },

    biasGradientAtPattern(pattern, grad, beta, out) {
      const nnz = checkCsrShape('biasGradientAtPattern', 'pattern', pattern, false);
      checkLength('biasGradientAtPattern', 'grad', grad, nnz, 'pattern nnz');
      checkLength('biasGradientAtPattern', 'out', out, pattern.nCols, 'pattern.nCols');
      checkFinite('biasGradientAtPattern', 'beta', beta);
      checkNoOverlap('biasGradientAtPattern', 'out', out, 'grad', grad);
      kernels.biasGradientAtPattern(pattern, grad, beta, out);
    },

    activationForward(activation, x, out) {
      checkActivation('activationForward', activation);
      checkSameLength('activationForward', ['x', 'out'], [x, out]);
      kernels.activationForward(activation, x, out);
    },

    activationBackward(activation, output, gradOutput, gradInput) {
      checkActivation('activationBackward', activation);
      checkSameLength('activationBackward', ['output', 'gradOutput', 'gradInput'], [output, gradOutput, gradInput]);
      kernels.activationBackward(activation, output, gradOutput, gradInput);
    },

    swishForward(x, out) {
      checkSameLength('swishForward', ['x', 'out'], [x, out]);
      kernels.swishForward(x, out);
    },

    swishBackward(x, gradOutput, gradInput) {
      checkSameLength('swishBackward', ['x', 'gradOutput', 'gradInput'], [x, gradOutput, gradInput]);
      checkNoOverlap('swishBackward', 'gradInput', gradInput, 'x', x);
      kernels.swishBackward(x, gradOutput, gradInput);
    },

    layerNormRows(x, rows, cols, scale, shift, epsilon, out, normalised, inverseDeviations) {
      const kernel = 'layerNormRows';
      checkMatrix(kernel, 'x', x, rows, cols);
      checkLength(kernel, 'scale', scale, cols, 'cols');
      checkLength(kernel, 'shift', shift, cols, 'cols');
      if (!(epsilon >= 0 && Number.isFinite(epsilon))) throw new RangeError(`${kernel}: epsilon must be a finite number ≥ 0, got ${epsilon}`);
      checkMatrix(kernel, 'out', out, rows, cols);
      checkMatrix(kernel, 'normalised', normalised, rows, cols);
      checkLength(kernel, 'inverseDeviations', inverseDeviations, rows, 'rows');
      checkNoOverlap(kernel, 'normalised', normalised, 'x', x);
      checkNoOverlap(kernel, 'normalised', normalised, 'out', out);
      kernels.layerNormRows(x, rows, cols, scale, shift, epsilon, out, normalised, inverseDeviations);
    },

    layerNormRowsBackward(gradOutput, normalised, inverseDeviations, rows, cols, scale, gradScale, gradShift, gradInput) {
      const kernel = 'layerNormRowsBackward';
      checkMatrix(kernel, 'gradOutput', gradOutput, rows, cols);
      checkMatrix(kernel, 'normalised', normalised, rows, cols);
      checkLength(kernel, 'inverseDeviations', inverseDeviations, rows, 'rows');
      checkLength(kernel, 'scale', scale, cols, 'cols');
      checkLength(kernel, 'gradScale', gradScale, cols, 'cols');
      checkLength(kernel, 'gradShift', gradShift, cols, 'cols');
      checkMatrix(kernel, 'gradInput', gradInput, rows, cols);
      checkNoOverlap(kernel, 'gradInput', gradInput, 'normalised', normalised);
      kernels.layerNormRowsBackward(gradOutput, normalised, inverseDeviations, rows, cols, scale, gradScale, gradShift, gradInput);
    },

    scale(x, alpha) {
      checkFinite('scale', 'alpha', alpha);
      kernels.scale(x, alpha);
    },

    axpy(alpha, x, y) {
      checkFinite('axpy', 'alpha', alpha);
      checkSameLength('axpy', ['x', 'y'], [x, y]);
      checkNoOverlap('axpy', 'y', y, 'x', x);
      kernels.axpy(alpha, x, y);
    },

    logSoftmaxRows(x, rows, cols, out) {
      checkMatrix('logSoftmaxRows', 'x', x, rows, cols);
      checkMatrix('logSoftmaxRows', 'out', out, rows, cols);
      kernels.logSoftmaxRows(x, rows, cols, out);
    },

    logSoftmaxRowsBackward(logProbs, gradOutput, rows, cols, gradInput) {
      const kernel = 'logSoftmaxRowsBackward';
      checkMatrix(kernel, 'logProbs', logProbs, rows, cols);
      checkMatrix(kernel, 'gradOutput', gradOutput, rows, cols);
      checkMatrix(kernel, 'gradInput', gradInput, rows, cols);
      checkNoOverlap(kernel, 'gradInput', gradInput, 'logProbs', logProbs);
      kernels.logSoftmaxRowsBackward(logProbs, gradOutput, rows, cols, gradInput);
    },

    multinomialNll(logProbs, targets) {
      checkCsrShape('multinomialNll', 'targets', targets, true);
      checkMatrix('multinomialNll', 'logProbs', logProbs, targets.nRows, targets.nCols);
      return kernels.multinomialNll(logProbs, targets);
    },

    multinomialNllGradient(targets, scale, grad) {
      checkCsrShape('multinomialNllGradient', 'targets', targets, true);
      checkFinite('multinomialNllGradient', 'scale', scale);
      checkMatrix('multinomialNllGradient', 'grad', grad, targets.nRows, targets.nCols);
      kernels.multinomialNllGradient(targets, scale, grad);
    },

    softmaxCrossEntropyRows(logits, targets, scale, gradLogits) {
      const kernel = 'softmaxCrossEntropyRows';
      checkCsrShape(kernel, 'targets', targets, true);
      checkFinite(kernel, 'scale', scale);
      checkMatrix(kernel, 'logits', logits, targets.nRows, targets.nCols);
      checkMatrix(kernel, 'gradLogits', gradLogits, targets.nRows, targets.nCols);
      checkNoOverlap(kernel, 'gradLogits', gradLogits, 'logits', logits);
      return kernels.softmaxCrossEntropyRows(logits, targets, scale, gradLogits);
    },

    squaredErrorAtPattern(targets, predicted, gradScale, gradPredicted) {
      const kernel = 'squaredErrorAtPattern';
      const nnz = checkCsrShape(kernel, 'targets', targets, true);
      checkFinite(kernel, 'gradScale', gradScale);
      checkLength(kernel, 'predicted', predicted, nnz, 'targets nnz');
      checkLength(kernel, 'gradPredicted', gradPredicted, nnz, 'targets nnz');
      return kernels.squaredErrorAtPattern(targets, predicted, gradScale, gradPredicted);
    },

    dropout(x, keepProb, seed, mask, out) {
      checkKeepProbability('dropout', keepProb);
      checkSeed('dropout', seed);
      checkSameLength('dropout', ['x', 'mask', 'out'], [x, mask, out]);
      kernels.dropout(x, keepProb, seed, mask, out);
    },

    dropoutBackward(gradOutput, mask, keepProb, gradInput) {
      checkKeepProbability('dropoutBackward', keepProb);
      checkSameLength('dropoutBackward', ['gradOutput', 'mask', 'gradInput'], [gradOutput, mask, gradInput]);
      kernels.dropoutBackward(gradOutput, mask, keepProb, gradInput);
    },

    sgdUpdate(param, grad, learningRate, weightDecay) {
      checkFinite('sgdUpdate', 'learningRate', learningRate);
      checkFinite('sgdUpdate', 'weightDecay', weightDecay);
      checkSameLength('sgdUpdate', ['param', 'grad'], [param, grad]);
      checkNoOverlap('sgdUpdate', 'param', param, 'grad', grad);
      kernels.sgdUpdate(param, grad, learningRate, weightDecay);
    },

    adamUpdate(param, grad, m, v, step) {
      checkAdam('adamUpdate', param, grad, m, v, step);
      kernels.adamUpdate(param, grad, m, v, step);
    },

    adamwUpdate(param, grad, m, v, step) {
      checkAdam('adamwUpdate', param, grad, m, v, step);
      kernels.adamwUpdate(param, grad, m, v, step);
    },

    topKRows(scores, rows, cols, k, outIdx, outVals) {
      checkMatrix('topKRows', 'scores', scores, rows, cols);
      checkSize('topKRows', 'k', k);
      checkLength('topKRows', 'outIdx', outIdx, rows * k, `rows × k = ${rows} × ${k}`);
      checkLength('topKRows', 'outVals', outVals, rows * k, `rows × k = ${rows} × ${k}`);
      checkNoOverlap('topKRows', 'outVals', outVals, 'scores', scores);
      kernels.topKRows(scores, rows, cols, k, outIdx, outVals);
    },
    spdInverse(a, n) {
      checkSize('spdInverse', 'n', n);
      if (a.length !== n * n) throw new RangeError(`spdInverse: a has ${a.length} elements, expected n × n = ${n} × ${n}`);
      kernels.spdInverse(a, n);
    },
    // Sequence models: GRU
    gruForward(batch, steps, hidden, inputProjections, weightHh, biasHh, filled, states, gates) {
      const kernel = 'gruForward';
      checkGruShape(kernel, batch, steps, hidden, weightHh, filled, states, gates);
      checkMatrix(kernel, 'inputProjections', inputProjections, batch * steps, 3 * hidden);
      checkLength(kernel, 'biasHh', biasHh, 3 * hidden, '3 × hidden');
      for (const [name, array] of [['states', states], ['gates', gates]] as const) {
        for (const [other, input] of [['inputProjections', inputProjections], ['weightHh', weightHh], ['biasHh', biasHh]] as const) checkNoOverlap(kernel, name, array, other, input);
      }
      checkNoOverlap(kernel, 'states', states, 'gates', gates);
      kernels.gruForward(batch, steps, hidden, inputProjections, weightHh, biasHh, filled, states, gates);
    },
    gruBackward(batch, steps, hidden, weightHh, filled, states, gates, gradStates, gradInputProjections, gradWeightHh, gradBiasHh) {
      const kernel = 'gruBackward';
      checkGruShape(kernel, batch, steps, hidden, weightHh, filled, states, gates);
      checkMatrix(kernel, 'gradStates', gradStates, batch * steps, hidden);
      checkMatrix(kernel, 'gradInputProjections', gradInputProjections, batch * steps, 3 * hidden);
      checkMatrix(kernel, 'gradWeightHh', gradWeightHh, 3 * hidden, hidden);
      checkLength(kernel, 'gradBiasHh', gradBiasHh, 3 * hidden, '3 × hidden');
      const outputs: [string, Float32Array][] = [['gradInputProjections', gradInputProjections], ['gradWeightHh', gradWeightHh], ['gradBiasHh', gradBiasHh]];
      const inputs: [string, Float32Array][] = [['weightHh', weightHh], ['states', states], ['gates', gates], ['gradStates', gradStates]];
      for (let i = 0; i < outputs.length; i++) {
        for (const [name, array] of [...inputs, ...outputs.slice(i + 1)]) checkNoOverlap(kernel, outputs[i]![0], outputs[i]![1], name, array);
      }
      kernels.gruBackward(batch, steps, hidden, weightHh, filled, states, gates, gradStates, gradInputProjections, gradWeightHh, gradBiasHh);
    },

    // Sequence models: attention
    causalAttentionForward(shape, q, k, v, keepProb, mask, probs, out) {
      const kernel = 'causalAttentionForward';
      const rows = checkAttention(kernel, shape, keepProb, mask, probs);
      const width = shape.heads * shape.headSize;
      for (const [name, array] of [['q', q], ['k', k], ['v', v], ['out', out]] as const) checkMatrix(kernel, name, array, rows, width);
      for (const [name, array] of [['q', q], ['k', k], ['v', v], ['probs', probs]] as const) checkNoOverlap(kernel, 'out', out, name, array);
      kernels.causalAttentionForward(shape, q, k, v, keepProb, mask, probs, out);
    },

    causalAttentionBackward(shape, gradOut, q, k, v, probs, keepProb, mask, gradQ, gradK, gradV) {
      const kernel = 'causalAttentionBackward';
      const rows = checkAttention(kernel, shape, keepProb, mask, probs);
      const width = shape.heads * shape.headSize;
      const inputs = [['gradOut', gradOut], ['q', q], ['k', k], ['v', v]] as const;
      const outputs = [['gradQ', gradQ], ['gradK', gradK], ['gradV', gradV]] as const;
      for (const [name, array] of [...inputs, ...outputs]) checkMatrix(kernel, name, array, rows, width);
      for (const [outName, output] of outputs) {
        for (const [name, array] of [...inputs, ['probs', probs] as const]) checkNoOverlap(kernel, outName, output, name, array);
      }
      checkNoOverlap(kernel, 'gradQ', gradQ, 'gradK', gradK);
      checkNoOverlap(kernel, 'gradQ', gradQ, 'gradV', gradV);
      checkNoOverlap(kernel, 'gradK', gradK, 'gradV', gradV);
      kernels.causalAttentionBackward(shape, gradOut, q, k, v, probs, keepProb, mask, gradQ, gradK, gradV);
    },
  };
}

// Sequence models: GRU
function checkGruShape(
  kernel: string,
  batch: number,
  steps: number,
  hidden: number,
  weightHh: Float32Array,
  filled: Int32Array,
  states: Float32Array,
  gates: Float32Array,
): void {
  checkSize(kernel, 'batch', batch);
  checkSize(kernel, 'steps', steps);
  checkSize(kernel, 'hidden', hidden);
  checkMatrix(kernel, 'weightHh', weightHh, 3 * hidden, hidden);
  checkLength(kernel, 'filled', filled, batch, 'batch');
  for (let w = 0; w < batch; w++) {
    if (!(filled[w]! >= 0 && filled[w]! <= steps)) throw new RangeError(`${kernel}: filled[${w}] is ${filled[w]}, expected 0..steps = 0..${steps}`);
  }
  checkMatrix(kernel, 'states', states, batch * steps, hidden);
  checkMatrix(kernel, 'gates', gates, batch * steps, 4 * hidden);
}

function checkAdam(kernel: string, param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, step: AdamStep): void {
  checkAdamStep(kernel, step);
  checkSameLength(kernel, ['param', 'grad', 'm', 'v'], [param, grad, m, v]);
  const arrays: [string, Float32Array][] = [['param', param], ['grad', grad], ['m', m], ['v', v]];
  for (let i = 0; i < arrays.length; i++) {
    for (let j = i + 1; j < arrays.length; j++) checkNoOverlap(kernel, arrays[i]![0], arrays[i]![1], arrays[j]![0], arrays[j]![1]);
  }
}

// Sequence models: attention
/** Checks an attention call's shape, filled counts, keep probability, mask and probs; returns the rows, Σ filled. */
function checkAttention(kernel: string, shape: AttentionShape, keepProb: number, mask: Uint8Array | null, probs: Float32Array): number {
  checkSize(kernel, 'batch', shape.batch);
  checkSize(kernel, 'length', shape.length);
  checkSize(kernel, 'heads', shape.heads);
  checkSize(kernel, 'headSize', shape.headSize);
  checkLength(kernel, 'filled', shape.filled, shape.batch, 'batch');
  let rows = 0;
  for (let b = 0; b < shape.batch; b++) {
    const f = shape.filled[b]!;
    if (!(Number.isInteger(f) && f >= 0 && f <= shape.length)) throw new RangeError(`${kernel}: filled[${b}] is ${f}, outside 0..length = ${shape.length}`);
    rows += f;
  }
  checkKeepProbability(kernel, keepProb);
  const blocks = shape.batch * shape.heads * shape.length * shape.length;
  checkLength(kernel, 'probs', probs, blocks, `batch × heads × length × length = ${shape.batch} × ${shape.heads} × ${shape.length} × ${shape.length}`);
  if (keepProb < 1) {
    if (mask === null) throw new RangeError(`${kernel}: keepProb ${keepProb} < 1 needs a dropout mask`);
    checkLength(kernel, 'mask', mask, blocks, 'probs');
  } else if (mask !== null && mask.length !== 0) {
    checkLength(kernel, 'mask', mask, blocks, 'probs');
  }
  return rows;
}
