/**
 * AutoRec's gradient against central finite differences of its objective,
 * on each backend. The objective of a batch of B of N examples is
 *   E_batch = Σ observed (r − ĥ)² + (B/N)(λ/2)(‖W‖² + ‖V‖²),
 * computed here by plain double-precision loops from the network's float32
 * parameters (an oracle independent of the kernels), so the finite
 * differences are accurate and also check the forward pass.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csrFromCoo, type CsrMatrix } from '../../src/data/csr.js';
import type { Rng } from '../../src/data/random.js';
import { AutoRecNetwork, AutoRecTrainer } from '../../src/models/autoencoders/autorec-network.js';
import { assertClose, backendOrSkip, backendsUnderTest, seededRng } from '../engine/fixtures.js';

const STEP = 1e-3;
const FD_TOLERANCE = { rtol: 1e-3, atol: 1e-3 };

/** A rows × cols rating matrix with about half its entries stored, ratings 1..5; row 2 is left empty. */
function ratings(rng: Rng, rows: number, cols: number): CsrMatrix {
  const r: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      if (i !== 2 && rng.nextFloat() < 0.5) {
        r.push(i);
        c.push(j);
        v.push(1 + rng.nextInt(5));
      }
    }
  }
  return csrFromCoo(rows, cols, r, c, v);
}

/** E_batch in double precision from the network's current parameters. */
function objective(network: AutoRecNetwork, x: CsrMatrix, lambda: number, totalExamples: number): number {
  const { inputs, hidden } = network;
  const w = network.encoderWeight.value;
  const mu = network.encoderBias.value;
  const v = network.decoderWeight.value;
  const b = network.decoderBias.value;
  let squaredError = 0;
  for (let r = 0; r < x.nRows; r++) {
    const code = new Float64Array(hidden);
    for (let k = 0; k < hidden; k++) {
      let z = mu[k]!;
      for (let p = x.indptr[r]!; p < x.indptr[r + 1]!; p++) z += x.values[p]! * w[x.indices[p]! * hidden + k]!;
      code[k] = 1 / (1 + Math.exp(-z));
    }
    for (let p = x.indptr[r]!; p < x.indptr[r + 1]!; p++) {
      const j = x.indices[p]!;
      let output = b[j]!;
      for (let k = 0; k < hidden; k++) output += v[j * hidden + k]! * code[k]!;
      squaredError += (output - x.values[p]!) ** 2;
    }
  }
  let norm = 0;
  for (let i = 0; i < inputs * hidden; i++) norm += w[i]! ** 2 + v[i]! ** 2;
  return squaredError + ((x.nRows / totalExamples) * lambda * norm) / 2;
}

for (const underTest of backendsUnderTest()) {
  test(`${underTest.name}: AutoRec gradients w.r.t. W, μ, V and b match finite differences of E_batch`, (t) => {
    const backend = backendOrSkip(t, underTest);
    if (backend === undefined) return;
    const rng = seededRng('autorec gradient');
    const x = ratings(rng, 5, 7);
    const [lambda, totalExamples] = [0.7, 12];
    const network = new AutoRecNetwork(backend, { inputs: 7, hidden: 4 }, rng.fork(9));
    // Non-zero biases, so that their gradients are tested away from the initial point.
    network.encoderBias.value.set([0.3, -0.2, 0.1, -0.4]);
    network.decoderBias.value.set([3, 2.5, 3.5, 3, 2, 4, 3]);

    // Garbage in the gradients first: computeGradients must overwrite them, not add to them.
    for (const parameter of network.parameters) parameter.grad.fill(7);
    const result = network.computeGradients(x);
    assert.equal(result.observed, x.nnz);
    const exact = objective(network, x, lambda, totalExamples);
    const l2Term = ((x.nRows / totalExamples) * lambda * network.weightSquaredNorm()) / 2;
    assert.ok(Math.abs(exact - result.squaredError - l2Term) < 1e-3 * exact, `E_batch ${exact} = squared error ${result.squaredError} + L2 ${l2Term}`);
    // The L2 term's gradient is the trainer's weight decay (B/N)·λ·θ on W and V only.
    const decay = (lambda * x.nRows) / totalExamples;
    for (const parameter of network.parameters) {
      if (network.isRegularised(parameter)) backend.axpy(decay, parameter.value, parameter.grad);
    }

    for (const parameter of network.parameters) {
      const values = parameter.value;
      const numeric = new Float64Array(values.length);
      for (let i = 0; i < values.length; i++) {
        const original = values[i]!;
        values[i] = original + STEP;
        const up = values[i]!;
        const lossUp = objective(network, x, lambda, totalExamples);
        values[i] = original - STEP;
        const down = values[i]!;
        const lossDown = objective(network, x, lambda, totalExamples);
        values[i] = original;
        numeric[i] = (lossUp - lossDown) / (up - down);
      }
      assertClose(parameter.grad, numeric, FD_TOLERANCE, `∂E/∂${parameter.name}`);
    }
  });

  test(`${underTest.name}: AutoRec trainer steps lower the objective, with the L2 term of a short last batch scaled by its size`, (t) => {
    const backend = backendOrSkip(t, underTest);
    if (backend === undefined) return;
    const rng = seededRng('autorec step');
    const x = ratings(rng, 6, 9);
    for (const optimizer of ['adam', 'sgd'] as const) {
      const network = new AutoRecNetwork(backend, { inputs: 9, hidden: 5 }, rng.fork(1));
      const learningRate = optimizer === 'adam' ? 0.05 : 0.01;
      const trainer = new AutoRecTrainer(backend, network, { lambda: 0.1, learningRate, optimizer, batchSize: 6, totalExamples: 6 });
      const before = objective(network, x, 0.1, 6);
      for (let i = 0; i < 20; i++) trainer.step(x);
      const after = objective(network, x, 0.1, 6);
      assert.ok(after < 0.5 * before, `${optimizer}: objective ${before} → ${after}`);
    }
    // SGD makes the decay visible: a batch of 2 of 10 examples (full batches of 4) decays W by lr·(2/10)·λ·W.
    const network = new AutoRecNetwork(backend, { inputs: 9, hidden: 5 }, rng.fork(2));
    const empty = { nRows: 2, nCols: 9, indptr: new Int32Array(3), indices: new Int32Array(0), values: new Float32Array(0) };
    const trainer = new AutoRecTrainer(backend, network, { lambda: 3, learningRate: 0.1, optimizer: 'sgd', batchSize: 4, totalExamples: 10 });
    const weightBefore = network.encoderWeight.value.slice();
    trainer.step(empty); // no observed entries: the only gradient on W is the L2 term's
    const expected = weightBefore.map((w) => w * (1 - 0.1 * (2 / 10) * 3));
    assertClose(network.encoderWeight.value, expected, { rtol: 1e-5, atol: 1e-7 }, 'W after one step on an empty batch');
  });
}
