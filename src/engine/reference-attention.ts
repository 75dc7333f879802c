/**
 * The reference twin of native/attention.cc: causal multi-head scaled
 * dot-product self-attention over packed windows (PAD slots take no rows)
 * (Vaswani et al. 2017, eq. 1; SASRec, Kang & McAuley 2018, §III-B), forward
 * and backward. backend.ts documents the formulas and shapes; these loops are
 * written to be read, one (window, head) block at a time.
 */
import type { AttentionShape } from './backend.js';

/** Row of each window's first slot: the sum of the earlier windows' filled counts. */
function firstRows(shape: AttentionShape): Int32Array {
  const first = new Int32Array(shape.batch + 1);
  for (let b = 0; b < shape.batch; b++) first[b + 1] = first[b]! + shape.filled[b]!;
  return first;
}

/** Index of slot t of the window starting at row `first`, head h's first column in q/k/v/out. */
function offset(shape: AttentionShape, first: number, t: number, h: number): number {
  return (first + t) * shape.heads * shape.headSize + h * shape.headSize;
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
  const first = firstRows(shape);
  for (let b = 0; b < batch; b++) {
    const [n, f] = [shape.filled[b]!, first[b]!];
    for (let h = 0; h < heads; h++) {
      const block = (b * heads + h) * L * L;
      for (let i = 0; i < n; i++) {
        const row = block + i * L;
        const qi = offset(shape, f, i, h);
        let max = -Infinity;
        for (let j = 0; j <= i; j++) {
          const s = scale * dot(q, qi, k, offset(shape, f, j, h), dh);
          probs[row + j] = s;
          if (s > max) max = s;
        }
        let sum = 0;
        for (let j = 0; j <= i; j++) {
          const e = Math.exp(probs[row + j]! - max);
          probs[row + j] = e;
          sum += e;
        }
        for (let j = 0; j <= i; j++) {
          probs[row + j] = probs[row + j]! / sum;
          const weight = probs[row + j]! * keepFactor(mask, keepProb, row + j);
          const vj = offset(shape, f, j, h);
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
  const first = firstRows(shape);
  for (let b = 0; b < batch; b++) {
    const [n, f] = [shape.filled[b]!, first[b]!];
    for (let h = 0; h < heads; h++) {
      const block = (b * heads + h) * L * L;
      for (let i = 0; i < n; i++) {
        const row = block + i * L;
        const gi = offset(shape, f, i, h);
        // dP_ij = (G_i·v_j)·mask/keep and gradV_j += p′_ij·G_i.
        let weighted = 0;
        for (let j = 0; j <= i; j++) {
          const factor = keepFactor(mask, keepProb, row + j);
          const vj = offset(shape, f, j, h);
          const weight = probs[row + j]! * factor;
          for (let c = 0; c < dh; c++) gradV[vj + c] = gradV[vj + c]! + weight * gradOut[gi + c]!;
          const gp = factor === 0 ? 0 : dot(gradOut, gi, v, vj, dh) * factor;
          gradWeights[j] = gp;
          weighted += probs[row + j]! * gp;
        }
        // Softmax backward, then the products with the scaled keys and queries.
        for (let j = 0; j <= i; j++) {
          const ds = scale * probs[row + j]! * (gradWeights[j]! - weighted);
          const kj = offset(shape, f, j, h);
          for (let c = 0; c < dh; c++) {
            gradQ[gi + c] = gradQ[gi + c]! + ds * k[kj + c]!;
            gradK[kj + c] = gradK[kj + c]! + ds * q[gi + c]!;
          }
        }
      }
    }
  }
}
