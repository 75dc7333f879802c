/**
 * The model-selection score the neural top-N models share: validation NDCG@100
 * (Liang et al. 2018), computed exactly as the evaluation reports it.
 */
import type { EvalSet } from '../data/split-types.js';
import { evaluateRanking, type Scorer } from './evaluate.js';

export const VALIDATION_METRIC = 'ndcg@100';

export function validationNdcg(scorer: Scorer, validation: EvalSet, batchSize: number): { score: number; values: Record<string, number> } {
  const ndcg = evaluateRanking(scorer, validation, { metrics: [VALIDATION_METRIC], batchSize }).metrics[VALIDATION_METRIC]!.mean;
  return { score: ndcg, values: { [VALIDATION_METRIC]: ndcg } };
}
