/**
 * Session-based evaluation (SR-GNN, NARM, STAMP; REFERENCE.md §6b): every click after the
 * first of each test session is predicted from the clicks before it, against the full
 * catalogue, with nothing excluded (a shopper may come back to an item, and the protocol
 * counts such a target like any other). One target per prediction, so
 *
 *   recall@k = hr@k   (the "P@20" of SR-GNN and NARM: the share of predictions whose next
 *                      click is in the top k),
 *   mrr@k             (1 / rank of the next click when within the top k, else 0),
 *
 * averaged over predictions, as those papers do. The standard error is that of a mean of
 * independent predictions; predictions of one session are correlated, so it understates the
 * spread somewhat — compare models by far more than it.
 *
 * The prefix goes to the model as an anonymous visitor (users −1): its clicks as a 0/1 row and
 * in order as its sequence, so set-based and sequence models are asked the same question.
 */
import { CsrMatrix } from '../data/csr.js';
import { sequenceOf, sequencesFromLists, type UserSequences } from '../data/sequences.js';
import type { ScoreQuery } from '../data/training-data.js';
import type { Scorer } from './evaluate.js';
import { meanWithStderr, parseMetricName, rankedHits, userRankingMetric, type MeanWithStderr, type UserRankingMetricKind } from './metrics.js';
import { topKPerRow } from './top-k.js';

export const DEFAULT_SESSION_METRICS: readonly string[] = ['recall@20', 'mrr@20'];
const SESSION_METRIC_KINDS: readonly UserRankingMetricKind[] = ['recall', 'hr', 'mrr', 'ndcg'];
const DEFAULT_BATCH_SIZE = 256;

export interface SessionEvaluationOptions {
  /** Any of recall@k, hr@k, mrr@k, ndcg@k (one target each); DEFAULT_SESSION_METRICS when absent. */
  readonly metrics?: readonly string[];
  /** Predictions scored per model call; bounds memory at batchSize × nItems floats. */
  readonly batchSize?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface SessionEvaluation {
  readonly kind: 'sessions';
  /** Test sessions with at least one prediction. */
  readonly sessions: number;
  /** Predictions made: each session's clicks after its first. */
  readonly predictions: number;
  /** Mean and standard error over predictions, keyed by canonical metric name. */
  readonly metrics: Record<string, MeanWithStderr>;
  readonly seconds: number;
}

/** One prediction: the first `length` clicks of session `session` predict the click after them. */
export interface SessionPrediction {
  readonly session: number;
  readonly length: number;
}

/** Every prediction of the test sessions, session by session, shortest prefix first. */
export function sessionPredictions(sessions: UserSequences): SessionPrediction[] {
  const predictions: SessionPrediction[] = [];
  for (let s = 0; s < sessions.nRows; s++) {
    const clicks = sessions.indptr[s + 1]! - sessions.indptr[s]!;
    for (let length = 1; length < clicks; length++) predictions.push({ session: s, length });
  }
  return predictions;
}

/** The query for some predictions: each prefix as an anonymous visitor's row and sequence. */
export function prefixQuery(sessions: UserSequences, predictions: readonly SessionPrediction[]): ScoreQuery {
  const prefixes = predictions.map((p) => sequenceOf(sessions, p.session).items.subarray(0, p.length));
  const indptr = new Int32Array(prefixes.length + 1);
  const rows = prefixes.map((prefix) => Int32Array.from(new Set(prefix)).sort());
  rows.forEach((row, r) => (indptr[r + 1] = indptr[r]! + row.length));
  const indices = new Int32Array(indptr[rows.length]!);
  rows.forEach((row, r) => indices.set(row, indptr[r]!));
  return {
    histories: new CsrMatrix(prefixes.length, sessions.nItems, indptr, indices, new Float32Array(indices.length).fill(1)),
    sequences: sequencesFromLists(prefixes, sessions.nItems),
    users: new Int32Array(prefixes.length).fill(-1),
  };
}

export function evaluateSessions(model: Scorer, sessions: UserSequences, options: SessionEvaluationOptions = {}): SessionEvaluation {
  const started = performance.now();
  const nItems = sessions.nItems;
  if (model.nItems !== undefined && model.nItems !== nItems) {
    throw new RangeError(`model scores ${model.nItems} items but the test sessions are over ${nItems}; was it fitted on this split?`);
  }
  const specs = (options.metrics ?? DEFAULT_SESSION_METRICS).map((name) => {
    const spec = parseMetricName(name);
    if (spec.family !== 'ranking' || !(SESSION_METRIC_KINDS as string[]).includes(spec.kind)) {
      throw new Error(`'${name}' is not a session metric; use one of ${SESSION_METRIC_KINDS.map((k) => `${k}@K`).join(', ')}`);
    }
    return spec as typeof spec & { kind: UserRankingMetricKind };
  });
  if (specs.length === 0) throw new Error('evaluateSessions needs at least one metric');
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const maxK = Math.max(...specs.map((s) => s.k));

  const predictions = sessionPredictions(sessions);
  const values = specs.map(() => new Float64Array(predictions.length));
  for (let start = 0; start < predictions.length; start += batchSize) {
    const batch = predictions.slice(start, start + batchSize);
    const scores = model.score(prefixQuery(sessions, batch));
    if (scores.length !== batch.length * nItems) throw new RangeError(`score returned ${scores.length} scores for ${batch.length} rows × ${nItems} items`);
    const top = topKPerRow(scores, nItems, maxK);
    batch.forEach((p, b) => {
      const target = sessions.items[sessions.indptr[p.session]! + p.length]!;
      const ranking = rankedHits(top.items.subarray(b * maxK, (b + 1) * maxK), Int32Array.of(target));
      specs.forEach((spec, m) => (values[m]![start + b] = userRankingMetric(spec.kind, ranking, spec.k)));
    });
    options.onProgress?.(start + batch.length, predictions.length);
  }
  const metrics: Record<string, MeanWithStderr> = {};
  specs.forEach((spec, m) => (metrics[spec.name] = meanWithStderr(values[m]!)));
  return {
    kind: 'sessions',
    sessions: new Set(predictions.map((p) => p.session)).size,
    predictions: predictions.length,
    metrics,
    seconds: (performance.now() - started) / 1000,
  };
}
