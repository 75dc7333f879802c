/**
 * RecVAE's gradients against central finite differences of its loss
 * (src/models/recvae.ts, module comment), on each backend: the encoder step
 * (negative ELBO with the composite prior and per-user KL weights, with
 * dropout) and the decoder step (likelihood only, no dropout). The loss is
 * computed here in float64 by plain loops from the networks' float32
 * parameters, with the same dropout mask and ε, so the finite differences
 * are accurate and also check the forward pass.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csrFromCoo, type CsrMatrix } from '../../src/data/csr.js';
import { Rng } from '../../src/data/random.js';
import { referenceBackend } from '../../src/engine/reference.js';
import type { Parameter } from '../../src/nn/parameter.js';
import { fillStandardNormals } from '../../src/models/autoencoders/mult-vae.js';
import { klWeights, RecVaeNetwork, type RecVaeEncoder } from '../../src/models/autoencoders/recvae.js';
import { assertClose, backendOrSkip, backendsUnderTest } from '../engine/fixtures.js';

const STEP = 1e-3;
const KEEP = 0.5;
const DROPOUT_SEED = 4242;
const NOISE_SEED = 17;
const MIXTURE = [0.15, 0.75, 0.1] as const;
const GAMMA = 0.05;
const SHAPE = { hidden: 4, latent: 3, depth: 3 };
const ITEMS = 7;

/** 4 users × 7 items; one value of 2 (the KL weight is γ·Σ x). */
function batch(): CsrMatrix {
  const rows = [0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 3];
  const cols = [0, 2, 5, 1, 2, 3, 6, 0, 4, 1, 5, 6];
  return csrFromCoo(4, ITEMS, rows, cols, [1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
}

const byName = (parameters: readonly Parameter[]) => new Map(parameters.map((p) => [p.name.replace(/^prior\.encoder_old\./, 'encoder.'), p.value]));

/** y = W·x + b for W stored [out × in]. */
function linear(weights: Float32Array, bias: Float32Array, x: readonly number[]): number[] {
  return Array.from(bias, (b, o) => x.reduce((sum, xi, i) => sum + xi * weights[o * x.length + i]!, b));
}

/** μ and log σ² of one row, in float64 (the encoder of the module comment). */
function encode(encoder: RecVaeEncoder, x: CsrMatrix, r: number, mask: Uint8Array | undefined): { mean: number[]; logVariance: number[] } {
  const p = byName(encoder.parameters);
  const get = (name: string) => p.get(`encoder.${name}`)!;
  let squared = 0;
  for (let k = x.indptr[r]!; k < x.indptr[r + 1]!; k++) squared += x.values[k]! ** 2;
  const norm = Math.sqrt(squared);
  const layerNorm = (a: number[], layer: number) => {
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const variance = a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length;
    return a.map((v, k) => ((v - mean) / Math.sqrt(variance + 0.1)) * get(`ln${layer}.weight`)[k]! + get(`ln${layer}.bias`)[k]!);
  };
  const swish = (a: number[]) => a.map((v) => v / (1 + Math.exp(-v)));
  const w1 = get('fc1.weight'); // [items × hidden]
  const first = Array.from(get('fc1.bias'), Number);
  for (let k = x.indptr[r]!; k < x.indptr[r + 1]!; k++) {
    const value = mask === undefined ? x.values[k]! / norm : mask[k] ? x.values[k]! / norm / KEEP : 0;
    for (let o = 0; o < SHAPE.hidden; o++) first[o]! += value * w1[x.indices[k]! * SHAPE.hidden + o]!;
  }
  const outputs = [layerNorm(swish(first), 1)];
  for (let layer = 2; layer <= SHAPE.depth; layer++) {
    const a = linear(get(`fc${layer}.weight`), get(`fc${layer}.bias`), outputs[outputs.length - 1]!);
    for (const earlier of outputs) earlier.forEach((v, k) => (a[k]! += v));
    outputs.push(layerNorm(swish(a), layer));
  }
  const last = outputs[outputs.length - 1]!;
  return { mean: linear(get('fc_mu.weight'), get('fc_mu.bias'), last), logVariance: linear(get('fc_logvar.weight'), get('fc_logvar.bias'), last) };
}

const logNormal = (z: number, mean: number, logVariance: number) => -0.5 * (logVariance + Math.log(2 * Math.PI) + (z - mean) ** 2 / Math.exp(logVariance));

function oracleLoss(network: RecVaeNetwork, oldEncoder: RecVaeEncoder | undefined, x: CsrMatrix): number {
  let mask: Uint8Array | undefined;
  if (oldEncoder !== undefined) {
    mask = new Uint8Array(x.nnz);
    referenceBackend.dropout(new Float32Array(x.nnz).fill(1), KEEP, DROPOUT_SEED, mask, new Float32Array(x.nnz));
  }
  const epsilon = new Float32Array(x.nRows * SHAPE.latent);
  fillStandardNormals(new Rng(NOISE_SEED), epsilon);
  const weights = klWeights(x, GAMMA, 0);
  let nll = 0;
  let kl = 0;
  for (let r = 0; r < x.nRows; r++) {
    const { mean, logVariance } = encode(network.encoder, x, r, mask);
    const z = mean.map((m, l) => m + epsilon[r * SHAPE.latent + l]! * Math.exp(0.5 * logVariance[l]!));
    const logits = linear(network.decoder.weight.value, network.decoder.bias!.value, z);
    const largest = Math.max(...logits);
    const logSum = largest + Math.log(logits.reduce((s, v) => s + Math.exp(v - largest), 0));
    for (let k = x.indptr[r]!; k < x.indptr[r + 1]!; k++) nll -= x.values[k]! * (logits[x.indices[k]!]! - logSum);
    if (oldEncoder === undefined) continue;
    const old = encode(oldEncoder, x, r, undefined);
    for (let l = 0; l < SHAPE.latent; l++) {
      const densities = [logNormal(z[l]!, 0, 0), logNormal(z[l]!, old.mean[l]!, old.logVariance[l]!), logNormal(z[l]!, 0, 10)];
      const logPrior = Math.log(densities.reduce((s, d, k) => s + MIXTURE[k]! * Math.exp(d), 0));
      kl += weights[r]! * (logNormal(z[l]!, mean[l]!, logVariance[l]!) - logPrior);
    }
  }
  return (nll + kl) / x.nRows;
}

function checkGradients(network: RecVaeNetwork, oldEncoder: RecVaeEncoder | undefined, parameters: readonly Parameter[], x: CsrMatrix): void {
  for (const parameter of parameters) {
    const numeric = new Float32Array(parameter.size);
    for (let i = 0; i < parameter.size; i++) {
      const saved = parameter.value[i]!;
      parameter.value[i] = saved + STEP;
      const plus = oracleLoss(network, oldEncoder, x);
      parameter.value[i] = saved - STEP;
      const minus = oracleLoss(network, oldEncoder, x);
      parameter.value[i] = saved;
      numeric[i] = (plus - minus) / (2 * STEP);
    }
    assertClose(parameter.grad, numeric, { rtol: 3e-3, atol: 3e-4 }, parameter.name);
  }
}

for (const underTest of backendsUnderTest()) {
  test(`${underTest.name}: RecVAE's encoder-step gradient (composite prior, rescaled KL, dense connections) matches finite differences`, (t) => {
    const backend = backendOrSkip(t, underTest);
    if (backend === undefined) return;
    const x = batch();
    const network = new RecVaeNetwork(backend, ITEMS, SHAPE, new Rng(1));
    const oldEncoder = network.newPriorEncoder(new Rng(2));
    // LayerNorm scales and shifts away from 1 and 0, so their gradients are tested at a generic point.
    const rng = new Rng(3);
    for (const p of [...network.encoder.parameters, ...oldEncoder.parameters].filter((q) => /\.ln\d/.test(q.name))) p.value.forEach((v, i, a) => (a[i] = v + 0.3 * rng.nextNormal()));
    for (const p of network.parameters) p.zeroGrad();
    const loss = network.accumulateGradients(x, KEEP, DROPOUT_SEED, new Rng(NOISE_SEED), { oldEncoder, mixtureWeights: MIXTURE, klWeights: klWeights(x, GAMMA, 0) });
    const oracle = oracleLoss(network, oldEncoder, x);
    assert.ok(Math.abs(loss.nll + loss.kl - oracle) < 1e-4 * Math.abs(oracle), `loss ${loss.nll + loss.kl} vs oracle ${oracle}`);
    checkGradients(network, oldEncoder, network.parameters, x);
    assert.ok(oldEncoder.parameters.every((p) => p.grad.every((g) => g === 0)), 'the previous-epoch encoder is frozen');
  });

  test(`${underTest.name}: RecVAE's decoder step: likelihood only, no dropout, gradient only for the decoder`, (t) => {
    const backend = backendOrSkip(t, underTest);
    if (backend === undefined) return;
    const x = batch();
    const network = new RecVaeNetwork(backend, ITEMS, SHAPE, new Rng(5));
    for (const p of network.parameters) p.zeroGrad();
    const loss = network.accumulateGradients(x, 1, undefined, new Rng(NOISE_SEED));
    assert.equal(loss.kl, 0);
    assert.ok(Math.abs(loss.nll - oracleLoss(network, undefined, x)) < 1e-5 * loss.nll);
    checkGradients(network, undefined, network.decoder.parameters, x);
    assert.ok(network.encoder.parameters.every((p) => p.grad.every((g) => g === 0)), 'the encoder gets no gradient');
  });
}

test('the KL weight is γ times the user\'s feedback, or β when γ = 0', () => {
  const x = batch();
  assert.deepEqual(Array.from(klWeights(x, 0.005, 0.2)), [0.02, 0.02, 0.01, 0.015].map((w) => w));
  assert.deepEqual(Array.from(klWeights(x, 0, 0.2)), [0.2, 0.2, 0.2, 0.2]);
});
