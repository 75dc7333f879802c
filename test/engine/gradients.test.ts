/**
 * Every backward kernel against central finite differences of its forward
 * kernel, on each backend. The probe is a scalar loss L(x) = Σ w ⊙ f(x) with
 * fixed random weights w, summed in double precision; the analytic gradient
 * of L is what the backward kernel returns for gradOutput = w.
 *
 * The forwards run in float32, so the step is large (1e-2) and the tolerance
 * loose (2e-3 + 2%) — a wrong formula (a dropped factor, a wrong sign, the
 * derivative taken at the input instead of the output) misses by far more.
 */
import { test } from 'node:test';
import type { Rng } from '../../src/data/random.js';
import { ACTIVATIONS, type Backend, type CsrOperand } from '../../src/engine/backend.js';
import { assertClose, backendOrSkip, backendsUnderTest, randomArray, randomCsr, seededRng } from './fixtures.js';

const STEP = 1e-2;
const FD_TOLERANCE = { rtol: 2e-2, atol: 2e-3 };

/** Σ w·y in double precision. */
function weightedSum(w: ArrayLike<number>, y: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < w.length; i++) sum += w[i]! * y[i]!;
  return sum;
}

/**
 * Central differences of `loss` with respect to each element of `x` (perturbed in place and
 * restored). The step actually taken is measured after float32 rounding.
 */
function finiteDifferences(x: Float32Array, loss: () => number): Float64Array {
  const gradient = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const original = x[i]!;
    x[i] = original + STEP;
    const up = x[i]!;
    const lossUp = loss();
    x[i] = original - STEP;
    const down = x[i]!;
    const lossDown = loss();
    x[i] = original;
    gradient[i] = (lossUp - lossDown) / (up - down);
  }
  return gradient;
}

function gradientTest(name: string, body: (backend: Backend, rng: Rng) => void): void {
  for (const underTest of backendsUnderTest()) {
    test(`${underTest.name}: ${name} matches finite differences`, (t) => {
      const backend = backendOrSkip(t, underTest);
      if (backend === undefined) return;
      body(backend, seededRng(name));
    });
  }
}

gradientTest('activation backward (from the forward output)', (backend, rng) => {
  for (const activation of ACTIVATIONS) {
    // Keep relu's inputs away from its kink at 0, where the derivative is undefined.
    const x = randomArray(rng, 40, -3, 3).map((v) => (Math.abs(v) < 0.1 ? v + 0.3 : v));
    const w = randomArray(rng, 40);
    const y = new Float32Array(40);
    const loss = () => {
      backend.activationForward(activation, x, y);
      return weightedSum(w, y);
    };
    loss();
    const analytic = new Float32Array(40);
    backend.activationBackward(activation, y, w, analytic);
    assertClose(analytic, finiteDifferences(x, loss), FD_TOLERANCE, `${activation} gradient`);
  }
});

gradientTest('logSoftmaxRowsBackward', (backend, rng) => {
  const [rows, cols] = [3, 6];
  const x = randomArray(rng, rows * cols, -2, 2);
  const w = randomArray(rng, rows * cols);
  const logProbs = new Float32Array(rows * cols);
  const loss = () => {
    backend.logSoftmaxRows(x, rows, cols, logProbs);
    return weightedSum(w, logProbs);
  };
  loss();
  const analytic = new Float32Array(rows * cols);
  backend.logSoftmaxRowsBackward(logProbs, w, rows, cols, analytic);
  assertClose(analytic, finiteDifferences(x, loss), FD_TOLERANCE, 'log-softmax gradient');
});

gradientTest('multinomial NLL through log-softmax (the Mult-VAE reconstruction loss)', (backend, rng) => {
  const targets = randomCsr(rng, 4, 7, 0.5);
  const logits = randomArray(rng, 4 * 7, -2, 2);
  const logProbs = new Float32Array(4 * 7);
  const loss = () => {
    backend.logSoftmaxRows(logits, 4, 7, logProbs);
    return 0.5 * backend.multinomialNll(logProbs, targets);
  };
  loss();
  const gradLogProbs = new Float32Array(4 * 7);
  backend.multinomialNllGradient(targets, 0.5, gradLogProbs);
  const analytic = new Float32Array(4 * 7);
  backend.logSoftmaxRowsBackward(logProbs, gradLogProbs, 4, 7, analytic);
  assertClose(analytic, finiteDifferences(logits, loss), FD_TOLERANCE, 'NLL gradient');
});

gradientTest('softmaxCrossEntropyRows (the fused Mult-VAE reconstruction loss)', (backend, rng) => {
  const targets = randomCsr(rng, 4, 7, 0.5);
  const logits = randomArray(rng, 4 * 7, -2, 2);
  const scratch = new Float32Array(4 * 7);
  const loss = () => backend.softmaxCrossEntropyRows(logits, targets, 0.5, scratch);
  const analytic = new Float32Array(4 * 7);
  backend.softmaxCrossEntropyRows(logits, targets, 0.5, analytic);
  assertClose(analytic, finiteDifferences(logits, loss), FD_TOLERANCE, 'softmax cross-entropy gradient');
});

gradientTest('swishBackward (from the forward input)', (backend, rng) => {
  const x = randomArray(rng, 60, -6, 6);
  const w = randomArray(rng, 60);
  const y = new Float32Array(60);
  const analytic = new Float32Array(60);
  backend.swishBackward(x, w, analytic);
  const numeric = finiteDifferences(x, () => {
    backend.swishForward(x, y);
    return weightedSum(w, y);
  });
  assertClose(analytic, numeric, FD_TOLERANCE, 'swish');
});

gradientTest('layerNormRowsBackward: input, scale and shift', (backend, rng) => {
  const [rows, cols, epsilon] = [3, 9, 0.1];
  const x = randomArray(rng, rows * cols, -2, 2);
  const scale = randomArray(rng, cols, 0.5, 1.5);
  const shift = randomArray(rng, cols);
  const w = randomArray(rng, rows * cols);
  const [out, normalised, inverse] = [new Float32Array(rows * cols), new Float32Array(rows * cols), new Float32Array(rows)];
  const loss = () => {
    backend.layerNormRows(x, rows, cols, scale, shift, epsilon, out, normalised, inverse);
    return weightedSum(w, out);
  };
  loss();
  const [gradX, gradScale, gradShift] = [new Float32Array(rows * cols), new Float32Array(cols), new Float32Array(cols)];
  backend.layerNormRowsBackward(w, normalised, inverse, rows, cols, scale, gradScale, gradShift, gradX);
  assertClose(gradX, finiteDifferences(x, loss), FD_TOLERANCE, 'layer norm ∂/∂x');
  assertClose(gradScale, finiteDifferences(scale, loss), FD_TOLERANCE, 'layer norm ∂/∂scale');
  assertClose(gradShift, finiteDifferences(shift, loss), FD_TOLERANCE, 'layer norm ∂/∂shift');
});

gradientTest('squaredErrorAtPattern', (backend, rng) => {
  const targets = randomCsr(rng, 5, 6, 0.5);
  const predicted = randomArray(rng, targets.indices.length, -2, 2);
  const scratch = new Float32Array(predicted.length);
  const loss = () => backend.squaredErrorAtPattern(targets, predicted, 0.3, scratch) * 0.3;
  const analytic = new Float32Array(predicted.length);
  backend.squaredErrorAtPattern(targets, predicted, 0.3, analytic);
  assertClose(analytic, finiteDifferences(predicted, loss), FD_TOLERANCE, 'squared-error gradient');
});

gradientTest('biasGradient and biasGradientAtPattern', (backend, rng) => {
  const [rows, cols] = [4, 5];
  const x = randomArray(rng, rows * cols);
  const bias = randomArray(rng, cols);
  const w = randomArray(rng, rows * cols);
  const shifted = new Float32Array(rows * cols);
  const denseLoss = () => {
    shifted.set(x);
    backend.addBias(shifted, rows, cols, bias);
    return weightedSum(w, shifted);
  };
  const analytic = new Float32Array(cols);
  backend.biasGradient(w, rows, cols, 0, analytic);
  assertClose(analytic, finiteDifferences(bias, denseLoss), FD_TOLERANCE, 'dense bias gradient');

  const pattern = randomCsr(rng, 6, cols, 0.6);
  const wAtPattern = randomArray(rng, pattern.indices.length);
  const values = new Float32Array(pattern.indices.length);
  const sparseLoss = () => {
    values.set(pattern.values);
    backend.addBiasAtPattern(pattern, bias, values);
    return weightedSum(wAtPattern, values);
  };
  backend.biasGradientAtPattern(pattern, wAtPattern, 0, analytic);
  assertClose(analytic, finiteDifferences(bias, sparseLoss), FD_TOLERANCE, 'bias gradient at pattern');
});

gradientTest('dropoutBackward', (backend, rng) => {
  const x = randomArray(rng, 50);
  const w = randomArray(rng, 50);
  const mask = new Uint8Array(50);
  const out = new Float32Array(50);
  const loss = () => {
    backend.dropout(x, 0.6, 77, mask, out);
    return weightedSum(w, out);
  };
  loss();
  const analytic = new Float32Array(50);
  backend.dropoutBackward(w, mask, 0.6, analytic);
  assertClose(analytic, finiteDifferences(x, loss), FD_TOLERANCE, 'dropout gradient');
});

gradientTest('gemm (both operands, all transposes)', (backend, rng) => {
  const [m, n, k] = [3, 4, 5];
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      const a = randomArray(rng, m * k);
      const b = randomArray(rng, k * n);
      const [lda, ldb] = [transA ? m : k, transB ? k : n];
      const w = randomArray(rng, m * n);
      const c = new Float32Array(m * n);
      const loss = () => {
        backend.gemm(transA, transB, m, n, k, 1, a, lda, b, ldb, 0, c, n);
        return weightedSum(w, c);
      };
      // dL/d op(A) = W·op(B)ᵀ (m × k); stored transposed when transA. Likewise dL/d op(B) = op(A)ᵀ·W.
      const gradA = new Float32Array(m * k);
      if (transA) backend.gemm(transB, true, k, m, n, 1, b, ldb, w, n, 0, gradA, m);
      else backend.gemm(false, !transB, m, k, n, 1, w, n, b, ldb, 0, gradA, k);
      assertClose(gradA, finiteDifferences(a, loss), FD_TOLERANCE, `gemm dA transA=${transA} transB=${transB}`);
      const gradB = new Float32Array(k * n);
      if (transB) backend.gemm(true, transA, n, k, m, 1, w, n, a, lda, 0, gradB, k);
      else backend.gemm(!transA, false, k, n, m, 1, a, lda, w, n, 0, gradB, n);
      assertClose(gradB, finiteDifferences(b, loss), FD_TOLERANCE, `gemm dB transA=${transA} transB=${transB}`);
    }
  }
});

gradientTest('csrMatmul weight gradient is csrTransposeMatmul', (backend, rng) => {
  const x = randomCsr(rng, 6, 5, 0.5);
  const n = 3;
  const weights = randomArray(rng, 5 * n);
  const w = randomArray(rng, 6 * n);
  const out = new Float32Array(6 * n);
  const loss = () => {
    backend.csrMatmul(1, x, weights, n, 0, out);
    return weightedSum(w, out);
  };
  const analytic = new Float32Array(5 * n);
  backend.csrTransposeMatmul(1, x, w, n, 0, analytic);
  assertClose(analytic, finiteDifferences(weights, loss), FD_TOLERANCE, 'X·W weight gradient');
});

gradientTest('sampledDot gradients are csrMatmul / csrTransposeMatmul with the output gradient as values', (backend, rng) => {
  const pattern = randomCsr(rng, 5, 6, 0.5);
  const k = 4;
  const a = randomArray(rng, 5 * k);
  const b = randomArray(rng, 6 * k); // transB layout: one row of k per output column
  const w = randomArray(rng, pattern.indices.length);
  const out = new Float32Array(pattern.indices.length);
  const loss = () => {
    backend.sampledDot(pattern, a, b, k, true, out);
    return weightedSum(w, out);
  };
  const weighted: CsrOperand = { ...pattern, values: w };
  const gradA = new Float32Array(5 * k);
  backend.csrMatmul(1, weighted, b, k, 0, gradA);
  assertClose(gradA, finiteDifferences(a, loss), FD_TOLERANCE, 'SDDMM dA');
  const gradB = new Float32Array(6 * k);
  backend.csrTransposeMatmul(1, weighted, a, k, 0, gradB);
  assertClose(gradB, finiteDifferences(b, loss), FD_TOLERANCE, 'SDDMM dB');
});
