/**
 * Concurrent recommendation requests scored together: each request's query
 * waits until the current event-loop turn ends (or `windowMs`), and all queries
 * for the same model are stacked into one ScoreQuery and scored in one call.
 * For a neural model that is one matrix product over the batch instead of a
 * matrix-vector product per request, so its weights are read from memory once
 * per batch, not once per request; for EASE, one native call and one wake-up
 * of the engine's threads per batch instead of per request.
 *
 * Every model scores its rows independently, so a batch changes no ranking
 * beyond float rounding: EASE's sparse product is bit-identical whatever the
 * batch (test/engine/agreement.test.ts); a neural model's matrix product may
 * round the last digit differently from its matrix-vector product, as BLAS
 * picks kernels by shape (test/serve/fast-path.test.ts compares batched with
 * single answers).
 * With `maxRows` 1 batching is off and each query is scored at once.
 */
import type { UserSequences } from '../data/sequences.js';
import { CsrMatrix } from '../data/csr.js';
import type { ScoreQuery } from '../data/training-data.js';
import type { Recommender } from '../models/model.js';

export interface ScoreBatchingOptions {
  /** Most rows in one score call; 1 turns batching off. */
  readonly maxRows: number;
  /** How long the first query of a batch waits for others, in ms; 0 takes those that arrive in the same event-loop turn (no added wait). */
  readonly windowMs: number;
}

export const DEFAULT_SCORE_BATCHING: ScoreBatchingOptions = { maxRows: 64, windowMs: 0 };

interface Waiting {
  readonly query: ScoreQuery;
  readonly resolve: (scores: Float32Array) => void;
  readonly reject: (error: unknown) => void;
}

/** Whether a query can be stacked with others of its shape (shapeKey): any but one carrying user features. */
function stackable(query: ScoreQuery): boolean {
  return query.userFeatures === undefined;
}

/** The parts one after another, in a new array made by `make`. */
function concat<T extends Int16Array | Int32Array | Float32Array | Float64Array>(parts: readonly T[], total: number, make: (length: number) => T): T {
  const out = make(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Row-stacked CSR or sequence offsets: each part's offsets shifted by the entries before it. */
function stackIndptr(parts: readonly Int32Array[], rows: number): Int32Array {
  const indptr = new Int32Array(rows + 1);
  let row = 0;
  let base = 0;
  for (const part of parts) {
    for (let r = 1; r < part.length; r++) indptr[row + r] = base + part[r]!;
    row += part.length - 1;
    base += part[part.length - 1]!;
  }
  return indptr;
}

/** The queries' rows one after another, as one query (all stackable and of one shapeKey). */
export function stackQueries(queries: readonly ScoreQuery[]): ScoreQuery {
  const histories = queries.map((q) => q.histories);
  const rows = histories.reduce((sum, h) => sum + h.nRows, 0);
  const nnz = histories.reduce((sum, h) => sum + h.indptr[h.nRows]!, 0);
  const nCols = histories[0]!.nCols;
  const stacked = new CsrMatrix(
    rows,
    nCols,
    stackIndptr(histories.map((h) => h.indptr), rows),
    concat(histories.map((h) => h.indices.subarray(0, h.indptr[h.nRows]!)), nnz, (n) => new Int32Array(n)),
    concat(histories.map((h) => h.values.subarray(0, h.indptr[h.nRows]!)), nnz, (n) => new Float32Array(n)),
  );
  let sequences: UserSequences | undefined;
  if (queries[0]!.sequences !== undefined) {
    const parts = queries.map((q) => q.sequences!);
    const events = parts.reduce((sum, s) => sum + s.indptr[s.nRows]!, 0);
    const used = (s: UserSequences) => s.indptr[s.nRows]!;
    // The shape key groups queries so that all have timestamps or none, and event types alike.
    const first = parts[0]!;
    sequences = {
      nRows: rows,
      nItems: first.nItems,
      indptr: stackIndptr(parts.map((s) => s.indptr), rows),
      items: concat(parts.map((s) => s.items.subarray(0, used(s))), events, (n) => new Int32Array(n)),
      timestamps: first.timestamps === null ? null : concat(parts.map((s) => s.timestamps!.subarray(0, used(s))), events, (n) => new Float64Array(n)),
      weights: concat(parts.map((s) => s.weights.subarray(0, used(s))), events, (n) => new Float32Array(n)),
      eventTypeCodes: first.eventTypeCodes === null ? null : concat(parts.map((s) => s.eventTypeCodes!.subarray(0, used(s))), events, (n) => new Int16Array(n)),
      eventTypes: first.eventTypeCodes === null ? [] : first.eventTypes,
    };
  }
  const users = queries[0]!.users !== undefined ? concat(queries.map((q) => q.users!), rows, (n) => new Int32Array(n)) : undefined;
  return { histories: stacked, ...(sequences !== undefined ? { sequences } : {}), ...(users !== undefined ? { users } : {}) };
}

/**
 * The shape a batch must share: a query with sequences cannot be stacked with one without, nor
 * one with timestamps (a sequential model's stored events) with one without (a session's items),
 * nor event-type codes of different vocabularies.
 */
function shapeKey(query: ScoreQuery): string {
  const s = query.sequences;
  const sequencePart = s === undefined ? '-' : `s${s.timestamps === null ? '-' : 't'}${s.eventTypeCodes === null ? '-' : `e${JSON.stringify(s.eventTypes)}`}`;
  return `${sequencePart}${query.users !== undefined ? 'u' : '-'}`;
}

export class ScoreBatcher {
  private readonly waiting = new Map<Recommender, Waiting[]>();
  private scheduled = false;
  /** Score calls made and rows scored, for the metrics and tests. */
  private counts = { calls: 0, rows: 0 };

  constructor(readonly options: ScoreBatchingOptions = DEFAULT_SCORE_BATCHING) {
    if (!Number.isInteger(options.maxRows) || options.maxRows < 1) throw new RangeError(`score batching needs maxRows ≥ 1, got ${options.maxRows}`);
    if (!(options.windowMs >= 0)) throw new RangeError(`score batching needs windowMs ≥ 0, got ${options.windowMs}`);
  }

  get stats(): { readonly calls: number; readonly rows: number } {
    return { ...this.counts };
  }

  /** The model's scores for the query's rows (rows × nItems), scored alone or with the other queries waiting. */
  score(model: Recommender, query: ScoreQuery): Promise<Float32Array> {
    if (this.options.maxRows === 1 || !stackable(query)) return new Promise((resolve) => resolve(this.scoreNow(model, query)));
    return new Promise<Float32Array>((resolve, reject) => {
      let queue = this.waiting.get(model);
      if (queue === undefined) this.waiting.set(model, (queue = []));
      queue.push({ query, resolve, reject });
      if (queue.length >= this.options.maxRows) {
        this.waiting.delete(model);
        this.run(model, queue);
      } else this.schedule();
    });
  }

  private scoreNow(model: Recommender, query: ScoreQuery): Float32Array {
    this.counts.calls++;
    this.counts.rows += query.histories.nRows;
    return model.score(query);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const flush = () => {
      this.scheduled = false;
      const batches = [...this.waiting];
      this.waiting.clear();
      for (const [model, queue] of batches) this.run(model, queue);
    };
    if (this.options.windowMs === 0) setImmediate(flush);
    else setTimeout(flush, this.options.windowMs);
  }

  /** Scores one model's waiting queries, grouped by shape, each group in one call. */
  private run(model: Recommender, queue: readonly Waiting[]): void {
    const groups = new Map<string, Waiting[]>();
    for (const waiting of queue) {
      const key = shapeKey(waiting.query);
      let group = groups.get(key);
      if (group === undefined) groups.set(key, (group = []));
      group.push(waiting);
    }
    for (const group of groups.values()) this.runGroup(model, group);
  }

  private runGroup(model: Recommender, group: readonly Waiting[]): void {
    if (group.length === 1) {
      this.settleAlone(model, group[0]!);
      return;
    }
    let scores: Float32Array;
    try {
      scores = this.scoreNow(model, stackQueries(group.map((w) => w.query)));
    } catch {
      // One query's failure must not fail the others: each is scored alone and gets its own answer.
      for (const waiting of group) this.settleAlone(model, waiting);
      return;
    }
    const nItems = model.nItems;
    let row = 0;
    for (const waiting of group) {
      const rows = waiting.query.histories.nRows;
      waiting.resolve(scores.subarray(row * nItems, (row + rows) * nItems));
      row += rows;
    }
  }

  private settleAlone(model: Recommender, waiting: Waiting): void {
    try {
      waiting.resolve(this.scoreNow(model, waiting.query));
    } catch (error) {
      waiting.reject(error);
    }
  }
}
