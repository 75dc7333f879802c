/**
 * What the iteratively trained models (AutoRec, Mult-DAE, Mult-VAE, RecVAE,
 * CDAE) share around the training loop: the users to train on, the check of
 * the validation set against the training matrix, and the loop options that follow from their
 * `epochs` and `patience` settings and the fit context (best-epoch restore
 * under validation, checkpoints, progress, cancellation).
 */
import type { CsrMatrix } from '../data/csr.js';
import type { EvalSet } from '../data/split-types.js';
import type { TrainLoopOptions } from '../train/loop.js';
import type { ValidationResult } from '../train/trainable.js';
import type { FitContext } from './model.js';
import type { SettingSpec } from './settings.js';

/** The rows of `train` with at least one interaction: held-out users' empty rows must not train the model. */
export function trainingRows(train: CsrMatrix): CsrMatrix {
  const rows: number[] = [];
  for (let r = 0; r < train.nRows; r++) if (train.rowLength(r) > 0) rows.push(r);
  return rows.length === train.nRows ? train : train.selectRows(rows);
}

/** Throws when the validation set's fold-in rows do not have one column per training item. */
export function checkValidationShape(modelName: string, train: CsrMatrix, validation: EvalSet | undefined): void {
  if (validation !== undefined && validation.input.nCols !== train.nCols) {
    throw new RangeError(`${modelName}: validation set has ${validation.input.nCols} items but the training matrix has ${train.nCols}`);
  }
}

export interface IterativeFitSettings {
  /** Most epochs to train. */
  readonly epochs: number;
  /** Epochs without a better validation score before stopping; 0 never stops early. */
  readonly patience: number;
}

/**
 * Options for trainIteratively: at most settings.epochs epochs; with `validate`, early
 * stopping after settings.patience epochs without improvement (when positive) and the best
 * epoch's weights restored; the context's checkpoint, progress callback and signal. No
 * per-epoch copy for restoring after a failure: these models install their network only
 * after a finished fit, so a failed one is discarded whole.
 */
export function iterativeFitOptions(
  settings: IterativeFitSettings,
  context: FitContext | undefined,
  seed: number,
  validate: (() => ValidationResult) | undefined,
  extra: Pick<TrainLoopOptions, 'higherIsBetter' | 'modelSignature'> = {},
): TrainLoopOptions {
  return {
    maxEpochs: settings.epochs,
    ...(validate && settings.patience > 0 ? { patience: settings.patience } : {}),
    ...(validate ? { validate, restoreBest: true } : {}),
    restoreOnFailure: false,
    ...extra,
    seed,
    ...(context?.checkpoint ? { checkpointPath: context.checkpoint.path, resume: context.checkpoint.resume } : {}),
    ...(context?.onProgress ? { onProgress: context.onProgress } : {}),
    ...(context?.signal ? { signal: context.signal } : {}),
  };
}

/** The training loop's settings of a mini-batch neural model (users per batch, most epochs, patience), declared once. */
export function trainingLoopSettingSpecs(defaults: { readonly batchSize: number; readonly epochs: number; readonly patience: number }): SettingSpec[] {
  return [
    { name: 'batchSize', type: 'integer', default: defaults.batchSize, min: 1, description: 'users per mini-batch' },
    { name: 'epochs', type: 'integer', default: defaults.epochs, min: 1, description: 'most epochs to train' },
    { name: 'patience', type: 'integer', default: defaults.patience, min: 0, description: 'epochs without a better validation NDCG@100 before stopping; 0 never stops early' },
  ];
}
