import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from '../../src/engine/backend.js';
import { Adam, AdamW, Sgd } from '../../src/nn/optimizers.js';
import { Parameter } from '../../src/nn/parameter.js';
import { assertClose, backendOrSkip, backendsUnderTest } from '../engine/fixtures.js';

const TOLERANCE = { rtol: 1e-6, atol: 1e-7 };

function parameter(name: string, values: number[], grad: number[], shape: number[] = [values.length]): Parameter {
  const p = new Parameter(name, shape);
  p.value.set(values);
  p.grad.set(grad);
  return p;
}

function optimizerTest(name: string, body: (backend: Backend) => void): void {
  for (const underTest of backendsUnderTest()) {
    test(`${underTest.name}: ${name}`, (t) => {
      const backend = backendOrSkip(t, underTest);
      if (backend === undefined) return;
      body(backend);
    });
  }
}

optimizerTest('Adam: two steps against the hand-computed update', (backend) => {
  const p = parameter('w', [1, -2, 0.5], [0.5, 0.1, -0.3]);
  const adam = new Adam([p], { learningRate: 0.1, backend });
  adam.step();
  // Step 1: m̂ = g and v̂ = g², so θ moves by lr·g/(|g| + ε) ≈ lr·sign(g).
  assertClose(p.value, [0.9, -2.1, 0.6], TOLERANCE, 'after step 1');
  assert.equal(adam.stepCount, 1);

  const g1 = [0.5, 0.1, -0.3];
  const g2 = [0.2, 0.1, 0.3];
  p.grad.set(g2);
  adam.step();
  const expected = [0.9, -2.1, 0.6].map((theta, i) => {
    const m = 0.9 * (0.1 * g1[i]!) + 0.1 * g2[i]!;
    const v = 0.999 * (0.001 * g1[i]! ** 2) + 0.001 * g2[i]! ** 2;
    const mHat = m / (1 - 0.9 ** 2);
    const vHat = v / (1 - 0.999 ** 2);
    return theta - (0.1 * mHat) / (Math.sqrt(vHat) + 1e-8);
  });
  // By hand for θ = 0.9: m = 0.065, v = 0.00028975, m̂ = 0.342105…, v̂ = 0.144947…, step 0.0898575… → 0.8101425.
  assert.ok(Math.abs(expected[0]! - 0.8101425) < 1e-6, `hand value ${expected[0]}`);
  assertClose(p.value, expected, TOLERANCE, 'after step 2');
});

optimizerTest('Adam adds the L2 penalty to the gradient; AdamW decays decoupled; SGD', (backend) => {
  const adam = parameter('w', [2], [0]);
  new Adam([adam], { learningRate: 0.01, weightDecay: 0.5, backend }).step();
  // g′ = 0 + 0.5·2 = 1 > 0, so the first step moves by −lr.
  assertClose(adam.value, [1.99], TOLERANCE, 'Adam with L2');

  const adamw = parameter('w', [2], [0.4]);
  new AdamW([adamw], { learningRate: 0.01, weightDecay: 0.5, backend }).step();
  // θ·(1 − 0.01·0.5) = 1.99, then the Adam step on g = 0.4: −0.01.
  assertClose(adamw.value, [1.98], TOLERANCE, 'AdamW');

  const sgd = parameter('w', [2, -1], [0.4, 1]);
  new Sgd([sgd], { learningRate: 0.1, weightDecay: 0.5, backend }).step();
  assertClose(sgd.value, [2 - 0.1 * (0.4 + 1), -1 - 0.1 * (1 - 0.5)], TOLERANCE, 'SGD with L2');
});

optimizerTest('appliesWeightDecay exempts chosen parameters', (backend) => {
  const weight = parameter('layer.weight', [1, 1], [0, 0]);
  const bias = parameter('layer.bias', [1], [0]);
  new Sgd([weight, bias], { learningRate: 0.1, weightDecay: 1, appliesWeightDecay: (p) => !p.name.endsWith('.bias'), backend }).step();
  assertClose(weight.value, [0.9, 0.9], TOLERANCE, 'decayed weight');
  assertClose(bias.value, [1], TOLERANCE, 'undecayed bias');
});

optimizerTest('optimiser state round trip: an optimiser restored from exportState continues identically', (backend) => {
  const grads = [
    [0.3, -0.2, 0.1, 0.05],
    [-0.1, 0.4, 0.2, -0.3],
    [0.2, 0.2, -0.5, 0.1],
  ];
  const make = () => [parameter('enc.weight', [0.1, 0.2, 0.3, 0.4].slice(0, 2), [0, 0], [1, 2]), parameter('enc.bias', [0.5, -0.5], [0, 0])];
  const original = make();
  const first = new Adam(original, { learningRate: 0.05, weightDecay: 0.01, name: 'encoderAdam', backend });
  const applyGrads = (params: Parameter[], g: number[]) => {
    params[0]!.grad.set(g.slice(0, 2));
    params[1]!.grad.set(g.slice(2, 4));
  };
  applyGrads(original, grads[0]!);
  first.step();
  applyGrads(original, grads[1]!);
  first.step();

  const saved = first.exportState();
  assert.deepEqual(Object.keys(saved.tensors).sort(), ['encoderAdam.m.enc.bias', 'encoderAdam.m.enc.weight', 'encoderAdam.v.enc.bias', 'encoderAdam.v.enc.weight']);
  assert.deepEqual(saved.tensors['encoderAdam.m.enc.weight']!.shape, [1, 2]);
  assert.deepEqual(saved.scalars, { 'encoderAdam.step': 2 });

  const copy = make();
  copy.forEach((p, i) => p.value.set(original[i]!.value));
  const second = new Adam(copy, { learningRate: 0.05, weightDecay: 0.01, name: 'encoderAdam', backend });
  second.importState(saved);
  assert.equal(second.stepCount, 2);
  // The export was a copy: stepping the first optimiser must not change what was saved.
  applyGrads(original, grads[2]!);
  first.step();
  applyGrads(copy, grads[2]!);
  second.step();
  copy.forEach((p, i) => assert.deepEqual(p.value, original[i]!.value, p.name));
});

test('importState names the missing or misshapen tensor and leaves the optimiser unchanged', () => {
  const p = parameter('w', [1, 2], [0.1, 0.1]);
  const adam = new Adam([p], { learningRate: 0.1 });
  adam.step();
  const saved = adam.exportState();
  const fresh = new Adam([parameter('w', [1, 2], [0, 0])], { learningRate: 0.1 });
  assert.throws(() => fresh.importState({ tensors: {}, scalars: saved.scalars }, 'checkpoint c.safetensors'), /checkpoint c\.safetensors lacks tensor 'adam\.m\.w'/);
  const misshapen = { ...saved.tensors, 'adam.v.w': { shape: [1], data: new Float32Array(1) } };
  assert.throws(() => fresh.importState({ tensors: misshapen, scalars: saved.scalars }), /tensor 'adam\.v\.w' has shape \[1\], expected \[2\]/);
  assert.throws(() => fresh.importState({ tensors: saved.tensors, scalars: {} }), /scalar 'adam\.step' must be a non-negative integer, got nothing/);
  assert.equal(fresh.stepCount, 0);
  assert.deepEqual(fresh.exportState().tensors['adam.m.w']!.data, new Float32Array(2));
});

test('optimiser options are checked', () => {
  const p = parameter('w', [1], [0]);
  assert.throws(() => new Adam([p], { learningRate: 0 }), /adam: learningRate must be a positive number, got 0/);
  assert.throws(() => new Adam([p], { learningRate: 0.1, beta1: 1 }), /adam: beta1 must be in \[0, 1\), got 1/);
  assert.throws(() => new Sgd([p], { learningRate: 0.1, weightDecay: -1 }), /sgd: weightDecay must be a non-negative number/);
  assert.throws(() => new AdamW([p, parameter('w', [1], [0])], { learningRate: 0.1 }), /two parameters are named 'w'/);
});
