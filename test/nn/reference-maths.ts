/**
 * Float64 reference forwards for the layer tests, written as plain loops over
 * the mathematical definitions, and central finite differences over them.
 */
import type { Activation } from '../../src/engine/backend.js';

export function activate(activation: Activation, z: number): number {
  switch (activation) {
    case 'identity':
      return z;
    case 'sigmoid':
      return 1 / (1 + Math.exp(-z));
    case 'tanh':
      return Math.tanh(z);
    case 'relu':
      return Math.max(0, z);
  }
}

/**
 * y[r, o] = f(Σ_i x[r, i]·W(o, i) + b[o]) for dense x (batch × in), where W(o, i) is
 * weight[o·in + i] when `weightLayout` is 'out×in' (torch.nn.Linear) and weight[i·out + o] for 'in×out'.
 */
export function linearForward64(
  x: ArrayLike<number>,
  weight: ArrayLike<number>,
  bias: ArrayLike<number> | undefined,
  activation: Activation,
  batch: number,
  inputSize: number,
  outputSize: number,
  weightLayout: 'out×in' | 'in×out',
): Float64Array {
  const y = new Float64Array(batch * outputSize);
  for (let r = 0; r < batch; r++) {
    for (let o = 0; o < outputSize; o++) {
      let z = bias === undefined ? 0 : bias[o]!;
      for (let i = 0; i < inputSize; i++) {
        const w = weightLayout === 'out×in' ? weight[o * inputSize + i]! : weight[i * outputSize + o]!;
        z += x[r * inputSize + i]! * w;
      }
      y[r * outputSize + o] = activate(activation, z);
    }
  }
  return y;
}

export function weightedSum64(weights: ArrayLike<number>, y: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += weights[i]! * y[i]!;
  return sum;
}

/** ½ Σ (y − t)². */
export function halfSquaredError64(y: ArrayLike<number>, target: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < y.length; i++) sum += 0.5 * (y[i]! - target[i]!) ** 2;
  return sum;
}

/**
 * ∂loss/∂values by central differences in double precision: `values` is a float64
 * copy of a parameter that `loss` reads; each element is perturbed and restored.
 */
export function finiteDifferences64(values: Float64Array, loss: () => number, step = 1e-6): Float64Array {
  const gradient = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const original = values[i]!;
    values[i] = original + step;
    const up = loss();
    values[i] = original - step;
    const down = loss();
    values[i] = original;
    gradient[i] = (up - down) / (2 * step);
  }
  return gradient;
}
