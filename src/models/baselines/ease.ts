/**
 * EASE, the embarrassingly shallow autoencoder (Steck, "Embarrassingly
 * Shallow Autoencoders for Sparse Data", WWW 2019). An item × item weight
 * matrix B with zero diagonal, fitted in closed form (paper, eq. 8):
 *   P = (XᵀX + λI)⁻¹,   B_ij = −P_ij / P_jj  (i ≠ j),   B_jj = 0,
 * and scores = x · B for any row x — training users and unseen ones alike.
 *
 * Cost: a dense nItems² float64 Gram matrix, its inverse (n³/2
 * multiply-adds: LAPACK on the native engine, src/linalg/spd-inverse.ts on the
 * reference), and B kept as float32. On ML-1M (3,706 items, 1M interactions)
 * the reference fit takes about 15 s on one core (1 s Gram matrix, 14 s
 * inverse), with 165 MB of matrices; see BENCHMARKS.md for the native figure. Time grows as
 * nItems³ and memory as 12 · nItems² bytes: this suits catalogues up to some
 * ten thousand items; beyond that use itemknn.
 */
import type { CsrMatrix } from '../../data/csr.js';
import { ItemItemRecommender, regularisedGramInverse, zeroDiagonalWeights } from '../closed-form.js';
import type { FitContext, ModelFactory } from '../model.js';
import { defineSettings } from '../settings.js';

const NAME = 'ease';
/** RecBole's default; its tuned value for ML-1M is 1000 (REFERENCE.md §3). */
const SETTINGS = defineSettings(NAME, [
  { name: 'lambda', type: 'number', default: 250, min: 0, scale: 'log', description: 'L2 weight λ added to the diagonal of XᵀX (RecBole default 250; 1000 tuned on ML-1M)', search: { min: 1, max: 10_000 } },
]);

export class EaseRecommender extends ItemItemRecommender {
  constructor(hyperParameters: Record<string, unknown> = {}) {
    super(NAME, SETTINGS, hyperParameters);
  }

  protected async fitWeights(train: CsrMatrix, context: FitContext | undefined): Promise<Float32Array> {
    const lambda = this.hyperParameters['lambda'] as number;
    const inverse = await regularisedGramInverse(NAME, train, () => lambda, context, (pivot) =>
      `EASE: XᵀX + λI is not positive definite (λ = ${lambda}, failed at item ${pivot}); ` +
      `with λ = 0 every item needs interactions and the item columns must be linearly independent: use λ > 0`,
    );
    return zeroDiagonalWeights(inverse, train.nCols);
  }
}

export const easeFactory: ModelFactory = {
  name: NAME,
  description: 'EASE (Steck 2019): closed-form item × item linear autoencoder with zero diagonal; hyper-parameter lambda (L2).',
  settings: SETTINGS,
  inputs: ['interactions'],
  predictsRatings: false,
  create: (hyperParameters) => new EaseRecommender(hyperParameters),
  restore: (hyperParameters, state, nItems) => new EaseRecommender(hyperParameters).withSavedWeights(state, nItems),
};
