/**
 * The shell every neural recommender shares: fit → the training loop → validation
 * NDCG@100 after each epoch → best-epoch restore → install; scoring in chunks; export
 * and restore of the weights. A model supplies only what is its own (a NeuralModelSpec):
 * its settings, how to build its network, its training epoch (network and loss, as a
 * TrainableModel) and how the network scores a query.
 *
 * Seeding: the initial weights come from stream 0 of `new Rng(seed)` (the training loop
 * draws epoch e from stream e ≥ 1), so a fit depends only on its seed and data.
 */
import type { FeatureTable } from '../data/features.js';
import { Rng } from '../data/random.js';
import type { EvalSet } from '../data/split-types.js';
import type { ScoreQuery, TrainingData } from '../data/training-data.js';
import type { Backend } from '../engine/backend.js';
import { getBackend } from '../engine/index.js';
import { validationNdcg } from '../eval/validation.js';
import { exportParameters, importParameters, type Parameter } from '../nn/parameter.js';
import { trainIteratively, type TrainReport } from '../train/loop.js';
import type { TrainableModel, ValidationResult } from '../train/trainable.js';
import { checkValidationShape, iterativeFitOptions, trainingRows, type IterativeFitSettings } from './iterative-fit.js';
import type { FitContext, ModelFactory, ModelInput, ModelState, Recommender } from './model.js';
import { allocateScores, checkpointSignature, checkQuery, requireFitted, requireInputs } from './model-support.js';
import type { ModelSettings } from './settings.js';

/** Seed used when the fit context gives none, so an unseeded fit is still reproducible. */
const DEFAULT_SEED = 0;
/** The Rng stream of the initial weights: the training loop draws epoch e from stream e ≥ 1. */
const INITIALISATION_STREAM = 0;

export interface NeuralNetwork {
  /** Every trained parameter, in a fixed order: what is saved and restored. */
  readonly parameters: Parameter[];
  /** Catalogue size: the width of the output. */
  readonly items: number;
}

/** What one neural model is: everything the shell cannot know. */
export interface NeuralModelSpec<Settings extends IterativeFitSettings & { readonly batchSize: number }, Network extends NeuralNetwork> {
  readonly name: string;
  readonly description: string;
  readonly settings: ModelSettings;
  readonly inputs: readonly ModelInput[];
  /** Typed settings from resolved hyper-parameters, with any check the declarations cannot express. */
  parseSettings(resolved: Readonly<Record<string, unknown>>): Settings;
  /** A network with initial weights drawn from `rng`, for `train`. */
  createNetwork(backend: Backend, train: TrainingData, settings: Settings, rng: Rng): Network;
  /** A network shaped like the saved one (its weights are loaded next). */
  networkForState(backend: Backend, state: ModelState, nItems: number, settings: Settings, source: string): Network;
  /** The training loop's side of the model: epochs of mini-batches, the loss, the optimiser. `rng`: the initialisation stream, for any extra state. */
  createTraining(backend: Backend, network: Network, examples: TrainingData, settings: Settings, rng: Rng): TrainableModel;
  /** Scores of every item for each query row into `out` (rows × items), at most `settings.batchSize` rows at a time. */
  scoreInto(network: Network, query: ScoreQuery, out: Float32Array, settings: Settings): void;
  /**
   * The training users (rows of `train`) the model fits on; default: the rows with
   * interactions (held-out users' empty rows must not train the model).
   */
  trainingExamples?(train: TrainingData): TrainingData;
  /** Extra numbers the checkpoint signature must match (default: the catalogue size). */
  signatureShape?(train: TrainingData): Record<string, number>;
  /** True for rating predictors (default false: ranking scores). */
  readonly predictsRatings?: boolean;
  /** The model-selection score after each epoch (default: validation NDCG@100, higher is better). */
  validate?(network: Network, validation: EvalSet, settings: Settings): ValidationResult;
  /** Whether a higher `validate` score is better (default true). */
  readonly higherIsBetter?: boolean;
  /** Called when training or loading has set the weights, before the network is installed (e.g. to refresh caches of them). */
  weightsSet?(network: Network): void;
  /** What the model saves besides its parameters (default: nothing). */
  exportExtra?(network: Network): ModelState | undefined;
  /** Whether the fitted network reads the query's user features (default false). */
  readsUserFeatures?(network: Network): boolean;
  /** Scores of items outside the catalogue from their features (Recommender.scoreNewItems); undefined when this network cannot. */
  scoreNewItems?(network: Network, query: ScoreQuery, items: FeatureTable, settings: Settings): Float32Array | undefined;
}

export class NeuralRecommender<Settings extends IterativeFitSettings & { readonly batchSize: number }, Network extends NeuralNetwork> implements Recommender {
  readonly name: string;
  readonly predictsRatings: boolean;
  readonly hyperParameters: Readonly<Record<string, unknown>>;
  readonly settings: Settings;
  private network: Network | undefined;
  private report: TrainReport | undefined;

  /** `backend` defaults to the process's (getBackend()); tests pass one to run on both. */
  constructor(
    private readonly spec: NeuralModelSpec<Settings, Network>,
    hyperParameters: Record<string, unknown> = {},
    private readonly backend: Backend = getBackend(),
  ) {
    this.name = spec.name;
    this.predictsRatings = spec.predictsRatings ?? false;
    this.hyperParameters = spec.settings.resolve(hyperParameters);
    this.settings = spec.parseSettings(this.hyperParameters);
    const scoreNewItems = spec.scoreNewItems;
    if (scoreNewItems) {
      this.scoreNewItems = (query, items) => {
        checkQuery(this.name, this.nItems, spec.inputs, query);
        return scoreNewItems(this.network!, query, items, this.settings);
      };
    }
  }

  get nItems(): number {
    return this.network?.items ?? 0;
  }

  get readsUserFeatures(): boolean {
    return this.network !== undefined && (this.spec.readsUserFeatures?.(this.network) ?? false);
  }

  /** Per-epoch losses, validation NDCG@100 and training seconds of the last fit; undefined before one. */
  get trainingReport(): TrainReport | undefined {
    return this.report;
  }

  /**
   * Trains on the training examples of `train`. With context.validation, the validation
   * users' NDCG@100 (fold-in input, targets, exclusions as in evaluation) is computed
   * after every epoch, the best epoch's weights are kept, and training stops after
   * `patience` epochs without improvement. The network is installed only at the end,
   * so a cancelled or failed fit leaves the previous model in place.
   */
  async fit(train: TrainingData, context?: FitContext): Promise<void> {
    requireInputs(this.name, this.spec.inputs, train);
    const { matrix } = train;
    const examples = this.spec.trainingExamples ? this.spec.trainingExamples(train) : { ...train, matrix: trainingRows(matrix) };
    if (examples.matrix.nnz === 0) throw new Error(`${this.name}: the training matrix (${matrix.nRows} users × ${matrix.nCols} items) has no interactions`);
    const validation = context?.validation;
    checkValidationShape(this.name, matrix, validation);
    const seed = context?.seed ?? DEFAULT_SEED;
    const initialisation = new Rng(seed).fork(INITIALISATION_STREAM);
    const network = this.spec.createNetwork(this.backend, train, this.settings, initialisation);
    const validate = validation ? (): ValidationResult => this.validationScore(network, validation) : undefined;
    const shape = this.spec.signatureShape ? this.spec.signatureShape(train) : { items: matrix.nCols };
    const report = await trainIteratively(
      this.spec.createTraining(this.backend, network, examples, this.settings, initialisation),
      iterativeFitOptions(this.settings, context, seed, validate, {
        higherIsBetter: this.spec.higherIsBetter ?? true,
        modelSignature: checkpointSignature(this.name, this.hyperParameters, shape),
      }),
    );
    this.spec.weightsSet?.(network);
    this.network = network;
    this.report = report;
  }

  private validationScore(network: Network, validation: EvalSet): ValidationResult {
    if (this.spec.validate) return this.spec.validate(network, validation, this.settings);
    const scorer = { nItems: network.items, score: (query: ScoreQuery) => this.scoreWith(network, query) };
    return validationNdcg(scorer, validation, this.settings.batchSize);
  }

  private scoreWith(network: Network, query: ScoreQuery): Float32Array {
    const scores = allocateScores(query.histories.nRows, network.items);
    this.spec.scoreInto(network, query, scores, this.settings);
    return scores;
  }

  score(query: ScoreQuery): Float32Array {
    checkQuery(this.name, this.nItems, this.spec.inputs, query);
    return this.scoreWith(this.network!, query);
  }

  /** Defined (as the contract's optional method) only for kinds whose spec scores new items. */
  readonly scoreNewItems?: (query: ScoreQuery, items: FeatureTable) => Float32Array | undefined;

  exportState(): ModelState {
    requireFitted(this.name, this.nItems);
    const extra = this.spec.exportExtra?.(this.network!);
    const tensors = { ...exportParameters(this.network!.parameters), ...extra?.tensors };
    return extra?.extra !== undefined ? { tensors, extra: extra.extra } : { tensors };
  }

  /** Rebuilds a saved model (the factory's `restore`). */
  static fromState<S extends IterativeFitSettings & { readonly batchSize: number }, N extends NeuralNetwork>(
    spec: NeuralModelSpec<S, N>,
    hyperParameters: Record<string, unknown>,
    state: ModelState,
    nItems: number,
    backend: Backend = getBackend(),
  ): NeuralRecommender<S, N> {
    const model = new NeuralRecommender(spec, hyperParameters, backend);
    const source = `saved '${spec.name}' model`;
    const network = spec.networkForState(backend, state, nItems, model.settings, source);
    importParameters(network.parameters, state.tensors, source);
    spec.weightsSet?.(network);
    model.network = network;
    return model;
  }
}

/** The registry entry of a neural model. */
export function neuralModelFactory<S extends IterativeFitSettings & { readonly batchSize: number }, N extends NeuralNetwork>(spec: NeuralModelSpec<S, N>): ModelFactory {
  return {
    name: spec.name,
    description: spec.description,
    settings: spec.settings,
    inputs: spec.inputs,
    predictsRatings: spec.predictsRatings ?? false,
    create: (hyperParameters) => new NeuralRecommender(spec, hyperParameters),
    restore: (hyperParameters, state, nItems) => NeuralRecommender.fromState(spec, hyperParameters, state, nItems),
  };
}
