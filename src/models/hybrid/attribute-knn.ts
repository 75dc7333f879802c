/**
 * Attribute-kNN, the content baseline every cold-start result is judged
 * against (REFERENCE.md 6c): an item is recommended for how similar its
 * attributes (genres, year, title and tag words) are to those of the items in
 * the user's history. With B_ij = cos(attributes of i, attributes of j) for
 * i ≠ j, scores = x · B: the sum of item-to-item similarities, which is also the
 * similarity of each item to the user's attribute profile Σ_h x_h v_h. With
 * `neighbours` k > 0 each target item keeps only its k most similar items.
 * No interaction enters B, so an item nobody has touched scores like any other.
 */
import type { CsrMatrix } from '../../data/csr.js';
import { ItemItemRecommender } from '../closed-form.js';
import type { FitContext, ModelFactory, ModelInput, TrainingData } from '../model.js';
import { defineSettings } from '../settings.js';
import { attributeCosines, itemAttributeVectors } from './attribute-vectors.js';

const NAME = 'attribute-knn';
const INPUTS: readonly ModelInput[] = ['interactions', 'itemFeatures'];

/** Settings of the attribute vectors, shared with the other attribute models. */
export const ATTRIBUTE_VECTOR_SETTINGS = [
  { name: 'text', type: 'choice', choices: ['all', 'none'], default: 'all', description: "text fields (titles, tags) as TF-IDF words: 'all', or 'none' to use only categorical and numeric fields" },
  { name: 'numericBins', type: 'integer', default: 10, min: 1, description: 'quantile bins of each numeric field (year, age)' },
] as const;

const SETTINGS = defineSettings(NAME, [
  ...ATTRIBUTE_VECTOR_SETTINGS,
  { name: 'neighbours', type: 'integer', default: 0, min: 0, description: 'most similar items kept per target item; 0 keeps all (profile similarity)', search: { choices: [0, 20, 100, 500] } },
]);

/**
 * Keeps, in each column of the SYMMETRIC row-major n × n matrix, its k largest entries (ties
 * to the lower row) and zeroes the rest. Symmetry makes column j's values row j's, so each
 * column's threshold is found by selection over a contiguous row, and one pass over the rows
 * applies them: O(n²), in place.
 */
export function keepTopPerColumn(weights: Float32Array, n: number, k: number): void {
  if (k <= 0 || k >= n) return;
  const thresholds = new Float32Array(n);
  const tiesAllowed = new Int32Array(n);
  const row = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    row.set(weights.subarray(j * n, (j + 1) * n));
    const threshold = kthLargest(row, k);
    let above = 0;
    for (let i = 0; i < n; i++) if (weights[j * n + i]! > threshold) above++;
    thresholds[j] = threshold;
    tiesAllowed[j] = k - above;
  }
  for (let i = 0; i < n; i++) {
    const base = i * n;
    for (let j = 0; j < n; j++) {
      const value = weights[base + j]!;
      if (value > thresholds[j]!) continue;
      if (value === thresholds[j]! && tiesAllowed[j]! > 0) {
        tiesAllowed[j]!--;
        continue;
      }
      weights[base + j] = 0;
    }
  }
}

/** The k-th largest value of `values` (1-based k), reordering it (Hoare's selection). */
function kthLargest(values: Float32Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! > pivot) i++;
      while (values[j]! < pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i] = values[j]!;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return values[target]!;
  }
  return values[target]!;
}

export class AttributeKnnRecommender extends ItemItemRecommender {
  constructor(hyperParameters: Record<string, unknown> = {}) {
    super(NAME, SETTINGS, hyperParameters, INPUTS);
  }

  protected async fitWeights(train: CsrMatrix, context: FitContext | undefined, data: TrainingData): Promise<Float32Array> {
    const n = train.nCols;
    context?.signal?.throwIfAborted();
    const vectors = itemAttributeVectors(data.itemFeatures!, {
      withText: this.hyperParameters['text'] === 'all',
      numericBins: this.hyperParameters['numericBins'] as number,
    });
    context?.onProgress?.({ phase: 'similarity', done: 0, total: n });
    const weights = attributeCosines(vectors);
    for (let i = 0; i < n; i++) weights[i * n + i] = 0;
    keepTopPerColumn(weights, n, this.hyperParameters['neighbours'] as number);
    context?.onProgress?.({ phase: 'similarity', done: n, total: n });
    return weights;
  }
}

export const attributeKnnFactory: ModelFactory = {
  name: NAME,
  description: "Attribute-kNN: items scored by the attribute cosine (genres, year bins, TF-IDF title/tag words) to the user's items; the cold-start content baseline.",
  settings: SETTINGS,
  inputs: INPUTS,
  predictsRatings: false,
  create: (hyperParameters) => new AttributeKnnRecommender(hyperParameters),
  restore: (hyperParameters, state, nItems) => new AttributeKnnRecommender(hyperParameters).withSavedWeights(state, nItems),
};
