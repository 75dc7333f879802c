/**
 * The native backend against the reference on random inputs: every kernel,
 * odd and empty shapes, transposes, beta ≠ 0, empty CSR rows, and sizes large
 * enough to take the native code's multi-threaded paths. Skipped (with a
 * message) only when the native addon is not built.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Rng } from '../../src/data/random.js';
import { ACTIVATIONS, type AdamStep, type Backend } from '../../src/engine/backend.js';
import { referenceBackend as reference } from '../../src/engine/reference.js';
import { assertClose, backendOrSkip, nativeUnderTest, randomArray, randomCsr, seededRng } from './fixtures.js';

const native = nativeUnderTest();
/** Float32 sums in a different order than the reference's double sums: a few ulps per term. */
const PRODUCT_TOLERANCE = { rtol: 1e-4, atol: 1e-4 };
const POINTWISE_TOLERANCE = { rtol: 1e-5, atol: 1e-6 };

function agreementTest(name: string, body: (nat: Backend, rng: Rng) => void): void {
  test(`native agrees with reference: ${name}`, (t) => {
    const nat = backendOrSkip(t, native);
    if (nat === undefined) return;
    body(nat, seededRng(name));
  });
}

/** An output buffer: NaN when the kernel must not read it (beta = 0), random otherwise. */
function outputBuffer(rng: Rng, length: number, beta: number): Float32Array {
  return beta === 0 ? new Float32Array(length).fill(Number.NaN) : randomArray(rng, length);
}

agreementTest('gemm over transposes, odd and empty shapes, padded leading dimensions, beta', (nat, rng) => {
  const shapes: [number, number, number][] = [[1, 1, 1], [7, 5, 3], [13, 17, 11], [33, 9, 65], [0, 4, 3], [4, 0, 3], [3, 4, 0], [96, 80, 130]];
  for (const [m, n, k] of shapes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        for (const [beta, pad] of [[0, 0], [0.75, 3]] as const) {
          const [aRows, aCols] = transA ? [k, m] : [m, k];
          const [bRows, bCols] = transB ? [n, k] : [k, n];
          const lda = aCols + pad, ldb = bCols + pad, ldc = n + pad;
          const a = randomArray(rng, aRows * lda);
          const b = randomArray(rng, bRows * ldb);
          const cRef = outputBuffer(rng, m * ldc, beta);
          const cNat = cRef.slice();
          reference.gemm(transA, transB, m, n, k, 1.5, a, lda, b, ldb, beta, cRef, ldc);
          nat.gemm(transA, transB, m, n, k, 1.5, a, lda, b, ldb, beta, cNat, ldc);
          // Padding columns (j ≥ n) hold the initial values in both, NaN included, so the comparison also checks they were left alone.
          assertClose(cNat, cRef, PRODUCT_TOLERANCE, `gemm ${m}×${n}×${k} transA=${transA} transB=${transB} beta=${beta}`);
        }
      }
    }
  }
});

agreementTest('csrMatmul and csrTransposeMatmul, with empty rows and beta', (nat, rng) => {
  // The last case is large enough (nnz·n > 2^16) for the native kernels' threaded paths.
  // n ≥ 16 with enough entries takes csrTransposeMatmul's column-grouped path (serial at 30 × 20,
  // threaded at 200 × 150); 3 × 500 has too few entries for its 500 columns and stays row by row.
  const cases: [number, number, number, number][] = [
    [1, 1, 1, 1],
    [5, 7, 0.5, 3],
    [17, 11, 0.3, 1],
    [9, 13, 0, 4],
    [30, 20, 0.2, 20],
    [3, 500, 0.01, 32],
    [200, 150, 0.1, 64],
    // Batches of rows over a wide output take csrMatmul's column-grouped path (8..n rows, n ≥ 1024).
    [8, 300, 0.05, 1024],
    [40, 500, 0.02, 1500],
  ];
  for (const [nRows, nCols, density, n] of cases) {
    const x = randomCsr(rng, nRows, nCols, density);
    for (const beta of [0, 1, -0.5]) {
      const b = randomArray(rng, nCols * n);
      const cRef = outputBuffer(rng, nRows * n, beta);
      const cNat = cRef.slice();
      reference.csrMatmul(0.5, x, b, n, beta, cRef);
      nat.csrMatmul(0.5, x, b, n, beta, cNat);
      assertClose(cNat, cRef, PRODUCT_TOLERANCE, `csrMatmul ${nRows}×${nCols} n=${n} beta=${beta}`);

      const g = randomArray(rng, nRows * n);
      const tRef = outputBuffer(rng, nCols * n, beta);
      const tNat = tRef.slice();
      reference.csrTransposeMatmul(-2, x, g, n, beta, tRef);
      nat.csrTransposeMatmul(-2, x, g, n, beta, tNat);
      assertClose(tNat, tRef, PRODUCT_TOLERANCE, `csrTransposeMatmul ${nRows}×${nCols} n=${n} beta=${beta}`);
    }
  }
});

agreementTest("csrMatmul of a batch equals each row's product bit for bit (the grouped path adds in the same order)", (nat, rng) => {
  // What serving relies on when it scores concurrent requests together (src/serve/score-batcher.ts).
  for (const [nRows, nCols, n] of [[8, 400, 1024], [64, 3706, 3706], [100, 900, 2000]] as const) {
    const x = randomCsr(rng, nRows, nCols, 0.05);
    const b = randomArray(rng, nCols * n);
    const batch = new Float32Array(nRows * n);
    nat.csrMatmul(1, x, b, n, 0, batch);
    for (let r = 0; r < nRows; r++) {
      const start = x.indptr[r]!, end = x.indptr[r + 1]!;
      const row = { nRows: 1, nCols, indptr: Int32Array.of(0, end - start), indices: x.indices.slice(start, end), values: x.values.slice(start, end) };
      const alone = new Float32Array(n);
      nat.csrMatmul(1, row, b, n, 0, alone);
      assert.deepEqual(batch.subarray(r * n, (r + 1) * n), alone, `row ${r} of ${nRows}×${nCols}, n=${n}`);
    }
  }
});

agreementTest('sampledDot in both layouts of B', (nat, rng) => {
  for (const [nRows, nCols, density, k] of [[1, 1, 1, 1], [6, 9, 0.4, 5], [31, 23, 0.3, 17], [300, 200, 0.05, 40]] as const) {
    const pattern = randomCsr(rng, nRows, nCols, density);
    const a = randomArray(rng, nRows * k);
    const b = randomArray(rng, nCols * k);
    for (const transB of [false, true]) {
      const outRef = new Float32Array(pattern.indices.length);
      const outNat = new Float32Array(pattern.indices.length).fill(Number.NaN);
      reference.sampledDot(pattern, a, b, k, transB, outRef);
      nat.sampledDot(pattern, a, b, k, transB, outNat);
      assertClose(outNat, outRef, PRODUCT_TOLERANCE, `sampledDot ${nRows}×${nCols} k=${k} transB=${transB}`);
    }
  }
});

agreementTest('dense and sparse bias kernels', (nat, rng) => {
  for (const [rows, cols] of [[1, 1], [7, 300], [600, 300]] as const) {
    const x = randomArray(rng, rows * cols);
    const bias = randomArray(rng, cols);
    const xRef = x.slice(), xNat = x.slice();
    reference.addBias(xRef, rows, cols, bias);
    nat.addBias(xNat, rows, cols, bias);
    assertClose(xNat, xRef, POINTWISE_TOLERANCE, `addBias ${rows}×${cols}`);
    for (const beta of [0, 1]) {
      const outRef = outputBuffer(rng, cols, beta), outNat = outRef.slice();
      reference.biasGradient(x, rows, cols, beta, outRef);
      nat.biasGradient(x, rows, cols, beta, outNat);
      assertClose(outNat, outRef, PRODUCT_TOLERANCE, `biasGradient ${rows}×${cols} beta=${beta}`);
    }
  }
  const pattern = randomCsr(rng, 40, 30, 0.3);
  const bias = randomArray(rng, 30);
  const valuesRef = pattern.values.slice(), valuesNat = pattern.values.slice();
  reference.addBiasAtPattern(pattern, bias, valuesRef);
  nat.addBiasAtPattern(pattern, bias, valuesNat);
  assertClose(valuesNat, valuesRef, POINTWISE_TOLERANCE, 'addBiasAtPattern');
  for (const beta of [0, 0.5]) {
    const outRef = outputBuffer(rng, 30, beta), outNat = outRef.slice();
    reference.biasGradientAtPattern(pattern, pattern.values, beta, outRef);
    nat.biasGradientAtPattern(pattern, pattern.values, beta, outNat);
    assertClose(outNat, outRef, PRODUCT_TOLERANCE, `biasGradientAtPattern beta=${beta}`);
  }
});

agreementTest('activations forward and backward, scale and axpy', (nat, rng) => {
  for (const length of [1, 1001, 100_000]) {
    const x = randomArray(rng, length, -6, 6);
    const gradOutput = randomArray(rng, length);
    for (const activation of ACTIVATIONS) {
      const yRef = new Float32Array(length), yNat = new Float32Array(length);
      reference.activationForward(activation, x, yRef);
      nat.activationForward(activation, x, yNat);
      assertClose(yNat, yRef, POINTWISE_TOLERANCE, `${activation} forward`);
      const gRef = new Float32Array(length), gNat = new Float32Array(length);
      reference.activationBackward(activation, yRef, gradOutput, gRef);
      nat.activationBackward(activation, yRef, gradOutput, gNat);
      assertClose(gNat, gRef, POINTWISE_TOLERANCE, `${activation} backward`);
    }
    const sRef = x.slice(), sNat = x.slice();
    reference.scale(sRef, -0.3);
    nat.scale(sNat, -0.3);
    assertClose(sNat, sRef, POINTWISE_TOLERANCE, 'scale');
    const yRef = gradOutput.slice(), yNat = gradOutput.slice();
    reference.axpy(0.7, x, yRef);
    nat.axpy(0.7, x, yNat);
    assertClose(yNat, yRef, POINTWISE_TOLERANCE, 'axpy');
  }
});

agreementTest('logSoftmaxRows and its backward, with large logits and −∞ entries', (nat, rng) => {
  for (const [rows, cols, spread] of [[1, 1, 1], [3, 7, 80], [50, 3706, 10]] as const) {
    const x = randomArray(rng, rows * cols, -spread, spread);
    if (cols > 2) x[1] = -Infinity; // an excluded logit: probability 0, log-probability −∞
    const lpRef = new Float32Array(rows * cols), lpNat = new Float32Array(rows * cols);
    reference.logSoftmaxRows(x, rows, cols, lpRef);
    nat.logSoftmaxRows(x, rows, cols, lpNat);
    assertClose(lpNat, lpRef, { rtol: 1e-5, atol: 1e-5 }, `logSoftmaxRows ${rows}×${cols}`);
    const gradOutput = randomArray(rng, rows * cols);
    const gRef = new Float32Array(rows * cols), gNat = new Float32Array(rows * cols);
    reference.logSoftmaxRowsBackward(lpRef, gradOutput, rows, cols, gRef);
    nat.logSoftmaxRowsBackward(lpRef, gradOutput, rows, cols, gNat);
    assertClose(gNat, gRef, { rtol: 1e-4, atol: 1e-5 }, `logSoftmaxRowsBackward ${rows}×${cols}`);
  }
});

agreementTest('softmaxCrossEntropyRows, and against log-softmax + NLL + their backward', (nat, rng) => {
  // 120 × 3,706 is large enough for the native kernel's threaded path.
  for (const [rows, cols, spread, density] of [[1, 1, 1, 1], [7, 30, 60, 0.3], [120, 3706, 10, 0.03]] as const) {
    const logits = randomArray(rng, rows * cols, -spread, spread);
    const targets = randomCsr(rng, rows, cols, density);
    // Integer counts as targets, and an excluded logit (−∞) where row 0 has no target.
    for (let p = 0; p < targets.values.length; p++) targets.values[p] = 1 + (p % 3);
    if (cols > 2 && !Array.from(targets.indices.subarray(targets.indptr[0]!, targets.indptr[1]!)).includes(1)) logits[1] = -Infinity;
    const gRef = new Float32Array(rows * cols), gNat = new Float32Array(rows * cols).fill(Number.NaN);
    const lossRef = reference.softmaxCrossEntropyRows(logits, targets, 0.02, gRef);
    const lossNat = nat.softmaxCrossEntropyRows(logits, targets, 0.02, gNat);
    assert.ok(Math.abs(lossNat - lossRef) <= 1e-5 * Math.abs(lossRef) + 1e-6, `${rows}×${cols} loss ${lossNat} vs ${lossRef}`);
    assertClose(gNat, gRef, { rtol: 1e-4, atol: 1e-6 }, `softmaxCrossEntropyRows ${rows}×${cols}`);
    // The fused kernel is the four-kernel composition it replaces.
    const logProbs = new Float32Array(rows * cols), gComposed = new Float32Array(rows * cols);
    reference.logSoftmaxRows(logits, rows, cols, logProbs);
    const lossComposed = 0.02 * reference.multinomialNll(logProbs, targets);
    reference.multinomialNllGradient(targets, 0.02, gComposed);
    reference.logSoftmaxRowsBackward(logProbs, gComposed, rows, cols, gComposed);
    assert.ok(Math.abs(lossRef - lossComposed) <= 1e-9 * Math.abs(lossComposed) + 1e-9, `${rows}×${cols} fused ${lossRef} vs composed ${lossComposed}`);
    assertClose(gRef, gComposed, { rtol: 1e-5, atol: 1e-8 }, `fused vs composed gradient ${rows}×${cols}`);
  }
});

agreementTest('tanh and sigmoid to within a few float32 ulps over their whole range, and at the edges', (nat, rng) => {
  // Dense near 0 (the tanh polynomial's range, |x| < 0.625), across the switch to the exp form,
  // out to where both saturate, plus tiny, subnormal, infinite and NaN inputs.
  const special = [0, -0, 1e-30, -1e-30, 1e-40, 1e-8, 0.6249, 0.625, 0.6251, 8.99, 9, 9.01, 17, 30, 87, 88, 89, 1e4, Infinity, -Infinity, Number.NaN];
  const x = Float32Array.from([...randomArray(rng, 4000, -1, 1), ...randomArray(rng, 4000, -20, 20), ...randomArray(rng, 2000, -100, 100), ...special, ...special.map((v) => -v)]);
  for (const activation of ['tanh', 'sigmoid'] as const) {
    const yRef = new Float32Array(x.length), yNat = new Float32Array(x.length);
    reference.activationForward(activation, x, yRef);
    nat.activationForward(activation, x, yNat);
    for (let i = 0; i < x.length; i++) {
      const expected = yRef[i]!, actual = yNat[i]!;
      if (Number.isNaN(expected)) {
        assert.ok(Number.isNaN(actual), `${activation}(${x[i]}) = ${actual}, expected NaN`);
        continue;
      }
      // 4 ulps relative, and an absolute floor at float's smallest normal for sigmoid's underflow.
      const bound = 4 * 2 ** -23 * Math.abs(expected) + 1.2e-38;
      assert.ok(Math.abs(actual - expected) <= bound, `${activation}(${x[i]}) = ${actual}, reference ${expected}`);
    }
  }
});

agreementTest('swish and layer norm, forward and backward, serial and threaded sizes', (nat, rng) => {
  for (const [rows, cols] of [[1, 1], [3, 7], [500, 600]] as const) {
    const x = randomArray(rng, rows * cols, -8, 8);
    const gradOutput = randomArray(rng, rows * cols);
    const sRef = new Float32Array(x.length), sNat = new Float32Array(x.length);
    reference.swishForward(x, sRef);
    nat.swishForward(x, sNat);
    assertClose(sNat, sRef, POINTWISE_TOLERANCE, `swishForward ${rows}×${cols}`);
    reference.swishBackward(x, gradOutput, sRef);
    nat.swishBackward(x, gradOutput, sNat);
    assertClose(sNat, sRef, POINTWISE_TOLERANCE, `swishBackward ${rows}×${cols}`);

    const scale = randomArray(rng, cols, 0.5, 1.5), shift = randomArray(rng, cols);
    const run = (backend: Backend) => {
      const out = new Float32Array(rows * cols), normalised = new Float32Array(rows * cols), inverse = new Float32Array(rows);
      backend.layerNormRows(x, rows, cols, scale, shift, 0.1, out, normalised, inverse);
      const gradScale = new Float32Array(cols).fill(0.5), gradShift = new Float32Array(cols).fill(-0.5), gradInput = new Float32Array(rows * cols);
      backend.layerNormRowsBackward(gradOutput, normalised, inverse, rows, cols, scale, gradScale, gradShift, gradInput);
      return { out, normalised, inverse, gradScale, gradShift, gradInput };
    };
    const [ref, got] = [run(reference), run(nat)];
    for (const key of ['out', 'normalised', 'inverse', 'gradInput'] as const) assertClose(got[key], ref[key], POINTWISE_TOLERANCE, `layer norm ${key} ${rows}×${cols}`);
    // Sums over up to 500 rows: the native kernel adds in double, the reference in float64 too, in another order.
    for (const key of ['gradScale', 'gradShift'] as const) assertClose(got[key], ref[key], { rtol: 1e-5, atol: 1e-4 }, `layer norm ${key} ${rows}×${cols}`);
  }
});

agreementTest('multinomial NLL, its gradient, and squared error at a pattern', (nat, rng) => {
  const targets = randomCsr(rng, 60, 500, 0.05);
  const logProbs = randomArray(rng, 60 * 500, -9, 0);
  const lossRef = reference.multinomialNll(logProbs, targets);
  assert.ok(Math.abs(nat.multinomialNll(logProbs, targets) - lossRef) <= 1e-9 * Math.abs(lossRef) + 1e-9);
  const gRef = new Float32Array(60 * 500), gNat = new Float32Array(60 * 500).fill(Number.NaN);
  reference.multinomialNllGradient(targets, 0.25, gRef);
  nat.multinomialNllGradient(targets, 0.25, gNat);
  assertClose(gNat, gRef, POINTWISE_TOLERANCE, 'multinomialNllGradient');

  const predicted = randomArray(rng, targets.indices.length, 0, 5);
  const seRef = new Float32Array(predicted.length), seNat = new Float32Array(predicted.length);
  const squaredRef = reference.squaredErrorAtPattern(targets, predicted, 0.1, seRef);
  const squaredNat = nat.squaredErrorAtPattern(targets, predicted, 0.1, seNat);
  assert.ok(Math.abs(squaredNat - squaredRef) <= 1e-6 * squaredRef, `squared error ${squaredNat} vs ${squaredRef}`);
  assertClose(seNat, seRef, POINTWISE_TOLERANCE, 'squaredErrorAtPattern gradient');
});

agreementTest('dropout masks and outputs are identical for a seed', (nat, rng) => {
  for (const [length, keepProb, seed] of [[1, 0.5, 0], [1000, 0.8, 12345], [200_000, 0.3, 0xffffffff], [77, 1, 9]] as const) {
    const x = randomArray(rng, length);
    const maskRef = new Uint8Array(length), maskNat = new Uint8Array(length);
    const outRef = new Float32Array(length), outNat = new Float32Array(length);
    reference.dropout(x, keepProb, seed, maskRef, outRef);
    nat.dropout(x, keepProb, seed, maskNat, outNat);
    assert.deepEqual(maskNat, maskRef, `dropout mask, ${length} elements, keep ${keepProb}, seed ${seed}`);
    assert.deepEqual(outNat, outRef, 'dropout output');
    const gRef = new Float32Array(length), gNat = new Float32Array(length);
    reference.dropoutBackward(x, maskRef, keepProb, gRef);
    nat.dropoutBackward(x, maskRef, keepProb, gNat);
    assert.deepEqual(gNat, gRef, 'dropout backward');
  }
});

agreementTest('SGD, Adam and AdamW over three steps', (nat, rng) => {
  const length = 70_001;
  const start = randomArray(rng, length);
  const grads = [0, 1, 2].map(() => randomArray(rng, length));
  const sgdRef = start.slice(), sgdNat = start.slice();
  for (const g of grads) {
    reference.sgdUpdate(sgdRef, g, 0.05, 0.01);
    nat.sgdUpdate(sgdNat, g, 0.05, 0.01);
  }
  assertClose(sgdNat, sgdRef, POINTWISE_TOLERANCE, 'sgdUpdate');
  for (const variant of ['adamUpdate', 'adamwUpdate'] as const) {
    const state = () => ({ param: start.slice(), m: new Float32Array(length), v: new Float32Array(length) });
    const onRef = state(), onNat = state();
    grads.forEach((g, i) => {
      const step: AdamStep = { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.05, step: i + 1 };
      reference[variant](onRef.param, g, onRef.m, onRef.v, step);
      nat[variant](onNat.param, g, onNat.m, onNat.v, step);
    });
    assertClose(onNat.param, onRef.param, POINTWISE_TOLERANCE, `${variant} param`);
    assertClose(onNat.m, onRef.m, POINTWISE_TOLERANCE, `${variant} m`);
    assertClose(onNat.v, onRef.v, POINTWISE_TOLERANCE, `${variant} v`);
  }
});

agreementTest('topKRows selects identically, with ties, exclusions and short rows', (nat, rng) => {
  for (const [rows, cols, k] of [[1, 1, 1], [5, 9, 3], [40, 3706, 100], [3, 4, 10], [2, 5, 0]] as const) {
    const scores = new Float32Array(rows * cols);
    // Few distinct values, so ties are common; one entry in five excluded.
    for (let i = 0; i < scores.length; i++) scores[i] = rng.nextInt(5) === 0 ? -Infinity : rng.nextInt(20) / 4;
    const idxRef = new Int32Array(rows * k), idxNat = new Int32Array(rows * k);
    const valRef = new Float32Array(rows * k), valNat = new Float32Array(rows * k);
    reference.topKRows(scores, rows, cols, k, idxRef, valRef);
    nat.topKRows(scores, rows, cols, k, idxNat, valNat);
    assert.deepEqual(idxNat, idxRef, `topKRows ${rows}×${cols} k=${k} indices`);
    assert.deepEqual(valNat, valRef, `topKRows ${rows}×${cols} k=${k} values`);
  }
});

agreementTest('invalid CSR contents throw the same RangeError', (nat) => {
  const b = new Float32Array(6);
  const c = new Float32Array(4);
  const outOfRange = { nRows: 2, nCols: 3, indptr: new Int32Array([0, 1, 2]), indices: new Int32Array([0, 3]), values: new Float32Array(2) };
  const decreasing = { nRows: 2, nCols: 3, indptr: new Int32Array([0, 2, 1]), indices: new Int32Array([0, 1]), values: new Float32Array(2) };
  for (const [x, message] of [
    [outOfRange, /csrMatmul: x\.indices\[1\] = 3 is outside 0\.\.2/],
    [decreasing, /csrMatmul: x\.indptr decreases at row 1 \(2 then 1\)/],
  ] as const) {
    assert.throws(() => reference.csrMatmul(1, x, b, 2, 0, c), { name: 'RangeError', message });
    assert.throws(() => nat.csrMatmul(1, x, b, 2, 0, c), { name: 'RangeError', message });
  }
});

agreementTest('spdInverse (LAPACK) against the blocked Cholesky, and non-positive-definite input', (nat, rng) => {
  for (const n of [1, 2, 7, 97, 260]) {
    // A = MᵀM/n + I is symmetric positive definite and well conditioned.
    const m = randomArray(rng, n * n);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let k = 0; k < n; k++) sum += m[k * n + i]! * m[k * n + j]!;
        a[i * n + j] = sum / n + (i === j ? 1 : 0);
      }
    }
    const expected = a.slice();
    reference.spdInverse(expected, n);
    const actual = a.slice();
    nat.spdInverse(actual, n);
    for (let i = 0; i < n * n; i++) assert.ok(Math.abs(actual[i]! - expected[i]!) < 1e-9 * (1 + Math.abs(expected[i]!)), `n=${n} entry ${i}`);
    // Both triangles are written and A·A⁻¹ = I.
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let k = 0; k < n; k++) sum += a[i * n + k]! * actual[k * n + j]!;
        assert.ok(Math.abs(sum - (i === j ? 1 : 0)) < 1e-8, `n=${n} (A·A⁻¹)[${i},${j}] = ${sum}`);
      }
    }
  }
  const indefinite = Float64Array.from([1, 2, 2, 1]);
  assert.throws(() => nat.spdInverse(indefinite, 2), /not positive definite/);
  assert.throws(() => nat.spdInverse(new Float64Array(3), 2), /spdInverse: a has 3 elements/);
});
