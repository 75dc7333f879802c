/**
 * DenseLayer and SparseInputLayer against float64 reference maths: the forward
 * output, and every gradient the backward produces against central finite
 * differences of the reference loss (step 1e-6 in double precision, so the
 * only error is the layers' float32 rounding). Runs on every backend.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Rng } from '../../src/data/random.js';
import { ACTIVATIONS, type Backend } from '../../src/engine/backend.js';
import { DenseLayer } from '../../src/nn/dense.js';
import { SparseInputLayer } from '../../src/nn/sparse-input.js';
import { assertClose, backendOrSkip, backendsUnderTest, csrToDense, randomArray, randomCsr, seededRng } from '../engine/fixtures.js';
import { finiteDifferences64, halfSquaredError64, linearForward64, weightedSum64 } from './reference-maths.js';

const FORWARD_TOLERANCE = { rtol: 1e-5, atol: 1e-6 };
const GRADIENT_TOLERANCE = { rtol: 1e-3, atol: 1e-5 };

function layerTest(name: string, body: (backend: Backend, rng: Rng) => void): void {
  for (const underTest of backendsUnderTest()) {
    test(`${underTest.name}: ${name}`, (t) => {
      const backend = backendOrSkip(t, underTest);
      if (backend === undefined) return;
      body(backend, seededRng(name));
    });
  }
}

const toFloat64 = (values: Float32Array) => Float64Array.from(values);

layerTest('DenseLayer forward and gradients (weight, bias, input) match float64 finite differences', (backend, rng) => {
  const [batch, inputSize, outputSize] = [3, 5, 4];
  for (const activation of ACTIVATIONS) {
    const layer = new DenseLayer({ name: 'dense', inputSize, outputSize, activation, rng, backend });
    assert.deepEqual(layer.weight.shape, [outputSize, inputSize]);
    layer.bias!.value.set(randomArray(rng, outputSize, -0.5, 0.5));
    const x = randomArray(rng, batch * inputSize, -2, 2);
    const upstream = randomArray(rng, batch * outputSize);

    const weight64 = toFloat64(layer.weight.value);
    const bias64 = toFloat64(layer.bias!.value);
    const x64 = toFloat64(x);
    const reference = () => linearForward64(x64, weight64, bias64, activation, batch, inputSize, outputSize, 'out×in');
    const loss = () => weightedSum64(upstream, reference());

    const y = layer.forward(x, batch);
    assertClose(y, reference(), FORWARD_TOLERANCE, `${activation} forward`);
    const gradInput = layer.backward(upstream);
    assertClose(layer.weight.grad, finiteDifferences64(weight64, loss), GRADIENT_TOLERANCE, `${activation} ∂L/∂W`);
    assertClose(layer.bias!.grad, finiteDifferences64(bias64, loss), GRADIENT_TOLERANCE, `${activation} ∂L/∂b`);
    assertClose(gradInput!, finiteDifferences64(x64, loss), GRADIENT_TOLERANCE, `${activation} ∂L/∂x`);
  }
});

layerTest('SparseInputLayer forward and gradients match float64 finite differences on a dense copy of the input', (backend, rng) => {
  const [batch, inputSize, outputSize] = [5, 9, 3];
  const x = randomCsr(rng, batch, inputSize, 0.4);
  const xDense = csrToDense(x);
  for (const activation of ACTIVATIONS) {
    const layer = new SparseInputLayer({ name: 'encoder', inputSize, outputSize, activation, rng, backend });
    assert.deepEqual(layer.weight.shape, [inputSize, outputSize]);
    layer.bias!.value.set(randomArray(rng, outputSize, -0.5, 0.5));
    const upstream = randomArray(rng, batch * outputSize);

    const weight64 = toFloat64(layer.weight.value);
    const bias64 = toFloat64(layer.bias!.value);
    const reference = () => linearForward64(xDense, weight64, bias64, activation, batch, inputSize, outputSize, 'in×out');
    const loss = () => weightedSum64(upstream, reference());

    assertClose(layer.forward(x), reference(), FORWARD_TOLERANCE, `${activation} forward`);
    layer.backward(upstream);
    assertClose(layer.weight.grad, finiteDifferences64(weight64, loss), GRADIENT_TOLERANCE, `${activation} ∂L/∂W`);
    assertClose(layer.bias!.grad, finiteDifferences64(bias64, loss), GRADIENT_TOLERANCE, `${activation} ∂L/∂b`);
  }
});

layerTest('sparse input → dense output with a squared-error loss: every parameter gradient matches finite differences', (backend, rng) => {
  const [batch, items, hidden] = [4, 8, 5];
  const x = randomCsr(rng, batch, items, 0.5);
  const xDense = csrToDense(x);
  const target = randomArray(rng, batch * items, 0, 1);
  const encoder = new SparseInputLayer({ name: 'encoder', inputSize: items, outputSize: hidden, activation: 'tanh', rng, backend });
  const decoder = new DenseLayer({ name: 'decoder', inputSize: hidden, outputSize: items, activation: 'sigmoid', rng, backend });
  encoder.bias!.value.set(randomArray(rng, hidden, -0.3, 0.3));
  decoder.bias!.value.set(randomArray(rng, items, -0.3, 0.3));

  const [encW, encB, decW, decB] = [encoder.weight, encoder.bias!, decoder.weight, decoder.bias!].map((p) => toFloat64(p.value)) as [Float64Array, Float64Array, Float64Array, Float64Array];
  const loss = () => {
    const h = linearForward64(xDense, encW, encB, 'tanh', batch, items, hidden, 'in×out');
    return halfSquaredError64(linearForward64(h, decW, decB, 'sigmoid', batch, hidden, items, 'out×in'), target);
  };

  const y = decoder.forward(encoder.forward(x), batch);
  const gradY = new Float32Array(y.length);
  for (let i = 0; i < y.length; i++) gradY[i] = y[i]! - target[i]!;
  encoder.backward(decoder.backward(gradY)!);

  assertClose(encoder.weight.grad, finiteDifferences64(encW, loss), GRADIENT_TOLERANCE, 'encoder ∂L/∂W');
  assertClose(encoder.bias!.grad, finiteDifferences64(encB, loss), GRADIENT_TOLERANCE, 'encoder ∂L/∂b');
  assertClose(decoder.weight.grad, finiteDifferences64(decW, loss), GRADIENT_TOLERANCE, 'decoder ∂L/∂W');
  assertClose(decoder.bias!.grad, finiteDifferences64(decB, loss), GRADIENT_TOLERANCE, 'decoder ∂L/∂b');
});

layerTest('dense → dense (relu, identity, no output bias) with a squared-error loss matches finite differences', (backend, rng) => {
  const [batch, inputSize, hidden, outputSize] = [3, 4, 6, 2];
  const x = randomArray(rng, batch * inputSize, -1, 1);
  const target = randomArray(rng, batch * outputSize);
  const first = new DenseLayer({ name: 'first', inputSize, outputSize: hidden, activation: 'relu', rng, backend });
  const second = new DenseLayer({ name: 'second', inputSize: hidden, outputSize, bias: false, rng, backend });
  assert.equal(second.bias, undefined);
  assert.deepEqual(second.parameters.map((p) => p.name), ['second.weight']);
  first.bias!.value.set(randomArray(rng, hidden, 0.05, 0.3));

  const [w1, b1, w2] = [first.weight, first.bias!, second.weight].map((p) => toFloat64(p.value)) as [Float64Array, Float64Array, Float64Array];
  const x64 = toFloat64(x);
  const loss = () => {
    const h = linearForward64(x64, w1, b1, 'relu', batch, inputSize, hidden, 'out×in');
    return halfSquaredError64(linearForward64(h, w2, undefined, 'identity', batch, hidden, outputSize, 'out×in'), target);
  };
  const y = second.forward(first.forward(x, batch), batch);
  const gradY = y.map((v, i) => v - target[i]!);
  const gradX = first.backward(second.backward(gradY)!);

  assertClose(first.weight.grad, finiteDifferences64(w1, loss), GRADIENT_TOLERANCE, 'first ∂L/∂W');
  assertClose(first.bias!.grad, finiteDifferences64(b1, loss), GRADIENT_TOLERANCE, 'first ∂L/∂b');
  assertClose(second.weight.grad, finiteDifferences64(w2, loss), GRADIENT_TOLERANCE, 'second ∂L/∂W');
  assertClose(gradX!, finiteDifferences64(x64, loss), GRADIENT_TOLERANCE, 'first ∂L/∂x');
});

layerTest('backward accumulates parameter gradients (dense and sparse) and can skip the input gradient', (backend, rng) => {
  const layer = new DenseLayer({ name: 'dense', inputSize: 3, outputSize: 2, activation: 'sigmoid', rng, backend });
  const x = randomArray(rng, 2 * 3);
  const upstream = randomArray(rng, 2 * 2);
  layer.forward(x, 2);
  assert.equal(layer.backward(upstream, false), undefined);
  const once = layer.weight.grad.slice();
  const onceBias = layer.bias!.grad.slice();
  layer.backward(upstream, false);
  assertClose(layer.weight.grad, once.map((g) => 2 * g), { rtol: 1e-6, atol: 0 }, 'twice the weight gradient');
  assertClose(layer.bias!.grad, onceBias.map((g) => 2 * g), { rtol: 1e-6, atol: 0 }, 'twice the bias gradient');
  for (const p of layer.parameters) p.zeroGrad();
  assert.ok(layer.weight.grad.every((g) => g === 0));

  const sparse = new SparseInputLayer({ name: 'encoder', inputSize: 6, outputSize: 2, activation: 'tanh', rng, backend });
  sparse.forward(randomCsr(rng, 3, 6, 0.6));
  const sparseUpstream = randomArray(rng, 3 * 2);
  sparse.backward(sparseUpstream);
  const sparseOnce = sparse.weight.grad.slice();
  sparse.backward(sparseUpstream);
  assertClose(sparse.weight.grad, sparseOnce.map((g) => 2 * g), { rtol: 1e-6, atol: 0 }, 'twice the sparse weight gradient');
  assert.ok(sparseOnce.some((g) => g !== 0));
});

test('layers name what is wrong with their input', () => {
  const rng = seededRng('layer errors');
  const dense = new DenseLayer({ name: 'decoder', inputSize: 3, outputSize: 2, rng });
  assert.throws(() => dense.backward(new Float32Array(2)), /layer 'decoder': backward called before forward/);
  assert.throws(() => dense.forward(new Float32Array(5), 2), /layer 'decoder': input has 5 values, expected batch 2 × 3/);
  dense.forward(new Float32Array(6), 2);
  assert.throws(() => dense.backward(new Float32Array(3)), /output gradient has 3 values, expected batch 2 × 2/);
  const sparse = new SparseInputLayer({ name: 'encoder', inputSize: 4, outputSize: 2, rng });
  assert.throws(() => sparse.forward(randomCsr(rng, 2, 5, 0.5)), /layer 'encoder': input has 5 columns, expected inputSize 4/);
  assert.throws(() => new DenseLayer({ name: 'bad', inputSize: 0, outputSize: 2 }), /layer 'bad': inputSize must be a positive integer, got 0/);
});

test('layers without an rng start at zero; with one, the same seed gives the same Xavier weights', () => {
  assert.ok(new DenseLayer({ name: 'd', inputSize: 4, outputSize: 3 }).weight.value.every((v) => v === 0));
  const a = new SparseInputLayer({ name: 's', inputSize: 10, outputSize: 3, rng: seededRng('same') });
  const b = new SparseInputLayer({ name: 's', inputSize: 10, outputSize: 3, rng: seededRng('same') });
  assert.deepEqual(a.weight.value, b.weight.value);
  const bound = Math.sqrt(6 / 13);
  assert.ok(a.weight.value.every((v) => Math.abs(v) <= bound) && a.weight.value.some((v) => v !== 0));
});
