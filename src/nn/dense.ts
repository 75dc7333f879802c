/**
 * A fully connected layer, y = f(x·Wᵀ + b), with W stored [out × in] as
 * torch.nn.Linear stores it, so `<name>.weight` and `<name>.bias` map 1:1 onto
 * a PyTorch peer's state_dict.
 *
 * Shapes (row-major float32): x is batch × in, y is batch × out.
 * Backward, with G = ∂L/∂y and D = G ⊙ f′(y) (f′ taken from the output, as the engine does):
 *   ∂L/∂W += Dᵀ·x,   ∂L/∂b += Σ_rows D,   ∂L/∂x = D·W.
 */
import type { Rng } from '../data/random.js';
import type { Activation, Backend } from '../engine/backend.js';
import { getBackend } from '../engine/index.js';
import { xavierUniform } from './init.js';
import { Parameter } from './parameter.js';
import { ScratchBuffer } from './scratch.js';

export interface DenseLayerOptions {
  /** Prefix of the parameter names: `<name>.weight`, `<name>.bias`. */
  readonly name: string;
  readonly inputSize: number;
  readonly outputSize: number;
  /** Default 'identity'. */
  readonly activation?: Activation;
  /** Default true. */
  readonly bias?: boolean;
  /**
   * Initialises the weight Xavier-uniform (biases start at zero, as in Liang et
   * al.'s Mult-VAE code). Without it the weight starts at zero — for a layer
   * whose values are about to be loaded.
   */
  readonly rng?: Rng;
  readonly backend?: Backend;
}

export function checkLayerSize(layer: string, what: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`layer '${layer}': ${what} must be a positive integer, got ${value}`);
}

export class DenseLayer {
  readonly name: string;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly activation: Activation;
  /** [outputSize × inputSize]. */
  readonly weight: Parameter;
  /** [outputSize], or undefined for a layer without bias. */
  readonly bias: Parameter | undefined;
  private readonly backend: Backend;
  private readonly output = new ScratchBuffer();
  private readonly preActivationGrad = new ScratchBuffer();
  private readonly inputGrad = new ScratchBuffer();
  /** What the last forward saw and produced, for backward. */
  private lastInput: Float32Array | undefined;
  private lastOutput: Float32Array | undefined;
  private lastBatch = 0;

  constructor(options: DenseLayerOptions) {
    checkLayerSize(options.name, 'inputSize', options.inputSize);
    checkLayerSize(options.name, 'outputSize', options.outputSize);
    this.name = options.name;
    this.inputSize = options.inputSize;
    this.outputSize = options.outputSize;
    this.activation = options.activation ?? 'identity';
    this.backend = options.backend ?? getBackend();
    this.weight = new Parameter(`${options.name}.weight`, [options.outputSize, options.inputSize]);
    this.bias = options.bias === false ? undefined : new Parameter(`${options.name}.bias`, [options.outputSize]);
    if (options.rng !== undefined) xavierUniform(this.weight, options.rng);
  }

  get parameters(): Parameter[] {
    return this.bias === undefined ? [this.weight] : [this.weight, this.bias];
  }

  /**
   * y = f(x·Wᵀ + b) for `batch` rows of x. The result is a view of this layer's
   * buffer, overwritten by the next forward. `x` is kept (not copied) for
   * backward, so it must not change until backward has run.
   */
  forward(x: Float32Array, batch: number): Float32Array {
    checkLayerSize(this.name, 'batch', batch);
    const [n, k] = [this.outputSize, this.inputSize];
    if (x.length !== batch * k) throw new RangeError(`layer '${this.name}': input has ${x.length} values, expected batch ${batch} × ${k}`);
    const y = this.output.view(batch * n);
    this.backend.gemm(false, true, batch, n, k, 1, x, k, this.weight.value, k, 0, y, n);
    if (this.bias !== undefined) this.backend.addBias(y, batch, n, this.bias.value);
    if (this.activation !== 'identity') this.backend.activationForward(this.activation, y, y);
    this.lastInput = x;
    this.lastOutput = y;
    this.lastBatch = batch;
    return y;
  }

  /**
   * Adds the parameter gradients for ∂L/∂y = gradOutput (batch × out, not
   * modified) and returns ∂L/∂x (a view of this layer's buffer), or undefined
   * when `inputGradient` is false (the first layer needs none).
   */
  backward(gradOutput: Float32Array, inputGradient = true): Float32Array | undefined {
    const x = this.lastInput;
    const y = this.lastOutput;
    if (x === undefined || y === undefined) throw new Error(`layer '${this.name}': backward called before forward`);
    const [batch, n, k] = [this.lastBatch, this.outputSize, this.inputSize];
    if (gradOutput.length !== batch * n) {
      throw new RangeError(`layer '${this.name}': output gradient has ${gradOutput.length} values, expected batch ${batch} × ${n}`);
    }
    let delta = gradOutput;
    if (this.activation !== 'identity') {
      delta = this.preActivationGrad.view(batch * n);
      this.backend.activationBackward(this.activation, y, gradOutput, delta);
    }
    this.backend.gemm(true, false, n, k, batch, 1, delta, n, x, k, 1, this.weight.grad, k);
    if (this.bias !== undefined) this.backend.biasGradient(delta, batch, n, 1, this.bias.grad);
    if (!inputGradient) return undefined;
    const gradInput = this.inputGrad.view(batch * k);
    this.backend.gemm(false, false, batch, k, n, 1, delta, n, this.weight.value, k, 0, gradInput, k);
    return gradInput;
  }
}
