/**
 * Full-softmax cross-entropy of next-item prediction over the whole catalogue
 * (SASRec+, Klenitskiy & Vasilev 2023, §3: "cross-entropy loss ... over the full
 * item set", no sampled negatives): for hidden states h_r and output weights W
 * [I × d] (SASRec ties them to the item embedding),
 *
 *   loss = −(1/R) Σ_r log softmax(h_r·Wᵀ)_{target_r}
 *
 * computed `chunkRows` rows at a time so that only chunkRows × I logits exist
 * at once, with the engine's fused softmaxCrossEntropyRows. Its gradients:
 * ∂loss/∂h = G·W and ∂loss/∂W = Gᵀ·H, G = (softmax − one-hot)/R.
 */
import type { Backend } from '../engine/backend.js';
import type { Parameter } from './parameter.js';
import { ScratchBuffer } from './scratch.js';
import { oneHotRows } from './sequence-windows.js';

export class CatalogueCrossEntropy {
  private readonly logits = new ScratchBuffer();
  private readonly gradLogits = new ScratchBuffer();
  private readonly gradHidden = new ScratchBuffer();

  constructor(
    private readonly backend: Backend,
    /** The output weights W, [items × width]: the loss adds ∂loss/∂W to its grad. */
    readonly output: Parameter,
    readonly chunkRows: number,
  ) {
    if (!(Number.isInteger(chunkRows) && chunkRows >= 1)) throw new RangeError(`catalogue cross-entropy: chunkRows must be a positive integer, got ${chunkRows}`);
    if (output.shape.length !== 2) throw new RangeError(`catalogue cross-entropy: '${output.name}' must be a matrix [items × width]`);
  }

  /**
   * The mean loss over the rows of `hidden` (rows × width) against `targets`
   * (one item per row); adds ∂loss/∂W to the output's grad and returns ∂loss/∂h
   * (rows × width, a view of this loss's buffer).
   */
  forwardBackward(hidden: Float32Array, targets: Int32Array): { readonly loss: number; readonly gradHidden: Float32Array } {
    const b = this.backend;
    const [items, d] = this.output.shape as [number, number];
    const rows = targets.length;
    if (hidden.length !== rows * d) throw new RangeError(`catalogue cross-entropy: hidden has ${hidden.length} values, expected ${rows} rows × ${d}`);
    const gradHidden = this.gradHidden.view(rows * d);
    let loss = 0;
    for (let start = 0; start < rows; start += this.chunkRows) {
      const end = Math.min(rows, start + this.chunkRows);
      const n = end - start;
      const h = hidden.subarray(start * d, end * d);
      const logits = this.logits.view(n * items);
      const gradLogits = this.gradLogits.view(n * items);
      b.gemm(false, true, n, items, d, 1, h, d, this.output.value, d, 0, logits, items);
      loss += b.softmaxCrossEntropyRows(logits, oneHotRows(targets.subarray(start, end), items), 1 / rows, gradLogits);
      b.gemm(false, false, n, d, items, 1, gradLogits, items, this.output.value, d, 0, gradHidden.subarray(start * d, end * d), d);
      b.gemm(true, false, items, d, n, 1, gradLogits, items, h, d, 1, this.output.grad, d);
    }
    return { loss, gradHidden };
  }
}
