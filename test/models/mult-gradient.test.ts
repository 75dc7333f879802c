/**
 * Mult-DAE's and Mult-VAE's gradients against central finite differences of
 * their whole training loss, on each backend:
 *
 *   loss = −(1/B) Σ_u Σ_i x_ui log softmax(logits_u)_i + β·(1/B) Σ_u KL_u + λ Σ_W ‖W‖²,
 *
 * with the same dropout mask and the same ε in every evaluation. The loss is
 * computed here by plain double-precision loops from the network's float32
 * parameters (an oracle independent of the kernels and layers), so the finite
 * differences are accurate and also check the forward pass.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csrFromCoo, type CsrMatrix } from '../../src/data/csr.js';
import { Rng } from '../../src/data/random.js';
import { referenceBackend } from '../../src/engine/reference.js';
import { fillStandardNormals, GaussianCode } from '../../src/models/autoencoders/mult-vae.js';
import { deterministicCode, MultinomialAutoencoderNetwork, type LatentCode } from '../../src/models/autoencoders/multinomial-autoencoder.js';
import { assertClose, backendOrSkip, backendsUnderTest, seededRng } from '../engine/fixtures.js';

const STEP = 1e-3;
const FD_TOLERANCE = { rtol: 2e-3, atol: 2e-4 };
const KEEP = 0.5;
const DROPOUT_SEED = 12345;
const NOISE_SEED = 77;

/** 5 users × 7 items, 0/1 (one count of 2), row 3 empty (its norm is floored; it still has a KL term). */
function batch(): CsrMatrix {
  const rows = [0, 0, 0, 1, 1, 1, 1, 2, 2, 4, 4, 4];
  const cols = [0, 2, 5, 1, 2, 3, 6, 0, 4, 1, 5, 6];
  const values = [1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1];
  return csrFromCoo(5, 7, rows, cols, values);
}

interface Oracle {
  readonly variational: boolean;
  readonly latent: number;
  readonly beta: number;
  readonly l2: number;
}

/** The loss in float64 from the network's current parameters; the module comment gives the formula. */
function oracleLoss(network: MultinomialAutoencoderNetwork, x: CsrMatrix, oracle: Oracle): number {
  const { items } = network.shape;
  const nnz = x.nnz;
  // The dropout decision of entry p depends only on (seed, p): take the mask from the reference kernel.
  const mask = new Uint8Array(nnz);
  referenceBackend.dropout(new Float32Array(nnz).fill(1), KEEP, DROPOUT_SEED, mask, new Float32Array(nnz));
  // ε as the code draws it: row-major rows × latent from the same seed.
  const epsilon = new Float32Array(x.nRows * oracle.latent);
  fillStandardNormals(new Rng(NOISE_SEED), epsilon);
  let nll = 0;
  let kl = 0;
  for (let r = 0; r < x.nRows; r++) {
    let squared = 0;
    for (let p = x.indptr[r]!; p < x.indptr[r + 1]!; p++) squared += x.values[p]! ** 2;
    const norm = Math.max(Math.sqrt(squared), 1e-12);
    // Input layer: weight stored [items × width].
    const input = network.inputLayer;
    let h = Array.from(input.bias!.value, Number);
    for (let p = x.indptr[r]!; p < x.indptr[r + 1]!; p++) {
      const value = mask[p] ? x.values[p]! / norm / KEEP : 0;
      for (let k = 0; k < h.length; k++) h[k]! += value * input.weight.value[x.indices[p]! * input.outputSize + k]!;
    }
    if (input.activation === 'tanh') h = h.map(Math.tanh);
    for (const layer of network.encoderLayers) h = dense64(layer.weight.value, layer.bias!.value, h, layer.activation === 'tanh');
    let z = h;
    if (oracle.variational) {
      const L = oracle.latent;
      z = [];
      for (let l = 0; l < L; l++) {
        const mu = h[l]!;
        const logVariance = h[L + l]!;
        z.push(mu + epsilon[r * L + l]! * Math.exp(0.5 * logVariance));
        kl += 0.5 * (-logVariance + Math.exp(logVariance) + mu * mu - 1);
      }
    }
    let logits = z;
    network.decoderLayers.forEach((layer, l) => {
      logits = dense64(layer.weight.value, layer.bias!.value, logits, l < network.decoderLayers.length - 1);
    });
    const max = Math.max(...logits);
    const logSum = max + Math.log(logits.reduce((sum, v) => sum + Math.exp(v - max), 0));
    for (let p = x.indptr[r]!; p < x.indptr[r + 1]!; p++) nll -= x.values[p]! * (logits[x.indices[p]!]! - logSum);
    assert.equal(logits.length, items);
  }
  let norm = 0;
  for (const weight of network.weights) for (const w of weight.value) norm += w * w;
  return nll / x.nRows + (oracle.beta * kl) / x.nRows + oracle.l2 * norm;
}

/** y = f(W·h + b) with W stored [out × in] (nn.Linear), in float64. */
function dense64(weight: Float32Array, bias: Float32Array, h: readonly number[], tanh: boolean): number[] {
  const out: number[] = [];
  for (let o = 0; o < bias.length; o++) {
    let y = bias[o]!;
    for (let i = 0; i < h.length; i++) y += weight[o * h.length + i]! * h[i]!;
    out.push(tanh ? Math.tanh(y) : y);
  }
  return out;
}

const CASES: readonly { name: string; hidden: number[]; latent: number; code: () => LatentCode; oracle: Oracle }[] = [
  { name: 'Mult-DAE [I-3-I] with L2', hidden: [], latent: 3, code: () => deterministicCode(3), oracle: { variational: false, latent: 3, beta: 0, l2: 0.05 } },
  { name: 'Mult-DAE [I-4-3-4-I] with L2', hidden: [4], latent: 3, code: () => deterministicCode(3), oracle: { variational: false, latent: 3, beta: 0, l2: 0.02 } },
  { name: 'Mult-VAE [I-4-2-4-I] with KL', hidden: [4], latent: 2, code: () => new GaussianCode(2, 0.2, 0), oracle: { variational: true, latent: 2, beta: 0.7, l2: 0 } },
  { name: 'Mult-VAE [I-2-I] with KL and L2', hidden: [], latent: 2, code: () => new GaussianCode(2, 0.2, 0), oracle: { variational: true, latent: 2, beta: 1, l2: 0.03 } },
];

for (const underTest of backendsUnderTest()) {
  for (const testCase of CASES) {
    test(`${underTest.name}: ${testCase.name}: every parameter's gradient matches finite differences of the whole loss`, (t) => {
      const backend = backendOrSkip(t, underTest);
      if (backend === undefined) return;
      const rng = seededRng(`mult gradient ${testCase.name}`);
      const x = batch();
      const network = new MultinomialAutoencoderNetwork(backend, { items: 7, hidden: testCase.hidden, latent: testCase.latent }, testCase.code(), KEEP, rng);
      // Larger biases than the 0.001-scale initialisation, so that their gradients are tested away from zero.
      for (const parameter of network.parameters) {
        if (parameter.name.endsWith('.bias')) for (let i = 0; i < parameter.size; i++) parameter.value[i] = 0.4 * rng.nextFloat() - 0.2;
      }
      const { oracle } = testCase;
      for (const parameter of network.parameters) parameter.zeroGrad();
      const parts = network.accumulateGradients(x, { dropoutSeed: DROPOUT_SEED, noise: new Rng(NOISE_SEED), penaltyWeight: oracle.beta, l2: oracle.l2 });
      const exact = oracleLoss(network, x, oracle);
      const reported = parts.nll + oracle.beta * parts.penalty + parts.l2;
      assert.ok(Math.abs(reported - exact) < 1e-4 * Math.max(1, Math.abs(exact)), `reported loss ${reported} vs oracle ${exact}`);
      if (oracle.variational) assert.ok(parts.penalty > 0, 'the KL term is present');

      for (const parameter of network.parameters) {
        const values = parameter.value;
        const numeric = new Float64Array(values.length);
        for (let i = 0; i < values.length; i++) {
          const original = values[i]!;
          values[i] = original + STEP;
          const up = values[i]!;
          const lossUp = oracleLoss(network, x, oracle);
          values[i] = original - STEP;
          const down = values[i]!;
          const lossDown = oracleLoss(network, x, oracle);
          values[i] = original;
          numeric[i] = (lossUp - lossDown) / (up - down);
        }
        assertClose(parameter.grad, numeric, FD_TOLERANCE, `∂loss/∂${parameter.name}`);
      }
    });
  }
}
