/**
 * Metric names as users write them ('ndcg@100', 'recall_capped@20', 'rmse'),
 * parsed into a spec, with a one-line definition of each so that every report
 * can say which formula a number came from (REFERENCE.md §7.2).
 */

/** Metrics of one user's ranked list against their targets. */
export type UserRankingMetricKind = 'precision' | 'recall' | 'recall_capped' | 'ndcg' | 'hr' | 'mrr' | 'map' | 'f1';
/** Ranking metrics that need a cutoff k; `coverage` is catalogue-level, `popularity_bias` is a per-user mean. */
export type RankingMetricKind = UserRankingMetricKind | 'coverage' | 'popularity_bias';
/** Global means over all target ratings, and their per-user-mean variants (each user weighs the same). */
export type RatingMetricKind = 'rmse' | 'mae' | 'rmse_per_user' | 'mae_per_user';

export type MetricSpec =
  | { readonly name: string; readonly family: 'ranking'; readonly kind: RankingMetricKind; readonly k: number }
  | { readonly name: string; readonly family: 'rating'; readonly kind: RatingMetricKind };

const RANKING_DEFINITIONS: Record<RankingMetricKind, string> = {
  precision: 'hits@k / k (RecBole Precision)',
  recall: 'hits@k / |targets| (RecBole Recall)',
  recall_capped: 'hits@k / min(k, |targets|) (Liang et al. 2018, Mult-VAE code)',
  ndcg: 'binary-relevance DCG@k = sum over hits of 1/log2(rank+1), divided by IDCG over min(|targets|, k) ideal ranks (RecBole NDCG)',
  hr: '1 if any target is in the top k, else 0 (RecBole Hit)',
  mrr: '1 / rank of the first target within the top k, else 0 (RecBole MRR)',
  map: 'sum over ranks i <= k of P@i * rel_i, divided by min(k, |targets|) (RecBole MAP)',
  f1: '2 P R / (P + R) with P = precision@k, R = recall@k (|targets| denominator)',
  coverage: 'distinct items in all evaluated users\' top-k lists / catalogue size (RecBole ItemCoverage)',
  popularity_bias:
    'mean over users of the mean training popularity (number of training users) of their top-k items (ARP; RecBole AveragePopularity)',
};

const RATING_DEFINITIONS: Record<RatingMetricKind, string> = {
  rmse: 'sqrt(mean over all target ratings of (prediction - rating)^2) (AutoRec, Sedhain et al. 2015)',
  mae: 'mean over all target ratings of |prediction - rating|',
  rmse_per_user: 'mean over users of each user\'s RMSE over their target ratings',
  mae_per_user: 'mean over users of each user\'s MAE over their target ratings',
};

const RANKING_KINDS = Object.keys(RANKING_DEFINITIONS) as RankingMetricKind[];
const RATING_KINDS = Object.keys(RATING_DEFINITIONS) as RatingMetricKind[];

/** The accepted spellings, for error messages and `--help` text. */
export function metricNamesHelp(): string {
  return `${RANKING_KINDS.map((kind) => `${kind}@K`).join(', ')} (K a positive integer), ${RATING_KINDS.join(', ')}`;
}

/** Parses 'ndcg@100' → { family: 'ranking', kind: 'ndcg', k: 100 }; case and surrounding spaces are ignored. */
export function parseMetricName(text: string): MetricSpec {
  const normalised = text.trim().toLowerCase();
  const at = normalised.indexOf('@');
  const kind = at < 0 ? normalised : normalised.slice(0, at);
  if ((RATING_KINDS as string[]).includes(kind)) {
    if (at >= 0) throw new Error(`metric '${text}': ${kind} takes no cutoff, write '${kind}'`);
    return { name: kind, family: 'rating', kind: kind as RatingMetricKind };
  }
  if (!(RANKING_KINDS as string[]).includes(kind)) {
    throw new Error(`unknown metric '${text}'; valid metrics: ${metricNamesHelp()}`);
  }
  if (at < 0) throw new Error(`metric '${text}' needs a cutoff, e.g. '${kind}@10'`);
  const cutoff = normalised.slice(at + 1);
  if (!/^[1-9][0-9]*$/.test(cutoff)) {
    throw new Error(`metric '${text}': the cutoff after '@' must be a positive integer, got '${cutoff}'`);
  }
  const k = Number(cutoff);
  return { name: `${kind}@${k}`, family: 'ranking', kind: kind as RankingMetricKind, k };
}

/** One-line formula and source of a metric, e.g. for the `definitions` block of a report. */
export function describeMetric(spec: MetricSpec): string {
  return spec.family === 'rating' ? RATING_DEFINITIONS[spec.kind] : RANKING_DEFINITIONS[spec.kind];
}
