/**
 * Fit a model on a split's training part and evaluate it on the held-out part:
 * ranking metrics for top-N models, RMSE/MAE for rating predictors.
 */
import type { Split } from '../data/split-types.js';
import { evaluateRanking, evaluateRatings, type RankingEvaluation, type RatingEvaluation } from '../eval/evaluate.js';
import type { FitProgress, Recommender } from '../models/model.js';
import { getModelFactory } from '../models/registry.js';

export interface ModelChoice {
  readonly name: string;
  /** Given values only; the factory's defaults fill the rest. */
  readonly hyperParameters: Readonly<Record<string, unknown>>;
}

export interface RunOptions {
  readonly seed: number;
  /** Ranking metric names (ignored for rating predictors, which report RMSE and MAE). */
  readonly metrics?: readonly string[];
  /** Rating range for clamping predictions of rating models. */
  readonly ratingRange?: readonly [number, number];
  readonly evaluationBatchSize?: number;
  readonly onProgress?: (progress: FitProgress) => void;
  readonly signal?: AbortSignal;
  /** Per-epoch checkpoint of iterative models, and whether to resume from it. */
  readonly checkpoint?: { readonly path: string; readonly resume: boolean };
}

export interface FittedModel {
  readonly model: Recommender;
  readonly fitSeconds: number;
}

export interface RunResult extends FittedModel {
  readonly validation?: RankingEvaluation | RatingEvaluation;
  readonly test: RankingEvaluation | RatingEvaluation;
}

export async function fitOnSplit(choice: ModelChoice, split: Split, options: RunOptions): Promise<FittedModel> {
  const model = getModelFactory(choice.name).create({ ...choice.hyperParameters });
  const started = performance.now();
  await model.fit(split.train, {
    seed: options.seed,
    ...(split.validation ? { validation: split.validation } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.checkpoint ? { checkpoint: options.checkpoint } : {}),
  });
  return { model, fitSeconds: (performance.now() - started) / 1000 };
}

export function evaluateOnSplit(
  model: Recommender,
  split: Split,
  phase: 'validation' | 'test',
  options: Pick<RunOptions, 'metrics' | 'ratingRange' | 'evaluationBatchSize' | 'onProgress'>,
): RankingEvaluation | RatingEvaluation {
  const evalSet = phase === 'test' ? split.test : split.validation;
  if (!evalSet) throw new Error(`the split (${split.protocol.kind}) has no ${phase} set`);
  const onProgress = options.onProgress
    ? (done: number, total: number) => options.onProgress!({ phase: `evaluate ${model.name} (${phase})`, done, total })
    : undefined;
  const batchSize = options.evaluationBatchSize;
  if (model.predictsRatings) {
    return evaluateRatings(model, evalSet, {
      ...(options.ratingRange ? { clamp: [options.ratingRange[0], options.ratingRange[1]] as [number, number] } : {}),
      ...(batchSize ? { batchSize } : {}),
      ...(onProgress ? { onProgress } : {}),
    });
  }
  return evaluateRanking(model, evalSet, {
    ...(options.metrics ? { metrics: [...options.metrics] } : {}),
    itemPopularity: split.train.matrix.columnCounts(),
    ...(batchSize ? { batchSize } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
}

/** Fit on `split.train`, then evaluate on validation (when present) and test. */
export async function runOnSplit(choice: ModelChoice, split: Split, options: RunOptions): Promise<RunResult> {
  const fitted = await fitOnSplit(choice, split, options);
  const test = evaluateOnSplit(fitted.model, split, 'test', options);
  if (!split.validation) return { ...fitted, test };
  return { ...fitted, validation: evaluateOnSplit(fitted.model, split, 'validation', options), test };
}
