import type { CsrMatrix } from '../data/csr.js';
import type { EvalSet } from '../data/split-types.js';
import type { Tensor } from '../io/safetensors.js';

import type { FitProgress } from '../train/trainable.js';
export type { FitProgress };

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
 * The one interface every recommender implements, baselines and autoencoders alike.
 *
 * Rows of an input matrix are users as seen by the model: a user's interactions
 * over the item catalogue. A row may belong to a user the model was trained on
 * or to anyone else (a held-out user, an anonymous session): models that encode
 * the row itself (EASE, item-kNN, autoencoders) need nothing else.
 */
export interface Recommender {
  /** Registry name, e.g. 'ease'. */
  readonly name: string;
  readonly hyperParameters: Readonly<Record<string, unknown>>;
  /** Catalogue size the model scores; 0 before fit. */
  readonly nItems: number;
  /** True when the model predicts explicit ratings (scores are on the rating scale). */
  readonly predictsRatings: boolean;

  fit(train: CsrMatrix, context?: FitContext): Promise<void>;

  /**
   * Scores of every item for each input row, row-major rows × nItems.
   * `users` optionally gives each row's training user index (-1 for unknown),
   * for models with per-user parameters; others ignore it.
   */
  scoreRows(input: CsrMatrix, users?: Int32Array): Float32Array;

  exportState(): ModelState;
}

/** Creates models of one kind, fresh or from a saved state. */
export interface ModelFactory {
  readonly name: string;
  readonly description: string;
  /** Defaults merged under user-given hyper-parameters. */
  readonly defaults: Readonly<Record<string, unknown>>;
  create(hyperParameters: Record<string, unknown>): Recommender;
  restore(hyperParameters: Record<string, unknown>, state: ModelState, nItems: number): Recommender;
}
