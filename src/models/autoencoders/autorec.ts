/**
 * AutoRec (Sedhain, Menon, Sanner & Xie, "AutoRec: Autoencoders Meet
 * Collaborative Filtering", WWW 2015), for explicit ratings, in both forms:
 *
 * - `autorec-item` (I-AutoRec): each item's vector of user ratings is one
 *   example; the paper's better variant (ML-1M RMSE 0.831 vs 0.874).
 * - `autorec-user` (U-AutoRec): each user's vector of item ratings is one example.
 *
 * Network and loss (eq. 1–2): h = sigmoid(W·r + μ), ĥ = V·h + b (identity
 * output), minimising Σ over observed ratings (r − ĥ)² + (λ/2)(‖W‖² + ‖V‖²);
 * see autorec-network.ts for how mini-batches share the L2 term. Prediction,
 * defaults for users/items without training ratings and clamping are in
 * autorec-predictor.ts.
 *
 * Optimiser: Adam (torch.optim.Adam's defaults), full-batch by default, or
 * plain SGD; mini-batches with batchSize > 0. The paper trained full-batch
 * with RProp or L-BFGS, which recoder does not implement; full-batch Adam
 * came out best on validation (see DEFAULTS), so it is the default here.
 * Training runs on the shared loop (src/train/loop.ts):
 * with a validation set the RMSE on it is checked after every epoch, training
 * stops after `patience` epochs without improvement (0: never early) and the
 * best epoch's weights are kept.
 *
 * Hyper-parameters: hidden (500, the paper's k), lambda (L2), learningRate,
 * batchSize (examples per step; 0 for all of them), epochs (at most),
 * patience (0: never stop early), optimizer ('adam' | 'sgd'), defaultRating
 * (3, the paper's).
 */
import type { CsrMatrix } from '../../data/csr.js';
import type { Rng } from '../../data/random.js';
import type { EvalSet } from '../../data/split-types.js';
import type { Backend } from '../../engine/backend.js';
import type { Parameter } from '../../nn/parameter.js';
import { rowBatches } from '../../nn/batches.js';
import type { BatchCallback, EpochResult, TrainableModel, TrainingState } from '../../train/trainable.js';
import { parameterTrainingState, restoreParameterTrainingState } from '../../train/parameter-state.js';
import { AUTOREC_OPTIMIZERS, AutoRecNetwork, AutoRecTrainer, type AutoRecBatchResult, type AutoRecOptimizer } from './autorec-network.js';
import { AutoRecPredictor, type AutoRecPredictorData, type AutoRecVariant } from './autorec-predictor.js';
import { checkNumber } from '../hyper-parameters.js';
import type { ModelFactory, ModelInput, ModelState, TrainingData } from '../model.js';
import { requireCsrTensors, requireTensor } from '../model-support.js';
import { NeuralRecommender, neuralModelFactory, type NeuralModelSpec } from '../neural-recommender.js';
import { defineSettings, type ModelSettings } from '../settings.js';

export type { AutoRecVariant } from './autorec-predictor.js';

/**
 * Defaults, chosen on the validation set of a random 90/10 split of ML-100K and
 * ML-latest-small (seed 1, 10 % of train held out; I-AutoRec): full-batch Adam
 * (batchSize 0, as the paper trains full-batch) at learning rate 0.01 reached
 * validation RMSE 0.882 and 0.856, against 0.890–0.904 and 0.860–0.881 for
 * batches of 64–2048 at rates 1e-3–1e-2; λ = 100 beat 30 and 300 on both
 * (1000 underfits; the paper's grid is {0.001, …, 1000}). The best epoch was
 * 95 and 57; 80 epochs is within 0.015 of both, and with a validation set
 * training stops after `patience` epochs without improvement instead.
 */
const SETTING_SPECS = [
  { name: 'hidden', type: 'integer', default: 500, min: 1, description: 'hidden width k (sigmoid), 500 in the paper', search: { min: 100, max: 1000, scale: 'log' } },
  { name: 'lambda', type: 'number', default: 100, min: 0, scale: 'log', description: 'L2 weight λ of (λ/2)(‖W‖² + ‖V‖²)', search: { min: 1, max: 1000 } },
  { name: 'learningRate', type: 'number', default: 0.01, min: 0, exclusiveMin: true, scale: 'log', description: 'optimiser learning rate', search: { min: 1e-3, max: 3e-2 } },
  { name: 'batchSize', type: 'integer', default: 0, min: 0, description: 'examples per step; 0 for all of them (full batch, as in the paper)' },
  { name: 'epochs', type: 'integer', default: 80, min: 1, description: 'most epochs to train' },
  { name: 'patience', type: 'integer', default: 20, min: 0, description: 'epochs without a better validation RMSE before stopping; 0 never stops early' },
  { name: 'optimizer', type: 'choice', default: 'adam', choices: AUTOREC_OPTIMIZERS, description: 'adam, or sgd' },
  { name: 'defaultRating', type: 'number', default: 3, description: 'prediction for a user or item without training ratings (the paper: 3)' },
] as const;
const SETTINGS: Record<AutoRecVariant, ModelSettings> = {
  item: defineSettings('autorec-item', SETTING_SPECS),
  user: defineSettings('autorec-user', SETTING_SPECS),
};
const INPUTS: readonly ModelInput[] = ['interactions'];


interface AutoRecSettings {
  readonly hidden: number;
  readonly lambda: number;
  readonly learningRate: number;
  readonly optimizer: AutoRecOptimizer;
  /** Examples per step; 0 for all of them (full batch, as in the paper). */
  readonly batchSize: number;
  readonly epochs: number;
  readonly patience: number;
  readonly defaultRating: number;
}

function modelName(variant: AutoRecVariant): string {
  return variant === 'item' ? 'autorec-item' : 'autorec-user';
}

function parseSettings(name: string, resolved: Readonly<Record<string, unknown>>): AutoRecSettings {
  const optimizer = resolved['optimizer'];
  if (!AUTOREC_OPTIMIZERS.includes(optimizer as AutoRecOptimizer)) {
    throw new RangeError(`hyper-parameter 'optimizer' of model '${name}' must be one of ${AUTOREC_OPTIMIZERS.join(', ')}, got ${JSON.stringify(optimizer)}`);
  }
  const learningRate = checkNumber(name, 'learningRate', resolved['learningRate'], { min: 0 });
  if (learningRate === 0) throw new RangeError(`hyper-parameter 'learningRate' of model '${name}' must be positive, got 0`);
  const defaultRating = resolved['defaultRating'];
  if (typeof defaultRating !== 'number' || !Number.isFinite(defaultRating)) {
    throw new RangeError(`hyper-parameter 'defaultRating' of model '${name}' must be a finite number, got ${JSON.stringify(defaultRating)}`);
  }
  return {
    hidden: checkNumber(name, 'hidden', resolved['hidden'], { min: 1, integer: true }),
    lambda: checkNumber(name, 'lambda', resolved['lambda'], { min: 0 }),
    learningRate,
    batchSize: checkNumber(name, 'batchSize', resolved['batchSize'], { min: 0, integer: true }),
    epochs: checkNumber(name, 'epochs', resolved['epochs'], { min: 1, integer: true }),
    patience: checkNumber(name, 'patience', resolved['patience'], { min: 0, integer: true }),
    optimizer: optimizer as AutoRecOptimizer,
    defaultRating,
  };
}

/** Examples per step for `total` examples: batchSize, or all of them when it is 0. */
function effectiveBatchSize(settings: AutoRecSettings, total: number): number {
  return settings.batchSize === 0 ? total : Math.min(settings.batchSize, total);
}

/** The rating data the predictor needs, from a users × items training matrix. */
function predictorData(variant: AutoRecVariant, train: CsrMatrix, defaultRating: number): AutoRecPredictorData {
  let low = Infinity;
  let high = -Infinity;
  for (let p = 0; p < train.nnz; p++) {
    const rating = train.values[p]!;
    if (!Number.isFinite(rating)) {
      const row = train.indptr.findIndex((offset) => offset > p) - 1;
      throw new RangeError(`AutoRec training rating of user ${row}, item ${train.indices[p]} is ${rating}; ratings must be finite numbers`);
    }
    if (rating < low) low = rating;
    if (rating > high) high = rating;
  }
  const userRatingCounts = new Int32Array(train.nRows);
  for (let u = 0; u < train.nRows; u++) userRatingCounts[u] = train.rowLength(u);
  return {
    variant,
    ...(variant === 'item' ? { itemVectors: train.transpose() } : {}),
    userRatingCounts,
    itemRatingCounts: train.columnCounts(),
    ratingRange: [low, high],
    defaultRating,
  };
}

/** Root-mean-square error of the predictions at an evaluation set's targets (the validation score). */
function rmseOn(predictor: AutoRecPredictor, evalSet: EvalSet): number {
  const predictions = predictor.predictAt(evalSet.targets, evalSet.users, evalSet.input);
  const ratings = evalSet.targets.values;
  if (ratings.length === 0) throw new Error('AutoRec validation set has no target ratings');
  let sum = 0;
  for (let p = 0; p < ratings.length; p++) sum += (predictions[p]! - ratings[p]!) ** 2;
  return Math.sqrt(sum / ratings.length);
}

/** Epochs of mini-batch training of one network on its examples: the training loop's side of AutoRec. */
class AutoRecTraining implements TrainableModel {
  private readonly trainer: AutoRecTrainer;

  constructor(
    private readonly network: AutoRecNetwork,
    private readonly examples: CsrMatrix,
    private readonly settings: AutoRecSettings,
    backend: Backend,
  ) {
    this.trainer = new AutoRecTrainer(backend, network, {
      lambda: settings.lambda,
      learningRate: settings.learningRate,
      optimizer: settings.optimizer,
      batchSize: effectiveBatchSize(settings, examples.nRows),
      totalExamples: examples.nRows,
    });
  }

  async trainEpoch(_epoch: number, rng: Rng, signal?: AbortSignal, onBatch?: BatchCallback): Promise<EpochResult> {
    const total = this.examples.nRows;
    const batchSize = effectiveBatchSize(this.settings, total);
    let squaredError = 0;
    let observed = 0;
    const take = (result: AutoRecBatchResult) => {
      squaredError += result.squaredError;
      observed += result.observed;
    };
    if (batchSize >= total) {
      // One full batch: the order of the examples does not change the step, so skip the shuffle and the copy.
      signal?.throwIfAborted();
      take(this.trainer.step(this.examples));
      await onBatch?.(1, 1);
    } else {
      const batches = rowBatches(this.examples, batchSize, rng);
      for (const batch of batches) {
        signal?.throwIfAborted();
        take(this.trainer.step(batch.input));
        await onBatch?.(batch.index + 1, batches.count);
      }
    }
    // The paper's objective per example, with its L2 term at the epoch's final weights.
    const objective = squaredError + (this.settings.lambda / 2) * this.network.weightSquaredNorm();
    return { loss: objective / total, values: { train_rmse: Math.sqrt(squaredError / Math.max(1, observed)) } };
  }

  trainingState(): TrainingState {
    return parameterTrainingState(this.network.parameters, this.trainer.optimizer);
  }

  restoreTrainingState(state: TrainingState): void {
    restoreParameterTrainingState(this.network.parameters, this.trainer.optimizer, state, 'AutoRec training state');
  }
}

/** AutoRec's network with the rating data its predictions need (counts, range, I-AutoRec's item vectors). */
interface AutoRecParts {
  readonly network: AutoRecNetwork;
  readonly data: AutoRecPredictorData;
  readonly predictor: AutoRecPredictor;
  readonly parameters: Parameter[];
  readonly items: number;
}

function autoRecParts(backend: Backend, data: AutoRecPredictorData, network: AutoRecNetwork): AutoRecParts {
  return { network, data, predictor: new AutoRecPredictor(backend, network, data), parameters: network.parameters, items: data.itemRatingCounts.length };
}

function requireRatings(name: string, train: TrainingData): void {
  const { matrix } = train;
  if (matrix.nnz === 0) throw new Error(`${name}: the training matrix (${matrix.nRows} users × ${matrix.nCols} items) has no ratings`);
}

/** AutoRec's part of the neural shell (neural-recommender.ts): a rating predictor selected by validation RMSE. */
function autoRecSpec(variant: AutoRecVariant, description: string): NeuralModelSpec<AutoRecSettings, AutoRecParts> {
  const name = modelName(variant);
  return {
    name,
    description,
    settings: SETTINGS[variant],
    inputs: INPUTS,
    predictsRatings: true,
    higherIsBetter: false,
    parseSettings: (resolved) => parseSettings(name, resolved),
    // I-AutoRec's examples are the items' rating vectors over users; U-AutoRec's the users' rows.
    trainingExamples: (train) => {
      requireRatings(name, train);
      return variant === 'item' ? { matrix: train.matrix.transpose() } : train;
    },
    createNetwork: (backend, train, settings, rng) => {
      requireRatings(name, train);
      const data = predictorData(variant, train.matrix, settings.defaultRating);
      const inputs = variant === 'item' ? train.matrix.nRows : train.matrix.nCols;
      return autoRecParts(backend, data, new AutoRecNetwork(backend, { inputs, hidden: settings.hidden }, rng));
    },
    networkForState: (backend, state, nItems, settings, source) => {
      const data = savedPredictorData(variant, state, nItems, settings.defaultRating, source);
      const inputs = variant === 'item' ? data.userRatingCounts.length : nItems;
      return autoRecParts(backend, data, new AutoRecNetwork(backend, { inputs, hidden: settings.hidden }));
    },
    createTraining: (backend, parts, examples, settings) => new AutoRecTraining(parts.network, examples.matrix, settings, backend),
    weightsSet: (parts) => parts.predictor.refreshItemCodes(),
    validate: (parts, validation) => {
      parts.predictor.refreshItemCodes();
      const rmse = rmseOn(parts.predictor, validation);
      return { score: rmse, values: { rmse } };
    },
    /**
     * Predicted ratings of every item for each query row. I-AutoRec reads only the rows'
     * training users (-1 for an unknown user, who gets the default rating everywhere) and so
     * requires them; U-AutoRec encodes the rows themselves.
     */
    scoreInto: (parts, query, out) => {
      let users = query.users;
      if (users === undefined) {
        if (variant === 'item') {
          throw new Error(`${name} predicts only for the users it was trained on: pass each row's training user index (-1 for an unknown user)`);
        }
        users = new Int32Array(query.histories.nRows).fill(-1);
      }
      out.set(parts.predictor.scoreRows(query.histories, users));
    },
    exportExtra: ({ data }) => {
      const tensors: ModelState['tensors'] = {
        user_rating_counts: { shape: [data.userRatingCounts.length], data: data.userRatingCounts },
        item_rating_counts: { shape: [data.itemRatingCounts.length], data: data.itemRatingCounts },
      };
      if (data.itemVectors !== undefined) {
        const vectors = data.itemVectors;
        tensors['item_vectors.indptr'] = { shape: [vectors.nRows + 1], data: vectors.indptr };
        tensors['item_vectors.indices'] = { shape: [vectors.nnz], data: vectors.indices };
        tensors['item_vectors.values'] = { shape: [vectors.nnz], data: vectors.values };
      }
      return { tensors, extra: { ratingRange: [...data.ratingRange] } };
    },
  };
}

/** The rating data of a saved AutoRec, checked. */
function savedPredictorData(variant: AutoRecVariant, state: ModelState, nItems: number, defaultRating: number, source: string): AutoRecPredictorData {
  const ratingRange = state.extra?.['ratingRange'];
  if (!Array.isArray(ratingRange) || ratingRange.length !== 2 || !ratingRange.every((v) => typeof v === 'number' && Number.isFinite(v)) || !(ratingRange[0] <= ratingRange[1])) {
    throw new Error(`${source}: 'ratingRange' must be [low, high] with low ≤ high, got ${JSON.stringify(ratingRange)}`);
  }
  const userCountsTensor = state.tensors['user_rating_counts'];
  if (userCountsTensor === undefined || userCountsTensor.shape.length !== 1) throw new Error(`${source} lacks the 1-D tensor 'user_rating_counts'`);
  const nUsers = userCountsTensor.shape[0]!;
  return {
    variant,
    ...(variant === 'item' ? { itemVectors: requireCsrTensors(source, state.tensors, 'item_vectors', nItems, nUsers) } : {}),
    userRatingCounts: requireTensor(source, state.tensors, 'user_rating_counts', Int32Array, [nUsers]),
    itemRatingCounts: requireTensor(source, state.tensors, 'item_rating_counts', Int32Array, [nItems]),
    ratingRange: [ratingRange[0] as number, ratingRange[1] as number],
    defaultRating,
  };
}

const SPECS: Record<AutoRecVariant, NeuralModelSpec<AutoRecSettings, AutoRecParts>> = {
  item: autoRecSpec(
    'item',
    "I-AutoRec (Sedhain et al. 2015): each item's ratings reconstructed by a sigmoid autoencoder trained on observed ratings only; predicts ratings (RMSE).",
  ),
  user: autoRecSpec(
    'user',
    "U-AutoRec (Sedhain et al. 2015): each user's ratings reconstructed by a sigmoid autoencoder trained on observed ratings only; predicts ratings (RMSE) and encodes new users' rows.",
  ),
};

/** An AutoRec recommender on a given backend (tests run both). */
export function autoRecRecommender(variant: AutoRecVariant, hyperParameters: Record<string, unknown> = {}, backend?: Backend): NeuralRecommender<AutoRecSettings, AutoRecParts> {
  return new NeuralRecommender(SPECS[variant], hyperParameters, backend);
}

export const itemAutoRecFactory: ModelFactory = neuralModelFactory(SPECS.item);
export const userAutoRecFactory: ModelFactory = neuralModelFactory(SPECS.user);
