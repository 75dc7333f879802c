/**
 * The causal self-attention kernels: the backward against central finite
 * differences of the forward on each backend (with and without dropout on
 * the weights), the native backend against the reference (sizes large enough
 * for its threaded path), and the masking itself — later slots and the
 * window's padding get no weight, each row's weights sum to one, windows do
 * not see each other.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Rng } from '../../src/data/random.js';
import type { AttentionShape, Backend } from '../../src/engine/backend.js';
import { referenceBackend as reference } from '../../src/engine/reference.js';
import { assertClose, backendOrSkip, backendsUnderTest, nativeUnderTest, randomArray, seededRng } from './fixtures.js';

const STEP = 1e-2;
const FD_TOLERANCE = { rtol: 2e-2, atol: 2e-3 };
const AGREEMENT_TOLERANCE = { rtol: 1e-4, atol: 1e-5 };

function shapeOf(batch: number, length: number, heads: number, headSize: number, filled: number[]): AttentionShape {
  return { batch, length, heads, headSize, filled: Int32Array.from(filled) };
}

function dropoutMask(backend: Backend, shape: AttentionShape, keepProb: number, seed: number): Uint8Array {
  const n = shape.batch * shape.heads * shape.length * shape.length;
  const mask = new Uint8Array(n);
  backend.dropout(new Float32Array(n).fill(1), keepProb, seed, mask, new Float32Array(n));
  return mask;
}

function buffers(shape: AttentionShape) {
  const rows = shape.filled.reduce((a, b) => a + b, 0);
  const width = shape.heads * shape.headSize;
  const probs = new Float32Array(shape.batch * shape.heads * shape.length * shape.length);
  return { rows, width, probs, out: new Float32Array(rows * width) };
}

for (const underTest of backendsUnderTest()) {
  for (const keepProb of [1, 0.7]) {
    test(`${underTest.name}: causalAttentionBackward matches finite differences (keepProb ${keepProb})`, (t) => {
      const backend = backendOrSkip(t, underTest);
      if (backend === undefined) return;
      const rng = seededRng(`attention fd ${keepProb}`);
      // A full window, a partly padded one, an empty one; two heads of 3 columns.
      const shape = shapeOf(3, 4, 2, 3, [4, 2, 0]);
      const { rows, width, probs, out } = buffers(shape);
      const [q, k, v] = [randomArray(rng, rows * width), randomArray(rng, rows * width), randomArray(rng, rows * width)];
      const w = randomArray(rng, rows * width);
      const mask = keepProb < 1 ? dropoutMask(backend, shape, keepProb, 17) : null;
      const loss = () => {
        backend.causalAttentionForward(shape, q, k, v, keepProb, mask, probs, out);
        let sum = 0;
        for (let i = 0; i < out.length; i++) sum += w[i]! * out[i]!;
        return sum;
      };
      loss();
      const [gq, gk, gv] = [new Float32Array(rows * width), new Float32Array(rows * width), new Float32Array(rows * width)];
      backend.causalAttentionBackward(shape, w, q, k, v, probs, keepProb, mask, gq, gk, gv);
      assertClose(gq, finiteDifferences(q, loss), FD_TOLERANCE, 'attention ∂/∂q');
      assertClose(gk, finiteDifferences(k, loss), FD_TOLERANCE, 'attention ∂/∂k');
      assertClose(gv, finiteDifferences(v, loss), FD_TOLERANCE, 'attention ∂/∂v');
    });
  }

  test(`${underTest.name}: causal attention never looks ahead, past its window or at padding`, (t) => {
    const backend = backendOrSkip(t, underTest);
    if (backend === undefined) return;
    const rng = seededRng('attention masking');
    // Windows of 3, 0 and 2 events in windows of length 5: rows 0..2 and 3..4.
    const shape = shapeOf(3, 5, 1, 4, [3, 0, 2]);
    const { rows, width, probs, out } = buffers(shape);
    assert.equal(rows, 5);
    const [q, k, v] = [randomArray(rng, rows * width), randomArray(rng, rows * width), randomArray(rng, rows * width)];
    backend.causalAttentionForward(shape, q, k, v, 1, null, probs, out);
    const L = shape.length;
    for (const [b, n] of [[0, 3], [1, 0], [2, 2]] as const) {
      for (let i = 0; i < L; i++) {
        let sum = 0;
        for (let j = 0; j < L; j++) {
          const p = probs[(b * L + i) * L + j]!;
          if (i >= n || j > i) assert.equal(p, 0, `window ${b}: weight ${i}→${j} must be 0`);
          sum += p;
        }
        if (i < n) assert.ok(Math.abs(sum - 1) < 1e-5, `window ${b} row ${i} sums to 1, got ${sum}`);
      }
    }
    // A window's first slot attends only to itself: its output is its own value.
    for (const row of [0, 3]) assertClose(out.subarray(row * width, (row + 1) * width), v.subarray(row * width, (row + 1) * width), AGREEMENT_TOLERANCE, `row ${row}`);
    // Changing a later slot's key and value leaves earlier outputs alone, and the other window's too.
    const before = out.slice();
    k.fill(5, 2 * width, 3 * width);
    v.fill(9, 2 * width, 3 * width);
    backend.causalAttentionForward(shape, q, k, v, 1, null, probs, out);
    assertClose(out.subarray(0, 2 * width), before.subarray(0, 2 * width), AGREEMENT_TOLERANCE, 'earlier outputs of window 0');
    assertClose(out.subarray(3 * width), before.subarray(3 * width), AGREEMENT_TOLERANCE, 'window 2');
    assert.notDeepEqual(out.subarray(2 * width, 3 * width), before.subarray(2 * width, 3 * width));
  });
}

test('native agrees with reference: causal attention forward and backward, with and without dropout', (t) => {
  const nat = backendOrSkip(t, nativeUnderTest());
  if (nat === undefined) return;
  const rng: Rng = seededRng('attention agreement');
  const batch = 37;
  const filled = Array.from({ length: batch }, (_, b) => (b * 8) % 21);
  assert.ok(filled.includes(20) && filled.includes(0));
  for (const [heads, headSize] of [[1, 16], [2, 8]] as const) {
    for (const keepProb of [1, 0.9]) {
      const shape = shapeOf(batch, 20, heads, headSize, filled);
      const { rows, width } = buffers(shape);
      const [q, k, v, g] = [0, 1, 2, 3].map(() => randomArray(rng, rows * width));
      const mask = keepProb < 1 ? dropoutMask(reference, shape, keepProb, 3) : null;
      const results = [reference, nat].map((backend) => {
        const { probs, out } = buffers(shape);
        probs.fill(Number.NaN);
        out.fill(Number.NaN);
        backend.causalAttentionForward(shape, q!, k!, v!, keepProb, mask, probs, out);
        const grads = [0, 1, 2].map(() => new Float32Array(rows * width).fill(Number.NaN));
        backend.causalAttentionBackward(shape, g!, q!, k!, v!, probs, keepProb, mask, grads[0]!, grads[1]!, grads[2]!);
        return { probs, out, grads };
      });
      const [ref, native] = results as [(typeof results)[0], (typeof results)[0]];
      const what = `heads ${heads}, keepProb ${keepProb}`;
      assertClose(native.probs, ref.probs, AGREEMENT_TOLERANCE, `${what}: probs`);
      assertClose(native.out, ref.out, AGREEMENT_TOLERANCE, `${what}: out`);
      ['gradQ', 'gradK', 'gradV'].forEach((name, i) => assertClose(native.grads[i]!, ref.grads[i]!, AGREEMENT_TOLERANCE, `${what}: ${name}`));
    }
  }
});

test('causal attention refuses a filled count beyond the window and dropout without a mask', () => {
  const shape = shapeOf(1, 3, 1, 2, [4]);
  const { probs, out } = buffers(shapeOf(1, 3, 1, 2, [3]));
  const x = new Float32Array(6);
  assert.throws(() => reference.causalAttentionForward(shape, x, x, x, 1, null, probs, out), /filled\[0\] is 4, outside 0..length = 3/);
  assert.throws(() => reference.causalAttentionForward(shapeOf(1, 3, 1, 2, [3]), x, x, x, 0.5, null, probs, out), /needs a dropout mask/);
});

/** Central differences of `loss` with respect to each element of `x` (perturbed in place and restored). */
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
