/**
 * The GRU kernels (Backend.gruForward / gruBackward): the native backend against the
 * reference on random windows, sorted and unsorted batches with padding; the backward
 * against central finite differences of the forward on each backend; the forward against a
 * step-by-step transcription of torch.nn.GRU's formulas; and padding leaving states at zero.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Rng } from '../../src/data/random.js';
import type { Backend } from '../../src/engine/backend.js';
import { referenceBackend as reference } from '../../src/engine/reference.js';
import { assertClose, backendOrSkip, backendsUnderTest, nativeUnderTest, randomArray, seededRng } from './fixtures.js';

interface GruCase {
  readonly batch: number;
  readonly steps: number;
  readonly hidden: number;
  readonly x: Float32Array;
  readonly weightHh: Float32Array;
  readonly biasHh: Float32Array;
  readonly filled: Int32Array;
}

function randomCase(rng: Rng, batch: number, steps: number, hidden: number, sorted: boolean): GruCase {
  const filled = Int32Array.from({ length: batch }, (_, w) => (w === 0 ? steps : Math.floor(rng.nextFloat() * (steps + 1))));
  if (sorted) filled.sort().reverse();
  return {
    batch,
    steps,
    hidden,
    x: randomArray(rng, batch * steps * 3 * hidden),
    weightHh: randomArray(rng, 3 * hidden * hidden, -0.5, 0.5),
    biasHh: randomArray(rng, 3 * hidden, -0.5, 0.5),
    filled,
  };
}

function forward(backend: Backend, c: GruCase): { states: Float32Array; gates: Float32Array } {
  const states = new Float32Array(c.batch * c.steps * c.hidden).fill(Number.NaN);
  const gates = new Float32Array(c.batch * c.steps * 4 * c.hidden).fill(Number.NaN);
  backend.gruForward(c.batch, c.steps, c.hidden, c.x, c.weightHh, c.biasHh, c.filled, states, gates);
  return { states, gates };
}

function backward(backend: Backend, c: GruCase, gradStates: Float32Array) {
  const { states, gates } = forward(backend, c);
  const gradX = new Float32Array(c.x.length).fill(Number.NaN);
  const gradWeightHh = new Float32Array(c.weightHh.length).fill(0.25);
  const gradBiasHh = new Float32Array(c.biasHh.length).fill(0.25);
  backend.gruBackward(c.batch, c.steps, c.hidden, c.weightHh, c.filled, states, gates, gradStates, gradX, gradWeightHh, gradBiasHh);
  return { gradX, gradWeightHh, gradBiasHh };
}

const TOLERANCE = { rtol: 1e-4, atol: 1e-5 };

test('gruForward follows torch.nn.GRU step by step; padded slots stay zero', () => {
  const rng = seededRng('gru torch formulas');
  const c = randomCase(rng, 3, 4, 2, false);
  c.filled.set([4, 2, 0]);
  const { states } = forward(reference, c);
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const H = c.hidden;
  for (let w = 0; w < c.batch; w++) {
    let h = [0, 0];
    for (let t = 0; t < c.steps; t++) {
      const slot = w * c.steps + t;
      if (t < c.steps - c.filled[w]!) {
        for (let j = 0; j < H; j++) assert.equal(states[slot * H + j], 0, `padded slot (${w}, ${t})`);
        continue;
      }
      const rec = (g: number) => c.biasHh[g]! + h.reduce((s, hj, j) => s + c.weightHh[g * H + j]! * hj, 0);
      const next = h.map((hj, j) => {
        const r = sig(c.x[slot * 3 * H + j]! + rec(j));
        const z = sig(c.x[slot * 3 * H + H + j]! + rec(H + j));
        const n = Math.tanh(c.x[slot * 3 * H + 2 * H + j]! + r * rec(2 * H + j));
        return (1 - z) * n + z * hj;
      });
      h = next;
      assertClose(states.subarray(slot * H, slot * H + H), h, TOLERANCE, `state (${w}, ${t})`);
    }
  }
});

for (const sorted of [true, false]) {
  test(`native agrees with reference: gruForward and gruBackward, ${sorted ? 'sorted' : 'unsorted'} batch with padding`, (t) => {
    const nat = backendOrSkip(t, nativeUnderTest());
    if (nat === undefined) return;
    const rng = seededRng(`gru agreement ${sorted}`);
    for (const [batch, steps, hidden] of [[1, 1, 1], [5, 7, 3], [33, 12, 16], [130, 20, 64]] as const) {
      const c = randomCase(rng, batch, steps, hidden, sorted);
      const ref = forward(reference, c);
      const out = forward(nat, c);
      assertClose(out.states, ref.states, TOLERANCE, `states ${batch}×${steps}×${hidden}`);
      assertClose(out.gates, ref.gates, TOLERANCE, `gates ${batch}×${steps}×${hidden}`);
      const gradStates = randomArray(rng, batch * steps * hidden);
      const gRef = backward(reference, c, gradStates);
      const gNat = backward(nat, c, gradStates);
      assertClose(gNat.gradX, gRef.gradX, TOLERANCE, `∂x ${batch}×${steps}×${hidden}`);
      assertClose(gNat.gradWeightHh, gRef.gradWeightHh, { rtol: 1e-4, atol: 1e-4 }, `∂W_hh ${batch}×${steps}×${hidden}`);
      assertClose(gNat.gradBiasHh, gRef.gradBiasHh, { rtol: 1e-4, atol: 1e-4 }, `∂b_hh ${batch}×${steps}×${hidden}`);
    }
  });
}

const STEP = 1e-2;
const FD_TOLERANCE = { rtol: 2e-2, atol: 2e-3 };

for (const underTest of backendsUnderTest()) {
  test(`${underTest.name}: gruBackward matches finite differences of gruForward`, (t) => {
    const backend = backendOrSkip(t, underTest);
    if (backend === undefined) return;
    const rng = seededRng('gru finite differences');
    const c = randomCase(rng, 4, 5, 3, false);
    c.filled.set([5, 3, 0, 1]);
    const weights = randomArray(rng, c.batch * c.steps * c.hidden);
    const loss = () => {
      const { states } = forward(backend, c);
      let sum = 0;
      for (let i = 0; i < states.length; i++) sum += weights[i]! * states[i]!;
      return sum;
    };
    const analytic = backward(backend, c, weights);
    const numeric = (values: Float32Array) => {
      const gradient = new Float64Array(values.length);
      for (let i = 0; i < values.length; i++) {
        const original = values[i]!;
        values[i] = original + STEP;
        const up = values[i]!;
        const lossUp = loss();
        values[i] = original - STEP;
        const down = values[i]!;
        const lossDown = loss();
        values[i] = original;
        gradient[i] = (lossUp - lossDown) / (up - down);
      }
      return gradient;
    };
    assertClose(analytic.gradX, numeric(c.x), FD_TOLERANCE, '∂L/∂x');
    // The kernel adds to the weight and bias gradients (they started at 0.25).
    assertClose(analytic.gradWeightHh.map((g) => g - 0.25), numeric(c.weightHh), FD_TOLERANCE, '∂L/∂W_hh');
    assertClose(analytic.gradBiasHh.map((g) => g - 0.25), numeric(c.biasHh), FD_TOLERANCE, '∂L/∂b_hh');
  });
}

test('gru kernels refuse wrong shapes naming the argument', () => {
  const c = randomCase(seededRng('gru shapes'), 2, 3, 2, true);
  assert.throws(() => reference.gruForward(2, 3, 2, c.x.subarray(1), c.weightHh, c.biasHh, c.filled, new Float32Array(12), new Float32Array(48)), /gruForward: inputProjections/);
  assert.throws(() => reference.gruForward(2, 3, 2, c.x, c.weightHh, c.biasHh, Int32Array.of(4, 1), new Float32Array(12), new Float32Array(48)), /gruForward: filled\[0\] is 4/);
});
