/**
 * The strong simple hybrid of REFERENCE.md 6c: a linear map from item
 * attributes to a collaborative model's item vectors (ridge regression, as in
 * Sedhain et al., "Low-rank linear cold-start recommendation from social
 * data", AAAI 2017), here onto EASE (Steck 2019).
 *
 * EASE scores x · B, so item j's collaborative vector is its column b_j = B[:, j]
 * (what each history item adds to j's score). A cold item — no training
 * interactions — has b_j = 0. Its column is predicted from its attributes by
 * ridge regression fitted on the warm items W: with attribute vectors V
 * (attribute-vectors.ts) the regression min_M ‖V_W M − B[:, W]ᵀ‖² + μ‖M‖² has, in
 * its dual (kernel) form with the cosine kernel S = V Vᵀ,
 *   b̂_c = B[:, W] · (S_WW + μI)⁻¹ · S_Wc,
 * which needs only item × item quantities however many attribute words there
 * are. Warm columns stay EASE's, so warm accuracy is EASE's exactly.
 */
import type { CsrMatrix } from '../../data/csr.js';
import { getBackend } from '../../engine/index.js';
import { ItemItemRecommender, invertSpdInPlace, regularisedGramInverse, zeroDiagonalWeights } from '../closed-form.js';
import type { FitContext, ModelFactory, ModelInput, TrainingData } from '../model.js';
import { defineSettings } from '../settings.js';
import { ATTRIBUTE_VECTOR_SETTINGS } from './attribute-knn.js';
import { attributeCosines, itemAttributeVectors } from './attribute-vectors.js';

const NAME = 'attribute-map';
const INPUTS: readonly ModelInput[] = ['interactions', 'itemFeatures'];
const SETTINGS = defineSettings(NAME, [
  { name: 'lambda', type: 'number', default: 250, min: 0, scale: 'log', description: "EASE's L2 weight λ on XᵀX", search: { min: 10, max: 10_000 } },
  { name: 'ridge', type: 'number', default: 1, min: 0, exclusiveMin: true, scale: 'log', description: 'ridge weight μ of the map from attributes to EASE columns', search: { min: 0.01, max: 100 } },
  ...ATTRIBUTE_VECTOR_SETTINGS,
]);

export class AttributeMapRecommender extends ItemItemRecommender {
  constructor(hyperParameters: Record<string, unknown> = {}) {
    super(NAME, SETTINGS, hyperParameters, INPUTS);
  }

  protected async fitWeights(train: CsrMatrix, context: FitContext | undefined, data: TrainingData): Promise<Float32Array> {
    const n = train.nCols;
    const lambda = this.hyperParameters['lambda'] as number;
    const ridge = this.hyperParameters['ridge'] as number;
    const inverse = await regularisedGramInverse(NAME, train, () => lambda, context, (pivot) =>
      `attribute-map: XᵀX + λI is not positive definite (λ = ${lambda}, failed at item ${pivot}); use λ > 0`,
    );
    const weights = zeroDiagonalWeights(inverse, n);
    const counts = train.columnCounts();
    const warm = Int32Array.from({ length: n }, (_, j) => j).filter((j) => counts[j]! > 0);
    const cold = Int32Array.from({ length: n }, (_, j) => j).filter((j) => counts[j] === 0);
    if (cold.length === 0 || warm.length === 0) return weights;

    const similarities = attributeCosines(
      itemAttributeVectors(data.itemFeatures!, { withText: this.hyperParameters['text'] === 'all', numericBins: this.hyperParameters['numericBins'] as number }),
    );
    const nw = warm.length;
    const nc = cold.length;
    // (S_WW + μI)⁻¹ in float64.
    const kernel = new Float64Array(nw * nw);
    for (let a = 0; a < nw; a++) {
      const row = warm[a]! * n;
      for (let b = 0; b < nw; b++) kernel[a * nw + b] = similarities[row + warm[b]!]!;
      kernel[a * nw + a]! += ridge;
    }
    await invertSpdInPlace(kernel, nw, context, (pivot) => `attribute-map: the attribute kernel plus μI is not positive definite (μ = ${ridge}, failed at item ${pivot}); raise ridge`);
    // A = (S_WW + μI)⁻¹ S_Wc, nw × nc, then B[:, c] = B[:, W] · A.
    const kernelInverse = Float32Array.from(kernel);
    const coldSimilarities = new Float32Array(nw * nc);
    for (let a = 0; a < nw; a++) for (let c = 0; c < nc; c++) coldSimilarities[a * nc + c] = similarities[warm[a]! * n + cold[c]!]!;
    const backend = getBackend();
    const coefficients = new Float32Array(nw * nc);
    backend.gemm(false, false, nw, nc, nw, 1, kernelInverse, nw, coldSimilarities, nc, 0, coefficients, nc);
    const warmColumns = new Float32Array(n * nw);
    for (let i = 0; i < n; i++) for (let a = 0; a < nw; a++) warmColumns[i * nw + a] = weights[i * n + warm[a]!]!;
    const mapped = new Float32Array(n * nc);
    backend.gemm(false, false, n, nc, nw, 1, warmColumns, nw, coefficients, nc, 0, mapped, nc);
    for (let i = 0; i < n; i++) for (let c = 0; c < nc; c++) weights[i * n + cold[c]!] = mapped[i * nc + c]!;
    context?.onProgress?.({ phase: 'map', done: nc, total: nc });
    return weights;
  }
}

export const attributeMapFactory: ModelFactory = {
  name: NAME,
  description: 'EASE whose cold items (no training interactions) get columns mapped from their attributes by kernel ridge regression (Sedhain et al. 2017); warm items are EASE exactly.',
  settings: SETTINGS,
  inputs: INPUTS,
  predictsRatings: false,
  create: (hyperParameters) => new AttributeMapRecommender(hyperParameters),
  restore: (hyperParameters, state, nItems) => new AttributeMapRecommender(hyperParameters).withSavedWeights(state, nItems),
};
