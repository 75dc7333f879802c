/**
 * A trainable tensor: float32 values, the gradient accumulated for them, a
 * shape and a name. Names follow PyTorch's state_dict keys ('encoder.weight')
 * so that saved weights and optimiser moments line up with a PyTorch peer.
 */
import type { Tensor } from '../io/safetensors.js';

export class Parameter {
  readonly value: Float32Array;
  /** Accumulated by the layers' backward passes; cleared by `zeroGrad` (usually through the optimiser). */
  readonly grad: Float32Array;
  readonly shape: readonly number[];

  constructor(
    readonly name: string,
    shape: readonly number[],
  ) {
    if (name === '') throw new RangeError('a parameter needs a non-empty name (it keys saved weights and optimiser moments)');
    if (shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new RangeError(`parameter '${name}': shape must be non-negative integers, got [${shape.join(', ')}]`);
    }
    this.shape = shape.slice();
    const size = shape.reduce((a, b) => a * b, 1);
    this.value = new Float32Array(size);
    this.grad = new Float32Array(size);
  }

  get size(): number {
    return this.value.length;
  }

  zeroGrad(): void {
    this.grad.fill(0);
  }
}

/** Copies of the parameters' values, keyed by name, for a TrainingState or a model file. */
export function exportParameters(parameters: readonly Parameter[]): Record<string, Tensor> {
  const tensors: Record<string, Tensor> = {};
  for (const parameter of parameters) {
    if (parameter.name in tensors) throw new RangeError(`two parameters are named '${parameter.name}'; names key saved tensors and must be unique`);
    tensors[parameter.name] = { shape: parameter.shape.slice(), data: parameter.value.slice() };
  }
  return tensors;
}

/**
 * Copies saved values into the parameters, after checking that each is present
 * with the parameter's shape and float32 values (all are checked before any is
 * copied, so a bad state leaves the parameters as they were). `source` starts
 * every error message (e.g. "checkpoint model.ckpt" or "saved 'autorec' model").
 */
export function importParameters(parameters: readonly Parameter[], tensors: Readonly<Record<string, Tensor>>, source: string): void {
  const values = parameters.map((p) => float32Tensor(source, tensors, p.name, p.shape));
  parameters.forEach((p, i) => p.value.set(values[i]!));
}

/** The values of tensor `name`, after checking its presence, element type (float32) and shape. */
export function float32Tensor(source: string, tensors: Readonly<Record<string, Tensor>>, name: string, shape: readonly number[]): Float32Array {
  const tensor: Tensor | undefined = tensors[name];
  if (tensor === undefined) {
    const present = Object.keys(tensors).sort().join(', ') || '(none)';
    throw new Error(`${source} lacks tensor '${name}' (present: ${present})`);
  }
  if (!(tensor.data instanceof Float32Array)) {
    throw new TypeError(`${source}: tensor '${name}' should hold Float32Array values, got ${tensor.data.constructor.name}`);
  }
  if (tensor.shape.length !== shape.length || tensor.shape.some((d, i) => d !== shape[i])) {
    throw new RangeError(`${source}: tensor '${name}' has shape [${tensor.shape.join(', ')}], expected [${shape.join(', ')}]`);
  }
  return tensor.data;
}
