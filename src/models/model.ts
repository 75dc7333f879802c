import type { EvalSet } from '../data/split-types.js';
import type { ScoreQuery, TrainingData } from '../data/training-data.js';
import type { FeatureTable } from '../data/features.js';
import type { Tensor } from '../io/safetensors.js';
import type { FitProgress } from '../train/trainable.js';
import type { ModelSettings } from './settings.js';
export type { FitProgress };
export type { ScoreQuery, TrainingData };
export interface FitContext {
  /** Held-out users or ratings for model selection and early stopping (iterative models). */
  readonly validation?: EvalSet;
  readonly seed?: number;
  readonly onProgress?: (progress: FitProgress) => void;
  /** Cancels training; the model is left unfitted or at its last good state, never half-written. */
  readonly signal?: AbortSignal;
  /**
   * Iterative models write a checkpoint here after every epoch (atomically) and, with
   * `resume`, continue from it when it exists; closed-form models ignore it.
   */
  readonly checkpoint?: { readonly path: string; readonly resume: boolean };
}

/** What a model saves: hyper-parameters go to the manifest, tensors to safetensors, `extra` to the manifest. */
export interface ModelState {
  readonly tensors: Record<string, Tensor>;
  readonly extra?: Record<string, unknown>;
}

/**
 * The one interface every recommender implements, baselines, autoencoders, sequence
 * and hybrid models alike.
 *
 * `fit` receives TrainingData: the interaction matrix and, when the data has them,
 * ordered sequences and item/user features (the factory declares which it uses).
 * `score` receives a ScoreQuery: any batch of users — trained on or not (a held-out
 * user, an anonymous session) — each with their history as a row (and in order when
 * known), their features when known, and their training-user index when they were in
 * training. It returns row-major rows × nItems scores.
 */
export interface Recommender {
  /** Registry name, e.g. 'ease'. */
  readonly name: string;
  readonly hyperParameters: Readonly<Record<string, unknown>>;
  /** Catalogue size the model scores; 0 before fit. */
  readonly nItems: number;
  /** True when the model predicts explicit ratings (scores are on the rating scale). */
  readonly predictsRatings: boolean;

  fit(train: TrainingData, context?: FitContext): Promise<void>;

  score(query: ScoreQuery): Float32Array;

  /**
   * True when score() reads each query row's userFeatures, so that a user known only by their
   * attributes (no history) gets recommendations of their own (the hybrid DAE trained with user
   * attributes); absent or false otherwise.
   */
  readonly readsUserFeatures?: boolean;
  /**
   * Optional, for models whose score is a sum over the history (EASE, EDLAE: x·B; item-kNN: the
   * neighbours' similarities): each history item's exact share of the scores of `targets`
   * for query row `row`, such that score(row, t) = Σ_h weights[h][t] up to float rounding.
   * Models without it are explained by leave-one-out (src/explain), which is exact for any
   * model but scores one extra row per history item (all in one batch).
   */
  scoreContributions?(query: ScoreQuery, row: number, targets: ArrayLike<number>): HistoryContributions;
  /**
   * Optional, for models that encode items from their attributes (the hybrid DAE): scores of
   * items outside the catalogue — created after the model was fitted — from `items`' features
   * alone, on the scale of score(), so that they can be ranked among the catalogue's items:
   * query rows × items.nRows, row-major. Fields are matched to the training items' by name;
   * values the model never saw add nothing. Undefined when this fitted model cannot (one saved
   * before it kept its attribute encoding).
   */
  scoreNewItems?(query: ScoreQuery, items: FeatureTable): Float32Array | undefined;

  exportState(): ModelState;
}

/** The exact additive shares of a row's history items in some target items' scores. */
export interface HistoryContributions {
  /** The row's history items (model columns), in the row's (column) order. */
  readonly items: Int32Array;
  /** items.length × targets.length, row-major: weights[h · targets + j] is item h's share of target j's score. */
  readonly weights: Float32Array;
}

/** The parts of TrainingData (and of a ScoreQuery) a model can use. */
export type ModelInput = 'interactions' | 'sequences' | 'itemFeatures' | 'userFeatures';

/** Creates models of one kind, fresh or from a saved state, and says what they need — without creating one. */
export interface ModelFactory {
  readonly name: string;
  readonly description: string;
  /** The typed settings: names, types, defaults, ranges, meanings. */
  readonly settings: ModelSettings;
  /** What fit and score need: a model given training data without one of these fails naming it. */
  readonly inputs: readonly ModelInput[];
  /** True when the model predicts explicit ratings rather than ranking scores. */
  readonly predictsRatings: boolean;
  create(hyperParameters: Record<string, unknown>): Recommender;
  restore(hyperParameters: Record<string, unknown>, state: ModelState, nItems: number): Recommender;
}
