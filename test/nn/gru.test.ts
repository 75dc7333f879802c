/**
 * GruLayer: torch.nn.GRU's parameter names and shapes, and every gradient its backward
 * produces (W_ih, W_hh, b_ih, b_hh, the input) against central finite differences of its
 * forward, on padded windows, on each backend.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GruLayer } from '../../src/nn/gru.js';
import { assertClose, backendOrSkip, backendsUnderTest, randomArray, seededRng } from '../engine/fixtures.js';

const STEP = 1e-2;
const FD_TOLERANCE = { rtol: 2e-2, atol: 2e-3 };

for (const underTest of backendsUnderTest()) {
  test(`${underTest.name}: GruLayer gradients match finite differences of its forward`, (t) => {
    const backend = backendOrSkip(t, underTest);
    if (backend === undefined) return;
    const rng = seededRng('gru layer');
    const [batch, steps, inputSize, hidden] = [3, 4, 5, 3];
    const layer = new GruLayer({ name: 'gru', inputSize, hiddenSize: hidden, rng, backend });
    assert.deepEqual(layer.parameters.map((p) => [p.name, p.shape]), [
      ['gru.weight_ih_l0', [9, 5]],
      ['gru.weight_hh_l0', [9, 3]],
      ['gru.bias_ih_l0', [9]],
      ['gru.bias_hh_l0', [9]],
    ]);
    layer.biasIh.value.set(randomArray(rng, 9, -0.3, 0.3));
    layer.biasHh.value.set(randomArray(rng, 9, -0.3, 0.3));
    const filled = Int32Array.of(4, 2, 1);
    const input = randomArray(rng, batch * steps * inputSize);
    const upstream = randomArray(rng, batch * steps * hidden);
    const loss = () => {
      const states = layer.forward(input, batch, steps, filled);
      let sum = 0;
      for (let i = 0; i < states.length; i++) sum += upstream[i]! * states[i]!;
      return sum;
    };
    const numeric = (values: Float32Array) =>
      Float64Array.from(values, (_, i) => {
        const original = values[i]!;
        values[i] = original + STEP;
        const up = values[i]!;
        const lossUp = loss();
        values[i] = original - STEP;
        const down = values[i]!;
        const lossDown = loss();
        values[i] = original;
        return (lossUp - lossDown) / (up - down);
      });
    for (const p of layer.parameters) p.zeroGrad();
    loss();
    const gradInput = layer.backward(upstream)!.slice();
    for (const p of layer.parameters) assertClose(p.grad, numeric(p.value), FD_TOLERANCE, p.name);
    // Padded slots' inputs do not reach the states: their gradient is zero.
    const numericInput = numeric(input);
    assertClose(gradInput, numericInput, FD_TOLERANCE, 'input');
    for (let j = 0; j < inputSize; j++) assert.equal(gradInput[(1 * steps + 0) * inputSize + j], 0, 'padded slot');
  });
}
