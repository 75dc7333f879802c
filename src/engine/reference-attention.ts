/**
 * The reference twin of native/attention.cc: causal multi-head scaled
 * dot-product self-attention over right-aligned windows with key padding
 * (Vaswani et al. 2017, eq. 1; SASRec, Kang & McAuley 2018, §III-B), forward
 * and backward. backend.ts documents the formulas and shapes; these loops are
 * written to be read, one (window, head) block at a time.
 */
import type { AttentionShape } from './backend.js';

/** Index of slot t, head h's first column in q/k/v/out. */
function offset(shape: AttentionShape, b: number, t: number, h: number): number {
  return (b * shape.length + t) * shape.heads * shape.headSize + h * shape.headSize;
}

function dot(a: Float32Array, aStart: number, b: Float32Array, bStart: number, n: number): number {
  let sum = 0;
  for (let c = 0; c < n; c++) sum += a[aStart + c]! * b[bStart + c]!;
  return sum;
}

/** The factor dropout applies to weight p of the attention row: mask/keepProb, or 1 without dropout. */
function keepFactor(mask: Uint8Array | null, keepProb: number, index: number): number {
  if (mask === null || keepProb >= 1) return 1;
  return mask[index] ? 1 / keepProb : 0;
}

export function causalAttentionForward(
  shape: AttentionShape,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  keepProb: number,
  mask: Uint8Array | null,
  probs: Float32Array,
  out: Float32Array,
): void {
  const { batch, length: L, heads, headSize: dh } = shape;
  const scale = 1 / Math.sqrt(dh);
  probs.fill(0);
  out.fill(0);
  for (let b = 0; b < batch; b++) {
    const start = L - shape.filled[b]!;
    for (let h = 0; h < heads; h++) {
      const block = (b * heads + h) * L * L;
      for (let i = start; i < L; i++) {
        const row = block + i * L;
        const qi = offset(shape, b, i, h);
        let max = -Infinity;
        for (let j = start; j <= i; j++) {
          const s = scale * dot(q, qi, k, offset(shape, b, j, h), dh);
          probs[row + j] = s;
          if (s > max) max = s;
        }
        let sum = 0;
        for (let j = start; j <= i; j++) {
          const e = Math.exp(probs[row + j]! - max);
          probs[row + j] = e;
          sum += e;
        }
        for (let j = start; j <= i; j++) {
          probs[row + j] = probs[row + j]! / sum;
          const weight = probs[row + j]! * keepFactor(mask, keepProb, row + j);
          const vj = offset(shape, b, j, h);
          for (let c = 0; c < dh; c++) out[qi + c] = out[qi + c]! + weight * v[vj + c]!;
        }
      }
    }
  }
}

export function causalAttentionBackward(
  shape: AttentionShape,
  gradOut: Float32Array,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  probs: Float32Array,
  keepProb: number,
  mask: Uint8Array | null,
  gradQ: Float32Array,
  gradK: Float32Array,
  gradV: Float32Array,
): void {
  const { batch, length: L, heads, headSize: dh } = shape;
  const scale = 1 / Math.sqrt(dh);
  gradQ.fill(0);
  gradK.fill(0);
  gradV.fill(0);
  const gradWeights = new Float64Array(L);
  for (let b = 0; b < batch; b++) {
    const start = L - shape.filled[b]!;
    for (let h = 0; h < heads; h++) {
      const block = (b * heads + h) * L * L;
      for (let i = start; i < L; i++) {
        const row = block + i * L;
        const gi = offset(shape, b, i, h);
        // dP_ij = (G_i·v_j)·mask/keep and gradV_j += p′_ij·G_i.
        let weighted = 0;
        for (let j = start; j <= i; j++) {
          const factor = keepFactor(mask, keepProb, row + j);
          const vj = offset(shape, b, j, h);
          const weight = probs[row + j]! * factor;
          for (let c = 0; c < dh; c++) gradV[vj + c] = gradV[vj + c]! + weight * gradOut[gi + c]!;
          const gp = factor === 0 ? 0 : dot(gradOut, gi, v, vj, dh) * factor;
          gradWeights[j] = gp;
          weighted += probs[row + j]! * gp;
        }
        // Softmax backward, then the products with the scaled keys and queries.
        for (let j = start; j <= i; j++) {
          const ds = scale * probs[row + j]! * (gradWeights[j]! - weighted);
          const kj = offset(shape, b, j, h);
          for (let c = 0; c < dh; c++) {
            gradQ[gi + c] = gradQ[gi + c]! + ds * k[kj + c]!;
            gradK[kj + c] = gradK[kj + c]! + ds * q[gi + c]!;
          }
        }
      }
    }
  }
}
