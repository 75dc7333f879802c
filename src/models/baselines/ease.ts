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
import { NotPositiveDefiniteError } from '../../engine/linalg/cholesky.js';
import { allocateDenseSquare, gramSteps } from '../../engine/linalg/gram.js';
import { spdInverseSteps } from '../../engine/linalg/spd-inverse.js';
import { getBackend } from '../../engine/index.js';
import type { FitContext, HistoryContributions, ModelFactory, ModelInput, ModelState, Recommender, ScoreQuery, TrainingData } from '../model.js';
import { allocateScores, checkContributionArguments, checkQuery, driveSteps, requireFitted, requireInputs, requireTensor } from '../model-support.js';
import { defineSettings } from '../settings.js';

const NAME = 'ease';
/** RecBole's default; its tuned value for ML-1M is 1000 (REFERENCE.md §3). */
const SETTINGS = defineSettings(NAME, [
  { name: 'lambda', type: 'number', default: 250, min: 0, scale: 'log', description: 'L2 weight λ added to the diagonal of XᵀX (RecBole default 250; 1000 tuned on ML-1M)' },
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
    const train = data.matrix;
    const n = train.nCols;
    const gram = allocateDenseSquare(n, `EASE on ${n} items`);
    await driveSteps(gramSteps(train, gram), context);
    for (let i = 0; i < n; i++) gram[i * n + i] += this.lambda;
    const backend = getBackend();
    try {
      if (backend.name === 'native') {
        // One LAPACK call (dpotrf + dpotri on OpenBLAS's threads): no progress inside it, so
        // give pending timers (a timeout signal) a turn and check for cancellation first.
        await new Promise((resolve) => setTimeout(resolve, 0));
        context?.signal?.throwIfAborted();
        context?.onProgress?.({ phase: 'inverse', done: 0, total: n });
        backend.spdInverse(gram, n);
        context?.onProgress?.({ phase: 'inverse', done: n, total: n });
      } else {
        await driveSteps(spdInverseSteps(gram, n), context);
      }
    } catch (e) {
      if (!(e instanceof NotPositiveDefiniteError)) throw e;
      throw new Error(
        `EASE: XᵀX + λI is not positive definite (λ = ${this.lambda}, failed at item ${e.pivotIndex}); ` +
          `with λ = 0 every item needs interactions and the item columns must be linearly independent: use λ > 0`,
        { cause: e },
      );
    }
    const inverse = gram;
    const negatedReciprocalDiagonal = new Float64Array(n);
    for (let j = 0; j < n; j++) negatedReciprocalDiagonal[j] = -1 / inverse[j * n + j]!;
    const weights = new Float32Array(n * n);
    for (let i = 0; i < n; i++) {
      const row = i * n;
      for (let j = 0; j < n; j++) weights[row + j] = inverse[row + j]! * negatedReciprocalDiagonal[j]!;
      weights[row + i] = 0;
    }
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

  /** score(t) = Σ_h x_h · B[h, t]: history item h's share is its value times its row of B at t. */
  scoreContributions(query: ScoreQuery, row: number, targets: ArrayLike<number>): HistoryContributions {
    checkContributionArguments(NAME, this.itemCount, query, row, targets);
    const n = this.itemCount;
    const items = query.histories.rowIndices(row).slice();
    const values = query.histories.rowValues(row);
    const nTargets = targets.length;
    const weights = new Float32Array(items.length * nTargets);
    for (let h = 0; h < items.length; h++) {
      const rowOfB = items[h]! * n;
      for (let j = 0; j < nTargets; j++) weights[h * nTargets + j] = values[h]! * this.weights[rowOfB + targets[j]!]!;
    }
    return { items, weights };
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
