/**
 * Evaluation metrics. Ranking metrics follow RecBole's definitions
 * (recbole/evaluator/metrics.py) unless stated otherwise; where papers differ
 * (the recall denominator, REFERENCE.md §7.2) each variant has its own name.
 *
 * Per-user ranking metrics read a `RankedHits`: which positions of a user's
 * ranked list (best first) hold one of their targets, and how many targets the
 * user has. Build one with `rankedHits` once per user, then read any metric at
 * any k up to the list's length.
 */

export { parseMetricName, describeMetric, metricNamesHelp } from './metric-names.js';
export type { MetricSpec, RankingMetricKind, RatingMetricKind, UserRankingMetricKind } from './metric-names.js';
import type { UserRankingMetricKind } from './metric-names.js';

export interface RankedHits {
  /** hits[i] = 1 when the item at rank i + 1 is one of the user's targets. */
  readonly hits: Uint8Array;
  /** |targets|: how many held-out items the user has (at least 1). */
  readonly nTargets: number;
}

/**
 * Marks which entries of `ranked` (best first; -1 entries are padding) are
 * targets. `targets` is a Set, or an ascending Int32Array such as a CSR row.
 */
export function rankedHits(ranked: ArrayLike<number>, targets: ReadonlySet<number> | Int32Array): RankedHits {
  const hits = new Uint8Array(ranked.length);
  if (targets instanceof Int32Array) {
    for (let i = 1; i < targets.length; i++) {
      if (targets[i]! <= targets[i - 1]!) {
        throw new RangeError(`target items must be ascending and unique (as in a CSR row); got ${targets[i - 1]} then ${targets[i]}`);
      }
    }
    for (let i = 0; i < ranked.length; i++) hits[i] = sortedContains(targets, ranked[i]!) ? 1 : 0;
    return { hits, nTargets: targets.length };
  }
  for (let i = 0; i < ranked.length; i++) hits[i] = targets.has(ranked[i]!) ? 1 : 0;
  return { hits, nTargets: targets.size };
}

function sortedContains(sorted: Int32Array, value: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid]!;
    if (v === value) return true;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

function checkCutoff(ranking: RankedHits, k: number, metric: string): void {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`${metric}@k needs k to be a positive integer, got ${k}`);
  if (ranking.nTargets < 1) {
    throw new RangeError(`${metric}@${k} is undefined for a user with no targets (evaluateRanking skips such users)`);
  }
}

/** Targets among the first k ranks; ranks past the end of the list count as misses. */
export function hitsAtK(ranking: RankedHits, k: number): number {
  const end = Math.min(k, ranking.hits.length);
  let hits = 0;
  for (let i = 0; i < end; i++) hits += ranking.hits[i]!;
  return hits;
}

/** precision@k = hits@k / k (RecBole `Precision`). The denominator is k even when the list is shorter. */
export function precisionAtK(ranking: RankedHits, k: number): number {
  checkCutoff(ranking, k, 'precision');
  return hitsAtK(ranking, k) / k;
}

/** recall@k = hits@k / |targets| (RecBole `Recall`; the RecBole ML-1M leaderboard, REFERENCE.md §4). */
export function recallAtK(ranking: RankedHits, k: number): number {
  checkCutoff(ranking, k, 'recall');
  return hitsAtK(ranking, k) / ranking.nTargets;
}

/**
 * recall_capped@k = hits@k / min(k, |targets|), the "Recall@k" of Liang et al.
 * 2018 (Mult-VAE code, REFERENCE.md §2): a user with more targets than k can
 * still reach 1. Never reported under the plain name `recall`.
 */
export function recallCappedAtK(ranking: RankedHits, k: number): number {
  checkCutoff(ranking, k, 'recall_capped');
  return hitsAtK(ranking, k) / Math.min(k, ranking.nTargets);
}

/** Discounts 1 / log2(rank + 1) for ranks 1..n, grown on demand and shared. */
let discounts = new Float64Array(0);
function discountTable(n: number): Float64Array {
  if (discounts.length < n) {
    discounts = new Float64Array(Math.max(n, 2 * discounts.length));
    for (let i = 0; i < discounts.length; i++) discounts[i] = 1 / Math.log2(i + 2);
  }
  return discounts;
}

/**
 * ndcg@k with binary relevance (RecBole `NDCG`; Liang et al. 2018):
 * DCG = Σ_{rank ≤ k, item at rank is a target} 1 / log2(rank + 1),
 * IDCG = Σ_{rank = 1}^{min(|targets|, k)} 1 / log2(rank + 1), ndcg = DCG / IDCG.
 */
export function ndcgAtK(ranking: RankedHits, k: number): number {
  checkCutoff(ranking, k, 'ndcg');
  const table = discountTable(k);
  const end = Math.min(k, ranking.hits.length);
  let dcg = 0;
  for (let i = 0; i < end; i++) if (ranking.hits[i]) dcg += table[i]!;
  const idealHits = Math.min(ranking.nTargets, k);
  let idcg = 0;
  for (let i = 0; i < idealHits; i++) idcg += table[i]!;
  return dcg / idcg;
}

/** hr@k = 1 when at least one target is in the top k, else 0 (RecBole `Hit`). */
export function hitRateAtK(ranking: RankedHits, k: number): number {
  checkCutoff(ranking, k, 'hr');
  return hitsAtK(ranking, k) > 0 ? 1 : 0;
}

/** mrr@k = 1 / rank of the first target within the top k, else 0 (RecBole `MRR`). */
export function mrrAtK(ranking: RankedHits, k: number): number {
  checkCutoff(ranking, k, 'mrr');
  const end = Math.min(k, ranking.hits.length);
  for (let i = 0; i < end; i++) if (ranking.hits[i]) return 1 / (i + 1);
  return 0;
}

/**
 * map@k = Σ_{i ≤ k} P@i · rel_i / min(k, |targets|), where rel_i = 1 when the
 * item at rank i is a target (RecBole `MAP`).
 */
export function mapAtK(ranking: RankedHits, k: number): number {
  checkCutoff(ranking, k, 'map');
  const end = Math.min(k, ranking.hits.length);
  let hitsSoFar = 0;
  let sumPrecisionAtHits = 0;
  for (let i = 0; i < end; i++) {
    if (ranking.hits[i]) {
      hitsSoFar++;
      sumPrecisionAtHits += hitsSoFar / (i + 1);
    }
  }
  return sumPrecisionAtHits / Math.min(k, ranking.nTargets);
}

/** f1@k = 2·P·R / (P + R) with P = precision@k and R = recall@k (|targets| denominator); 0 without hits. */
export function f1AtK(ranking: RankedHits, k: number): number {
  const precision = precisionAtK(ranking, k);
  const recall = recallAtK(ranking, k);
  return precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
}

const USER_RANKING_METRICS: Record<UserRankingMetricKind, (ranking: RankedHits, k: number) => number> = {
  precision: precisionAtK,
  recall: recallAtK,
  recall_capped: recallCappedAtK,
  ndcg: ndcgAtK,
  hr: hitRateAtK,
  mrr: mrrAtK,
  map: mapAtK,
  f1: f1AtK,
};

/** The per-user ranking metric of the given kind, e.g. userRankingMetric('ndcg', hits, 100). */
export function userRankingMetric(kind: UserRankingMetricKind, ranking: RankedHits, k: number): number {
  return USER_RANKING_METRICS[kind](ranking, k);
}

/**
 * Mean training popularity of one user's top-k items — the per-user term of
 * popularity_bias@k (ARP, Abdollahpouri et al. 2019; RecBole `AveragePopularity`).
 * `itemPopularity[i]` is the number of training users of item i. Padding (-1)
 * entries are left out of the mean; an empty list gives 0.
 */
export function listPopularityAtK(ranked: ArrayLike<number>, itemPopularity: ArrayLike<number>, k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`popularity_bias@k needs k to be a positive integer, got ${k}`);
  const end = Math.min(k, ranked.length);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < end; i++) {
    const item = ranked[i]!;
    if (item < 0) continue;
    if (item >= itemPopularity.length) {
      throw new RangeError(`item ${item} has no popularity count (itemPopularity has ${itemPopularity.length} items)`);
    }
    sum += itemPopularity[item]!;
    count++;
  }
  return count === 0 ? 0 : sum / count;
}

/**
 * coverage@k = |distinct items in all users' top-k lists| / catalogue size
 * (RecBole `ItemCoverage`). Accumulates across batches: `add` each list, then `value`.
 */
export class ItemCoverage {
  private readonly seen: Uint8Array;
  private distinct = 0;

  constructor(
    readonly nItems: number,
    readonly k: number,
  ) {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`coverage@k needs k to be a positive integer, got ${k}`);
    if (!Number.isInteger(nItems) || nItems < 1) throw new RangeError(`coverage needs a catalogue of at least one item, got ${nItems}`);
    this.seen = new Uint8Array(nItems);
  }

  add(ranked: ArrayLike<number>): void {
    const end = Math.min(this.k, ranked.length);
    for (let i = 0; i < end; i++) {
      const item = ranked[i]!;
      if (item < 0) continue;
      if (item >= this.nItems) throw new RangeError(`item ${item} outside the catalogue of ${this.nItems} items`);
      if (!this.seen[item]) {
        this.seen[item] = 1;
        this.distinct++;
      }
    }
  }

  value(): number {
    return this.distinct / this.nItems;
  }
}

/** coverage@k of a set of ranked lists at once; see ItemCoverage. */
export function coverageAtK(lists: readonly ArrayLike<number>[], k: number, nItems: number): number {
  const coverage = new ItemCoverage(nItems, k);
  for (const list of lists) coverage.add(list);
  return coverage.value();
}

/** Optional clamping of predictions into [min, max] before the error is taken (ratings cannot leave the scale). */
export type RatingRange = readonly [min: number, max: number];

function checkRatingPairs(predicted: ArrayLike<number>, target: ArrayLike<number>, metric: string, clamp?: RatingRange): void {
  if (predicted.length !== target.length) {
    throw new RangeError(`${metric}: ${predicted.length} predictions but ${target.length} target ratings`);
  }
  if (predicted.length === 0) throw new RangeError(`${metric} of zero ratings is undefined`);
  if (clamp && !(clamp[0] <= clamp[1])) throw new RangeError(`${metric}: clamp range [${clamp[0]}, ${clamp[1]}] is empty`);
}

export function clampRating(value: number, clamp?: RatingRange): number {
  if (!clamp) return value;
  return value < clamp[0] ? clamp[0] : value > clamp[1] ? clamp[1] : value;
}

/** rmse = sqrt(Σ (clamp(p) − r)² / n) over all n ratings (Sedhain et al. 2015, AutoRec). */
export function rmse(predicted: ArrayLike<number>, target: ArrayLike<number>, clamp?: RatingRange): number {
  checkRatingPairs(predicted, target, 'rmse', clamp);
  let sumSquared = 0;
  for (let i = 0; i < predicted.length; i++) {
    const error = clampRating(predicted[i]!, clamp) - target[i]!;
    sumSquared += error * error;
  }
  return Math.sqrt(sumSquared / predicted.length);
}

/** mae = Σ |clamp(p) − r| / n over all n ratings. */
export function mae(predicted: ArrayLike<number>, target: ArrayLike<number>, clamp?: RatingRange): number {
  checkRatingPairs(predicted, target, 'mae', clamp);
  let sumAbsolute = 0;
  for (let i = 0; i < predicted.length; i++) sumAbsolute += Math.abs(clampRating(predicted[i]!, clamp) - target[i]!);
  return sumAbsolute / predicted.length;
}

export interface MeanWithStderr {
  readonly mean: number;
  /** Sample standard deviation (n − 1 denominator) / sqrt(n); NaN when n < 2. */
  readonly stderr: number;
}

/** Mean and standard error of the first `count` values (all of them by default). */
export function meanWithStderr(values: ArrayLike<number>, count = values.length): MeanWithStderr {
  if (count === 0) return { mean: NaN, stderr: NaN };
  let sum = 0;
  for (let i = 0; i < count; i++) sum += values[i]!;
  const mean = sum / count;
  if (count < 2) return { mean, stderr: NaN };
  let sumSquaredDeviation = 0;
  for (let i = 0; i < count; i++) {
    const d = values[i]! - mean;
    sumSquaredDeviation += d * d;
  }
  return { mean, stderr: Math.sqrt(sumSquaredDeviation / (count - 1)) / Math.sqrt(count) };
}
