/**
 * Plumbing shared by the model files: running blocked computations inside an
 * async `fit` (progress, cancellation, event-loop turns), checking inputs,
 * and reading tensors back from a saved state.
 */
import { CsrMatrix } from '../data/csr.js';
import { checkScoreQuery, checkTrainingData, type ScoreQuery, type TrainingData } from '../data/training-data.js';
import type { Tensor, TensorData } from '../io/safetensors.js';
import type { BlockProgress } from '../engine/linalg/steps.js';
import type { FitContext, ModelInput } from './model.js';
import type { UserSequences } from '../data/sequences.js';

const INPUT_NAMES: Readonly<Record<ModelInput, string>> = {
  interactions: 'interactions',
  sequences: 'ordered event sequences (per-user histories in time or file order)',
  itemFeatures: 'item features (attributes such as genres, categories, titles)',
  userFeatures: 'user features (attributes such as age, gender, occupation)',
};

/** Throws, naming what is missing, unless `train` holds every input the model declares. */
export function requireInputs(modelName: string, inputs: readonly ModelInput[], train: TrainingData): void {
  checkTrainingData(train, `${modelName}: training data`);
  const present: Record<ModelInput, boolean> = {
    interactions: true,
    sequences: train.sequences !== undefined,
    itemFeatures: train.itemFeatures !== undefined && train.itemFeatures.fields.length > 0,
    userFeatures: train.userFeatures !== undefined && train.userFeatures.fields.length > 0,
  };
  const missing = inputs.filter((input) => !present[input]);
  if (missing.length > 0) {
    throw new Error(`model '${modelName}' needs ${missing.map((m) => INPUT_NAMES[m]).join(' and ')}, but the training data has none; use a dataset or store that provides them`);
  }
}

/** Throws unless the model is fitted and the query fits it: its catalogue, and the sequences a sequence model needs. */
export function checkQuery(modelName: string, nItems: number, inputs: readonly ModelInput[], query: ScoreQuery): void {
  requireFitted(modelName, nItems);
  checkScoreQuery(query, nItems, `model '${modelName}'`);
  if (inputs.includes('sequences') && query.sequences === undefined) {
    throw new Error(`model '${modelName}' scores ordered histories: the query must carry each row's event sequence`);
  }
}

/** Throws unless `row` is a row of the query and every target an item of the model (scoreContributions' arguments). */
export function checkContributionArguments(modelName: string, nItems: number, query: ScoreQuery, row: number, targets: ArrayLike<number>): void {
  checkQuery(modelName, nItems, [], query);
  if (!(Number.isInteger(row) && row >= 0 && row < query.histories.nRows)) {
    throw new RangeError(`model '${modelName}': row ${row} is outside the query's rows 0..${query.histories.nRows - 1}`);
  }
  for (let j = 0; j < targets.length; j++) {
    const t = targets[j]!;
    if (!(Number.isInteger(t) && t >= 0 && t < nItems)) throw new RangeError(`model '${modelName}': target ${j} is item ${t}, outside 0..${nItems - 1}`);
  }
}

/** Longest stretch of synchronous work between two event-loop turns. */
const MAX_BUSY_MS = 50;

/**
 * Runs a step generator for `fit` and returns what it returns: reports each
 * step through context.onProgress, checks context.signal between steps
 * (throwing its reason, an AbortError by default), and lets the event loop
 * run at least every 50 ms so that a signal fired by a timer or a Ctrl-C
 * handler is seen. On abort the generator is closed, never resumed.
 */
export async function driveSteps<Result>(steps: Generator<BlockProgress, Result, void>, context: FitContext | undefined): Promise<Result> {
  context?.signal?.throwIfAborted();
  let busySince = performance.now();
  try {
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      context?.onProgress?.({ phase: step.value.phase, done: step.value.done, total: step.value.total });
      if (performance.now() - busySince > MAX_BUSY_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        busySince = performance.now();
      }
      context?.signal?.throwIfAborted();
    }
  } finally {
    steps.return(undefined as Result);
  }
}

export function requireFitted(modelName: string, nItems: number): void {
  if (nItems === 0) throw new Error(`model '${modelName}' is not fitted: call fit() or load a saved model first`);
}


/** Allocates the rows × nItems score block, naming its size when that fails. */
export function allocateScores(rows: number, nItems: number): Float32Array {
  try {
    return new Float32Array(rows * nItems);
  } catch (e) {
    const gib = (rows * nItems * 4) / 2 ** 30;
    throw new RangeError(`cannot allocate scores for ${rows} rows × ${nItems} items (${gib.toFixed(1)} GiB); score fewer rows at a time (${(e as Error).message})`);
  }
}

type TypedArrayConstructor = { new (length: number): TensorData; readonly name: string };

/**
 * The tensor `name` among saved tensors, checked for element type and shape.
 * `source` starts each error message (e.g. "saved 'ease' model").
 */
export function requireTensor<T extends TensorData>(
  source: string,
  tensors: Readonly<Record<string, Tensor>>,
  name: string,
  type: TypedArrayConstructor & { prototype: T },
  shape: readonly number[],
): T {
  const tensor: Tensor | undefined = tensors[name];
  if (tensor === undefined) {
    const present = Object.keys(tensors).sort().join(', ') || '(none)';
    throw new Error(`${source} lacks tensor '${name}' (present: ${present})`);
  }
  if (!(tensor.data instanceof type)) {
    throw new TypeError(`${source}: tensor '${name}' should hold ${type.name} values, got ${tensor.data.constructor.name}`);
  }
  if (tensor.shape.length !== shape.length || tensor.shape.some((d, i) => d !== shape[i])) {
    throw new RangeError(`${source}: tensor '${name}' has shape [${tensor.shape.join(', ')}], expected [${shape.join(', ')}]`);
  }
  return tensor.data as T;
}

/** A CSR matrix saved as `<prefix>.indptr`, `.indices`, `.values`, checked for consistency. */
export function requireCsrTensors(
  source: string,
  tensors: Readonly<Record<string, Tensor>>,
  prefix: string,
  nRows: number,
  nCols: number,
): CsrMatrix {
  const indptr = requireTensor(source, tensors, `${prefix}.indptr`, Int32Array, [nRows + 1]);
  const nnz = indptr[nRows]!;
  const indices = requireTensor(source, tensors, `${prefix}.indices`, Int32Array, [nnz]);
  const values = requireTensor(source, tensors, `${prefix}.values`, Float32Array, [nnz]);
  if (indptr[0] !== 0) throw new RangeError(`${source}: '${prefix}.indptr' must start at 0, got ${indptr[0]}`);
  for (let r = 0; r < nRows; r++) {
    if (indptr[r + 1]! < indptr[r]!) throw new RangeError(`${source}: '${prefix}.indptr' decreases at row ${r}`);
    for (let k = indptr[r]!; k < indptr[r + 1]!; k++) {
      const c = indices[k]!;
      if (!(c >= 0 && c < nCols)) throw new RangeError(`${source}: '${prefix}.indices' holds ${c} in row ${r}, outside 0..${nCols - 1}`);
      if (k > indptr[r]! && c <= indices[k - 1]!) throw new RangeError(`${source}: '${prefix}.indices' not strictly increasing in row ${r}`);
    }
  }
  return new CsrMatrix(nRows, nCols, indptr, indices, values);
}

/**
 * What a training checkpoint must match to be resumed: the model, its
 * hyper-parameters and the data's shape. `epochs` and `patience` are left out:
 * they bound how long training runs, not what is trained, so a run can be
 * resumed with more epochs.
 */
export function checkpointSignature(model: string, hyperParameters: Readonly<Record<string, unknown>>, shape: Readonly<Record<string, number>>): string {
  const trained = Object.fromEntries(Object.entries(hyperParameters).filter(([name]) => name !== 'epochs' && name !== 'patience'));
  return JSON.stringify({ model, hyperParameters: trained, ...shape });
}

/** The ordered sequences a sequence model reads; `what` names their holder in the error ('the query'). */
export function requireSequences(modelName: string, what: string, sequences: UserSequences | undefined): UserSequences {
  if (sequences === undefined) throw new Error(`${modelName}: ${what} carries no ordered sequences`);
  return sequences;
}
