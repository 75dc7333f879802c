/**
 * Hand-computed examples and properties of each kernel, run on every
 * available backend: small products worked out on paper, numerical stability
 * of log-softmax, dropout's determinism and keep ratio, Adam/AdamW against a
 * two-step example, top-k against a full sort, and the argument checks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Rng } from '../../src/data/random.js';
import type { AdamStep, Backend, CsrOperand } from '../../src/engine/backend.js';
import { assertClose, backendOrSkip, backendsUnderTest, randomArray, seededRng } from './fixtures.js';

const EXACT = { rtol: 0, atol: 0 };
const FLOAT = { rtol: 1e-6, atol: 1e-6 };

function kernelTest(name: string, body: (backend: Backend, rng: Rng) => void): void {
  for (const underTest of backendsUnderTest()) {
    test(`${underTest.name}: ${name}`, (t) => {
      const backend = backendOrSkip(t, underTest);
      if (backend === undefined) return;
      body(backend, seededRng(name));
    });
  }
}

/** [[0, 2, 0], [0, 0, 0], [1, 0, 3]]: one empty row. */
const SMALL_CSR: CsrOperand = {
  nRows: 3,
  nCols: 3,
  indptr: new Int32Array([0, 1, 1, 3]),
  indices: new Int32Array([1, 0, 2]),
  values: new Float32Array([2, 1, 3]),
};

kernelTest('gemm: a 2×3 by 3×2 product, transposed storage, alpha and beta', (backend) => {
  const a = new Float32Array([1, 2, 3, 4, 5, 6]); // [[1, 2, 3], [4, 5, 6]]
  const aT = new Float32Array([1, 4, 2, 5, 3, 6]); // the same matrix stored 3 × 2
  const b = new Float32Array([7, 8, 9, 10, 11, 12]); // [[7, 8], [9, 10], [11, 12]]
  const bT = new Float32Array([7, 9, 11, 8, 10, 12]);
  const product = [58, 64, 139, 154];
  for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    const c = new Float32Array(4).fill(Number.NaN); // beta = 0 must not read C
    backend.gemm(transA, transB, 2, 2, 3, 1, transA ? aT : a, transA ? 2 : 3, transB ? bT : b, transB ? 3 : 2, 0, c, 2);
    assertClose(c, product, EXACT, `A·B with transA=${transA} transB=${transB}`);
  }
  const c = new Float32Array([1, 1, 1, 1]);
  backend.gemm(false, false, 2, 2, 3, 2, a, 3, b, 2, -1, c, 2);
  assertClose(c, [115, 127, 277, 307], EXACT, '2·A·B − C');
});

kernelTest('csrMatmul and csrTransposeMatmul on a small matrix with an empty row', (backend) => {
  const c = new Float32Array(6).fill(Number.NaN);
  backend.csrMatmul(1, SMALL_CSR, new Float32Array([1, 2, 3, 4, 5, 6]), 2, 0, c);
  assertClose(c, [6, 8, 0, 0, 16, 20], EXACT, 'X·B');
  const t = new Float32Array([1, 1, 1, 1, 1, 1]);
  backend.csrTransposeMatmul(1, SMALL_CSR, new Float32Array([1, 1, 2, 2, 3, 3]), 2, 1, t);
  assertClose(t, [4, 4, 3, 3, 10, 10], EXACT, 'Xᵀ·G + C');
  const empty = new Float32Array(0);
  backend.csrMatmul(1, SMALL_CSR, empty, 0, 0, empty); // n = 0: nothing to compute, must not throw
});

kernelTest('sampledDot evaluates A·op(B) only at the pattern, in both layouts of B', (backend) => {
  const pattern: CsrOperand = { nRows: 2, nCols: 3, indptr: new Int32Array([0, 2, 3]), indices: new Int32Array([0, 2, 1]), values: new Float32Array(3) };
  const a = new Float32Array([1, 2, 3, 4]); // [[1, 2], [3, 4]]
  const out = new Float32Array(3);
  backend.sampledDot(pattern, a, new Float32Array([1, 0, 0, 1, 1, 1]), 2, true, out); // B stored 3 × 2
  assertClose(out, [1, 3, 4], EXACT, 'transB layout');
  out.fill(Number.NaN);
  backend.sampledDot(pattern, a, new Float32Array([1, 0, 1, 0, 1, 1]), 2, false, out); // B stored 2 × 3
  assertClose(out, [1, 3, 4], EXACT, 'k × nCols layout');
});

kernelTest('bias kernels broadcast over rows and sum over rows (beta accumulates)', (backend) => {
  const x = new Float32Array([1, 2, 3, 4, 5, 6]);
  backend.addBias(x, 2, 3, new Float32Array([10, 20, 30]));
  assertClose(x, [11, 22, 33, 14, 25, 36], EXACT, 'addBias');
  const sums = new Float32Array([1, 1, 1]);
  backend.biasGradient(x, 2, 3, 1, sums);
  assertClose(sums, [26, 48, 70], EXACT, 'biasGradient with beta = 1');
  const values = new Float32Array([0, 0, 0]);
  backend.addBiasAtPattern(SMALL_CSR, new Float32Array([10, 20, 30]), values);
  assertClose(values, [20, 10, 30], EXACT, 'addBiasAtPattern');
  const columnSums = new Float32Array(3).fill(Number.NaN);
  backend.biasGradientAtPattern(SMALL_CSR, new Float32Array([1, 2, 3]), 0, columnSums);
  assertClose(columnSums, [2, 1, 3], EXACT, 'biasGradientAtPattern');
});

kernelTest('activations at known points; backward from the forward output; in place', (backend) => {
  const x = new Float32Array([-100, -1, 0, 1, 100]);
  const y = new Float32Array(5);
  backend.activationForward('sigmoid', x, y);
  assertClose(y, [0, 1 / (1 + Math.E), 0.5, 1 / (1 + Math.exp(-1)), 1], FLOAT, 'sigmoid');
  const grad = new Float32Array(5);
  backend.activationBackward('sigmoid', y, new Float32Array(5).fill(2), grad);
  assertClose(grad, y.map((v) => 2 * v * (1 - v)), FLOAT, 'sigmoid backward');
  backend.activationForward('tanh', x, y);
  assertClose(y, [-1, Math.tanh(-1), 0, Math.tanh(1), 1], FLOAT, 'tanh');
  const inPlace = x.slice();
  backend.activationForward('relu', inPlace, inPlace);
  assertClose(inPlace, [0, 0, 0, 1, 100], EXACT, 'relu in place');
  backend.activationBackward('relu', inPlace, new Float32Array([5, 5, 5, 5, 5]), grad);
  assertClose(grad, [0, 0, 0, 5, 5], EXACT, 'relu backward');
  backend.activationForward('identity', x, y);
  assertClose(y, x, EXACT, 'identity');
});

kernelTest('scale and axpy', (backend) => {
  const y = new Float32Array([1, 2, 3]);
  backend.axpy(2, new Float32Array([1, 1, 1]), y);
  backend.scale(y, 0.5);
  assertClose(y, [1.5, 2, 2.5], EXACT, '(y + 2x) / 2');
});

kernelTest('logSoftmaxRows is stable for huge logits and handles −∞', (backend, rng) => {
  const x = new Float32Array([1000, 1000, 1000, -1000, 0, 0, 0, -Infinity, 0]);
  const out = new Float32Array(9);
  backend.logSoftmaxRows(x, 3, 3, out);
  assertClose(out, [-Math.log(3), -Math.log(3), -Math.log(3), -1000 - Math.LN2, -Math.log(2), -Math.log(2), -Math.log(2), -Infinity, -Math.log(2)], FLOAT, 'log-softmax');
  const logits = randomArray(rng, 4 * 50, -5, 5);
  backend.logSoftmaxRows(logits, 4, 50, logits); // in place
  for (let r = 0; r < 4; r++) {
    let total = 0;
    for (let c = 0; c < 50; c++) total += Math.exp(logits[r * 50 + c]!);
    assert.ok(Math.abs(total - 1) < 1e-5, `row ${r} probabilities sum to ${total}`);
  }
});

kernelTest('multinomial NLL on a worked example', (backend) => {
  const logProbs = new Float32Array([Math.log(0.5), Math.log(0.25), Math.log(0.25)]);
  const targets: CsrOperand = { nRows: 1, nCols: 3, indptr: new Int32Array([0, 2]), indices: new Int32Array([0, 2]), values: new Float32Array([1, 2]) };
  // −(1·ln ½ + 2·ln ¼) = ln 2 + 4 ln 2
  assert.ok(Math.abs(backend.multinomialNll(logProbs, targets) - 5 * Math.LN2) < 1e-6);
  const grad = new Float32Array(3).fill(Number.NaN);
  backend.multinomialNllGradient(targets, 0.5, grad);
  assertClose(grad, [-0.5, 0, -1], EXACT, 'gradient');
});

kernelTest('softmax cross-entropy on a worked example: loss, gradient, huge and −∞ logits, an empty row', (backend) => {
  // Row 0: logits [0, ln 3, −∞] (an excluded item, x = 0 there), targets x = [1, 2, 0], Σx = 3.
  // Row 1: logits near float's limit, [1000, 1000, 998], targets [0, 1, 1]. Row 2: no targets.
  const logits = new Float32Array([0, Math.log(3), -Infinity, 1000, 1000, 998, 1, 2, 3]);
  const targets: CsrOperand = {
    nRows: 3,
    nCols: 3,
    indptr: new Int32Array([0, 2, 4, 4]),
    indices: new Int32Array([0, 1, 1, 2]),
    values: new Float32Array([1, 2, 1, 1]),
  };
  const grad = new Float32Array(9).fill(Number.NaN);
  const loss = backend.softmaxCrossEntropyRows(logits, targets, 0.5, grad);
  // Row 0: π = [¼, ¾, 0]; −(1·ln ¼ + 2·ln ¾). Row 1: π ∝ [1, 1, e⁻²]; −(ln π₁ + ln π₂). Row 2: no targets, no loss.
  const z1 = 2 + Math.exp(-2);
  const expected = 0.5 * (-(Math.log(0.25) + 2 * Math.log(0.75)) - (Math.log(1 / z1) + Math.log(Math.exp(-2) / z1)));
  assert.ok(Math.abs(loss - expected) < 1e-5, `loss ${loss} vs ${expected}`);
  // gradient = scale · (π·Σx − x); an empty row has Σx = 0, so its gradient is 0.
  const pi1 = [1 / z1, 1 / z1, Math.exp(-2) / z1];
  assertClose(
    grad,
    [0.5 * (0.25 * 3 - 1), 0.5 * (0.75 * 3 - 2), 0, 0.5 * (pi1[0]! * 2), 0.5 * (pi1[1]! * 2 - 1), 0.5 * (pi1[2]! * 2 - 1), 0, 0, 0],
    FLOAT,
    'gradient',
  );
});

kernelTest('swish at known points; layer norm on a worked example, accumulating its parameter gradients', (backend) => {
  const x = new Float32Array([-100, -1, 0, 2, 100]);
  const y = new Float32Array(5);
  backend.swishForward(x, y);
  assertClose(y, [0, -1 / (1 + Math.E), 0, 2 / (1 + Math.exp(-2)), 100], FLOAT, 'swish');
  const grad = new Float32Array(5);
  backend.swishBackward(x, new Float32Array(5).fill(1), grad);
  // swish′(0) = ½, swish′(a) → 1 for large a and → 0 for very negative a.
  assertClose(grad, [0, (1 / (1 + Math.E)) * (1 - 1 * (1 - 1 / (1 + Math.E))), 0.5, (1 / (1 + Math.exp(-2))) * (1 + 2 * (1 - 1 / (1 + Math.exp(-2)))), 1], FLOAT, 'swish backward');

  // Row [1, 2, 3, 6]: mean 3, biased variance 3.5; with ε = 0.5 the deviation is 2.
  const rowX = new Float32Array([1, 2, 3, 6, 5, 5, 5, 5]);
  const [out, normalised, inverse] = [new Float32Array(8), new Float32Array(8), new Float32Array(2)];
  backend.layerNormRows(rowX, 2, 4, new Float32Array([1, 1, 2, 1]), new Float32Array([0, 0, 0, 10]), 0.5, out, normalised, inverse);
  assertClose(normalised, [-1, -0.5, 0, 1.5, 0, 0, 0, 0], FLOAT, 'normalised (a constant row normalises to 0)');
  assertClose(inverse, [0.5, 1 / Math.sqrt(0.5)], FLOAT, 'inverse deviations');
  assertClose(out, [-1, -0.5, 0, 11.5, 0, 0, 0, 10], FLOAT, 'scaled and shifted');
  const [gradScale, gradShift, gradInput] = [new Float32Array(4).fill(1), new Float32Array(4).fill(1), new Float32Array(8)];
  backend.layerNormRowsBackward(new Float32Array([1, 0, 0, 0, 1, 1, 1, 1]), normalised, inverse, 2, 4, new Float32Array([1, 1, 2, 1]), gradScale, gradShift, gradInput);
  assertClose(gradScale, [1 - 1, 1, 1, 1], FLOAT, 'gradScale accumulates Σ G·x̂');
  assertClose(gradShift, [3, 2, 2, 2], FLOAT, 'gradShift accumulates Σ G');
  // Row 0: D = [1, 0, 0, 0], mean(D) = ¼, mean(D·x̂) = −¼: (D − ¼ + x̂/4)·½.
  assertClose(gradInput.subarray(0, 4), [0.25, -0.1875, -0.125, 0.0625], FLOAT, 'gradInput');
});

kernelTest('squared error at a pattern', (backend) => {
  const targets: CsrOperand = { nRows: 1, nCols: 4, indptr: new Int32Array([0, 2]), indices: new Int32Array([1, 3]), values: new Float32Array([4, 2]) };
  const grad = new Float32Array(2);
  assert.equal(backend.squaredErrorAtPattern(targets, new Float32Array([3, 5]), 0.5, grad), 10);
  assertClose(grad, [-1, 3], EXACT, 'gradient 2·0.5·(p − t)');
});

kernelTest('dropout is deterministic per seed, keeps about keepProb, scales kept values by 1/keepProb', (backend, rng) => {
  const n = 100_000;
  const keepProb = 0.7;
  const x = randomArray(rng, n, 1, 2);
  const maskA = new Uint8Array(n), maskB = new Uint8Array(n), maskOther = new Uint8Array(n);
  const outA = new Float32Array(n), outB = new Float32Array(n), outOther = new Float32Array(n);
  backend.dropout(x, keepProb, 42, maskA, outA);
  backend.dropout(x, keepProb, 42, maskB, outB);
  backend.dropout(x, keepProb, 43, maskOther, outOther);
  assert.deepEqual(maskB, maskA, 'same seed, same mask');
  assert.deepEqual(outB, outA, 'same seed, same output');
  let kept = 0, agreeing = 0;
  for (let i = 0; i < n; i++) {
    kept += maskA[i]!;
    if (maskA[i] === maskOther[i]) agreeing++;
    assert.equal(outA[i], maskA[i] ? Math.fround(x[i]! * Math.fround(1 / keepProb)) : 0);
  }
  // Binomial(n, 0.7): standard deviation ≈ 145, so 5σ ≈ 725.
  assert.ok(Math.abs(kept - keepProb * n) < 725, `kept ${kept} of ${n}`);
  // Independent masks agree with probability 0.7² + 0.3² = 0.58, not 1.
  assert.ok(Math.abs(agreeing / n - 0.58) < 0.01, `seeds 42 and 43 agree on ${agreeing} of ${n}`);
  const ones = new Uint8Array(10);
  const copy = x.slice(0, 10);
  backend.dropout(copy, 1, 5, ones, copy); // keepProb 1 in place: the identity
  assert.deepEqual(copy, x.slice(0, 10));
  assert.ok(ones.every((m) => m === 1));
});

kernelTest('SGD with weight decay on a worked example', (backend) => {
  const param = new Float32Array([1, -2]);
  backend.sgdUpdate(param, new Float32Array([0.5, 0]), 0.1, 0.1);
  assertClose(param, [1 - 0.1 * (0.5 + 0.1), -2 - 0.1 * -0.2], FLOAT, 'θ − lr·(g + wd·θ)');
});

kernelTest('Adam and AdamW match a two-step example computed by hand', (backend) => {
  // θ₀ = 1, g₁ = 0.5, g₂ = −0.25, lr 0.1, β = (0.9, 0.999), ε = 1e-8. Step 1 without decay:
  // m = 0.05, v = 0.00025, m̂ = 0.5, v̂ = 0.25, θ = 1 − 0.1·0.5/(0.5 + ε). Step 2: m = 0.02,
  // v = 0.00031225, m̂ = 0.02/0.19, v̂ = 0.00031225/0.001999, θ = 0.8733662987.
  const cases: [string, 'adamUpdate' | 'adamwUpdate', number, [number, number, number][]][] = [
    ['Adam', 'adamUpdate', 0, [[0.900000002, 0.05, 0.00025], [0.8733662987, 0.02, 0.00031225]]],
    ['Adam + L2 0.1', 'adamUpdate', 0.1, [[0.9000000017, 0.06, 0.00036], [0.8544413675, 0.038, 0.00038524]]],
    ['AdamW 0.1', 'adamwUpdate', 0.1, [[0.890000002, 0.05, 0.00025], [0.8544662987, 0.02, 0.00031225]]],
  ];
  for (const [label, kernel, weightDecay, expectedSteps] of cases) {
    const param = new Float32Array([1]), m = new Float32Array(1), v = new Float32Array(1);
    [0.5, -0.25].forEach((g, i) => {
      const step: AdamStep = { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay, step: i + 1 };
      backend[kernel](param, new Float32Array([g]), m, v, step);
      const [theta, mean, variance] = expectedSteps[i]!;
      assertClose([param[0]!, m[0]!, v[0]!], [theta, mean, variance], { rtol: 1e-6, atol: 1e-7 }, `${label} step ${i + 1}`);
    });
  }
});

kernelTest('topKRows agrees with a full sort (ties to the lower column, −∞ excluded, short rows padded)', (backend, rng) => {
  const [rows, cols] = [30, 57];
  const scores = new Float32Array(rows * cols);
  for (let i = 0; i < scores.length; i++) scores[i] = rng.nextInt(6) === 0 ? -Infinity : rng.nextInt(10) - 5;
  scores.fill(-Infinity, 0, cols); // a row with nothing selectable
  for (const k of [1, 5, cols, cols + 3]) {
    const idx = new Int32Array(rows * k), vals = new Float32Array(rows * k);
    backend.topKRows(scores, rows, cols, k, idx, vals);
    for (let r = 0; r < rows; r++) {
      const row = scores.subarray(r * cols, (r + 1) * cols);
      const ranked = [...row.keys()].filter((c) => row[c]! > -Infinity).sort((p, q) => row[q]! - row[p]! || p - q);
      const expected = Array.from({ length: k }, (_, i) => (i < ranked.length ? ranked[i]! : -1));
      assert.deepEqual([...idx.subarray(r * k, (r + 1) * k)], expected, `row ${r}, k = ${k}`);
      assert.deepEqual([...vals.subarray(r * k, (r + 1) * k)], expected.map((c) => (c === -1 ? -Infinity : row[c]!)));
    }
  }
  backend.topKRows(scores, rows, cols, 0, new Int32Array(0), new Float32Array(0)); // k = 0 is allowed
});

kernelTest('shape and argument errors name the kernel, the argument and both sizes', (backend) => {
  const four = new Float32Array(4);
  assert.throws(() => backend.gemm(false, false, 2, 2, 2, 1, four, 2, four, 2, 0, new Float32Array(3), 2), {
    name: 'RangeError',
    message: 'gemm: C has 3 elements, a 2 × 2 matrix with leading dimension 2 needs 4',
  });
  assert.throws(() => backend.gemm(false, false, 2, 2, 2, 1, four, 1, four, 2, 0, four, 2), /gemm: lda = 1 is smaller than A's row length 2/);
  assert.throws(() => backend.gemm(false, false, 2, 2, 2, 1, four, 2, four, 2, 0, four, 2), /gemm: C and A overlap/);
  assert.throws(() => backend.addBias(four, 2, 2, new Float32Array(3)), { message: 'addBias: bias has 3 elements, expected cols = 2' });
  assert.throws(() => backend.csrMatmul(1, SMALL_CSR, new Float32Array(5), 2, 0, new Float32Array(6)), {
    message: 'csrMatmul: B has 5 elements, expected 3 × 2 = 6',
  });
  assert.throws(() => backend.activationForward('softplus' as never, four, four), /unknown activation 'softplus'/);
  assert.throws(() => backend.dropout(four, 0, 1, new Uint8Array(4), four), /keepProb must be in \(0, 1\], got 0/);
  assert.throws(() => backend.dropout(four, 0.5, -1, new Uint8Array(4), four), /seed must be an integer in 0\.\.2\^32-1, got -1/);
  const step: AdamStep = { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, step: 0 };
  assert.throws(() => backend.adamUpdate(four, new Float32Array(4), new Float32Array(4), new Float32Array(4), step), /step must be an integer ≥ 1/);
  assert.throws(() => backend.axpy(1, four, four), /axpy: y and x overlap/);
  assert.throws(() => backend.topKRows(four, 2, 2, 3, new Int32Array(6), new Float32Array(5)), /outVals has 5 elements, expected rows × k = 2 × 3 = 6/);
});
