import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csrFromCoo } from '../../src/data/csr.js';
import type { FeatureTable } from '../../src/data/features.js';
import { Rng } from '../../src/data/random.js';
import { interactionsOnly } from '../../src/data/training-data.js';
import { attributeCosines, encodeAttributes, fitAttributeEncoding, itemAttributeVectors } from '../../src/models/hybrid/attribute-vectors.js';
import { keepTopPerColumn } from '../../src/models/hybrid/attribute-knn.js';
import { getModelFactory } from '../../src/models/registry.js';

/** Four items: genres, a year, a title. */
const FEATURES: FeatureTable = {
  nRows: 4,
  fields: [
    { kind: 'categorical', name: 'genres', vocabulary: ['drama', 'comedy'], indptr: Int32Array.of(0, 1, 2, 4, 4), codes: Int32Array.of(0, 0, 0, 1) },
    { kind: 'numeric', name: 'year', values: Float32Array.of(1990, 1991, 2010, Number.NaN) },
    { kind: 'text', name: 'title', vocabulary: ['heat', 'night', 'the'], indptr: Int32Array.of(0, 2, 3, 3, 5), tokens: Int32Array.of(2, 0, 2, 1, 1) },
  ],
};

test('attribute vectors: one unit block per field, TF-IDF words, quantile year bins, unit rows', () => {
  const vectors = itemAttributeVectors(FEATURES, { withText: true, numericBins: 2 });
  // Blocks: genres (2 columns), year (2 bins: edge at the median 1991), title (3 words).
  assert.equal(vectors.nCols, 2 + 2 + 3);
  const dense = vectors.toDense();
  const row = (r: number) => Array.from(dense.subarray(r * 7, r * 7 + 7));
  const idf = (df: number) => Math.log(5 / (1 + df)) + 1;
  // Item 0: drama, year bin 0 (1990 < 1991), title 'the heat': three blocks of norm 1, scaled by 1/√3.
  const heat = idf(1);
  const the = idf(2);
  const norm = Math.hypot(heat, the);
  const expected0 = [1, 0, 1, 0, heat / norm, 0, the / norm].map((v) => v / Math.sqrt(3));
  row(0).forEach((v, k) => assert.ok(Math.abs(v - expected0[k]!) < 1e-6, `item 0 column ${k}: ${v} vs ${expected0[k]}`));
  // Item 3: no genre, no year, 'night night' (tf 2): only the title block, of unit length.
  assert.deepEqual(row(3).map((v) => Number(v.toFixed(6))), [0, 0, 0, 0, 0, 1, 0]);
  // Item 2 is drama and comedy (each 1/√2 in its block) in the later year bin.
  const expected2 = [1 / Math.SQRT2, 1 / Math.SQRT2, 0, 1, 0, 0, 0].map((v) => v / Math.SQRT2);
  row(2).forEach((v, k) => assert.ok(Math.abs(v - expected2[k]!) < 1e-6, `item 2 column ${k}`));
  const noText = itemAttributeVectors(FEATURES, { withText: false, numericBins: 2 });
  assert.equal(noText.nCols, 4);
  assert.equal(noText.rowLength(3), 0, 'an item without attributes has an empty vector');

  const cosines = attributeCosines(vectors);
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      let dot = 0;
      for (let k = 0; k < 7; k++) dot += dense[i * 7 + k]! * dense[j * 7 + k]!;
      assert.ok(Math.abs(cosines[i * 4 + j]! - dot) < 1e-6);
    }
  }
});

test('keepTopPerColumn keeps each column’s k largest entries of a symmetric matrix, ties to the lower row', () => {
  const weights = Float32Array.of(0, 3, 1, 3, 0, 5, 1, 5, 0);
  keepTopPerColumn(weights, 3, 1);
  assert.deepEqual(Array.from(weights), [0, 0, 0, 3, 0, 5, 0, 5, 0]);
  // Random symmetric matrices against a sort of each column.
  const rng = new Rng(9);
  for (const [n, k] of [[7, 3], [20, 5], [31, 1]] as const) {
    const matrix = new Float32Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) matrix[i * n + j] = matrix[j * n + i] = Math.round(rng.nextFloat() * 6);
    const expected = Float32Array.from(matrix);
    for (let j = 0; j < n; j++) {
      const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => matrix[b * n + j]! - matrix[a * n + j]! || a - b);
      for (const i of order.slice(k)) expected[i * n + j] = 0;
    }
    keepTopPerColumn(matrix, n, k);
    assert.deepEqual(Array.from(matrix), Array.from(expected), `n ${n}, k ${k}`);
  }
});

test('attribute-knn scores items by attribute similarity to the history, interactions or not', async () => {
  const matrix = csrFromCoo(2, 4, [0, 1], [0, 3], [1, 1]);
  const model = getModelFactory('attribute-knn').create({ numericBins: 2 });
  await assert.rejects(model.fit(interactionsOnly(matrix)), /needs item features/);
  await model.fit({ matrix, itemFeatures: FEATURES });
  const cosines = attributeCosines(itemAttributeVectors(FEATURES, { withText: true, numericBins: 2 }));
  const scores = model.score({ histories: csrFromCoo(1, 4, [0], [0], [1]) });
  assert.equal(scores[0], 0, 'an item does not recommend itself');
  for (const j of [1, 2, 3]) assert.ok(Math.abs(scores[j]! - cosines[j]!) < 1e-6);
  // Item 2 was never interacted with, yet it scores: it shares 'drama' with item 0.
  assert.ok(scores[2]! > 0);
});

test('attribute-map: warm columns are EASE exactly; a cold item with a warm item’s attributes gets that item’s column', async () => {
  const rng = new Rng(5);
  const nUsers = 60;
  const nItems = 12;
  const rows: number[] = [];
  const cols: number[] = [];
  // Item 11 is cold: no interactions.
  for (let u = 0; u < nUsers; u++) for (let i = 0; i < nItems - 1; i++) if (rng.nextFloat() < 0.3) (rows.push(u), cols.push(i));
  const matrix = csrFromCoo(nUsers, nItems, rows, cols, rows.map(() => 1));
  // Distinct attributes per warm item (one word each); the cold item has item 4's word.
  const words = [...Array.from({ length: nItems - 1 }, (_, i) => i), 4];
  const features: FeatureTable = {
    nRows: nItems,
    fields: [{ kind: 'text', name: 'title', vocabulary: words.slice(0, nItems - 1).map((w) => `w${w}`), indptr: Int32Array.from({ length: nItems + 1 }, (_, i) => i), tokens: Int32Array.from(words) }],
  };
  const mapped = getModelFactory('attribute-map').create({ lambda: 5, ridge: 1e-6 });
  await mapped.fit({ matrix, itemFeatures: features });
  const ease = getModelFactory('ease').create({ lambda: 5 });
  await ease.fit(interactionsOnly(matrix));
  const history = csrFromCoo(1, nItems, [0, 0, 0], [1, 2, 7], [1, 1, 1]);
  const a = mapped.score({ histories: history });
  const b = ease.score({ histories: history });
  for (let j = 0; j < nItems - 1; j++) assert.equal(a[j], b[j], `warm item ${j} scores as in EASE`);
  assert.equal(b[nItems - 1], 0, 'EASE gives a cold item nothing');
  assert.ok(Math.abs(a[nItems - 1]! - b[4]!) < 1e-4, `cold item scores like item 4: ${a[nItems - 1]} vs ${b[4]}`);
});

test('a query table with its own vocabulary encodes by value as the training table did', () => {
  const training: FeatureTable = {
    nRows: 3,
    fields: [
      { kind: 'categorical', name: 'gender', vocabulary: ['f', 'm'], indptr: Int32Array.of(0, 1, 2, 3), codes: Int32Array.of(0, 1, 1) },
      { kind: 'text', name: 'bio', vocabulary: ['likes', 'films', 'books'], indptr: Int32Array.of(0, 2, 4, 5), tokens: Int32Array.of(0, 1, 0, 2, 2) },
    ],
  };
  const encoding = fitAttributeEncoding(training, { withText: true, numericBins: 2 });
  const whole = encodeAttributes(training, encoding);
  // User 1 alone, as serving sees a new user: its own first-appearance vocabularies, plus an unseen word.
  const alone: FeatureTable = {
    nRows: 1,
    fields: [
      { kind: 'categorical', name: 'gender', vocabulary: ['m'], indptr: Int32Array.of(0, 1), codes: Int32Array.of(0) },
      { kind: 'text', name: 'bio', vocabulary: ['likes', 'books', 'poems'], indptr: Int32Array.of(0, 3), tokens: Int32Array.of(0, 1, 2) },
    ],
  };
  const single = encodeAttributes(alone, encoding);
  assert.deepEqual(Array.from(single.rowIndices(0)), Array.from(whole.rowIndices(1)));
  assert.deepEqual(Array.from(single.rowValues(0)), Array.from(whole.rowValues(1)));
  assert.deepEqual(JSON.parse(JSON.stringify(encoding)), encoding, 'the encoding survives JSON (a manifest)');
});
