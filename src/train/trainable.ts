/**
 * The contract between iterative models (AutoRec, Mult-DAE, Mult-VAE, RecVAE,
 * CDAE) and the shared training loop (src/train/loop.ts). The model owns its
 * forward/backward passes and optimiser; the loop owns epochs, validation,
 * early stopping, checkpoints, progress and cancellation.
 */
import type { Rng } from '../data/random.js';
import type { Tensor } from '../io/safetensors.js';

export interface EpochResult {
  /** Mean training loss over the epoch's examples (the model's own objective). */
  readonly loss: number;
  /** Optional extra numbers to report (e.g. KL term, β). */
  readonly values?: Readonly<Record<string, number>>;
}

/** Everything needed to resume training exactly: weights, optimiser moments, step counters. */
export interface TrainingState {
  readonly tensors: Record<string, Tensor>;
  /** JSON-able scalars: optimiser step, annealing counters, ... */
  readonly scalars: Record<string, number>;
}

/**
 * Called by a model after each mini-batch. The training loop's returns a promise
 * when it lets the event loop run (at most every 50 ms of work), so that a timer
 * or a Ctrl-C handler can abort mid-epoch; models await it.
 */
export type BatchCallback = (done: number, total: number) => void | Promise<void>;

export interface TrainableModel {
  /**
   * One pass over the training data in mini-batches. `rng` is the epoch's own
   * stream (shuffling, dropout seeds), so a resumed run draws the same numbers.
   * Implementations check `signal` between mini-batches and throw its reason
   * when aborted, leaving the weights as they were after the last whole batch,
   * and await `onBatch` after each batch (a synchronous model may ignore the
   * promise, at the cost of seeing aborts only between epochs).
   */
  trainEpoch(epoch: number, rng: Rng, signal?: AbortSignal, onBatch?: BatchCallback): EpochResult | Promise<EpochResult>;
  /** Snapshot for checkpoints and for keeping the best epoch's weights. Copies, never views. */
  trainingState(): TrainingState;
  /** Restores a snapshot taken by trainingState() of a model with the same hyper-parameters. */
  restoreTrainingState(state: TrainingState): void;
}

export interface ValidationResult {
  /** The model-selection score; higher is better unless the loop is told otherwise. */
  readonly score: number;
  /** Other metrics to report. */
  readonly values?: Readonly<Record<string, number>>;
}

export interface EpochRecord {
  readonly epoch: number;
  /** The model's mean training loss over the epoch. */
  readonly loss: number;
  /** Wall time of the training pass (validation not included). */
  readonly seconds: number;
  readonly validation?: ValidationResult;
  readonly values?: Readonly<Record<string, number>>;
}

/** Progress reported during a fit, for progress bars and logs. */
export interface FitProgress {
  readonly phase: string;
  readonly done: number;
  readonly total: number;
  /** Free-form numbers to show (loss, validation metric, seconds per epoch). */
  readonly values?: Readonly<Record<string, number>>;
}
