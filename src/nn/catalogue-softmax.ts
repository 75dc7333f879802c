/**
 * Full-softmax cross-entropy over the whole catalogue at chosen rows of a
 * hidden-state matrix: the next-item loss of GRU4Rec trained with cross-entropy
 * (Hidasi & Karatzoglou 2018, without sampling) and of SASRec+ (Klenitskiy &
 * Vasilev 2023). For each target slot s with hidden state h_s and next item y_s,
 *
 *   logits_s = h_s·Wᵀ + b   (W the item output embeddings [items × H], b [items]; SASRec has
 *                            no b and ties W to its input item embedding)
 *   loss     = scale · Σ_s −log softmax(logits_s)_{y_s}
 *
 * The slots are processed in chunks so that the chunk × items logits (and their
 * gradient) stay bounded in memory whatever the batch: each chunk gathers its
 * hidden rows (or, when they are consecutive rows, reads them in place), does one
 * GEMM, the engine's fused softmaxCrossEntropyRows, then ∂W += ∂logitsᵀ·h,
 * ∂b += Σ ∂logits, ∂h += ∂logits·W, scattered back to the slots.
 */
import type { Backend, CsrOperand } from '../engine/backend.js';
import type { Parameter } from './parameter.js';
import { ScratchBuffer } from './scratch.js';
import { oneHotRows } from './sequence-windows.js';

/**
 * Logit entries per chunk (8 Mi floats = 32 MiB, twice: logits and their gradient): about 700
 * slots of a 12k-item catalogue, enough rows for the GEMMs' k = chunk dimension (∂W) to run at speed.
 */
const CHUNK_ELEMENTS = 1 << 23;

export interface CatalogueSoftmaxOptions {
  /** Slots whose logits exist at once; by default as many as fit in CHUNK_ELEMENTS logits. */
  readonly chunkSlots?: number;
}

export class CatalogueSoftmax {
  private readonly gathered = new ScratchBuffer();
  private readonly logits = new ScratchBuffer();
  private readonly logitGrad = new ScratchBuffer();
  private readonly gatheredGrad = new ScratchBuffer();
  private allSlots = new Int32Array(0);
  private readonly meanGrad = new ScratchBuffer();
  private readonly fixedChunkSlots: number | undefined;

  constructor(
    private readonly backend: Backend,
    /** [items × H]: row i is item i's output embedding. */
    readonly weight: Parameter,
    /** [items], or undefined for logits without a bias. */
    readonly bias: Parameter | undefined,
    options: CatalogueSoftmaxOptions = {},
  ) {
    if (weight.shape.length !== 2) throw new RangeError(`catalogue softmax: '${weight.name}' must be a matrix [items × width]`);
    const chunk = options.chunkSlots;
    if (chunk !== undefined && !(Number.isInteger(chunk) && chunk >= 1)) throw new RangeError(`catalogue softmax: chunkSlots must be a positive integer, got ${chunk}`);
    this.fixedChunkSlots = chunk;
  }

  /** The weight, then the bias when there is one. */
  get parameters(): Parameter[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  get items(): number {
    return this.weight.shape[0]!;
  }

  get width(): number {
    return this.weight.shape[1]!;
  }

  /** Slots per chunk for this catalogue. */
  get chunkSlots(): number {
    return this.fixedChunkSlots ?? Math.max(1, Math.floor(CHUNK_ELEMENTS / this.items));
  }

  /**
   * The mean loss over every row of `hidden` (rows × H) with next items `targets` (one per row),
   * as torch's cross_entropy: adds ∂loss/∂W (and ∂b) to the grads and returns ∂loss/∂hidden
   * (rows × H, a view of this loss's buffer, valid until the next call).
   */
  meanLossAndGradient(hidden: Float32Array, targets: Int32Array): { readonly loss: number; readonly gradHidden: Float32Array } {
    const rows = targets.length;
    if (hidden.length !== rows * this.width) throw new RangeError(`catalogue softmax: hidden has ${hidden.length} values, expected ${rows} rows × ${this.width}`);
    if (this.allSlots.length < rows) this.allSlots = Int32Array.from({ length: rows }, (_, r) => r);
    const slots = this.allSlots.subarray(0, rows);
    const gradHidden = this.meanGrad.view(rows * this.width);
    gradHidden.fill(0);
    const loss = rows === 0 ? 0 : this.lossAndGradient(hidden, slots, targets, 1 / rows, gradHidden);
    return { loss, gradHidden };
  }

  /**
   * The loss above for the rows `slots` of `hidden` (rows × H) with next items targets[slots[k]]
   * (targets indexed like hidden's rows) — or, given a function, with the multinomial targets it
   * returns for a chunk of slots (chunk length × items, weighted: loss = scale·Σ −x·log p, as
   * softmaxCrossEntropyRows) — adds ∂loss/∂W and ∂loss/∂b to the parameters' grads and
   * ∂loss/∂hidden into `gradHidden` (rows × H, added to). Returns the loss.
   */
  lossAndGradient(hidden: Float32Array, slots: Int32Array, targets: Int32Array | ((chunk: Int32Array) => CsrOperand), scale: number, gradHidden: Float32Array): number {
    const b = this.backend;
    const [items, h] = [this.items, this.width];
    let loss = 0;
    for (let start = 0; start < slots.length; start += this.chunkSlots) {
      const chunk = slots.subarray(start, Math.min(slots.length, start + this.chunkSlots));
      const rows = chunk.length;
      // Consecutive rows (every slot of a packed batch) are read and written in place.
      const first = chunk[0]!;
      const consecutive = chunk[rows - 1]! - first === rows - 1 && chunk.every((slot, k) => slot === first + k);
      let x: Float32Array;
      if (consecutive) {
        x = hidden.subarray(first * h, (first + rows) * h);
      } else {
        x = this.gathered.view(rows * h);
        for (let k = 0; k < rows; k++) x.set(hidden.subarray(chunk[k]! * h, chunk[k]! * h + h), k * h);
      }
      const logits = this.logits.view(rows * items);
      b.gemm(false, true, rows, items, h, 1, x, h, this.weight.value, h, 0, logits, items);
      if (this.bias) b.addBias(logits, rows, items, this.bias.value);
      const grad = this.logitGrad.view(rows * items);
      const chunkTargets = typeof targets === 'function' ? targets(chunk) : oneHotRows(targets, items, chunk);
      loss += b.softmaxCrossEntropyRows(logits, chunkTargets, scale, grad);
      b.gemm(true, false, items, h, rows, 1, grad, items, x, h, 1, this.weight.grad, h);
      if (this.bias) b.biasGradient(grad, rows, items, 1, this.bias.grad);
      if (consecutive) {
        b.gemm(false, false, rows, h, items, 1, grad, items, this.weight.value, h, 1, gradHidden.subarray(first * h, (first + rows) * h), h);
        continue;
      }
      const gx = this.gatheredGrad.view(rows * h);
      b.gemm(false, false, rows, h, items, 1, grad, items, this.weight.value, h, 0, gx, h);
      for (let k = 0; k < rows; k++) {
        const base = chunk[k]! * h;
        for (let j = 0; j < h; j++) gradHidden[base + j] = gradHidden[base + j]! + gx[k * h + j]!;
      }
    }
    return loss;
  }

  /**
   * Logits of every item (rows × items, into `out`) for `rows` hidden states read with a row
   * stride: row r is hidden[offset + r·stride .. + H) (e.g. the last slot of each window).
   */
  scoreInto(hidden: Float32Array, offset: number, stride: number, rows: number, out: Float32Array): void {
    const [items, h] = [this.items, this.width];
    if (rows === 0) return;
    this.backend.gemm(false, true, rows, items, h, 1, hidden.subarray(offset), stride, this.weight.value, h, 0, out, items);
    if (this.bias) this.backend.addBias(out, rows, items, this.bias.value);
  }
}
