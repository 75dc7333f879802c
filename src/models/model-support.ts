/**
 * Plumbing shared by the model files: running blocked computations inside an
 * async `fit` (progress, cancellation, event-loop turns), checking inputs,
 * and reading tensors back from a saved state.
 */
import { CsrMatrix } from '../data/csr.js';
import type { Tensor, TensorData } from '../io/safetensors.js';
import type { BlockProgress } from '../engine/linalg/steps.js';
import type { FitContext } from './model.js';

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

/** Throws unless `input` has one column per item the model scores. */
export function checkScoreInput(modelName: string, nItems: number, input: CsrMatrix): void {
  requireFitted(modelName, nItems);
  if (input.nCols !== nItems) {
    throw new RangeError(`model '${modelName}' scores ${nItems} items but the input rows have ${input.nCols} columns`);
  }
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
