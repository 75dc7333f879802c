/**
 * The AutoRec network (Sedhain et al., "AutoRec: Autoencoders Meet
 * Collaborative Filtering", WWW 2015, eq. 1–2) on sparse examples:
 *
 *   h(r) = sigmoid(r·W + μ)          encoder: W inputs × hidden, μ hidden
 *   ĥ(r) = h(r)·Vᵀ + b               decoder: V inputs × hidden, b inputs (identity output)
 *   E    = Σ over examples Σ over OBSERVED entries (r − ĥ(r))² + (λ/2)(‖W‖² + ‖V‖²)
 *
 * W is stored input-major (`encoder.weight`, the transpose of torch.nn.Linear's
 * layout), the layout csrMatmul reads for a sparse r. V is stored one row per
 * output (`decoder.weight`, torch.nn.Linear's layout), which sampledDot reads
 * to evaluate ĥ only at the observed entries. The dense reconstruction
 * (batch × inputs) is never formed during training.
 *
 * A mini-batch of B of the N examples minimises its share of E:
 *   E_batch = Σ over the batch's observed entries (r − ĥ)² + (B/N)(λ/2)(‖W‖² + ‖V‖²),
 * so that the batches of one epoch add up to E, and λ means what it means in
 * the paper whatever the batch size.
 */
import type { Rng } from '../../data/random.js';
import type { Backend, CsrOperand } from '../../engine/backend.js';
import { xavierUniform } from '../../nn/init.js';
import { Adam, Sgd, type Optimizer } from '../../nn/optimizers.js';
import { Parameter } from '../../nn/parameter.js';
import { ScratchBuffer } from '../../nn/scratch.js';

export type AutoRecOptimizer = 'adam' | 'sgd';
export const AUTOREC_OPTIMIZERS: readonly AutoRecOptimizer[] = ['adam', 'sgd'];

export interface AutoRecNetworkShape {
  /** Length of an example vector: users for I-AutoRec, items for U-AutoRec. */
  readonly inputs: number;
  readonly hidden: number;
}

/** What one mini-batch returns. */
export interface AutoRecBatchResult {
  /** Σ over the batch's observed entries of (r − ĥ)², at the weights before the step. */
  readonly squaredError: number;
  /** Observed entries in the batch. */
  readonly observed: number;
}

/**
 * A batch's pattern transposed (inputs × rows, CSC of the batch), with the
 * position in the batch of each transposed entry. The products with a
 * transposed sparse factor, ∂E/∂V = Gₚᵀ·H and ∂E/∂W = xᵀ·∂E/∂Z, then run as
 * csrMatmul over this pattern — each output row accumulated in cache. The native
 * csrTransposeMatmul groups by column the same way (with the same summation
 * order), but once per call; built here once for both products, and once for
 * all epochs of a full-batch run, it kept I-AutoRec's ml-100k epoch at 17.5 ms
 * against 19.5 ms with two csrTransposeMatmul calls (bench/autorec-torch.ts).
 */
class TransposedPattern {
  readonly operand: CsrOperand;
  /** positions[q]: where transposed entry q sits in the batch. */
  private readonly positions: Int32Array;
  private readonly gathered: Float32Array;

  constructor(readonly source: CsrOperand) {
    const { nRows, nCols, indptr, indices, values } = source;
    const nnz = indptr[nRows]!;
    const transposedIndptr = new Int32Array(nCols + 1);
    for (let p = 0; p < nnz; p++) transposedIndptr[indices[p]! + 1]!++;
    for (let c = 0; c < nCols; c++) transposedIndptr[c + 1]! += transposedIndptr[c]!;
    const cursor = transposedIndptr.slice(0, nCols);
    const rowOf = new Int32Array(nnz);
    this.positions = new Int32Array(nnz);
    for (let r = 0; r < nRows; r++) {
      for (let p = indptr[r]!; p < indptr[r + 1]!; p++) {
        const q = cursor[indices[p]!]!++;
        rowOf[q] = r;
        this.positions[q] = p;
      }
    }
    const transposedValues = new Float32Array(nnz);
    for (let q = 0; q < nnz; q++) transposedValues[q] = values[this.positions[q]!]!;
    this.operand = { nRows: nCols, nCols: nRows, indptr: transposedIndptr, indices: rowOf, values: transposedValues };
    this.gathered = new Float32Array(nnz);
  }

  /** The transposed pattern carrying `valuesOnSource` (one per batch entry) instead of the batch's values. */
  withValues(valuesOnSource: Float32Array): CsrOperand {
    const positions = this.positions;
    const gathered = this.gathered;
    for (let q = 0; q < gathered.length; q++) gathered[q] = valuesOnSource[positions[q]!]!;
    return { ...this.operand, values: gathered };
  }
}

export class AutoRecNetwork {
  readonly inputs: number;
  readonly hidden: number;
  /** W: [inputs × hidden], row j what input j adds to each hidden unit. */
  readonly encoderWeight: Parameter;
  /** μ: [hidden]. */
  readonly encoderBias: Parameter;
  /** V: [inputs × hidden], row j the weights into output j. */
  readonly decoderWeight: Parameter;
  /** b: [inputs]. */
  readonly decoderBias: Parameter;
  private readonly codes = new ScratchBuffer();
  private readonly codeGradients = new ScratchBuffer();
  private readonly outputs = new ScratchBuffer();
  private readonly outputGradients = new ScratchBuffer();
  /** The last batch's transposed pattern: a full-batch run passes the same batch every epoch and reuses it. */
  private transposed: TransposedPattern | undefined;

  /** With `rng` the weights start Xavier-uniform and the biases at zero; without, everything is zero (to be loaded). */
  constructor(
    private readonly backend: Backend,
    shape: AutoRecNetworkShape,
    rng?: Rng,
  ) {
    const { inputs, hidden } = shape;
    if (!(Number.isInteger(inputs) && inputs >= 1 && Number.isInteger(hidden) && hidden >= 1)) {
      throw new RangeError(`an AutoRec network needs at least one input and one hidden unit, got inputs = ${inputs}, hidden = ${hidden}`);
    }
    this.inputs = inputs;
    this.hidden = hidden;
    this.encoderWeight = new Parameter('encoder.weight', [inputs, hidden]);
    this.encoderBias = new Parameter('encoder.bias', [hidden]);
    this.decoderWeight = new Parameter('decoder.weight', [inputs, hidden]);
    this.decoderBias = new Parameter('decoder.bias', [inputs]);
    if (rng) {
      xavierUniform(this.encoderWeight, rng.fork(0));
      xavierUniform(this.decoderWeight, rng.fork(1));
    }
  }

  /** W, μ, V, b. */
  get parameters(): Parameter[] {
    return [this.encoderWeight, this.encoderBias, this.decoderWeight, this.decoderBias];
  }

  /** The weights under the L2 term: W and V (the paper leaves the biases alone). */
  isRegularised(parameter: Parameter): boolean {
    return parameter === this.encoderWeight || parameter === this.decoderWeight;
  }

  /** codes (x.nRows × hidden) = sigmoid(x·W + μ), written into the caller's buffer. */
  encode(x: CsrOperand, codes: Float32Array): void {
    const b = this.backend;
    b.csrMatmul(1, x, this.encoderWeight.value, this.hidden, 0, codes);
    b.addBias(codes, x.nRows, this.hidden, this.encoderBias.value);
    b.activationForward('sigmoid', codes, codes);
  }

  /** out[p] = ĥ at every stored position p = (row, output) of `pattern`, from the rows' codes. */
  decodeAtPattern(pattern: CsrOperand, codes: Float32Array, out: Float32Array): void {
    this.backend.sampledDot(pattern, codes, this.decoderWeight.value, this.hidden, true, out);
    this.backend.addBiasAtPattern(pattern, this.decoderBias.value, out);
  }

  /** Dense reconstruction from `rows` codes: out (rows × inputs) = codes·Vᵀ + b. For scoring, never in training. */
  decodeDense(codes: Float32Array, rows: number, out: Float32Array): void {
    const { inputs, hidden } = this;
    this.backend.gemm(false, true, rows, inputs, hidden, 1, codes, hidden, this.decoderWeight.value, hidden, 0, out, inputs);
    this.backend.addBias(out, rows, inputs, this.decoderBias.value);
  }

  /** ‖W‖² + ‖V‖². Each is a 1 × K by K × 1 GEMM, so that BLAS makes the pass over the weights rather than a JS loop. */
  weightSquaredNorm(): number {
    const out = new Float32Array(1);
    let total = 0;
    for (const { value } of [this.encoderWeight, this.decoderWeight]) {
      this.backend.gemm(false, true, 1, 1, value.length, 1, value, value.length, value, value.length, 0, out, 1);
      total += out[0]!;
    }
    return total;
  }

  /**
   * Forward and backward of E_batch's squared-error term for the example rows
   * `x`. Overwrites (does not accumulate) every parameter's `grad` with its
   * gradient and returns the error before any update. The L2 term's gradient
   * is the optimiser's weight decay (AutoRecTrainer).
   */
  computeGradients(x: CsrOperand): AutoRecBatchResult {
    const b = this.backend;
    const { hidden } = this;
    const rows = x.nRows;
    const nnz = x.indptr[rows]!;
    // Forward: H = sigmoid(x·W + μ); ĥ = H·Vᵀ + b at the observed entries only.
    const codes = this.codes.view(rows * hidden);
    this.encode(x, codes);
    const outputs = this.outputs.view(nnz);
    this.decodeAtPattern(x, codes, outputs);
    // ∂/∂ĥ of Σ (ĥ − r)² is Gₚ = 2(ĥ − r), a sparse matrix on x's pattern.
    const outputGradients = this.outputGradients.view(nnz);
    const squaredError = b.squaredErrorAtPattern(x, outputs, 1, outputGradients);
    const outputGradient: CsrOperand = { nRows: rows, nCols: x.nCols, indptr: x.indptr, indices: x.indices, values: outputGradients };
    if (this.transposed?.source !== x) this.transposed = new TransposedPattern(x);
    const transposed = this.transposed;
    // Decoder: ∂E/∂V = Gₚᵀ·H, ∂E/∂b = Gₚ's column sums, ∂E/∂H = Gₚ·V.
    b.csrMatmul(1, transposed.withValues(outputGradients), codes, hidden, 0, this.decoderWeight.grad);
    b.biasGradientAtPattern(outputGradient, outputGradients, 0, this.decoderBias.grad);
    const codeGradients = this.codeGradients.view(rows * hidden);
    b.csrMatmul(1, outputGradient, this.decoderWeight.value, hidden, 0, codeGradients);
    // Encoder: through the sigmoid (from its output H): ∂E/∂Z = ∂E/∂H ⊙ H(1 − H); ∂E/∂μ = its column sums, ∂E/∂W = xᵀ·∂E/∂Z.
    b.activationBackward('sigmoid', codes, codeGradients, codeGradients);
    b.biasGradient(codeGradients, rows, hidden, 0, this.encoderBias.grad);
    b.csrMatmul(1, transposed.operand, codeGradients, hidden, 0, this.encoderWeight.grad);
    return { squaredError, observed: nnz };
  }
}

export interface AutoRecTrainerSettings {
  readonly lambda: number;
  readonly learningRate: number;
  /** Adam with torch.optim.Adam's defaults (β 0.9/0.999, ε 1e-8), or plain SGD. */
  readonly optimizer: AutoRecOptimizer;
  /** Examples per full mini-batch (B of all but the last batch). */
  readonly batchSize: number;
  /** All examples, N. */
  readonly totalExamples: number;
}

/**
 * Optimiser steps on E_batch. The L2 term's gradient (B/N)·λ·θ is the
 * optimiser's weight decay on W and V — the same "g + decay·θ" in the same
 * pass as the update — set for full batches; a shorter last batch gets the
 * difference added to its gradient.
 */
export class AutoRecTrainer {
  readonly optimizer: Optimizer;
  private readonly fullBatchDecay: number;

  constructor(
    private readonly backend: Backend,
    readonly network: AutoRecNetwork,
    private readonly settings: AutoRecTrainerSettings,
  ) {
    const batchSize = Math.min(settings.batchSize, settings.totalExamples);
    this.fullBatchDecay = (settings.lambda * batchSize) / settings.totalExamples;
    const options = {
      learningRate: settings.learningRate,
      weightDecay: this.fullBatchDecay,
      appliesWeightDecay: (parameter: Parameter) => network.isRegularised(parameter),
      backend,
    };
    this.optimizer = settings.optimizer === 'sgd' ? new Sgd(network.parameters, options) : new Adam(network.parameters, options);
  }

  /** One optimiser step on E_batch for the example rows `x`. */
  step(x: CsrOperand): AutoRecBatchResult {
    const result = this.network.computeGradients(x);
    const decayShortfall = (this.settings.lambda * x.nRows) / this.settings.totalExamples - this.fullBatchDecay;
    if (decayShortfall !== 0) {
      for (const parameter of [this.network.encoderWeight, this.network.decoderWeight]) this.backend.axpy(decayShortfall, parameter.value, parameter.grad);
    }
    this.optimizer.step();
    return result;
  }
}
