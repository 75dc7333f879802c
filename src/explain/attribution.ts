/**
 * Attribution of a model's scores to the user's history, always of the model that produced
 * the scores:
 *
 * - 'exact': the model's score is a sum over the history (EASE's and EDLAE's x·B, item-kNN's neighbour
 *   similarities) and the model says each item's share (Recommender.scoreContributions);
 *   the weights of a target sum to its score;
 * - 'leave-one-out': any other model (the autoencoders, sequence models): the change in the
 *   target's score when one history item is removed, for all of them in one batched forward
 *   pass (leave-one-out.ts). Exact for that model too, but not additive: the weights of a
 *   non-linear model need not sum to the score.
 */
import type { ScoreQuery } from '../data/training-data.js';
import type { HistoryContributions, Recommender } from '../models/model.js';
import { leaveOneOutWeights, type LeaveOneOutOptions } from './leave-one-out.js';

export type AttributionMethod = 'exact' | 'leave-one-out';

export interface ScoreAttribution extends HistoryContributions {
  readonly method: AttributionMethod;
  /** The explained items (model columns), in the order of the weights' columns. */
  readonly targets: Int32Array;
}

/** One history item's weight in one target's score. */
export interface Reason {
  /** The history item (model column). */
  readonly item: number;
  /** Signed: positive when the item raised the target's score. */
  readonly weight: number;
}

/** Attributes the scores of `targets` for query row `row` to that row's history items. */
export function attributeScores(model: Recommender, query: ScoreQuery, row: number, targets: ArrayLike<number>, options: LeaveOneOutOptions = {}): ScoreAttribution {
  const targetItems = Int32Array.from(targets);
  if (model.scoreContributions) return { method: 'exact', targets: targetItems, ...model.scoreContributions(query, row, targetItems) };
  return { method: 'leave-one-out', targets: targetItems, ...leaveOneOutWeights(model, query, row, targetItems, options) };
}

/**
 * Target `j`'s reasons, largest weight first (ties: lower item first); zero weights — items
 * that do not move the score — are left out.
 */
export function rankedReasons(attribution: ScoreAttribution, j: number): Reason[] {
  const nTargets = attribution.targets.length;
  const reasons: Reason[] = [];
  for (let h = 0; h < attribution.items.length; h++) {
    const weight = attribution.weights[h * nTargets + j]!;
    if (weight !== 0) reasons.push({ item: attribution.items[h]!, weight });
  }
  return reasons.sort((a, b) => b.weight - a.weight || a.item - b.item);
}

/** Target `j`'s `limit` strongest reasons. */
export function topReasons(attribution: ScoreAttribution, j: number, limit: number): Reason[] {
  return rankedReasons(attribution, j).slice(0, limit);
}
