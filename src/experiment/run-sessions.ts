/**
 * One model on a session split (SR-GNN protocol, src/data/splits/sessions.ts): fit on the
 * training sessions, then predict every next click of each test session from its prefix
 * (src/eval/sessions.ts). What `recoder evaluate --protocol sessions` runs.
 */
import type { SessionSplit } from '../data/splits/sessions.js';
import { evaluateSessions, type SessionEvaluation } from '../eval/sessions.js';
import type { FitProgress, Recommender } from '../models/model.js';
import { getModelFactory } from '../models/registry.js';
import type { ModelChoice } from './run.js';

export interface SessionRunOptions {
  readonly seed: number;
  /** Session metrics (recall@k, hr@k, mrr@k, ndcg@k); recall@20 and mrr@20 when absent. */
  readonly metrics?: readonly string[];
  readonly onProgress?: (progress: FitProgress) => void;
}

export interface SessionRunResult {
  readonly model: Recommender;
  readonly fitSeconds: number;
  readonly test: SessionEvaluation;
}

export async function runOnSessionSplit(choice: ModelChoice, split: SessionSplit, options: SessionRunOptions): Promise<SessionRunResult> {
  const model = getModelFactory(choice.name).create({ ...choice.hyperParameters });
  const started = performance.now();
  await model.fit(split.train, { seed: options.seed, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  const fitSeconds = (performance.now() - started) / 1000;
  const onProgress = options.onProgress;
  const test = evaluateSessions(model, split.test.sessions, {
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(onProgress ? { onProgress: (done: number, total: number) => onProgress({ phase: `evaluate ${model.name} (test sessions)`, done, total }) } : {}),
  });
  return { model, fitSeconds, test };
}
