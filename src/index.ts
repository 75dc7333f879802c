/**
 * recoder's library surface. Layers, imports pointing one way (README, Architecture):
 *   cli → serve → experiment → models → train → nn → engine; eval beside models; data and io below all.
 */
// Data
export { IdMap } from './data/id-map.js';
export { CsrMatrix, csrFromCoo, type DuplicatePolicy } from './data/csr.js';
export {
  InteractionLogBuilder,
  interactionMatrix,
  timeOrder,
  type AttributeTable,
  type Dataset,
  type InteractionLog,
} from './data/interactions.js';
export { DataFormatError, type ReadOptions, type ReadReport } from './data/errors.js';
export { dataDir } from './data/paths.js';
export * from './data/readers/index.js';
export {
  binarize,
  filterInteractions,
  interactionDataFromDataset,
  interactionMatrixWithTimes,
  kCore,
  trainingDataOf,
  type EventLog,
  type FilterOptions,
  type InteractionData,
} from './data/transforms.js';
export {
  checkScoreQuery,
  checkTrainingData,
  historiesQuery,
  interactionsOnly,
  selectQueryRows,
  type ScoreQuery,
  type TrainingData,
} from './data/training-data.js';
export * from './data/sequences.js';
export * from './data/features.js';
export { Rng } from './data/random.js';
export * from './data/splits/index.js';
export type { EvalSet, Split, SplitProtocol } from './data/split-types.js';
export { loadSplit, saveSplit } from './data/split-io.js';
export { matrixFingerprint } from './data/fingerprint.js';
export { readSafetensors, writeSafetensors, type Tensor } from './io/safetensors.js';

// Models
export type { FitContext, FitProgress, HistoryContributions, ModelFactory, ModelInput, ModelState, Recommender } from './models/model.js';
export * from './models/settings.js';
export { NeuralRecommender, neuralModelFactory, type NeuralModelSpec, type NeuralNetwork } from './models/neural-recommender.js';
export { requireInputs, checkQuery } from './models/model-support.js';
export { getModelFactory, listModelFactories, parseHyperParameters, registerModelFactory } from './models/registry.js';
export { PopularityRecommender, popularityFactory } from './models/baselines/popularity.js';
export { ItemKnnRecommender, itemKnnFactory } from './models/baselines/item-knn.js';
export { EaseRecommender, easeFactory } from './models/baselines/ease.js';
export { SessionKnnRecommender, sessionKnnFactory } from './models/baselines/session-knn.js';
export { loadModel, saveModel, readModelManifest, type ModelManifest, type LoadedModel } from './models/model-file.js';

// Evaluation
export { topKPerRow, type TopKLists } from './eval/top-k.js';
export * from './eval/metrics.js';
export {
  DEFAULT_RANKING_METRICS,
  evaluateRanking,
  evaluateRatings,
  type RankingEvaluation,
  type RatingEvaluation,
  type Scorer,
} from './eval/evaluate.js';
export { evaluationToJSON, formatMetricTable, type EvaluationReport } from './eval/report.js';
export { DEFAULT_SESSION_METRICS, evaluateSessions, type SessionEvaluation } from './eval/sessions.js';

// Experiments
export { attributeScores, rankedReasons, topReasons, type AttributionMethod, type Reason, type ScoreAttribution } from './explain/attribution.js';
export { leaveOneOutQuery, leaveOneOutWeights, type LeaveOneOutOptions } from './explain/leave-one-out.js';
export { prepareData, resolveDataset, type DataSpec, type PreparedData } from './experiment/prepare.js';
export { evaluateOnSplit, fitOnSplit, runOnSplit, type ModelChoice, type RunResult } from './experiment/run.js';

// Numeric engine
export { describeBackend, getBackend, resolveBackend } from './engine/index.js';
export type { Activation, AdamStep, Backend, CsrOperand } from './engine/backend.js';
