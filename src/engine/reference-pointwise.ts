/**
 * The reference backend's element-wise kernels, softmax, losses, dropout and
 * optimiser updates in plain TypeScript. Arguments are already checked
 * (checked-backend.ts); formulas are documented on the Backend interface.
 */
import type { Activation, AdamStep, CsrOperand } from './backend.js';
import { checkCsrContents } from './shape-checks.js';

export function activationForward(activation: Activation, x: Float32Array, out: Float32Array): void {
  const n = x.length;
  switch (activation) {
    case 'identity':
      if (out !== x) out.set(x);
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) out[i] = 1 / (1 + Math.exp(-x[i]!));
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]!);
      return;
    case 'relu':
      for (let i = 0; i < n; i++) out[i] = x[i]! > 0 ? x[i]! : 0;
      return;
  }
}

export function activationBackward(activation: Activation, output: Float32Array, gradOutput: Float32Array, gradInput: Float32Array): void {
  const n = output.length;
  switch (activation) {
    case 'identity':
      if (gradInput !== gradOutput) gradInput.set(gradOutput);
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) gradInput[i] = gradOutput[i]! * output[i]! * (1 - output[i]!);
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) gradInput[i] = gradOutput[i]! * (1 - output[i]! * output[i]!);
      return;
    case 'relu':
      for (let i = 0; i < n; i++) gradInput[i] = output[i]! > 0 ? gradOutput[i]! : 0;
      return;
  }
}

export function swishForward(x: Float32Array, out: Float32Array): void {
  for (let i = 0; i < x.length; i++) out[i] = x[i]! / (1 + Math.exp(-x[i]!));
}

export function swishBackward(x: Float32Array, gradOutput: Float32Array, gradInput: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const s = 1 / (1 + Math.exp(-x[i]!));
    gradInput[i] = gradOutput[i]! * s * (1 + x[i]! * (1 - s));
  }
}

export function layerNormRows(
  x: Float32Array,
  rows: number,
  cols: number,
  scale: Float32Array,
  shift: Float32Array,
  epsilon: number,
  out: Float32Array,
  normalised: Float32Array,
  inverseDeviations: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const offset = r * cols;
    let mean = 0;
    for (let c = 0; c < cols; c++) mean += x[offset + c]!;
    mean /= cols;
    let variance = 0;
    for (let c = 0; c < cols; c++) variance += (x[offset + c]! - mean) ** 2;
    const inverse = 1 / Math.sqrt(variance / cols + epsilon);
    inverseDeviations[r] = inverse;
    for (let c = 0; c < cols; c++) {
      const xHat = (x[offset + c]! - mean) * inverse;
      normalised[offset + c] = xHat;
      out[offset + c] = scale[c]! * xHat + shift[c]!;
    }
  }
}

export function layerNormRowsBackward(
  gradOutput: Float32Array,
  normalised: Float32Array,
  inverseDeviations: Float32Array,
  rows: number,
  cols: number,
  scale: Float32Array,
  gradScale: Float32Array,
  gradShift: Float32Array,
  gradInput: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const offset = r * cols;
    let meanD = 0;
    let meanDx = 0;
    for (let c = 0; c < cols; c++) {
      const g = gradOutput[offset + c]!;
      gradScale[c]! += g * normalised[offset + c]!;
      gradShift[c]! += g;
      const d = g * scale[c]!;
      meanD += d;
      meanDx += d * normalised[offset + c]!;
    }
    meanD /= cols;
    meanDx /= cols;
    const inverse = inverseDeviations[r]!;
    for (let c = 0; c < cols; c++) {
      const d = gradOutput[offset + c]! * scale[c]!;
      gradInput[offset + c] = inverse * (d - meanD - normalised[offset + c]! * meanDx);
    }
  }
}

export function scale(x: Float32Array, alpha: number): void {
  for (let i = 0; i < x.length; i++) x[i]! *= alpha;
}

export function axpy(alpha: number, x: Float32Array, y: Float32Array): void {
  for (let i = 0; i < x.length; i++) y[i]! += alpha * x[i]!;
}

export function logSoftmaxRows(x: Float32Array, rows: number, cols: number, out: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const offset = r * cols;
    let max = -Infinity;
    for (let c = 0; c < cols; c++) if (x[offset + c]! > max) max = x[offset + c]!;
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(x[offset + c]! - max);
    const logSum = Math.log(sum);
    for (let c = 0; c < cols; c++) out[offset + c] = x[offset + c]! - max - logSum;
  }
}

export function logSoftmaxRowsBackward(logProbs: Float32Array, gradOutput: Float32Array, rows: number, cols: number, gradInput: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const offset = r * cols;
    let gradSum = 0;
    for (let c = 0; c < cols; c++) gradSum += gradOutput[offset + c]!;
    for (let c = 0; c < cols; c++) {
      gradInput[offset + c] = gradOutput[offset + c]! - Math.exp(logProbs[offset + c]!) * gradSum;
    }
  }
}

export function multinomialNll(logProbs: Float32Array, targets: CsrOperand): number {
  checkCsrContents('multinomialNll', 'targets', targets);
  const { indptr, indices, values, nCols } = targets;
  let loss = 0;
  for (let r = 0; r < targets.nRows; r++) {
    for (let p = indptr[r]!; p < indptr[r + 1]!; p++) loss -= values[p]! * logProbs[r * nCols + indices[p]!]!;
  }
  return loss;
}

export function multinomialNllGradient(targets: CsrOperand, scale: number, grad: Float32Array): void {
  checkCsrContents('multinomialNllGradient', 'targets', targets);
  const { indptr, indices, values, nCols } = targets;
  grad.fill(0);
  for (let r = 0; r < targets.nRows; r++) {
    for (let p = indptr[r]!; p < indptr[r + 1]!; p++) grad[r * nCols + indices[p]!] = -scale * values[p]!;
  }
}

export function softmaxCrossEntropyRows(logits: Float32Array, targets: CsrOperand, scale: number, gradLogits: Float32Array): number {
  checkCsrContents('softmaxCrossEntropyRows', 'targets', targets);
  const { indptr, indices, values, nRows, nCols } = targets;
  let loss = 0;
  for (let r = 0; r < nRows; r++) {
    const offset = r * nCols;
    let max = -Infinity;
    for (let c = 0; c < nCols; c++) if (logits[offset + c]! > max) max = logits[offset + c]!;
    let sum = 0;
    for (let c = 0; c < nCols; c++) sum += Math.exp(logits[offset + c]! - max);
    const logSum = Math.log(sum);
    let targetTotal = 0;
    for (let p = indptr[r]!; p < indptr[r + 1]!; p++) {
      targetTotal += values[p]!;
      loss -= values[p]! * (logits[offset + indices[p]!]! - max - logSum);
    }
    for (let c = 0; c < nCols; c++) gradLogits[offset + c] = scale * targetTotal * Math.exp(logits[offset + c]! - max - logSum);
    for (let p = indptr[r]!; p < indptr[r + 1]!; p++) gradLogits[offset + indices[p]!]! -= scale * values[p]!;
  }
  return scale * loss;
}

export function squaredErrorAtPattern(targets: CsrOperand, predicted: Float32Array, gradScale: number, gradPredicted: Float32Array): number {
  const nnz = targets.indptr[targets.nRows]!;
  let loss = 0;
  for (let p = 0; p < nnz; p++) {
    const residual = predicted[p]! - targets.values[p]!;
    loss += residual * residual;
    gradPredicted[p] = 2 * gradScale * residual;
  }
  return loss;
}

/** Murmur3's 32-bit finaliser (a bijective avalanche mix); native/kernels.h has the same function. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * The dropout hash: a uniform 32-bit word for element `index` under `seed`,
 * from two keyed rounds of mix32. Counter-based, so any element's decision
 * can be computed independently (threads, both backends) and a seed
 * reproduces a mask exactly. The native addon implements the same formula.
 */
export function dropoutHash(seed: number, index: number): number {
  const key1 = mix32((seed ^ 0x243f6a88) >>> 0);
  const key2 = mix32((seed ^ 0x85a308d3) >>> 0);
  return mix32((mix32((index ^ key1) >>> 0) + key2) >>> 0);
}

/** Elements whose hash's top 24 bits fall below this are kept: P(keep) = threshold / 2^24 ≈ keepProb. */
export function dropoutThreshold(keepProb: number): number {
  return Math.floor(keepProb * 16777216);
}

export function dropout(x: Float32Array, keepProb: number, seed: number, mask: Uint8Array, out: Float32Array): void {
  const threshold = dropoutThreshold(keepProb);
  const inverseKeep = Math.fround(1 / keepProb); // the float32 factor the native backend multiplies by
  for (let i = 0; i < x.length; i++) {
    const kept = dropoutHash(seed, i) >>> 8 < threshold;
    mask[i] = kept ? 1 : 0;
    out[i] = kept ? x[i]! * inverseKeep : 0;
  }
}

export function dropoutBackward(gradOutput: Float32Array, mask: Uint8Array, keepProb: number, gradInput: Float32Array): void {
  const inverseKeep = Math.fround(1 / keepProb);
  for (let i = 0; i < gradOutput.length; i++) gradInput[i] = mask[i] !== 0 ? gradOutput[i]! * inverseKeep : 0;
}

export function sgdUpdate(param: Float32Array, grad: Float32Array, learningRate: number, weightDecay: number): void {
  for (let i = 0; i < param.length; i++) param[i]! -= learningRate * (grad[i]! + weightDecay * param[i]!);
}

/** The Adam step shared by adamUpdate and adamwUpdate; `l2` is the decay folded into the gradient. */
function adamStep(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, step: AdamStep, l2: number): void {
  const { learningRate, beta1, beta2, epsilon } = step;
  const firstCorrection = 1 - Math.pow(beta1, step.step);
  const secondCorrection = 1 - Math.pow(beta2, step.step);
  for (let i = 0; i < param.length; i++) {
    const g = grad[i]! + l2 * param[i]!;
    const mi = beta1 * m[i]! + (1 - beta1) * g;
    const vi = beta2 * v[i]! + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i]! -= (learningRate * (mi / firstCorrection)) / (Math.sqrt(vi / secondCorrection) + epsilon);
  }
}

export function adamUpdate(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, step: AdamStep): void {
  adamStep(param, grad, m, v, step, step.weightDecay);
}

export function adamwUpdate(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, step: AdamStep): void {
  const decay = 1 - step.learningRate * step.weightDecay;
  if (decay !== 1) for (let i = 0; i < param.length; i++) param[i]! *= decay;
  adamStep(param, grad, m, v, step, 0);
}
