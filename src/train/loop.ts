/**
 * The training loop shared by the iterative models: epochs over the model's
 * own mini-batches, a validation score after each epoch, early stopping with
 * patience, the best epoch's weights kept in memory and restored at the end,
 * an atomic checkpoint after every epoch that a later run resumes from, one
 * progress report per batch and per epoch, and cancellation.
 *
 * Epochs are numbered from 1. Epoch e trains with `new Rng(seed).fork(e)`, a
 * stream that depends on nothing but (seed, e), so a run resumed from the
 * checkpoint of epoch e draws exactly what the uninterrupted run drew and ends
 * with bit-identical weights (given the same backend).
 *
 * Cancellation: the loop yields to the event loop before every epoch and, through
 * the onBatch callback it gives the model, after any mini-batch that ends 50 ms or
 * more after the last yield; it checks the signal there and after every batch. So
 * an abort fired by a timer or a Ctrl-C handler is seen within about 50 ms plus one
 * batch (at the next epoch boundary for a model that does not await onBatch); one
 * fired from a progress callback is seen at the next batch. Either way the model
 * is returned to its state at the end of the last complete epoch, the checkpoint
 * on disk is that epoch's (writes are atomic), and the promise rejects with the
 * signal's reason.
 */
import { Rng } from '../data/random.js';
import { describeStateDifferences, modelSignature, readCheckpoint, writeCheckpoint, type Checkpoint } from './checkpoint.js';
import type { EpochRecord, EpochResult, FitProgress, TrainableModel, TrainingState, ValidationResult } from './trainable.js';
export type { EpochRecord } from './trainable.js';

export interface TrainLoopOptions {
  readonly maxEpochs: number;
  /** Epochs without a validation improvement before stopping; undefined: never stop early. */
  readonly patience?: number;
  /** Called after each epoch; its score selects the best epoch. */
  readonly validate?: (epoch: number) => ValidationResult;
  /** Default true (NDCG); false for RMSE. */
  readonly higherIsBetter?: boolean;
  readonly seed: number;
  /** Written atomically after every epoch (weights, optimiser state, epoch, RNG position, best so far, history). */
  readonly checkpointPath?: string;
  /** Continue from checkpointPath when it exists (a clear error if it belongs to another model/shape). */
  readonly resume?: boolean;
  readonly onProgress?: (progress: FitProgress) => void;
  readonly signal?: AbortSignal;
  /** Restore the best epoch's weights at the end (default true when validate is given). */
  readonly restoreBest?: boolean;
  /**
   * Keep a copy of the model's state after every epoch, so that a failed or aborted epoch leaves
   * the model as the last complete epoch left it (default true). A caller that discards the model
   * when training fails (the recommenders install a network only after a finished fit) passes
   * false: a full copy of weights and optimiser moments per epoch is then taken only when the
   * epoch is the best so far (and kept) or a checkpoint is written.
   */
  readonly restoreOnFailure?: boolean;
  /**
   * Identifies the model a checkpoint belongs to (e.g. its name and hyper-parameters as JSON);
   * a checkpoint with another signature is refused on resume. Default: derived from the
   * TrainingState's tensor names, types and shapes and its scalar names.
   */
  readonly modelSignature?: string;
}

export interface TrainReport {
  /** Every epoch trained, including those of the run a resume continued. */
  readonly epochs: readonly EpochRecord[];
  /** The epoch with the best validation score (the last epoch without validation; 0 when none qualifies). */
  readonly bestEpoch: number;
  readonly bestScore: number | null;
  /** True when patience ran out before maxEpochs. */
  readonly stoppedEarly: boolean;
  /** The checkpoint's epoch this run continued from, or null for a fresh run. */
  readonly resumedFromEpoch: number | null;
  /** Wall time of this call. */
  readonly seconds: number;
}

/** Mutable bookkeeping of the best epoch so far. */
interface BestSoFar {
  epoch: number;
  score: number | null;
  /** Kept only when it may be restored or checkpointed. */
  state: TrainingState | undefined;
}

function checkOptions(options: TrainLoopOptions): void {
  const { maxEpochs, patience, seed } = options;
  if (!Number.isInteger(maxEpochs) || maxEpochs < 0) throw new RangeError(`maxEpochs must be a non-negative integer, got ${maxEpochs}`);
  if (patience !== undefined && (!Number.isInteger(patience) || patience < 1)) {
    throw new RangeError(`patience must be a positive integer (epochs without improvement before stopping), got ${patience}`);
  }
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  if (options.resume && options.checkpointPath === undefined) throw new RangeError('resume needs a checkpointPath to resume from');
}

function improves(score: number, best: number | null, higherIsBetter: boolean): boolean {
  if (Number.isNaN(score)) return false;
  if (best === null) return true;
  return higherIsBetter ? score > best : score < best;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Longest stretch of an epoch's work between two event-loop turns. */
const MAX_BUSY_MS = 50;

/** Refuses a checkpoint written for another model, seed or score direction, saying what differs. */
function checkResumable(path: string, checkpoint: Checkpoint, signature: string, initial: TrainingState, options: TrainLoopOptions, higherIsBetter: boolean): void {
  const differences = describeStateDifferences(checkpoint.state, initial);
  if (checkpoint.signature !== signature || differences.length > 0) {
    const detail = differences.length > 0 ? differences.join('; ') : `its model signature is '${checkpoint.signature}', this model's is '${signature}'`;
    throw new Error(`checkpoint ${path} belongs to another model or shape and cannot be resumed: ${detail}`);
  }
  if (checkpoint.seed !== options.seed) {
    throw new Error(`checkpoint ${path} was written by a run with seed ${checkpoint.seed}; resume it with that seed (got ${options.seed}) or start afresh without resume`);
  }
  if (checkpoint.higherIsBetter !== higherIsBetter) {
    throw new Error(`checkpoint ${path} ranked validation scores with higherIsBetter=${checkpoint.higherIsBetter}, this run with ${higherIsBetter}`);
  }
}

/**
 * Trains `model` for up to maxEpochs epochs (see the module comment), leaving
 * it at the best validated epoch when restoreBest applies, else at the last.
 */
export async function trainIteratively(model: TrainableModel, options: TrainLoopOptions): Promise<TrainReport> {
  const started = performance.now();
  checkOptions(options);
  const { signal, validate, onProgress, checkpointPath, patience, maxEpochs } = options;
  signal?.throwIfAborted();
  const higherIsBetter = options.higherIsBetter ?? true;
  const restoreBest = options.restoreBest ?? validate !== undefined;
  const keepBestState = validate !== undefined && (restoreBest || checkpointPath !== undefined);

  const restoreOnFailure = options.restoreOnFailure ?? true;
  const initial = model.trainingState();
  const signature = options.modelSignature ?? modelSignature(initial);
  // The model's state at the end of the last complete epoch: what an abort returns to.
  let lastComplete: TrainingState | undefined = restoreOnFailure ? initial : undefined;
  const epochs: EpochRecord[] = [];
  const best: BestSoFar = { epoch: 0, score: null, state: undefined };
  let resumedFromEpoch: number | null = null;

  if (options.resume) {
    const checkpoint = await readCheckpoint(checkpointPath!);
    if (checkpoint !== undefined) {
      checkResumable(checkpointPath!, checkpoint, signature, initial, options, higherIsBetter);
      model.restoreTrainingState(checkpoint.state);
      // Take fresh copies: the model may have adopted the checkpoint's arrays.
      const resumed = model.trainingState();
      if (restoreOnFailure) lastComplete = resumed;
      epochs.push(...checkpoint.history);
      best.epoch = checkpoint.bestEpoch;
      best.score = checkpoint.bestScore;
      best.state = checkpoint.bestState === checkpoint.state ? resumed : checkpoint.bestState;
      if (keepBestState && best.score !== null && best.state === undefined) {
        throw new Error(`checkpoint ${checkpointPath} lacks the weights of its best epoch ${best.epoch}, so they cannot be restored; resume with restoreBest: false`);
      }
      resumedFromEpoch = checkpoint.epoch;
    }
  }

  const epochsRng = new Rng(options.seed);
  let epoch = resumedFromEpoch ?? 0;
  let stoppedEarly = false;
  while (epoch < maxEpochs) {
    if (validate !== undefined && patience !== undefined && epoch - best.epoch >= patience) {
      stoppedEarly = true;
      break;
    }
    await yieldToEventLoop();
    signal?.throwIfAborted();
    epoch += 1;

    const phase = `train epoch ${epoch}`;
    let busySince = performance.now();
    const onBatch = (done: number, total: number): Promise<void> | undefined => {
      onProgress?.({ phase, done, total });
      signal?.throwIfAborted();
      if (performance.now() - busySince < MAX_BUSY_MS) return undefined;
      const turned = yieldToEventLoop().then(() => {
        busySince = performance.now();
        signal?.throwIfAborted();
      });
      // A synchronous model ignores the promise: its rejection must not go unhandled (the loop sees the abort after the epoch).
      turned.catch(() => undefined);
      return turned;
    };
    let result: EpochResult;
    let seconds: number;
    let validation: ValidationResult | undefined;
    try {
      const epochStarted = performance.now();
      result = await model.trainEpoch(epoch, epochsRng.fork(epoch), signal, onBatch);
      seconds = (performance.now() - epochStarted) / 1000;
      validation = validate?.(epoch);
    } catch (error) {
      if (lastComplete !== undefined) model.restoreTrainingState(lastComplete);
      throw signal?.aborted ? signal.reason : error;
    }

    const improved = validation !== undefined && improves(validation.score, best.score, higherIsBetter);
    // A copy of weights and moments is taken only when something keeps it.
    const state = restoreOnFailure || checkpointPath !== undefined || (improved && keepBestState) ? model.trainingState() : undefined;
    if (improved) {
      best.epoch = epoch;
      best.score = validation!.score;
      best.state = keepBestState ? state : undefined;
    }
    const record: EpochRecord = {
      epoch,
      loss: result.loss,
      seconds,
      ...(validation !== undefined ? { validation } : {}),
      ...(result.values !== undefined ? { values: result.values } : {}),
    };
    epochs.push(record);
    if (restoreOnFailure) lastComplete = state;

    if (checkpointPath !== undefined && state !== undefined) {
      await writeCheckpoint(checkpointPath, {
        epoch,
        seed: options.seed,
        signature,
        higherIsBetter,
        state,
        bestEpoch: best.epoch,
        bestScore: best.score,
        bestState: best.state,
        history: epochs,
      });
    }
    onProgress?.({
      phase: 'epoch',
      done: epoch,
      total: maxEpochs,
      values: {
        ...result.values,
        ...validation?.values,
        loss: result.loss,
        ...(validation !== undefined ? { validation: validation.score, bestEpoch: best.epoch } : {}),
        ...(resumedFromEpoch !== null ? { resumedFromEpoch } : {}),
        seconds,
      },
    });
  }

  if (restoreBest && best.state !== undefined && best.epoch !== epoch) model.restoreTrainingState(best.state);
  return {
    epochs,
    bestEpoch: validate === undefined ? epoch : best.epoch,
    bestScore: best.score,
    stoppedEarly,
    resumedFromEpoch,
    seconds: (performance.now() - started) / 1000,
  };
}
