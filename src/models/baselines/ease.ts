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
import { regularisedGramInverse, zeroDiagonalWeights } from '../closed-form.js';
import { getBackend } from '../../engine/index.js';
import type { FitContext, ModelFactory, ModelInput, ModelState, Recommender, ScoreQuery, TrainingData } from '../model.js';
import { allocateScores, checkQuery, driveSteps, requireFitted, requireInputs, requireTensor } from '../model-support.js';
import { defineSettings } from '../settings.js';

const NAME = 'ease';
/** RecBole's default; its tuned value for ML-1M is 1000 (REFERENCE.md §3). */
const SETTINGS = defineSettings(NAME, [
  { name: 'lambda', type: 'number', default: 250, min: 0, scale: 'log', description: 'L2 weight λ added to the diagonal of XᵀX (RecBole default 250; 1000 tuned on ML-1M)', search: { min: 1, max: 10_000 } },
]);
const INPUTS: readonly ModelInput[] = ['interactions'];

export class EaseRecommender implements Recommender {
  readonly name = NAME;
  readonly predictsRatings = false;
  readonly hyperParameters: Readonly<Record<string, unknown>>;
  private readonly lambda: number;
  private itemCount = 0;
  /** B, row-major nItems × nItems: row i holds what item i adds to every item's score. */
  private weights: Float32Array = new Float32Array(0);

  constructor(hyperParameters: Record<string, unknown> = {}) {
    this.hyperParameters = SETTINGS.resolve(hyperParameters);
    this.lambda = this.hyperParameters['lambda'] as number;
  }

  get nItems(): number {
    return this.itemCount;
  }

  async fit(data: TrainingData, context?: FitContext): Promise<void> {
    requireInputs(NAME, INPUTS, data);
    const n = data.matrix.nCols;
    const lambda = this.lambda;
    const inverse = await regularisedGramInverse(NAME, data.matrix, () => lambda, context, (pivot) =>
      `EASE: XᵀX + λI is not positive definite (λ = ${lambda}, failed at item ${pivot}); ` +
      `with λ = 0 every item needs interactions and the item columns must be linearly independent: use λ > 0`,
    );
    const weights = zeroDiagonalWeights(inverse, n);
    context?.onProgress?.({ phase: 'weights', done: n, total: n });
    // Assigned only now, so a cancelled or failed fit leaves the previous state intact.
    this.weights = weights;
    this.itemCount = n;
  }

  /** x · B for each input row: the rows of B of the row's items, weighted by their values. */
  score(query: ScoreQuery): Float32Array {
    checkQuery(NAME, this.itemCount, INPUTS, query);
    const input = query.histories;
    const scores = allocateScores(input.nRows, this.itemCount);
    getBackend().csrMatmul(1, input, this.weights, this.itemCount, 0, scores);
    return scores;
  }

  exportState(): ModelState {
    requireFitted(NAME, this.itemCount);
    return { tensors: { B: { shape: [this.itemCount, this.itemCount], data: this.weights } } };
  }

  /** Used by the factory to rebuild a saved model. */
  static fromState(hyperParameters: Record<string, unknown>, state: ModelState, nItems: number): EaseRecommender {
    const model = new EaseRecommender(hyperParameters);
    model.weights = requireTensor(`saved '${NAME}' model`, state.tensors, 'B', Float32Array, [nItems, nItems]);
    model.itemCount = nItems;
    return model;
  }
}

export const easeFactory: ModelFactory = {
  name: NAME,
  description: 'EASE (Steck 2019): closed-form item × item linear autoencoder with zero diagonal; hyper-parameter lambda (L2).',
  settings: SETTINGS,
  inputs: INPUTS,
  predictsRatings: false,
  create: (hyperParameters) => new EaseRecommender(hyperParameters),
  restore: (hyperParameters, state, nItems) => EaseRecommender.fromState(hyperParameters, state, nItems),
};
