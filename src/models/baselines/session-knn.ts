/**
 * Session-based k-nearest-neighbours, the V-SKNN variant of Ludewig & Jannach, "Evaluation of
 * session-based recommendation algorithms" (UMUAI 2018, §2.2.2; session-rec's VMContextKNN):
 *
 *   - every training row (a session, or a user's whole history) is an item *set* n;
 *   - the current history s is a real-valued vector: the event at 1-based position p of an
 *     L-event history weighs w(p, L), "linear" being p / L (session-rec's `div`: the most recent
 *     event 1, the first 1/L); a repeated item keeps the weight of its latest occurrence;
 *   - candidate neighbours: the `sampleSize` most recent training sessions that share at least
 *     one item with s (recency = the session's latest event time, ties and sessions without
 *     times by row order, later rows being more recent);
 *   - similarity: the cosine of the weighted vector w and the binary vector of n,
 *       sim(s, n) = Σ_{i ∈ s ∩ n} w_i / (‖w‖ · √|n|);
 *   - the `neighbours` most similar candidates N(s) (ties to the more recent one) vote:
 *       score(s, j) = Σ_{n ∈ N(s), j ∈ n} sim(s, n).
 *
 * Nothing is learnt but the index, so any ordered history scores without refitting: a training
 * user, a held-out user, an anonymous visitor. A query row that is a training user (users[r] ≥ 0)
 * does not count itself among its neighbours — a neighbour is another session.
 *
 * Differences from session-rec: no dwell-time, idf or "reminder" extras, and the neighbour's
 * vote is its similarity alone (session-rec's default also divides it by how far back the most
 * recent shared item is). Note for datasets whose "timestamps" are positions within a user
 * (user-item-lists files such as amazon-beauty): positions of different users are not
 * comparable, so "most recent" there means "longest history"; with fewer candidate sessions
 * than `sampleSize` (e.g. ml-latest-small) every sharing session is a candidate.
 */
import { CsrMatrix } from '../../data/csr.js';
import { sequenceOf, type UserSequences } from '../../data/sequences.js';
import type { FitContext, ModelFactory, ModelInput, ModelState, Recommender, ScoreQuery, TrainingData } from '../model.js';
import { allocateScores, checkQuery, requireCsrTensors, requireFitted, requireInputs, requireTensor } from '../model-support.js';
import { defineSettings } from '../settings.js';

const NAME = 'session-knn';

/** How the event at 1-based position p of an L-event history is weighted (session-rec's names in brackets). */
export const POSITION_WEIGHTINGS = ['linear', 'uniform', 'quadratic', 'log'] as const;
export type PositionWeighting = (typeof POSITION_WEIGHTINGS)[number];

/** session-rec's VMContextKNN defaults: k = 100, sample_size = 1000, weighting 'div' (linear). */
const SETTINGS = defineSettings(NAME, [
  { name: 'neighbours', type: 'integer', default: 100, min: 1, scale: 'log', description: 'k: the most similar training sessions that vote', search: { min: 20, max: 1000 } },
  {
    name: 'sampleSize',
    type: 'integer',
    default: 1000,
    min: 1,
    scale: 'log',
    description: 'candidate neighbours: the most recent training sessions sharing an item with the history',
    search: { min: 100, max: 10000 },
  },
  {
    name: 'weighting',
    type: 'choice',
    default: 'linear',
    choices: POSITION_WEIGHTINGS,
    description: "weight of the history's event at position p of L: linear p/L, uniform 1, quadratic (p/L)², log 1/log10(L−p+1.7)",
    search: { choices: POSITION_WEIGHTINGS },
  },
]);
const INPUTS: readonly ModelInput[] = ['interactions', 'sequences'];

/** w(p, L) for 1-based position p of an L-event history (session-rec: div, same, quadratic, log). */
export function positionWeight(weighting: PositionWeighting, position: number, length: number): number {
  switch (weighting) {
    case 'linear':
      return position / length;
    case 'uniform':
      return 1;
    case 'quadratic':
      return (position / length) ** 2;
    case 'log':
      return 1 / Math.log10(length - position + 1.7);
  }
}

/**
 * Each training row's recency rank, 0 the oldest: by its latest finite event time, rows
 * without one before rows with one, ties by row index. Without sequence times, row order.
 */
export function recencyRanks(matrix: CsrMatrix, sequences: UserSequences | undefined): Int32Array {
  const n = matrix.nRows;
  const latest = new Float64Array(n).fill(-Infinity);
  const times = sequences?.timestamps;
  if (sequences && times) {
    for (let r = 0; r < n; r++) {
      for (let e = sequences.indptr[r]!; e < sequences.indptr[r + 1]!; e++) {
        const t = times[e]!;
        if (Number.isFinite(t) && t > latest[r]!) latest[r] = t;
      }
    }
  }
  const order = Int32Array.from({ length: n }, (_, r) => r).sort((a, b) => (latest[a]! === latest[b]! ? a - b : latest[a]! < latest[b]! ? -1 : 1));
  const ranks = new Int32Array(n);
  order.forEach((row, rank) => (ranks[row] = rank));
  return ranks;
}

/** What scoring reads: the sessions as item sets, their recency and the item → sessions index. */
interface SessionIndex {
  /** Sessions × items, the stored pattern only (values are ignored). */
  readonly sessions: CsrMatrix;
  readonly recency: Int32Array;
  /** Item i's sessions, most recent first: sessionsOf[itemStart[i] .. itemStart[i + 1]). */
  readonly itemStart: Int32Array;
  readonly sessionsOf: Int32Array;
}

function buildIndex(sessions: CsrMatrix, recency: Int32Array): SessionIndex {
  const byItem = sessions.transpose();
  const sessionsOf = byItem.indices.slice();
  for (let i = 0; i < byItem.nRows; i++) {
    sessionsOf.subarray(byItem.indptr[i]!, byItem.indptr[i + 1]!).sort((a, b) => recency[b]! - recency[a]!);
  }
  return { sessions, recency, itemStart: byItem.indptr, sessionsOf };
}

interface Options {
  readonly neighbours: number;
  readonly sampleSize: number;
  readonly weighting: PositionWeighting;
}

/** Per-query scratch, reused across the rows of one score call. */
class Scratch {
  /** Position weight of each item of the current history (0 elsewhere). */
  readonly weight: Float64Array;
  /** Stamp of the row that last marked a session as a candidate. */
  readonly seen: Int32Array;
  readonly votes: Float64Array;

  constructor(nItems: number, nSessions: number) {
    this.weight = new Float64Array(nItems);
    this.seen = new Int32Array(nSessions).fill(-1);
    this.votes = new Float64Array(nItems);
  }
}

export class SessionKnnRecommender implements Recommender {
  readonly name = NAME;
  readonly predictsRatings = false;
  readonly hyperParameters: Readonly<Record<string, unknown>>;
  private readonly options: Options;
  private index: SessionIndex | null = null;

  constructor(hyperParameters: Record<string, unknown> = {}) {
    this.hyperParameters = SETTINGS.resolve(hyperParameters);
    this.options = {
      neighbours: this.hyperParameters['neighbours'] as number,
      sampleSize: this.hyperParameters['sampleSize'] as number,
      weighting: this.hyperParameters['weighting'] as PositionWeighting,
    };
  }

  get nItems(): number {
    return this.index?.sessions.nCols ?? 0;
  }

  async fit(data: TrainingData, context?: FitContext): Promise<void> {
    requireInputs(NAME, INPUTS, data);
    context?.signal?.throwIfAborted();
    const index = buildIndex(data.matrix.withConstantValues(1), recencyRanks(data.matrix, data.sequences));
    context?.onProgress?.({ phase: 'index', done: data.matrix.nRows, total: data.matrix.nRows });
    context?.signal?.throwIfAborted();
    this.index = index;
  }

  /** Each row's history is its event sequence (the CSR row is not read: the order is what counts). */
  score(query: ScoreQuery): Float32Array {
    checkQuery(NAME, this.nItems, INPUTS, query);
    const index = this.index!;
    const n = this.nItems;
    const rows = query.histories.nRows;
    const scores = allocateScores(rows, n);
    const scratch = new Scratch(n, index.sessions.nRows);
    for (let r = 0; r < rows; r++) {
      const self = query.users ? query.users[r]! : -1;
      this.scoreRow(index, sequenceOf(query.sequences!, r).items, self, r, scratch, scores.subarray(r * n, (r + 1) * n));
    }
    return scores;
  }

  private scoreRow(index: SessionIndex, events: Int32Array, self: number, stamp: number, scratch: Scratch, out: Float32Array): void {
    if (events.length === 0) return;
    const { weight, seen, votes } = scratch;
    const { sessions, recency, itemStart, sessionsOf } = index;
    const { sampleSize, weighting } = this.options;
    // Latest occurrence wins, as session-rec's pos_map is overwritten in order.
    const items: number[] = [];
    for (let p = 0; p < events.length; p++) {
      const item = events[p]!;
      if (weight[item] === 0) items.push(item);
      weight[item] = positionWeight(weighting, p + 1, events.length);
    }
    let squares = 0;
    for (const item of items) squares += weight[item]! * weight[item]!;
    const norm = Math.sqrt(squares);

    // Each item's list is newest first, so only its first sampleSize (+1 for self) sessions can be
    // among the sampleSize most recent of the union.
    const candidates: number[] = [];
    for (const item of items) {
      const end = Math.min(itemStart[item + 1]!, itemStart[item]! + sampleSize + 1);
      for (let q = itemStart[item]!; q < end; q++) {
        const s = sessionsOf[q]!;
        if (s === self || seen[s] === stamp) continue;
        seen[s] = stamp;
        candidates.push(s);
      }
    }
    if (candidates.length > sampleSize) {
      candidates.sort((a, b) => recency[b]! - recency[a]!);
      candidates.length = sampleSize;
    }

    const similarity = new Float64Array(candidates.length);
    for (let c = 0; c < candidates.length; c++) {
      const s = candidates[c]!;
      let dot = 0;
      for (let q = sessions.indptr[s]!; q < sessions.indptr[s + 1]!; q++) dot += weight[sessions.indices[q]!]!;
      similarity[c] = norm > 0 ? dot / (norm * Math.sqrt(sessions.indptr[s + 1]! - sessions.indptr[s]!)) : 0;
    }
    const order = Int32Array.from({ length: candidates.length }, (_, c) => c).sort(
      (a, b) => similarity[b]! - similarity[a]! || recency[candidates[b]!]! - recency[candidates[a]!]!,
    );
    const voters = Math.min(this.options.neighbours, order.length);
    const touched: number[] = [];
    for (let v = 0; v < voters; v++) {
      const c = order[v]!;
      const sim = similarity[c]!;
      if (!(sim > 0)) break;
      const s = candidates[c]!;
      for (let q = sessions.indptr[s]!; q < sessions.indptr[s + 1]!; q++) {
        const j = sessions.indices[q]!;
        if (votes[j] === 0) touched.push(j);
        votes[j] += sim;
      }
    }
    for (const j of touched) {
      out[j] = votes[j]!;
      votes[j] = 0;
    }
    for (const item of items) weight[item] = 0;
  }

  exportState(): ModelState {
    requireFitted(NAME, this.nItems);
    const { sessions, recency } = this.index!;
    return {
      tensors: {
        'sessions.indptr': { shape: [sessions.indptr.length], data: sessions.indptr },
        'sessions.indices': { shape: [sessions.nnz], data: sessions.indices },
        'sessions.values': { shape: [sessions.nnz], data: sessions.values },
        recency_rank: { shape: [recency.length], data: recency },
      },
      extra: { nSessions: sessions.nRows },
    };
  }

  /** Used by the factory to rebuild a saved model. */
  static fromState(hyperParameters: Record<string, unknown>, state: ModelState, nItems: number): SessionKnnRecommender {
    const model = new SessionKnnRecommender(hyperParameters);
    const source = `saved '${NAME}' model`;
    const nSessions = state.extra?.['nSessions'];
    if (!(typeof nSessions === 'number' && Number.isInteger(nSessions) && nSessions >= 0)) throw new Error(`${source}: 'nSessions' must be a non-negative integer, got ${String(nSessions)}`);
    const sessions = requireCsrTensors(source, state.tensors, 'sessions', nSessions, nItems);
    const recency = requireTensor(source, state.tensors, 'recency_rank', Int32Array, [nSessions]);
    model.index = buildIndex(sessions, recency);
    return model;
  }
}

export const sessionKnnFactory: ModelFactory = {
  name: NAME,
  description: 'Session-based kNN (V-SKNN, Ludewig & Jannach 2018): position-weighted cosine to the most recent sessions sharing an item; neighbours, sampleSize, weighting.',
  settings: SETTINGS,
  inputs: INPUTS,
  predictsRatings: false,
  create: (hyperParameters) => new SessionKnnRecommender(hyperParameters),
  restore: (hyperParameters, state, nItems) => SessionKnnRecommender.fromState(hyperParameters, state, nItems),
};
