/**
 * Item-based k-nearest-neighbours with cosine similarity, as RecBole's
 * ItemKNN (recbole/model/general_recommender/itemknn.py, after Aiolli 2013):
 *
 *   sim(i, j) = x_i · x_j / (‖x_i‖ ‖x_j‖ + shrink),   x_i = column i of the training matrix,
 *
 * sim(i, i) = 0. Each target item t keeps its `neighbours` most similar
 * items N(t) (zero similarities are dropped), and
 *
 *   score(u, t) = Σ_{i ∈ row u, i ∈ N(t)} value_ui · sim(i, t).
 *
 * As in RecBole, truncation is per target: an input item counts for t only
 * when it is among t's neighbours. The kept similarities are stored as a
 * sparse CSR matrix S whose row i lists the targets that keep i, so that
 * scoring any row (a training user or someone new) is a sparse row times S.
 *
 * Differences from RecBole: ties in the top-k choice go to the lower item
 * index (RecBole's argpartition leaves them unspecified), and the
 * denominator has no 1e-6 guard (items without interactions get similarity 0).
 *
 * Memory: O(nnz + nItems · neighbours), never nItems²: co-occurrences are
 * counted for one target at a time in a dense accumulator of length nItems.
 */
import { CsrMatrix } from '../../data/csr.js';
import type { BlockProgress } from '../../engine/linalg/steps.js';
import type { FitContext, HistoryContributions, ModelFactory, ModelInput, ModelState, Recommender, ScoreQuery, TrainingData } from '../model.js';
import { defineSettings } from '../settings.js';
import { allocateScores, checkContributionArguments, checkQuery, driveSteps, requireFitted, requireCsrTensors, requireInputs } from '../model-support.js';

const NAME = 'itemknn';
/** RecBole's defaults: k = 100, shrink = 0. */
const SETTINGS = defineSettings(NAME, [
  { name: 'neighbours', type: 'integer', default: 100, min: 1, scale: 'log', description: 'k: the most similar items kept per item', search: { min: 10, max: 1000 } },
  { name: 'shrink', type: 'number', default: 0, min: 0, description: 'cosine shrinkage: sim = x·y / (‖x‖‖y‖ + shrink)', search: { min: 0, max: 500 } },
]);
const INPUTS: readonly ModelInput[] = ['interactions'];
const TARGETS_PER_STEP = 256;

export interface ItemNeighbourOptions {
  readonly neighbours: number;
  readonly shrink: number;
}

/**
 * The kept neighbours of every item, one row per target item t: row t holds
 * N(t) with sim(i, t), columns ascending. Yields every few hundred targets
 * ('similarity' phase) and returns the matrix.
 */
export function* itemNeighbourSteps(train: CsrMatrix, options: ItemNeighbourOptions): Generator<BlockProgress, CsrMatrix, void> {
  const n = train.nCols;
  const keep = Math.min(options.neighbours, Math.max(n - 1, 0));
  const byItem = train.transpose();
  const norms = columnNorms(byItem);

  const capacity = n * keep;
  const neighbourIndices = new Int32Array(capacity);
  const neighbourValues = new Float32Array(capacity);
  const indptr = new Int32Array(n + 1);
  let stored = 0;

  const similarity = new Float64Array(n); // accumulates co-occurrence, then holds sim(·, t)
  const seenFor = new Int32Array(n).fill(-1);
  const touched = new Int32Array(n);
  const candidates = new Int32Array(n);
  const kept = new Int32Array(keep);

  for (let t = 0; t < n; t++) {
    // Co-occurrence x_j · x_t for every j sharing a user with t: Σ over t's users of their rows.
    let nTouched = 0;
    for (let p = byItem.indptr[t]!; p < byItem.indptr[t + 1]!; p++) {
      const u = byItem.indices[p]!;
      const valueUt = byItem.values[p]!;
      for (let q = train.indptr[u]!, end = train.indptr[u + 1]!; q < end; q++) {
        const j = train.indices[q]!;
        if (seenFor[j] !== t) {
          seenFor[j] = t;
          touched[nTouched++] = j;
        }
        similarity[j] += valueUt * train.values[q]!;
      }
    }
    let nPositive = 0;
    let nNegative = 0;
    for (let c = 0; c < nTouched; c++) {
      const j = touched[c]!;
      const denominator = norms[t]! * norms[j]! + options.shrink;
      const sim = j === t || denominator === 0 ? 0 : similarity[j]! / denominator;
      similarity[j] = sim;
      if (sim > 0) nPositive++;
      else if (sim < 0) nNegative++;
    }
    // RecBole ranks all other items, untouched ones at similarity 0, and then drops zeros:
    // negative similarities survive only when fewer than `keep` items score ≥ 0.
    let nKept = selectBest(touched, nTouched, (j) => similarity[j]! > 0, similarity, keep, candidates, kept, 0);
    const zeros = n - 1 - nPositive - nNegative;
    const negativeSlots = keep - nPositive - zeros;
    if (negativeSlots > 0) {
      nKept = selectBest(touched, nTouched, (j) => similarity[j]! < 0, similarity, negativeSlots, candidates, kept, nKept);
    }
    const keptSorted = kept.subarray(0, nKept).sort();
    for (let c = 0; c < nKept; c++) {
      const j = keptSorted[c]!;
      neighbourIndices[stored] = j;
      neighbourValues[stored] = similarity[j]!;
      stored++;
    }
    indptr[t + 1] = stored;
    for (let c = 0; c < nTouched; c++) similarity[touched[c]!] = 0;
    if ((t + 1) % TARGETS_PER_STEP === 0 && t + 1 < n) yield { phase: 'similarity', done: t + 1, total: n };
  }
  yield { phase: 'similarity', done: n, total: n };
  return new CsrMatrix(n, n, indptr, neighbourIndices.slice(0, stored), neighbourValues.slice(0, stored));
}

/** Euclidean norm of each row of the item-major (CSC) matrix. */
function columnNorms(byItem: CsrMatrix): Float64Array {
  const norms = new Float64Array(byItem.nRows);
  for (let i = 0; i < byItem.nRows; i++) {
    let sumOfSquares = 0;
    for (let p = byItem.indptr[i]!; p < byItem.indptr[i + 1]!; p++) sumOfSquares += byItem.values[p]! * byItem.values[p]!;
    norms[i] = Math.sqrt(sumOfSquares);
  }
  return norms;
}

/**
 * Appends to out[offset..] the `limit` best items among pool[0..poolSize)
 * that pass `accept`, best meaning higher score, then lower index. Uses a
 * bounded min-heap (worst kept item at the root): O(poolSize · log limit).
 * Returns the new end of `out`.
 */
function selectBest(
  pool: Int32Array,
  poolSize: number,
  accept: (item: number) => boolean,
  score: Float64Array,
  limit: number,
  scratch: Int32Array,
  out: Int32Array,
  offset: number,
): number {
  if (limit <= 0) return offset;
  let nAccepted = 0;
  for (let c = 0; c < poolSize; c++) if (accept(pool[c]!)) scratch[nAccepted++] = pool[c]!;
  if (nAccepted <= limit) {
    out.set(scratch.subarray(0, nAccepted), offset);
    return offset + nAccepted;
  }
  const heap = out.subarray(offset, offset + limit);
  const worse = (a: number, b: number): boolean => score[a]! < score[b]! || (score[a] === score[b] && a > b);
  for (let c = 0; c < limit; c++) {
    heap[c] = scratch[c]!;
    siftUp(heap, c, worse);
  }
  for (let c = limit; c < nAccepted; c++) {
    const item = scratch[c]!;
    if (worse(heap[0]!, item)) {
      heap[0] = item;
      siftDown(heap, limit, worse);
    }
  }
  return offset + limit;
}

function siftUp(heap: Int32Array, at: number, worse: (a: number, b: number) => boolean): void {
  const item = heap[at]!;
  while (at > 0) {
    const parent = (at - 1) >> 1;
    if (!worse(item, heap[parent]!)) break;
    heap[at] = heap[parent]!;
    at = parent;
  }
  heap[at] = item;
}

function siftDown(heap: Int32Array, size: number, worse: (a: number, b: number) => boolean): void {
  const item = heap[0]!;
  let at = 0;
  for (;;) {
    let child = 2 * at + 1;
    if (child >= size) break;
    if (child + 1 < size && worse(heap[child + 1]!, heap[child]!)) child++;
    if (!worse(heap[child]!, item)) break;
    heap[at] = heap[child]!;
    at = child;
  }
  heap[at] = item;
}

export class ItemKnnRecommender implements Recommender {
  readonly name = NAME;
  readonly predictsRatings = false;
  readonly hyperParameters: Readonly<Record<string, unknown>>;
  private readonly options: ItemNeighbourOptions;
  /** Row i: the targets t with i ∈ N(t), valued sim(i, t). */
  private similarity = CsrMatrix.empty(0, 0);

  constructor(hyperParameters: Record<string, unknown> = {}) {
    this.hyperParameters = SETTINGS.resolve(hyperParameters);
    this.options = { neighbours: this.hyperParameters['neighbours'] as number, shrink: this.hyperParameters['shrink'] as number };
  }

  get nItems(): number {
    return this.similarity.nRows;
  }

  async fit(data: TrainingData, context?: FitContext): Promise<void> {
    requireInputs(NAME, INPUTS, data);
    const neighboursByTarget = await driveSteps(itemNeighbourSteps(data.matrix, this.options), context);
    this.similarity = neighboursByTarget.transpose();
  }

  score(query: ScoreQuery): Float32Array {
    checkQuery(NAME, this.nItems, INPUTS, query);
    const input = query.histories;
    const n = this.nItems;
    const { indptr, indices, values } = this.similarity;
    const scores = allocateScores(input.nRows, n);
    for (let r = 0; r < input.nRows; r++) {
      const out = r * n;
      for (let p = input.indptr[r]!; p < input.indptr[r + 1]!; p++) {
        const value = input.values[p]!;
        const i = input.indices[p]!;
        for (let q = indptr[i]!; q < indptr[i + 1]!; q++) scores[out + indices[q]!] += value * values[q]!;
      }
    }
    return scores;
  }

  /**
   * score(t) = Σ_h value_h · sim(h, t) over the history items h among t's neighbours: h's
   * share is its value times the similarity, and 0 when h is not one of t's neighbours.
   */
  scoreContributions(query: ScoreQuery, row: number, targets: ArrayLike<number>): HistoryContributions {
    checkContributionArguments(NAME, this.nItems, query, row, targets);
    const items = query.histories.rowIndices(row).slice();
    const values = query.histories.rowValues(row);
    const nTargets = targets.length;
    const positions = new Map<number, number[]>();
    for (let j = 0; j < nTargets; j++) {
      const listed = positions.get(targets[j]!);
      if (listed) listed.push(j);
      else positions.set(targets[j]!, [j]);
    }
    const { indptr, indices, values: similarities } = this.similarity;
    const weights = new Float32Array(items.length * nTargets);
    for (let h = 0; h < items.length; h++) {
      const i = items[h]!;
      for (let q = indptr[i]!; q < indptr[i + 1]!; q++) {
        const at = positions.get(indices[q]!);
        if (at) for (const j of at) weights[h * nTargets + j] = values[h]! * similarities[q]!;
      }
    }
    return { items, weights };
  }

  exportState(): ModelState {
    requireFitted(NAME, this.nItems);
    const { indptr, indices, values, nnz } = this.similarity;
    return {
      tensors: {
        'similarity.indptr': { shape: [indptr.length], data: indptr },
        'similarity.indices': { shape: [nnz], data: indices },
        'similarity.values': { shape: [nnz], data: values },
      },
    };
  }

  /** Used by the factory to rebuild a saved model. */
  static fromState(hyperParameters: Record<string, unknown>, state: ModelState, nItems: number): ItemKnnRecommender {
    const model = new ItemKnnRecommender(hyperParameters);
    model.similarity = requireCsrTensors(`saved '${NAME}' model`, state.tensors, 'similarity', nItems, nItems);
    return model;
  }
}

export const itemKnnFactory: ModelFactory = {
  name: NAME,
  description: 'Item-based kNN with cosine similarity (RecBole ItemKNN); hyper-parameters neighbours (k) and shrink.',
  settings: SETTINGS,
  inputs: INPUTS,
  predictsRatings: false,
  create: (hyperParameters) => new ItemKnnRecommender(hyperParameters),
  restore: (hyperParameters, state, nItems) => ItemKnnRecommender.fromState(hyperParameters, state, nItems),
};
