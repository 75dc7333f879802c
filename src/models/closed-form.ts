/**
 * The closed form the linear autoencoders share (EASE, EDLAE/DLAE): the Gram matrix
 * G = XᵀX of the training interactions, a per-item regulariser added to its diagonal,
 * and P = (G + Λ)⁻¹ — LAPACK on the native engine, the blocked Cholesky of
 * src/engine/linalg on the reference — with progress, cancellation and a clear error
 * when G + Λ is not positive definite.
 */
import type { CsrMatrix } from '../data/csr.js';
import { getBackend } from '../engine/index.js';
import { NotPositiveDefiniteError } from '../engine/linalg/cholesky.js';
import { allocateDenseSquare, gramSteps } from '../engine/linalg/gram.js';
import { spdInverseSteps } from '../engine/linalg/spd-inverse.js';
import type { FitContext, HistoryContributions, ModelInput, ModelState, Recommender, ScoreQuery, TrainingData } from './model.js';
import type { ModelSettings } from './settings.js';
import { allocateScores, checkContributionArguments, checkQuery, driveSteps, requireFitted, requireInputs, requireTensor } from './model-support.js';

/**
 * P = (XᵀX + Λ)⁻¹ as a dense row-major float64 nItems² matrix, Λ = diag(regulariser(i, G_ii)).
 * `notPositiveDefinite(item)` words the error for the model when the inverse fails.
 */
export async function regularisedGramInverse(
  modelName: string,
  train: CsrMatrix,
  regulariser: (item: number, gramDiagonal: number) => number,
  context: FitContext | undefined,
  notPositiveDefinite: (pivotIndex: number) => string,
): Promise<Float64Array> {
  const n = train.nCols;
  const gram = allocateDenseSquare(n, `${modelName} on ${n} items`);
  await driveSteps(gramSteps(train, gram), context);
  for (let i = 0; i < n; i++) gram[i * n + i] += regulariser(i, gram[i * n + i]!);
  await invertSpdInPlace(gram, n, context, notPositiveDefinite);
  return gram;
}

/**
 * Replaces the dense row-major float64 SPD matrix `matrix` (n × n) by its inverse, with
 * progress and cancellation; `notPositiveDefinite(item)` words the error when it is not SPD.
 */
export async function invertSpdInPlace(
  matrix: Float64Array,
  n: number,
  context: FitContext | undefined,
  notPositiveDefinite: (pivotIndex: number) => string,
): Promise<void> {
  const gram = matrix;
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
    throw new Error(notPositiveDefinite(e.pivotIndex), { cause: e });
  }
}

/**
 * The zero-diagonal solution of EASE (Steck 2019, eq. 8) and full-rank EDLAE (Steck 2020):
 * B = I − P·diagMat(1 ⊘ diag(P)), i.e. B_ij = −P_ij / P_jj for i ≠ j and B_jj = 0, as float32.
 */
export function zeroDiagonalWeights(inverse: Float64Array, n: number): Float32Array {
  const negatedReciprocalDiagonal = new Float64Array(n);
  for (let j = 0; j < n; j++) negatedReciprocalDiagonal[j] = -1 / inverse[j * n + j]!;
  const weights = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) weights[row + j] = inverse[row + j]! * negatedReciprocalDiagonal[j]!;
    weights[row + i] = 0;
  }
  return weights;
}

const INPUTS: readonly ModelInput[] = ['interactions'];

/**
 * A linear item × item autoencoder (EASE, EDLAE, DLAE): scores = x · B for any row, B saved
 * as the tensor 'B'. A model supplies how its B is fitted.
 */
export abstract class ItemItemRecommender implements Recommender {
  readonly predictsRatings = false;
  readonly hyperParameters: Readonly<Record<string, unknown>>;
  private itemCount = 0;
  /** B, row-major nItems × nItems: row i holds what item i adds to every item's score. */
  private weights: Float32Array = new Float32Array(0);

  constructor(
    readonly name: string,
    settings: ModelSettings,
    hyperParameters: Record<string, unknown>,
    /** What fit needs beyond the interactions (a content model: the item features). */
    private readonly inputs: readonly ModelInput[] = INPUTS,
  ) {
    this.hyperParameters = settings.resolve(hyperParameters);
  }

  get nItems(): number {
    return this.itemCount;
  }

  /** B for the training matrix (and, for a content model, the rest of the training data); nItems² float32. */
  protected abstract fitWeights(train: CsrMatrix, context: FitContext | undefined, data: TrainingData): Promise<Float32Array>;

  async fit(data: TrainingData, context?: FitContext): Promise<void> {
    requireInputs(this.name, this.inputs, data);
    const weights = await this.fitWeights(data.matrix, context, data);
    context?.onProgress?.({ phase: 'weights', done: data.matrix.nCols, total: data.matrix.nCols });
    // Assigned only now, so a cancelled or failed fit leaves the previous state intact.
    this.weights = weights;
    this.itemCount = data.matrix.nCols;
  }

  /** x · B for each input row: the rows of B of the row's items, weighted by their values. */
  score(query: ScoreQuery): Float32Array {
    checkQuery(this.name, this.itemCount, INPUTS, query);
    const input = query.histories;
    const scores = allocateScores(input.nRows, this.itemCount);
    getBackend().csrMatmul(1, input, this.weights, this.itemCount, 0, scores);
    return scores;
  }

  /** score(t) = Σ_h x_h · B[h, t]: history item h's share is its value times its row of B at t. */
  scoreContributions(query: ScoreQuery, row: number, targets: ArrayLike<number>): HistoryContributions {
    checkContributionArguments(this.name, this.itemCount, query, row, targets);
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
    requireFitted(this.name, this.itemCount);
    return { tensors: { B: { shape: [this.itemCount, this.itemCount], data: this.weights } } };
  }

  /** Installs saved weights (the factories' `restore`); returns the model. */
  withSavedWeights(state: ModelState, nItems: number): this {
    this.weights = requireTensor(`saved '${this.name}' model`, state.tensors, 'B', Float32Array, [nItems, nItems]);
    this.itemCount = nItems;
    return this;
  }
}
