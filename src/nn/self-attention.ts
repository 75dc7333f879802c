/**
 * Causal multi-head self-attention with its projections (Vaswani et al. 2017,
 * §3.2.2; SASRec, Kang & McAuley 2018, eq. 2), over packed windows:
 *
 *   Q = A·W_Qᵀ + b_Q,  K = X·W_Kᵀ + b_K,  V = X·W_Vᵀ + b_V
 *   C = causal-attention(Q, K, V)      softmax(QKᵀ/√d_h) per head, causal, dropout on the weights
 *   out = C·W_Oᵀ + b_O
 *
 * The queries' input A and the keys' and values' X are separate arguments,
 * because SASRec's reference code (pmixer/SASRec.pytorch, kept by SASRec+)
 * takes the queries from the layer-normalised input and the keys and values
 * from the input itself; pass the same array twice for plain self-attention.
 * The projections are DenseLayers (GEMMs); the fused kernel does the rest.
 */
import type { Backend } from '../engine/backend.js';
import { DenseLayer } from './dense.js';
import type { PackedWindows } from './packed-windows.js';
import type { Parameter } from './parameter.js';
import { ScratchBuffer } from './scratch.js';

export interface SelfAttentionGradients {
  /** ∂L/∂A (views of this layer's buffers, valid until the next backward). */
  readonly queryInput: Float32Array;
  /** ∂L/∂X. */
  readonly keyValueInput: Float32Array;
}

export class CausalSelfAttention {
  readonly query: DenseLayer;
  readonly key: DenseLayer;
  readonly value: DenseLayer;
  readonly output: DenseLayer;
  private readonly probs = new ScratchBuffer();
  private readonly context = new ScratchBuffer();
  private readonly gradQ = new ScratchBuffer();
  private readonly gradK = new ScratchBuffer();
  private readonly gradV = new ScratchBuffer();
  private readonly gradX = new ScratchBuffer();
  private mask = new Uint8Array(0);
  private ones = new Float32Array(0);
  private last: { windows: PackedWindows; q: Float32Array; k: Float32Array; v: Float32Array; keepProb: number; mask: Uint8Array | null } | undefined;

  constructor(
    private readonly backend: Backend,
    name: string,
    readonly width: number,
    readonly heads: number,
  ) {
    if (!(Number.isInteger(heads) && heads >= 1 && width % heads === 0)) throw new RangeError(`layer '${name}': ${heads} heads do not divide the width ${width}`);
    const layer = (part: string) => new DenseLayer({ name: `${name}.${part}`, inputSize: width, outputSize: width, backend });
    this.query = layer('query');
    this.key = layer('key');
    this.value = layer('value');
    this.output = layer('output');
  }

  get parameters(): Parameter[] {
    return [this.query, this.key, this.value, this.output].flatMap((layer) => layer.parameters);
  }

  /**
   * The layer's output (windows.rows × width, a view of the output projection's
   * buffer). With keepProb < 1, dropout on the attention weights with a mask drawn
   * from `dropoutSeed`. Keeps what backward needs; A and X must not change until then.
   */
  forward(queryInput: Float32Array, keyValueInput: Float32Array, windows: PackedWindows, keepProb = 1, dropoutSeed = 0): Float32Array {
    const rows = windows.rows;
    const shape = this.shape(windows);
    const q = this.query.forward(queryInput, rows);
    const k = this.key.forward(keyValueInput, rows);
    const v = this.value.forward(keyValueInput, rows);
    const blocks = windows.count * this.heads * windows.longest * windows.longest;
    const probs = this.probs.view(blocks);
    let mask: Uint8Array | null = null;
    if (keepProb < 1) {
      if (this.mask.length < blocks) {
        this.mask = new Uint8Array(blocks);
        this.ones = new Float32Array(blocks).fill(1);
      }
      mask = this.mask.subarray(0, blocks);
      // The dropout kernel on ones draws the mask (its kept values, 1/keepProb, are not needed).
      this.backend.dropout(this.ones.subarray(0, blocks), keepProb, dropoutSeed, mask, probs);
    }
    const context = this.context.view(rows * this.width);
    this.backend.causalAttentionForward(shape, q, k, v, keepProb, mask, probs, context);
    this.last = { windows, q, k, v, keepProb, mask };
    return this.output.forward(context, rows);
  }

  /** Adds the projections' gradients for ∂L/∂out = gradOutput and returns ∂L/∂A and ∂L/∂X. */
  backward(gradOutput: Float32Array): SelfAttentionGradients {
    const last = this.last;
    if (last === undefined) throw new Error('causal self-attention: backward called before forward');
    const rows = last.windows.rows;
    const n = rows * this.width;
    const gradContext = this.output.backward(gradOutput)!;
    const blocks = last.windows.count * this.heads * last.windows.longest * last.windows.longest;
    const [gq, gk, gv] = [this.gradQ.view(n), this.gradK.view(n), this.gradV.view(n)];
    this.backend.causalAttentionBackward(this.shape(last.windows), gradContext, last.q, last.k, last.v, this.probs.view(blocks), last.keepProb, last.mask, gq, gk, gv);
    const queryInput = this.query.backward(gq)!;
    const gradX = this.gradX.view(n);
    gradX.set(this.key.backward(gk)!);
    this.backend.axpy(1, this.value.backward(gv)!, gradX);
    return { queryInput, keyValueInput: gradX };
  }

  private shape(windows: PackedWindows) {
    return { batch: windows.count, length: windows.longest, heads: this.heads, headSize: this.width / this.heads, filled: windows.filled };
  }
}
