/**
 * SASRec's network (Kang & McAuley, "Self-Attentive Sequential
 * Recommendation", ICDM 2018) as SASRec+ trains it (Klenitskiy & Vasilev,
 * "Turning Dross Into Gold Loss: is BERT4Rec really better than SASRec?",
 * RecSys 2023, whose code adapts pmixer/SASRec.pytorch), over packed windows
 * (src/nn/packed-windows.ts): with E the item embeddings and P the positions,
 *
 *   x = dropout(√d·E[item] + P[position])                         §III-A (the √d as in the code)
 *   per block:  a = LN₁(x);  x = a + MHA(queries a, keys/values x)   §III-B, eq. 2, causal
 *               y = LN₂(x);  x = y + dropout(W₂·relu(dropout(W₁y + b₁)) + b₂)   §III-C, eq. 3
 *   h = LN_final(x);   score(item j | h) = h·E[j]                    §III-E, shared item embedding
 *
 * The residual paths are the reference code's (the attention's residual is
 * the normalised a, the feed-forward's the normalised y). Layer norms use
 * ε = 1e-8 as the code does. SASRec+'s loss is the full-softmax cross-entropy
 * over the catalogue at every slot that has a next item (sasrec-loss.ts).
 *
 * Initialisation as SASRec+'s `_init_weights`: embeddings, the attention's
 * output projection and the feed-forward layers N(0, 0.02²), biases 0, layer
 * norms (1, 0); the query/key/value projections keep torch.nn.MultiheadAttention's
 * Xavier-uniform over the stacked [3d × d] in-projection.
 */
import type { Rng } from '../../data/random.js';
import type { Backend } from '../../engine/backend.js';
import { DenseLayer } from '../../nn/dense.js';
import { normal, uniform } from '../../nn/init.js';
import { LayerNorm } from '../../nn/layer-norm.js';
import type { PackedWindows } from '../../nn/packed-windows.js';
import { PositionalEmbedding } from '../../nn/positional-embedding.js';
import { ScratchBuffer } from '../../nn/scratch.js';
import { CausalSelfAttention } from '../../nn/self-attention.js';
import { oneHotRows } from '../../nn/sequence-windows.js';
import { Parameter } from '../../nn/parameter.js';

/** pmixer/SASRec.pytorch's and SASRec+'s LayerNorm epsilon. */
const LAYER_NORM_EPSILON = 1e-8;
/** SASRec+'s initializer_range. */
const INIT_STD = 0.02;

export interface SasrecShape {
  /** Catalogue size I. */
  readonly items: number;
  /** Width d of the embeddings and every layer. */
  readonly hidden: number;
  readonly blocks: number;
  readonly heads: number;
  /** Most events a window holds (rows of P). */
  readonly maxLength: number;
}

/** The dropout seeds of one training pass; absent at inference. */
export interface DropoutPlan {
  /** Dropout probability (the same at every site, as in SASRec+'s dropout_rate). */
  readonly rate: number;
  /** Draws the seed of each dropout site, in a fixed order. */
  readonly nextSeed: () => number;
}

/** A dropout site's mask and output buffer. */
class DropoutSite {
  private mask = new Uint8Array(0);
  private readonly output = new ScratchBuffer();
  private keepProb = 1;

  constructor(private readonly backend: Backend) {}

  /** dropout(x) into this site's buffer (x itself when not training). */
  forward(x: Float32Array, plan: DropoutPlan | undefined): Float32Array {
    if (plan === undefined || plan.rate === 0) {
      this.keepProb = 1;
      return x;
    }
    this.keepProb = 1 - plan.rate;
    if (this.mask.length < x.length) this.mask = new Uint8Array(x.length);
    const out = this.output.view(x.length);
    this.backend.dropout(x, this.keepProb, plan.nextSeed(), this.mask.subarray(0, x.length), out);
    return out;
  }

  /** ∂L/∂x from ∂L/∂out, in place in `grad`. */
  backward(grad: Float32Array): Float32Array {
    if (this.keepProb < 1) this.backend.dropoutBackward(grad, this.mask.subarray(0, grad.length), this.keepProb, grad);
    return grad;
  }
}

/** One Transformer block: attention sub-layer, then the point-wise feed-forward sub-layer. */
class SasrecBlock {
  readonly attentionNorm: LayerNorm;
  readonly attention: CausalSelfAttention;
  readonly forwardNorm: LayerNorm;
  readonly inner: DenseLayer;
  readonly outer: DenseLayer;
  private readonly innerDropout: DropoutSite;
  private readonly outerDropout: DropoutSite;
  private readonly residual = new ScratchBuffer();
  private readonly activated = new ScratchBuffer();
  private readonly result = new ScratchBuffer();
  private readonly gradY = new ScratchBuffer();
  private readonly gradInner = new ScratchBuffer();
  private readonly gradA = new ScratchBuffer();
  private readonly gradInput = new ScratchBuffer();
  private rows = 0;

  constructor(
    private readonly backend: Backend,
    name: string,
    width: number,
    heads: number,
  ) {
    this.attentionNorm = new LayerNorm(backend, LAYER_NORM_EPSILON, `${name}.attention_norm`, width);
    this.attention = new CausalSelfAttention(backend, `${name}.attention`, width, heads);
    this.forwardNorm = new LayerNorm(backend, LAYER_NORM_EPSILON, `${name}.forward_norm`, width);
    this.inner = new DenseLayer({ name: `${name}.feed_forward.inner`, inputSize: width, outputSize: width, backend });
    this.outer = new DenseLayer({ name: `${name}.feed_forward.outer`, inputSize: width, outputSize: width, backend });
    this.innerDropout = new DropoutSite(backend);
    this.outerDropout = new DropoutSite(backend);
  }

  get parameters(): Parameter[] {
    return [...this.attentionNorm.parameters, ...this.attention.parameters, ...this.forwardNorm.parameters, ...this.inner.parameters, ...this.outer.parameters];
  }

  /** The block's output (rows × width, this block's buffer); x must not change until backward. */
  forward(x: Float32Array, windows: PackedWindows, plan: DropoutPlan | undefined): Float32Array {
    const b = this.backend;
    const rows = windows.rows;
    this.rows = rows;
    const n = rows * this.inner.inputSize;
    const a = this.attentionNorm.forward(x, rows);
    const keep = plan ? 1 - plan.rate : 1;
    const attended = this.attention.forward(a, x, windows, keep, keep < 1 ? plan!.nextSeed() : 0);
    const residual = this.residual.view(n);
    residual.set(a);
    b.axpy(1, attended, residual);
    const y = this.forwardNorm.forward(residual, rows);
    const inner = this.innerDropout.forward(this.inner.forward(y, rows), plan);
    const activated = this.activated.view(n);
    b.activationForward('relu', inner, activated);
    const outer = this.outerDropout.forward(this.outer.forward(activated, rows), plan);
    const result = this.result.view(n);
    result.set(y);
    b.axpy(1, outer, result);
    return result;
  }

  /** Adds the block's parameter gradients for ∂L/∂out = grad (modified) and returns ∂L/∂x (this block's buffer). */
  backward(grad: Float32Array): Float32Array {
    const b = this.backend;
    const n = this.rows * this.inner.inputSize;
    // x_out = y + dropout(outer(relu(dropout(inner(y))))).
    const gradY = this.gradY.view(n);
    gradY.set(grad);
    const gradActivated = this.outer.backward(this.outerDropout.backward(grad))!;
    const gradInner = this.gradInner.view(n);
    b.activationBackward('relu', this.activated.view(n), gradActivated, gradInner);
    b.axpy(1, this.inner.backward(this.innerDropout.backward(gradInner))!, gradY);
    // residual = a + attention(a, x); y = LN₂(residual).
    const gradResidual = this.forwardNorm.backward(gradY);
    const gradA = this.gradA.view(n);
    gradA.set(gradResidual);
    const attention = this.attention.backward(gradResidual);
    b.axpy(1, attention.queryInput, gradA);
    const gradInput = this.gradInput.view(n);
    gradInput.set(attention.keyValueInput);
    b.axpy(1, this.attentionNorm.backward(gradA), gradInput);
    return gradInput;
  }
}

export class SasrecNetwork {
  readonly shape: SasrecShape;
  /** E, [I × d]: the input embedding and the output layer (tied). */
  readonly itemEmbedding: Parameter;
  readonly positions: PositionalEmbedding;
  readonly blocks: readonly SasrecBlock[];
  readonly finalNorm: LayerNorm;
  private readonly embeddingDropout: DropoutSite;
  private readonly embedded = new ScratchBuffer();
  private lastInput: ReturnType<typeof oneHotRows> | undefined;
  private lastWindows: PackedWindows | undefined;

  /** With `rng`, initial weights as SASRec+ draws them; without, zeros (to be loaded). */
  constructor(
    /** The engine the network computes on (scoring uses it too). */
    readonly backend: Backend,
    shape: SasrecShape,
    rng?: Rng,
  ) {
    this.shape = { ...shape };
    const d = shape.hidden;
    this.itemEmbedding = new Parameter('item_embedding.weight', [shape.items, d]);
    this.positions = new PositionalEmbedding(backend, 'position_embedding', shape.maxLength, d);
    this.blocks = Array.from({ length: shape.blocks }, (_, i) => new SasrecBlock(backend, `blocks.${i}`, d, shape.heads));
    this.finalNorm = new LayerNorm(backend, LAYER_NORM_EPSILON, 'final_norm', d);
    this.embeddingDropout = new DropoutSite(backend);
    if (rng) this.initialise(rng);
  }

  private initialise(rng: Rng): void {
    const d = this.shape.hidden;
    let stream = 0;
    normal(this.itemEmbedding, rng.fork(stream++), 0, INIT_STD);
    normal(this.positions.weight, rng.fork(stream++), 0, INIT_STD);
    // torch.nn.MultiheadAttention's xavier_uniform_ over in_proj_weight [3d × d].
    const inProjectionBound = Math.sqrt(6 / (3 * d + d));
    for (const block of this.blocks) {
      for (const layer of [block.attention.query, block.attention.key, block.attention.value]) uniform(layer.weight, rng.fork(stream++), -inProjectionBound, inProjectionBound);
      for (const layer of [block.attention.output, block.inner, block.outer]) normal(layer.weight, rng.fork(stream++), 0, INIT_STD);
    }
  }

  get items(): number {
    return this.shape.items;
  }

  get parameters(): Parameter[] {
    return [this.itemEmbedding, ...this.positions.parameters, ...this.blocks.flatMap((block) => block.parameters), ...this.finalNorm.parameters];
  }

  /**
   * h = LN_final(blocks(embedding)) for every row of `windows` (rows × d, a
   * view of the final norm's buffer). With `plan`, dropout as in training, and
   * what backward needs is kept. windows.rows must be at least 1.
   */
  forward(windows: PackedWindows, plan?: DropoutPlan): Float32Array {
    if (windows.rows === 0) throw new RangeError('SASRec forward: the windows hold no events');
    const d = this.shape.hidden;
    const input = oneHotRows(windows.items, this.shape.items);
    const embedded = this.embedded.view(windows.rows * d);
    // √d·E[item]: the reference code's scaling of the item embedding.
    this.backend.csrMatmul(Math.sqrt(d), input, this.itemEmbedding.value, d, 0, embedded);
    this.positions.forward(embedded, windows);
    let x = this.embeddingDropout.forward(embedded, plan);
    for (const block of this.blocks) x = block.forward(x, windows, plan);
    this.lastInput = input;
    this.lastWindows = windows;
    return this.finalNorm.forward(x, windows.rows);
  }

  /** Adds every parameter's gradient for ∂L/∂h = gradHidden (rows × d; modified) of the last forward. */
  backward(gradHidden: Float32Array): void {
    const input = this.lastInput;
    const windows = this.lastWindows;
    if (input === undefined || windows === undefined) throw new Error('SASRec backward called before forward');
    let grad = this.finalNorm.backward(gradHidden);
    for (let i = this.blocks.length - 1; i >= 0; i--) grad = this.blocks[i]!.backward(grad);
    grad = this.embeddingDropout.backward(grad);
    this.positions.backward(grad, windows);
    this.backend.csrTransposeMatmul(Math.sqrt(this.shape.hidden), input, grad, this.shape.hidden, 1, this.itemEmbedding.grad);
  }
}
