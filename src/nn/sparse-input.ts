/**
 * The first layer of an autoencoder over a sparse input: h = f(X·W + b) for a
 * CSR batch X (batch × catalogue), never forming a dense batch × catalogue
 * matrix. The input layer of Mult-VAE, Mult-DAE and U-AutoRec.
 *
 * W is stored [in × out] — input-major, the TRANSPOSE of torch.nn.Linear's
 * weight — because that is the layout csrMatmul reads (one contiguous row of W
 * per stored input entry) and csrTransposeMatmul writes. A PyTorch peer loads
 * `<name>.weight` transposed.
 *
 * Backward, with G = ∂L/∂h and D = G ⊙ f′(h):
 *   ∂L/∂W += Xᵀ·D (csrTransposeMatmul),   ∂L/∂b += Σ_rows D.
 * No input gradient: the input is data.
 */
import type { Rng } from '../data/random.js';
import type { Activation, Backend, CsrOperand } from '../engine/backend.js';
import { getBackend } from '../engine/index.js';
import { checkLayerSize } from './dense.js';
import { xavierUniform } from './init.js';
import { Parameter } from './parameter.js';
import { ScratchBuffer } from './scratch.js';

export interface SparseInputLayerOptions {
  /** Prefix of the parameter names: `<name>.weight` ([in × out]), `<name>.bias`. */
  readonly name: string;
  /** Columns of the sparse input (the catalogue size). */
  readonly inputSize: number;
  readonly outputSize: number;
  /** Default 'identity'. */
  readonly activation?: Activation;
  /** Default true. */
  readonly bias?: boolean;
  /** Initialises the weight Xavier-uniform (bias zero); without it the weight starts at zero. */
  readonly rng?: Rng;
  readonly backend?: Backend;
}

export class SparseInputLayer {
  readonly name: string;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly activation: Activation;
  /** [inputSize × outputSize] (input-major; see the module comment). */
  readonly weight: Parameter;
  readonly bias: Parameter | undefined;
  private readonly backend: Backend;
  private readonly output = new ScratchBuffer();
  private readonly preActivationGrad = new ScratchBuffer();
  private lastInput: CsrOperand | undefined;
  private lastOutput: Float32Array | undefined;

  constructor(options: SparseInputLayerOptions) {
    checkLayerSize(options.name, 'inputSize', options.inputSize);
    checkLayerSize(options.name, 'outputSize', options.outputSize);
    this.name = options.name;
    this.inputSize = options.inputSize;
    this.outputSize = options.outputSize;
    this.activation = options.activation ?? 'identity';
    this.backend = options.backend ?? getBackend();
    this.weight = new Parameter(`${options.name}.weight`, [options.inputSize, options.outputSize]);
    this.bias = options.bias === false ? undefined : new Parameter(`${options.name}.bias`, [options.outputSize]);
    if (options.rng !== undefined) xavierUniform(this.weight, options.rng);
  }

  get parameters(): Parameter[] {
    return this.bias === undefined ? [this.weight] : [this.weight, this.bias];
  }

  /**
   * h = f(X·W + b), batch = x.nRows rows. The result is a view of this layer's
   * buffer, overwritten by the next forward; `x` is kept (not copied) for backward.
   */
  forward(x: CsrOperand): Float32Array {
    if (x.nCols !== this.inputSize) {
      throw new RangeError(`layer '${this.name}': input has ${x.nCols} columns, expected inputSize ${this.inputSize}`);
    }
    checkLayerSize(this.name, 'batch (input rows)', x.nRows);
    const n = this.outputSize;
    const h = this.output.view(x.nRows * n);
    this.backend.csrMatmul(1, x, this.weight.value, n, 0, h);
    if (this.bias !== undefined) this.backend.addBias(h, x.nRows, n, this.bias.value);
    if (this.activation !== 'identity') this.backend.activationForward(this.activation, h, h);
    this.lastInput = x;
    this.lastOutput = h;
    return h;
  }

  /** Adds the parameter gradients for ∂L/∂h = gradOutput (batch × out, not modified). */
  backward(gradOutput: Float32Array): void {
    const x = this.lastInput;
    const h = this.lastOutput;
    if (x === undefined || h === undefined) throw new Error(`layer '${this.name}': backward called before forward`);
    const n = this.outputSize;
    if (gradOutput.length !== x.nRows * n) {
      throw new RangeError(`layer '${this.name}': output gradient has ${gradOutput.length} values, expected batch ${x.nRows} × ${n}`);
    }
    let delta = gradOutput;
    if (this.activation !== 'identity') {
      delta = this.preActivationGrad.view(x.nRows * n);
      this.backend.activationBackward(this.activation, h, gradOutput, delta);
    }
    this.backend.csrTransposeMatmul(1, x, delta, n, 1, this.weight.grad);
    if (this.bias !== undefined) this.backend.biasGradient(delta, x.nRows, n, 1, this.bias.grad);
  }
}
