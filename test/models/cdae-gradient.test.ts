/**
 * CDAE's gradients against central finite differences of its batch loss
 * (src/models/cdae.ts, module comment), on each backend. The loss is computed
 * here in float64 by plain loops from the network's float32 parameters, with
 * the same corruption mask and the same sampled entries, so the finite
 * differences are accurate and also check the forward pass.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csrFromCoo, type CsrMatrix } from '../../src/data/csr.js';
import { Rng } from '../../src/data/random.js';
import type { CsrOperand } from '../../src/engine/backend.js';
import { referenceBackend } from '../../src/engine/reference.js';
import { CdaeNetwork, sampleTrainingEntries } from '../../src/models/autoencoders/cdae.js';
import { assertClose, backendOrSkip, backendsUnderTest } from '../engine/fixtures.js';

const STEP = 1e-3;
const KEEP = 0.5;
const DROPOUT_SEED = 99;
const LAMBDA = 0.3;
const TRAINING_USERS = 6;

/** 3 batch users (training users 4, 1, 5 of 6) × 7 items. */
function batch(): { x: CsrMatrix; users: Int32Array } {
  const rows = [0, 0, 0, 1, 1, 2, 2, 2, 2];
  const cols = [0, 2, 5, 1, 3, 0, 4, 5, 6];
  return { x: csrFromCoo(3, 7, rows, cols, new Array(rows.length).fill(1)), users: Int32Array.of(4, 1, 5) };
}

function oracleLoss(network: CdaeNetwork, x: CsrMatrix, users: Int32Array, entries: CsrOperand): number {
  const n = network.hidden;
  const mask = new Uint8Array(x.nnz);
  referenceBackend.dropout(new Float32Array(x.nnz).fill(1), KEEP, DROPOUT_SEED, mask, new Float32Array(x.nnz));
  const W = network.inputLayer.weight.value;
  const b = network.inputLayer.bias!.value;
  const V = network.userVectors.value;
  const Wout = network.outputWeight.value;
  const bout = network.outputBias.value;
  let bce = 0;
  let userL2 = 0;
  for (let r = 0; r < x.nRows; r++) {
    const h: number[] = [];
    for (let k = 0; k < n; k++) {
      let a = b[k]! + V[users[r]! * n + k]!;
      for (let p = x.indptr[r]!; p < x.indptr[r + 1]!; p++) if (mask[p]) a += (x.values[p]! / KEEP) * W[x.indices[p]! * n + k]!;
      h.push(Math.tanh(a));
      userL2 += V[users[r]! * n + k]! ** 2;
    }
    for (let p = entries.indptr[r]!; p < entries.indptr[r + 1]!; p++) {
      const i = entries.indices[p]!;
      let s = bout[i]!;
      for (let k = 0; k < n; k++) s += h[k]! * Wout[i * n + k]!;
      const y = entries.values[p]!;
      bce += -(y * Math.log(1 / (1 + Math.exp(-s))) + (1 - y) * Math.log(1 - 1 / (1 + Math.exp(-s))));
    }
  }
  let shared = 0;
  for (const value of [...W, ...Wout]) shared += value * value;
  return bce / x.nRows + (LAMBDA / (2 * TRAINING_USERS)) * shared + (LAMBDA / (2 * x.nRows)) * userL2;
}

for (const underTest of backendsUnderTest()) {
  test(`${underTest.name}: CDAE's gradient matches finite differences of its loss`, (t) => {
    const backend = backendOrSkip(t, underTest);
    if (backend === undefined) return;
    const { x, users } = batch();
    const network = new CdaeNetwork(backend, 7, TRAINING_USERS, 3, 'tanh', new Rng(3), Int32Array.of(0, 1, 2, 3, 4, 5));
    // Non-zero biases so that their gradients are exercised from a generic point.
    const biasRng = new Rng(8);
    for (const bias of [network.inputLayer.bias!, network.outputBias]) bias.value.forEach((_, i, a) => (a[i] = 0.3 * biasRng.nextNormal()));
    const entries = sampleTrainingEntries(x, 2, new Rng(4));
    for (const p of network.parameters) p.zeroGrad();
    const loss = network.accumulateGradients(x, users, entries, DROPOUT_SEED, KEEP, LAMBDA, TRAINING_USERS);
    const oracle = oracleLoss(network, x, users, entries);
    assert.ok(Math.abs(loss.bce + loss.l2 - oracle) < 1e-4 * Math.abs(oracle), `loss ${loss.bce + loss.l2} vs oracle ${oracle}`);
    for (const parameter of network.parameters) {
      const numeric = new Float32Array(parameter.size);
      for (let i = 0; i < parameter.size; i++) {
        const saved = parameter.value[i]!;
        parameter.value[i] = saved + STEP;
        const plus = oracleLoss(network, x, users, entries);
        parameter.value[i] = saved - STEP;
        const minus = oracleLoss(network, x, users, entries);
        parameter.value[i] = saved;
        numeric[i] = (plus - minus) / (2 * STEP);
      }
      assertClose(parameter.grad, numeric, { rtol: 2e-3, atol: 2e-4 }, parameter.name);
    }
    // Users outside the batch get no gradient (only Adam's momentum moves them).
    const n = network.hidden;
    for (const u of [0, 2, 3]) assert.ok(network.userVectors.grad.subarray(u * n, (u + 1) * n).every((g) => g === 0), `user ${u}`);
  });
}

test('sampled entries: each row keeps its positives (value 1) then negatives·positives non-observed items (value 0), reproducibly', () => {
  const { x } = batch();
  const entries = sampleTrainingEntries(x, 5, new Rng(11));
  assert.deepEqual(sampleTrainingEntries(x, 5, new Rng(11)), entries);
  for (let r = 0; r < x.nRows; r++) {
    const positives = Array.from(x.rowIndices(r));
    const start = entries.indptr[r]!;
    assert.equal(entries.indptr[r + 1]! - start, positives.length * 6);
    assert.deepEqual(Array.from(entries.indices.subarray(start, start + positives.length)), positives);
    assert.ok(entries.values.subarray(start, start + positives.length).every((v) => v === 1));
    for (let p = start + positives.length; p < entries.indptr[r + 1]!; p++) {
      assert.equal(entries.values[p], 0);
      assert.ok(!positives.includes(entries.indices[p]!) && entries.indices[p]! < 7);
    }
  }
  // A row holding every item gets no negatives (none exist).
  const full = csrFromCoo(1, 3, [0, 0, 0], [0, 1, 2], [1, 1, 1]);
  assert.equal(sampleTrainingEntries(full, 5, new Rng(1)).indptr[1], 3);
});
