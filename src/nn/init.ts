/**
 * Deterministic parameter initialisers. Values are drawn from an `Rng` in the
 * parameter's row-major order, so a seed gives the same weights every run;
 * give each parameter its own `rng.fork(i)` so that changing one layer's size
 * does not shift the numbers another layer draws.
 */
import type { Rng } from '../data/random.js';
import type { Parameter } from './parameter.js';

export function zeros(parameter: Parameter): void {
  parameter.value.fill(0);
}

/** U(low, high) element-wise. */
export function uniform(parameter: Parameter, rng: Rng, low: number, high: number): void {
  if (!(low <= high)) throw new RangeError(`uniform init of '${parameter.name}': low ${low} must not exceed high ${high}`);
  const values = parameter.value;
  for (let i = 0; i < values.length; i++) values[i] = low + (high - low) * rng.nextFloat();
}

/** N(mean, std²) element-wise. */
export function normal(parameter: Parameter, rng: Rng, mean: number, std: number): void {
  if (!(std >= 0)) throw new RangeError(`normal init of '${parameter.name}': std must be non-negative, got ${std}`);
  const values = parameter.value;
  for (let i = 0; i < values.length; i++) values[i] = mean + std * rng.nextNormal();
}

/**
 * N(mean, std²) redrawn until within two standard deviations of the mean, as
 * TensorFlow's truncated_normal (used for the biases of Liang et al.'s Mult-VAE code).
 */
export function truncatedNormal(parameter: Parameter, rng: Rng, mean: number, std: number): void {
  if (!(std >= 0)) throw new RangeError(`truncated normal init of '${parameter.name}': std must be non-negative, got ${std}`);
  const values = parameter.value;
  for (let i = 0; i < values.length; i++) {
    let z = rng.nextNormal();
    while (Math.abs(z) > 2) z = rng.nextNormal();
    values[i] = mean + std * z;
  }
}

/** fan_in + fan_out of a 2-D weight; either storage order gives the same sum. */
function fanSum(parameter: Parameter, initialiser: string): number {
  if (parameter.shape.length !== 2) {
    throw new RangeError(`${initialiser} init needs a 2-D weight, but '${parameter.name}' has shape [${parameter.shape.join(', ')}]`);
  }
  return parameter.shape[0]! + parameter.shape[1]!;
}

/** Glorot & Bengio (2010), eq. 16: U(−a, a) with a = gain·√(6 / (fan_in + fan_out)); torch.nn.init.xavier_uniform_. */
export function xavierUniform(parameter: Parameter, rng: Rng, gain = 1): void {
  const bound = gain * Math.sqrt(6 / fanSum(parameter, 'Xavier uniform'));
  uniform(parameter, rng, -bound, bound);
}

/** Glorot & Bengio (2010): N(0, σ²) with σ = gain·√(2 / (fan_in + fan_out)); torch.nn.init.xavier_normal_. */
export function xavierNormal(parameter: Parameter, rng: Rng, gain = 1): void {
  normal(parameter, rng, 0, gain * Math.sqrt(2 / fanSum(parameter, 'Xavier normal')));
}
