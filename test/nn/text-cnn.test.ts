/**
 * The text CNN: windows of texts (short, long, empty), its forward pass against a plain
 * float64 convolution, and every parameter's gradient against central finite differences
 * of Σ out ⊙ R, on each backend.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TextCnn, textWindows, type TokenLists } from '../../src/nn/text-cnn.js';
import { assertClose, backendOrSkip, backendsUnderTest, seededRng } from '../engine/fixtures.js';

const SHAPE = { vocabulary: 5, embedding: 3, filters: 4, width: 2, outputs: 3 };
/** Texts: [0 1 2 3], [4], [], [2 2 1]. */
const TEXTS: TokenLists = { nRows: 4, indptr: Int32Array.of(0, 4, 5, 5, 8), tokens: Int32Array.of(0, 1, 2, 3, 4, 2, 2, 1) };

test('windows: one per width-long run, one padded window for a short text, none for an empty one', () => {
  const { windows, windowStart } = textWindows(TEXTS, 5, 2);
  assert.deepEqual(Array.from(windowStart), [0, 3, 4, 4, 6]);
  // Window (2 2): columns 0·5 + 2 and 1·5 + 2; the short text [4] has only its first position.
  assert.deepEqual(Array.from(windows.rowIndices(4)), [2, 7]);
  assert.deepEqual(Array.from(windows.rowIndices(3)), [4]);
  assert.throws(() => textWindows({ nRows: 1, indptr: Int32Array.of(0, 1), tokens: Int32Array.of(5) }, 5, 2), /text 0: token 5 is outside 0..4/);
});

/** Σ out ⊙ R in float64, straight from the definition. */
function oracle(cnn: TextCnn, weights: Float64Array): number {
  const { embedding: e, filters: F, width, outputs } = SHAPE;
  let total = 0;
  for (let r = 0; r < TEXTS.nRows; r++) {
    const tokens = Array.from(TEXTS.tokens.subarray(TEXTS.indptr[r]!, TEXTS.indptr[r + 1]!));
    const pooled = new Array<number>(F).fill(0);
    if (tokens.length > 0) {
      pooled.fill(-Infinity);
      for (let p = 0; p < Math.max(1, tokens.length - width + 1); p++) {
        for (let f = 0; f < F; f++) {
          let value = cnn.bias.value[f]!;
          for (let o = 0; o < width && p + o < tokens.length; o++) {
            for (let d = 0; d < e; d++) value += cnn.embedding.value[tokens[p + o]! * e + d]! * cnn.kernel.value[(o * e + d) * F + f]!;
          }
          pooled[f] = Math.max(pooled[f]!, Math.max(0, value));
        }
      }
    }
    for (let k = 0; k < outputs; k++) {
      let out = 0;
      for (let f = 0; f < F; f++) out += pooled[f]! * cnn.projection.value[f * outputs + k]!;
      total += out * weights[r * outputs + k]!;
    }
  }
  return total;
}

for (const underTest of backendsUnderTest()) {
  test(`${underTest.name}: text CNN forward matches the definition and its gradients match finite differences`, (t) => {
    const backend = backendOrSkip(t, underTest);
    if (backend === undefined) return;
    const rng = seededRng('text cnn');
    const cnn = new TextCnn(backend, 'text', SHAPE, rng);
    for (let f = 0; f < SHAPE.filters; f++) cnn.bias.value[f] = 0.3 * rng.nextFloat();
    const windows = textWindows(TEXTS, SHAPE.vocabulary, SHAPE.width);
    const weights = Float64Array.from({ length: TEXTS.nRows * SHAPE.outputs }, () => rng.nextFloat() - 0.5);
    const out = cnn.forward(windows);
    let forward = 0;
    out.forEach((v, k) => (forward += v * weights[k]!));
    assert.ok(Math.abs(forward - oracle(cnn, weights)) < 1e-5, `forward ${forward} vs ${oracle(cnn, weights)}`);
    assert.deepEqual(Array.from(out.subarray(2 * SHAPE.outputs, 3 * SHAPE.outputs)), [0, 0, 0], 'an empty text encodes to zero');
    for (const p of cnn.parameters) p.zeroGrad();
    cnn.backward(Float32Array.from(weights));
    const step = 1e-3;
    for (const parameter of cnn.parameters) {
      const numeric = new Float64Array(parameter.size);
      for (let i = 0; i < parameter.size; i++) {
        const original = parameter.value[i]!;
        parameter.value[i] = original + step;
        const up = parameter.value[i]!;
        const lossUp = oracle(cnn, weights);
        parameter.value[i] = original - step;
        const down = parameter.value[i]!;
        const lossDown = oracle(cnn, weights);
        parameter.value[i] = original;
        numeric[i] = (lossUp - lossDown) / (up - down);
      }
      assertClose(parameter.grad, numeric, { rtol: 2e-3, atol: 2e-4 }, `∂/∂${parameter.name}`);
    }
  });
}
