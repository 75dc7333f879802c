/**
 * Grid search on a split's validation users: every combination of the given
 * hyper-parameter values is fitted on the training part and scored on
 * validation; the best by one metric is then evaluated once on test. Baselines
 * tuned this way are what an autoencoder must beat (REFERENCE.md, pitfall 4).
 */
import type { Split } from '../data/split-types.js';
import { DEFAULT_RANKING_METRICS, type RankingEvaluation, type RatingEvaluation } from '../eval/evaluate.js';
import { parseMetricName } from '../eval/metrics.js';
import { evaluateOnSplit, fitOnSplit, type ModelChoice, type RunOptions } from './run.js';

export interface GridPoint {
  readonly hyperParameters: Readonly<Record<string, unknown>>;
  readonly fitSeconds: number;
  readonly validation: RankingEvaluation | RatingEvaluation;
  /** The selection metric's validation mean. */
  readonly score: number;
}

export interface TuneResult {
  readonly selectBy: string;
  readonly points: readonly GridPoint[];
  readonly best: GridPoint;
  readonly test: RankingEvaluation | RatingEvaluation;
}

/** Every combination of the grid's values over `base`, in a fixed order (last name varies fastest). */
export function gridCombinations(
  base: Readonly<Record<string, unknown>>,
  grid: Readonly<Record<string, readonly unknown[]>>,
): Record<string, unknown>[] {
  let combos: Record<string, unknown>[] = [{ ...base }];
  for (const [name, values] of Object.entries(grid)) {
    if (values.length === 0) throw new Error(`grid for '${name}' has no values`);
    combos = combos.flatMap((combo) => values.map((value) => ({ ...combo, [name]: value })));
  }
  return combos;
}

/** Lower is better for error metrics, higher for everything else. */
const lowerIsBetter = (metric: string): boolean => {
  const kind = parseMetricName(metric).kind;
  return kind === 'rmse' || kind === 'mae';
};

export async function gridSearch(
  choice: ModelChoice,
  grid: Readonly<Record<string, readonly unknown[]>>,
  split: Split,
  options: RunOptions & { readonly selectBy: string; readonly onPoint?: (point: GridPoint, index: number, total: number) => void },
): Promise<TuneResult> {
  if (!split.validation) throw new Error(`tuning needs a validation set; the ${split.protocol.kind} split has none`);
  const combos = gridCombinations(choice.hyperParameters, grid);
  const selectBy = options.selectBy;
  const descending = !lowerIsBetter(selectBy);
  const points: GridPoint[] = [];
  let best: { point: GridPoint; model: Awaited<ReturnType<typeof fitOnSplit>>['model'] } | undefined;
  for (const [index, hyperParameters] of combos.entries()) {
    const fitted = await fitOnSplit({ name: choice.name, hyperParameters }, split, options);
    const validation = evaluateOnSplit(fitted.model, split, 'validation', {
      ...options,
      metrics: [...new Set([selectBy, ...(options.metrics ?? DEFAULT_RANKING_METRICS)])],
    });
    const summary = (validation.metrics as Record<string, { mean: number }>)[selectBy];
    if (!summary) throw new Error(`metric '${selectBy}' is not among the evaluated metrics (${Object.keys(validation.metrics).join(', ')})`);
    const point: GridPoint = { hyperParameters: fitted.model.hyperParameters, fitSeconds: fitted.fitSeconds, validation, score: summary.mean };
    points.push(point);
    options.onPoint?.(point, index, combos.length);
    const better = !best || (descending ? point.score > best.point.score : point.score < best.point.score);
    if (better) best = { point, model: fitted.model };
  }
  const test = evaluateOnSplit(best!.model, split, 'test', options);
  return { selectBy, points, best: best!.point, test };
}
