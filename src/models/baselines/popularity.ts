/**
 * Most-popular baseline: every row gets the same scores, the number of
 * training users who interacted with each item (stored entries per column).
 * Equal counts are left equal; rankers order them by lower item index
 * (src/eval/top-k.ts), so the ranking is deterministic.
 */
import type { FitContext, ModelFactory, ModelInput, ModelState, Recommender, ScoreQuery, TrainingData } from '../model.js';
import { allocateScores, checkQuery, requireFitted, requireInputs, requireTensor } from '../model-support.js';
import { defineSettings } from '../settings.js';

const NAME = 'popularity';
const SETTINGS = defineSettings(NAME, []);
const INPUTS: readonly ModelInput[] = ['interactions'];

export class PopularityRecommender implements Recommender {
  readonly name = NAME;
  readonly predictsRatings = false;
  readonly hyperParameters: Readonly<Record<string, unknown>>;
  /** Training users per item; empty before fit. */
  private userCounts: Int32Array = new Int32Array(0);

  constructor(hyperParameters: Record<string, unknown> = {}) {
    this.hyperParameters = SETTINGS.resolve(hyperParameters);
  }

  get nItems(): number {
    return this.userCounts.length;
  }

  async fit(data: TrainingData, context?: FitContext): Promise<void> {
    requireInputs(NAME, INPUTS, data);
    context?.signal?.throwIfAborted();
    const train = data.matrix;
    this.userCounts = train.columnCounts();
    context?.onProgress?.({ phase: 'count', done: train.nCols, total: train.nCols });
  }

  /** Each input row gets the training counts; the input itself is not used. */
  score(query: ScoreQuery): Float32Array {
    checkQuery(NAME, this.nItems, INPUTS, query);
    const input = query.histories;
    const n = this.nItems;
    const scores = allocateScores(input.nRows, n);
    const row = Float32Array.from(this.userCounts);
    for (let r = 0; r < input.nRows; r++) scores.set(row, r * n);
    return scores;
  }

  exportState(): ModelState {
    requireFitted(NAME, this.nItems);
    return { tensors: { user_counts: { shape: [this.nItems], data: this.userCounts } } };
  }

  /** Used by the factory to rebuild a saved model. */
  static fromState(hyperParameters: Record<string, unknown>, state: ModelState, nItems: number): PopularityRecommender {
    const model = new PopularityRecommender(hyperParameters);
    model.userCounts = requireTensor(`saved '${NAME}' model`, state.tensors, 'user_counts', Int32Array, [nItems]);
    return model;
  }
}

export const popularityFactory: ModelFactory = {
  name: NAME,
  description: 'Most popular items: scores are the number of training users per item, the same for every user.',
  settings: SETTINGS,
  inputs: INPUTS,
  predictsRatings: false,
  create: (hyperParameters) => new PopularityRecommender(hyperParameters),
  restore: (hyperParameters, state, nItems) => PopularityRecommender.fromState(hyperParameters, state, nItems),
};
