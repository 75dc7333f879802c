import type { CsrMatrix } from '../data/csr.js';
import { selectFeatureRows } from '../data/features.js';
import { selectSequenceRows } from '../data/sequences.js';
import type { EvalSet } from '../data/split-types.js';
import type { ScoreQuery } from '../data/training-data.js';
import {
  ItemCoverage,
  clampRating,
  listPopularityAtK,
  meanWithStderr,
  parseMetricName,
  rankedHits,
  userRankingMetric,
  type MeanWithStderr,
  type MetricSpec,
  type RatingRange,
  type UserRankingMetricKind,
} from './metrics.js';
import { topKPerRow } from './top-k.js';

/**
 * What evaluation needs of a model: scores for every item of each input row
 * (row-major rows × nItems). Any Recommender fits; so does a plain object in a test.
 */
export interface Scorer {
  score(query: ScoreQuery): Float32Array;
  /** When present, checked against the evaluation set's catalogue size. */
  readonly nItems?: number;
}

export type MetricSummary = MeanWithStderr;

/**
 * Metrics when none are asked for: RecBole's @10 set (REFERENCE.md §4), the
 * Mult-VAE paper's recall@20/50 and ndcg@100 (§2) in both recall variants,
 * and coverage. popularity_bias@10 is added when item popularity is given.
 */
export const DEFAULT_RANKING_METRICS: readonly string[] = [
  'recall@10',
  'recall@20',
  'recall@50',
  'recall_capped@20',
  'recall_capped@50',
  'ndcg@10',
  'ndcg@100',
  'precision@10',
  'hr@10',
  'mrr@10',
  'map@10',
  'coverage@10',
];

const DEFAULT_BATCH_SIZE = 512;

export interface RankingEvaluationOptions {
  /** Metric names such as 'ndcg@100' (see parseMetricName); DEFAULT_RANKING_METRICS when absent. */
  readonly metrics?: readonly string[];
  /** Users scored per scoreRows call; bounds memory at batchSize × nItems floats. */
  readonly batchSize?: number;
  /** Training users per item (e.g. train.columnCounts()); required for popularity_bias@k. */
  readonly itemPopularity?: ArrayLike<number>;
  /** Keep every evaluated user's value of each per-user metric. */
  readonly perUser?: boolean;
  /** Called after each batch with users evaluated so far and the number to evaluate. */
  readonly onProgress?: (usersDone: number, usersTotal: number) => void;
}

export interface RankingEvaluation {
  readonly kind: 'ranking';
  /** Users with at least one target, i.e. the users every mean is over. */
  readonly users: number;
  /** Users of the evaluation set without targets: not evaluated. */
  readonly skippedUsers: number;
  /**
   * Mean and standard error over users, keyed by canonical metric name. coverage@k
   * is one catalogue-level number, so its stderr is NaN.
   */
  readonly metrics: Record<string, MetricSummary>;
  /** Per-user values (one per evaluated user, in evaluation-set order) for every metric except coverage. */
  readonly perUser?: Record<string, Float64Array>;
  /** Dataset user index of each perUser entry. */
  readonly evaluatedUsers?: Int32Array;
  readonly seconds: number;
}

/**
 * Full-ranking evaluation (REFERENCE.md §7.1: never sampled negatives). Per
 * batch of users: score the input rows, drop the excluded items, take the
 * top max-k over the whole catalogue, and compute every metric against the
 * user's targets. Users without targets are skipped and counted.
 */
export function evaluateRanking(model: Scorer, evalSet: EvalSet, options: RankingEvaluationOptions = {}): RankingEvaluation {
  const started = performance.now();
  const nItems = checkEvalSetShape(model, evalSet);
  const specs = parseRankingMetrics(options.metrics ?? defaultMetrics(options.itemPopularity !== undefined));
  const itemPopularity = options.itemPopularity;
  if (specs.some((s) => s.kind === 'popularity_bias')) {
    if (!itemPopularity) throw new Error('popularity_bias@k needs options.itemPopularity (training users per item, e.g. train.columnCounts())');
    if (itemPopularity.length !== nItems) {
      throw new RangeError(`itemPopularity has ${itemPopularity.length} entries but the catalogue has ${nItems} items`);
    }
  }
  const batchSize = checkBatchSize(options.batchSize);
  const maxK = Math.max(...specs.map((s) => s.k));

  const candidateMask = evalSet.candidates ? candidateMaskOf(evalSet.candidates, nItems) : undefined;
  const rowsWithTargets = rowsWithAnyTarget(evalSet.targets);
  const nEvaluated = rowsWithTargets.length;
  const userSpecs = specs.filter((s) => s.kind !== 'coverage');
  const perUserValues = userSpecs.map(() => new Float64Array(nEvaluated));
  const coverages = specs.filter((s) => s.kind === 'coverage').map((s) => new ItemCoverage(nItems, s.k));

  for (let start = 0; start < nEvaluated; start += batchSize) {
    const batchRows = rowsWithTargets.subarray(start, Math.min(start + batchSize, nEvaluated));
    const scores = scoreBatch(model, evalSet, batchRows, nItems);
    if (candidateMask) restrictToCandidates(scores, nItems, candidateMask);
    const top = topKPerRow(scores, nItems, maxK, { exclude: evalSet.exclude.selectRows(batchRows) });
    for (let b = 0; b < batchRows.length; b++) {
      const ranked = top.items.subarray(b * maxK, (b + 1) * maxK);
      const ranking = rankedHits(ranked, evalSet.targets.rowIndices(batchRows[b]!));
      for (let m = 0; m < userSpecs.length; m++) {
        const spec = userSpecs[m]!;
        perUserValues[m]![start + b] =
          spec.kind === 'popularity_bias'
            ? listPopularityAtK(ranked, itemPopularity!, spec.k)
            : userRankingMetric(spec.kind as UserRankingMetricKind, ranking, spec.k);
      }
      for (const coverage of coverages) coverage.add(ranked);
    }
    options.onProgress?.(start + batchRows.length, nEvaluated);
  }

  const metrics: Record<string, MetricSummary> = {};
  let coverageIndex = 0;
  let userIndex = 0;
  // Keep the caller's metric order in the result.
  for (const spec of specs) {
    metrics[spec.name] =
      spec.kind === 'coverage'
        ? { mean: coverages[coverageIndex++]!.value(), stderr: NaN }
        : meanWithStderr(perUserValues[userIndex++]!);
  }
  const result: RankingEvaluation = {
    kind: 'ranking',
    users: nEvaluated,
    skippedUsers: evalSet.users.length - nEvaluated,
    metrics,
    seconds: (performance.now() - started) / 1000,
  };
  if (!options.perUser) return result;
  const perUser: Record<string, Float64Array> = {};
  userSpecs.forEach((spec, m) => (perUser[spec.name] = perUserValues[m]!));
  const evaluatedUsers = Int32Array.from(rowsWithTargets, (row) => evalSet.users[row]!);
  return { ...result, perUser, evaluatedUsers };
}

export interface RatingEvaluationOptions {
  /** Clamp predictions into the rating scale before taking errors, e.g. [1, 5]. */
  readonly clamp?: RatingRange;
  readonly batchSize?: number;
  /** Keep every evaluated user's RMSE and MAE. */
  readonly perUser?: boolean;
  readonly onProgress?: (usersDone: number, usersTotal: number) => void;
}

export interface RatingEvaluation {
  readonly kind: 'ratings';
  /** Users with at least one target rating. */
  readonly users: number;
  readonly skippedUsers: number;
  /** Target ratings predicted: the n of the global rmse and mae. */
  readonly ratings: number;
  /**
   * rmse, mae: global over all target ratings (as AutoRec reports); the stderr of
   * mae is sd(|error|)/sqrt(n), that of rmse the delta-method se(MSE) / (2·RMSE).
   * rmse_per_user, mae_per_user: mean over users of each user's value, stderr over users.
   */
  readonly metrics: Record<'rmse' | 'mae' | 'rmse_per_user' | 'mae_per_user', MetricSummary>;
  readonly perUser?: Record<'rmse' | 'mae', Float64Array>;
  readonly evaluatedUsers?: Int32Array;
  readonly seconds: number;
}

/**
 * Rating-prediction evaluation: scores each user's input row and reads the
 * prediction at each of their target items (the target values are the ratings).
 */
export function evaluateRatings(model: Scorer, evalSet: EvalSet, options: RatingEvaluationOptions = {}): RatingEvaluation {
  const started = performance.now();
  const nItems = checkEvalSetShape(model, evalSet);
  const { clamp } = options;
  if (clamp && !(clamp[0] <= clamp[1])) throw new RangeError(`clamp range [${clamp[0]}, ${clamp[1]}] is empty`);
  const batchSize = checkBatchSize(options.batchSize);
  const targets = evalSet.targets;
  const rowsWithTargets = rowsWithAnyTarget(targets);
  const nEvaluated = rowsWithTargets.length;

  const squaredErrors = new Float64Array(targets.nnz);
  const absoluteErrors = new Float64Array(targets.nnz);
  const userRmse = new Float64Array(nEvaluated);
  const userMae = new Float64Array(nEvaluated);
  let nRatings = 0;

  for (let start = 0; start < nEvaluated; start += batchSize) {
    const batchRows = rowsWithTargets.subarray(start, Math.min(start + batchSize, nEvaluated));
    const scores = scoreBatch(model, evalSet, batchRows, nItems);
    for (let b = 0; b < batchRows.length; b++) {
      const row = batchRows[b]!;
      const items = targets.rowIndices(row);
      const ratings = targets.rowValues(row);
      let userSquared = 0;
      let userAbsolute = 0;
      for (let t = 0; t < items.length; t++) {
        const raw = scores[b * nItems + items[t]!]!;
        if (Number.isNaN(raw)) {
          throw new Error(`model predicted NaN for evaluation row ${row} (user ${evalSet.users[row]}), item ${items[t]}`);
        }
        const error = clampRating(raw, clamp) - ratings[t]!;
        squaredErrors[nRatings] = error * error;
        absoluteErrors[nRatings] = Math.abs(error);
        userSquared += error * error;
        userAbsolute += Math.abs(error);
        nRatings++;
      }
      userRmse[start + b] = Math.sqrt(userSquared / items.length);
      userMae[start + b] = userAbsolute / items.length;
    }
    options.onProgress?.(start + batchRows.length, nEvaluated);
  }
  if (nRatings === 0) throw new Error(`evaluation set of ${evalSet.users.length} users has no target ratings`);

  const mse = meanWithStderr(squaredErrors, nRatings);
  const rmse = Math.sqrt(mse.mean);
  const result: RatingEvaluation = {
    kind: 'ratings',
    users: nEvaluated,
    skippedUsers: evalSet.users.length - nEvaluated,
    ratings: nRatings,
    metrics: {
      // Delta method: d sqrt(m) / dm = 1 / (2 sqrt(m)). A perfect model has zero spread and zero error.
      rmse: { mean: rmse, stderr: rmse === 0 ? 0 : mse.stderr / (2 * rmse) },
      mae: meanWithStderr(absoluteErrors, nRatings),
      rmse_per_user: meanWithStderr(userRmse),
      mae_per_user: meanWithStderr(userMae),
    },
    seconds: (performance.now() - started) / 1000,
  };
  if (!options.perUser) return result;
  const evaluatedUsers = Int32Array.from(rowsWithTargets, (row) => evalSet.users[row]!);
  return { ...result, perUser: { rmse: userRmse, mae: userMae }, evaluatedUsers };
}

type RankingSpec = Extract<MetricSpec, { family: 'ranking' }>;

function defaultMetrics(withPopularity: boolean): readonly string[] {
  return withPopularity ? [...DEFAULT_RANKING_METRICS, 'popularity_bias@10'] : DEFAULT_RANKING_METRICS;
}

/** Parses, rejects rating metrics, and drops repeats (same canonical name). */
function parseRankingMetrics(names: readonly string[]): RankingSpec[] {
  if (names.length === 0) throw new Error('evaluateRanking needs at least one metric');
  const byName = new Map<string, RankingSpec>();
  for (const text of names) {
    const spec = parseMetricName(text);
    if (spec.family !== 'ranking') {
      throw new Error(`'${text}' is a rating metric; use evaluateRatings for it, evaluateRanking takes ranking metrics like ndcg@10`);
    }
    byName.set(spec.name, spec);
  }
  return [...byName.values()];
}

/** Checks that the evaluation set's three matrices and the model agree; returns the catalogue size. */
function checkEvalSetShape(model: Scorer, evalSet: EvalSet): number {
  const nUsers = evalSet.users.length;
  const nItems = evalSet.input.nCols;
  for (const [name, matrix] of [['input', evalSet.input], ['exclude', evalSet.exclude], ['targets', evalSet.targets]] as const) {
    if (matrix.nRows !== nUsers) throw new RangeError(`evaluation set ${name} has ${matrix.nRows} rows but ${nUsers} users`);
    if (matrix.nCols !== nItems) throw new RangeError(`evaluation set ${name} has ${matrix.nCols} items but input has ${nItems}`);
  }
  if (model.nItems !== undefined && model.nItems !== nItems) {
    throw new RangeError(`model scores ${model.nItems} items but the evaluation set has ${nItems}; was it fitted on this split?`);
  }
  return nItems;
}

function checkBatchSize(batchSize: number | undefined): number {
  const size = batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  return size;
}

/** 1 for each item a ranking may contain. */
function candidateMaskOf(candidates: Int32Array, nItems: number): Uint8Array {
  const mask = new Uint8Array(nItems);
  for (let i = 0; i < candidates.length; i++) {
    const item = candidates[i]!;
    if (!(Number.isInteger(item) && item >= 0 && item < nItems)) throw new RangeError(`evaluation set candidate ${i} is item ${item}, outside 0..${nItems - 1}`);
    mask[item] = 1;
  }
  return mask;
}

/** Scores of items outside the candidates become −∞, which top-k never selects. */
function restrictToCandidates(scores: Float32Array, nItems: number, mask: Uint8Array): void {
  for (let base = 0; base < scores.length; base += nItems) {
    for (let c = 0; c < nItems; c++) if (mask[c] === 0) scores[base + c] = -Infinity;
  }
}

function rowsWithAnyTarget(targets: CsrMatrix): Int32Array {
  const rows: number[] = [];
  for (let r = 0; r < targets.nRows; r++) if (targets.rowLength(r) > 0) rows.push(r);
  return Int32Array.from(rows);
}

function scoreBatch(model: Scorer, evalSet: EvalSet, batchRows: Int32Array, nItems: number): Float32Array {
  const scores = model.score(evalSetQuery(evalSet, batchRows));
  if (scores.length !== batchRows.length * nItems) {
    throw new RangeError(
      `score returned ${scores.length} scores for ${batchRows.length} rows × ${nItems} items (expected ${batchRows.length * nItems})`,
    );
  }
  return scores;
}

/**
 * The query for rows `rows` of an evaluation set: their input histories (and, when the
 * split kept the order, their input sequences), their features, and their user indices.
 */
export function evalSetQuery(evalSet: EvalSet, rows: ArrayLike<number>): ScoreQuery {
  return {
    histories: evalSet.input.selectRows(rows),
    users: Int32Array.from({ length: rows.length }, (_, i) => evalSet.users[rows[i]!]!),
    ...(evalSet.inputSequences ? { sequences: selectSequenceRows(evalSet.inputSequences, rows) } : {}),
    ...(evalSet.userFeatures ? { userFeatures: selectFeatureRows(evalSet.userFeatures, rows) } : {}),
  };
}
