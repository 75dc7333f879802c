/**
 * A 1-D convolutional text encoder (Kim 2014; ConvMF, Kim et al., RecSys 2016):
 * token embeddings, `filters` convolutions of `width` tokens with ReLU, a max
 * over positions, and a linear projection:
 *
 *   conv[p, f] = relu(b_f + Σ_{o<width} E[t_{p+o}] · K_o[:, f])     window p of a text
 *   pooled[f] = max_p conv[p, f]                                    (0 for a text without tokens)
 *   out = pooled · P
 *
 * No dense windows × (width·embedding) matrix is formed: with EK_o = E·K_o
 * (vocabulary × filters), a window's pre-activation is a sum of `width` rows of
 * the stacked EK, i.e. one CSR product of the fixed windows matrix (one entry
 * per window position, column o·V + token) with EK. Backward, with G = ∂L/∂out:
 *   ∂P = pooledᵀ·G;  ∂pooled = G·Pᵀ;  ∂conv = ∂pooled at each max (where the ReLU is active);
 *   ∂b = Σ ∂conv;  ∂EK = windowsᵀ·∂conv;  ∂E += ∂EK_o·K_oᵀ and ∂K_o += Eᵀ·∂EK_o for each o.
 * Texts shorter than the width give one window, padded with zeros.
 */
import { CsrMatrix } from '../data/csr.js';
import type { Rng } from '../data/random.js';
import type { Backend } from '../engine/backend.js';
import { normal, xavierUniform } from './init.js';
import { Parameter } from './parameter.js';

/** Token lists, row r's being tokens[indptr[r] .. indptr[r + 1]), each token in 0..vocabulary-1. */
export interface TokenLists {
  readonly nRows: number;
  readonly indptr: Int32Array;
  readonly tokens: Int32Array;
}

export interface TextCnnShape {
  readonly vocabulary: number;
  readonly embedding: number;
  readonly filters: number;
  readonly width: number;
  readonly outputs: number;
}

/** The convolution windows of a set of texts: the CSR matrix of the module comment and each text's windows. */
export interface TextWindows {
  readonly windows: CsrMatrix;
  /** Text r's windows are rows windowStart[r] .. windowStart[r + 1] of `windows` (none for an empty text). */
  readonly windowStart: Int32Array;
}

export function textWindows(texts: TokenLists, vocabulary: number, width: number): TextWindows {
  const windowStart = new Int32Array(texts.nRows + 1);
  for (let r = 0; r < texts.nRows; r++) {
    const length = texts.indptr[r + 1]! - texts.indptr[r]!;
    windowStart[r + 1] = windowStart[r]! + (length === 0 ? 0 : Math.max(1, length - width + 1));
  }
  const count = windowStart[texts.nRows]!;
  const indptr = new Int32Array(count + 1);
  const indices: number[] = [];
  let row = 0;
  for (let r = 0; r < texts.nRows; r++) {
    const start = texts.indptr[r]!;
    const length = texts.indptr[r + 1]! - start;
    for (let p = 0; p < windowStart[r + 1]! - windowStart[r]!; p++) {
      for (let o = 0; o < width && p + o < length; o++) {
        const token = texts.tokens[start + p + o]!;
        if (!(token >= 0 && token < vocabulary)) throw new RangeError(`text ${r}: token ${token} is outside 0..${vocabulary - 1}`);
        indices.push(o * vocabulary + token);
      }
      indptr[++row] = indices.length;
    }
  }
  return { windows: new CsrMatrix(count, width * vocabulary, indptr, Int32Array.from(indices), new Float32Array(indices.length).fill(1)), windowStart };
}

export class TextCnn {
  readonly shape: TextCnnShape;
  /** E: vocabulary × embedding. */
  readonly embedding: Parameter;
  /** K: (width · embedding) × filters, block o holding K_o. */
  readonly kernel: Parameter;
  readonly bias: Parameter;
  /** P: filters × outputs. */
  readonly projection: Parameter;
  private stacked = new Float32Array(0);
  private conv = new Float32Array(0);
  private pooled = new Float32Array(0);
  private argmax = new Int32Array(0);
  private last: TextWindows | undefined;

  constructor(
    private readonly backend: Backend,
    name: string,
    shape: TextCnnShape,
    rng?: Rng,
  ) {
    this.shape = { ...shape };
    this.embedding = new Parameter(`${name}.embedding`, [shape.vocabulary, shape.embedding]);
    this.kernel = new Parameter(`${name}.kernel`, [shape.width * shape.embedding, shape.filters]);
    this.bias = new Parameter(`${name}.bias`, [shape.filters]);
    this.projection = new Parameter(`${name}.projection`, [shape.filters, shape.outputs]);
    if (rng) {
      normal(this.embedding, rng.fork(0), 0, 0.1);
      xavierUniform(this.kernel, rng.fork(1));
      xavierUniform(this.projection, rng.fork(2));
    }
  }

  get parameters(): Parameter[] {
    return [this.embedding, this.kernel, this.bias, this.projection];
  }

  /** out (texts × outputs, a new array) for the texts whose windows are `texts`; keeps what backward needs. */
  forward(texts: TextWindows): Float32Array {
    const { vocabulary: V, embedding: e, filters: F, width, outputs } = this.shape;
    const b = this.backend;
    if (this.stacked.length !== width * V * F) this.stacked = new Float32Array(width * V * F);
    for (let o = 0; o < width; o++) {
      b.gemm(false, false, V, F, e, 1, this.embedding.value, e, this.kernel.value.subarray(o * e * F, (o + 1) * e * F), F, 0, this.stacked.subarray(o * V * F, (o + 1) * V * F), F);
    }
    const nWindows = texts.windows.nRows;
    const nTexts = texts.windowStart.length - 1;
    this.conv = new Float32Array(nWindows * F);
    if (nWindows > 0) {
      b.csrMatmul(1, texts.windows, this.stacked, F, 0, this.conv);
      b.addBias(this.conv, nWindows, F, this.bias.value);
      b.activationForward('relu', this.conv, this.conv);
    }
    this.pooled = new Float32Array(nTexts * F);
    this.argmax = new Int32Array(nTexts * F).fill(-1);
    for (let r = 0; r < nTexts; r++) {
      for (let w = texts.windowStart[r]!; w < texts.windowStart[r + 1]!; w++) {
        for (let f = 0; f < F; f++) {
          const value = this.conv[w * F + f]!;
          if (this.argmax[r * F + f] === -1 || value > this.pooled[r * F + f]!) {
            this.pooled[r * F + f] = value;
            this.argmax[r * F + f] = w;
          }
        }
      }
    }
    const out = new Float32Array(nTexts * outputs);
    b.gemm(false, false, nTexts, outputs, F, 1, this.pooled, F, this.projection.value, outputs, 0, out, outputs);
    this.last = texts;
    return out;
  }

  /** Adds the parameter gradients for ∂L/∂out = gradOutput (texts × outputs) of the last forward. */
  backward(gradOutput: Float32Array): void {
    const texts = this.last;
    if (!texts) throw new Error('text CNN: backward called before forward');
    const { vocabulary: V, embedding: e, filters: F, width, outputs } = this.shape;
    const b = this.backend;
    const nTexts = texts.windowStart.length - 1;
    const nWindows = texts.windows.nRows;
    b.gemm(true, false, F, outputs, nTexts, 1, this.pooled, F, gradOutput, outputs, 1, this.projection.grad, outputs);
    const gradPooled = new Float32Array(nTexts * F);
    b.gemm(false, true, nTexts, F, outputs, 1, gradOutput, outputs, this.projection.value, outputs, 0, gradPooled, F);
    if (nWindows === 0) return;
    const gradConv = new Float32Array(nWindows * F);
    for (let k = 0; k < nTexts * F; k++) {
      const w = this.argmax[k]!;
      // relu'(0) = 0, as torch's: a window at zero passes no gradient.
      if (w >= 0 && this.pooled[k]! > 0) gradConv[w * F + (k % F)]! += gradPooled[k]!;
    }
    b.biasGradient(gradConv, nWindows, F, 1, this.bias.grad);
    const gradStacked = new Float32Array(width * V * F);
    b.csrTransposeMatmul(1, texts.windows, gradConv, F, 0, gradStacked);
    for (let o = 0; o < width; o++) {
      const block = gradStacked.subarray(o * V * F, (o + 1) * V * F);
      const kernelBlock = this.kernel.value.subarray(o * e * F, (o + 1) * e * F);
      b.gemm(false, true, V, e, F, 1, block, F, kernelBlock, F, 1, this.embedding.grad, e);
      b.gemm(true, false, e, F, V, 1, this.embedding.value, e, block, F, 1, this.kernel.grad.subarray(o * e * F, (o + 1) * e * F), F);
    }
  }
}
