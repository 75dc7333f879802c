/**
 * A GRU layer over right-aligned windows (src/nn/sequence-windows.ts): for each
 * window, the state after each slot, starting from h = 0 at the first event.
 * Gates and parameter names follow torch.nn.GRU (layer 0): `<name>.weight_ih_l0`
 * [3H × in], `<name>.weight_hh_l0` [3H × H], `<name>.bias_ih_l0`, `<name>.bias_hh_l0`
 * [3H], blocks ordered r, z, n, so a PyTorch peer's state_dict maps 1:1.
 *
 * Forward: the input projections x = input·W_ihᵀ + b_ih of every slot are one
 * GEMM; the recurrence is the engine's gruForward (one recurrent GEMM per step,
 * gates fused). Backward: gruBackward gives ∂L/∂x, from which
 *   ∂L/∂W_ih += ∂L/∂xᵀ·input,  ∂L/∂b_ih += Σ_slots ∂L/∂x,  ∂L/∂input = ∂L/∂x·W_ih,
 * again one GEMM each over all slots.
 */
import type { Rng } from '../data/random.js';
import type { Backend } from '../engine/backend.js';
import { getBackend } from '../engine/index.js';
import { checkLayerSize } from './dense.js';
import { Parameter } from './parameter.js';
import { ScratchBuffer } from './scratch.js';

export interface GruLayerOptions {
  /** Prefix of the parameter names. */
  readonly name: string;
  readonly inputSize: number;
  readonly hiddenSize: number;
  /** Initialises the weights as GRU4Rec's official code does (see `initialiseGru4Rec`); without it all start at zero (to be loaded). */
  readonly rng?: Rng;
  readonly backend?: Backend;
}

/**
 * U(−σ, σ) with σ = √(6 / (rows / rowScale + cols / colScale)): GRU4Rec's
 * `init_parameter_matrix` (hidasib/GRU4Rec_PyTorch_Official), which scales the
 * fan of a matrix that stacks several gates.
 */
export function gru4recUniform(parameter: Parameter, rng: Rng, rowScale = 1, colScale = 1): void {
  const [rows, cols] = parameter.shape as [number, number];
  const sigma = Math.sqrt(6 / (rows / rowScale + cols / colScale));
  const values = parameter.value;
  for (let i = 0; i < values.length; i++) values[i] = -sigma + 2 * sigma * rng.nextFloat();
}

export class GruLayer {
  readonly name: string;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly weightIh: Parameter;
  readonly weightHh: Parameter;
  readonly biasIh: Parameter;
  readonly biasHh: Parameter;
  private readonly backend: Backend;
  private readonly projections = new ScratchBuffer();
  private readonly states = new ScratchBuffer();
  private readonly gates = new ScratchBuffer();
  private readonly projectionGrad = new ScratchBuffer();
  private readonly inputGrad = new ScratchBuffer();
  private last: { input: Float32Array; batch: number; steps: number; filled: Int32Array; states: Float32Array; gates: Float32Array } | undefined;

  constructor(options: GruLayerOptions) {
    checkLayerSize(options.name, 'inputSize', options.inputSize);
    checkLayerSize(options.name, 'hiddenSize', options.hiddenSize);
    this.name = options.name;
    this.inputSize = options.inputSize;
    this.hiddenSize = options.hiddenSize;
    this.backend = options.backend ?? getBackend();
    const gates = 3 * options.hiddenSize;
    this.weightIh = new Parameter(`${options.name}.weight_ih_l0`, [gates, options.inputSize]);
    this.weightHh = new Parameter(`${options.name}.weight_hh_l0`, [gates, options.hiddenSize]);
    this.biasIh = new Parameter(`${options.name}.bias_ih_l0`, [gates]);
    this.biasHh = new Parameter(`${options.name}.bias_hh_l0`, [gates]);
    if (options.rng !== undefined) {
      // GRU4Rec's reset_parameters: init_parameter_matrix(weight_ih / weight_hh, dim1_scale=3), biases 0.
      gru4recUniform(this.weightIh, options.rng.fork(0), 1, 3);
      gru4recUniform(this.weightHh, options.rng.fork(1), 1, 3);
    }
  }

  get parameters(): Parameter[] {
    return [this.weightIh, this.weightHh, this.biasIh, this.biasHh];
  }

  /**
   * States (batch·steps × H, slot (w, t) at row w·steps + t; 0 at padded slots) for `input`
   * (batch·steps × in) over windows whose last filled[w] slots hold events. The result is a
   * view of this layer's buffer, valid until the next forward; `input` is kept for backward.
   */
  forward(input: Float32Array, batch: number, steps: number, filled: Int32Array): Float32Array {
    const b = this.backend;
    const [k, h] = [this.inputSize, this.hiddenSize];
    const slots = batch * steps;
    if (input.length !== slots * k) throw new RangeError(`layer '${this.name}': input has ${input.length} values, expected ${batch} × ${steps} slots × ${k}`);
    const x = this.projections.view(slots * 3 * h);
    b.gemm(false, true, slots, 3 * h, k, 1, input, k, this.weightIh.value, k, 0, x, 3 * h);
    b.addBias(x, slots, 3 * h, this.biasIh.value);
    const states = this.states.view(slots * h);
    const gates = this.gates.view(slots * 4 * h);
    b.gruForward(batch, steps, h, x, this.weightHh.value, this.biasHh.value, filled, states, gates);
    this.last = { input, batch, steps, filled, states, gates };
    return states;
  }

  /**
   * Adds the parameter gradients for ∂L/∂states = gradStates (not modified) and returns
   * ∂L/∂input (a view of this layer's buffer), or undefined when `inputGradient` is false.
   */
  backward(gradStates: Float32Array, inputGradient = true): Float32Array | undefined {
    const last = this.last;
    if (last === undefined) throw new Error(`layer '${this.name}': backward called before forward`);
    const b = this.backend;
    const [k, h] = [this.inputSize, this.hiddenSize];
    const slots = last.batch * last.steps;
    const gradX = this.projectionGrad.view(slots * 3 * h);
    b.gruBackward(last.batch, last.steps, h, this.weightHh.value, last.filled, last.states, last.gates, gradStates, gradX, this.weightHh.grad, this.biasHh.grad);
    b.gemm(true, false, 3 * h, k, slots, 1, gradX, 3 * h, last.input, k, 1, this.weightIh.grad, k);
    b.biasGradient(gradX, slots, 3 * h, 1, this.biasIh.grad);
    if (!inputGradient) return undefined;
    const gradInput = this.inputGrad.view(slots * k);
    b.gemm(false, false, slots, k, 3 * h, 1, gradX, 3 * h, this.weightIh.value, k, 0, gradInput, k);
    return gradInput;
  }
}
