/**
 * SASRec (Kang & McAuley, "Self-Attentive Sequential Recommendation", ICDM
 * 2018) trained as SASRec+ (Klenitskiy & Vasilev, RecSys 2023): next-item
 * prediction at every position of each user's last `maxLength + 1` events,
 * with the full-softmax cross-entropy over the whole catalogue instead of the
 * original one-negative binary cross-entropy — the change that makes SASRec
 * match or beat BERT4Rec. The network is sasrec-network.ts.
 *
 * Defaults are SASRec+'s configs (antklen/sasrec-bert4rec-recsys23,
 * src/configs/SASRec.yaml): 2 blocks, 1 head, hidden 64, dropout 0.1, Adam
 * lr 1e-3, batches of 128 users, at most 100 epochs with patience 10 on the
 * validation NDCG@10 (their checkpoint monitors val_ndcg at predict_top_k 10);
 * windows of the last 50 events (the paper uses 200 for MovieLens:
 * `maxLength=200` there). On amazon-beauty dropout 0.5 validates best and
 * reaches the eSASRec benchmark's level (BENCHMARKS.md, "SASRec").
 *
 * Scoring reads the last `maxLength` events of each query row's ordered
 * sequence — a training user, a held-out user, a visitor never seen in
 * training — and ranks every item by h·E[item] with h the final state at
 * the most recent event. No retraining is needed for a new history.
 */
import type { Rng } from '../../data/random.js';
import type { UserSequences } from '../../data/sequences.js';
import type { EvalSet } from '../../data/split-types.js';
import type { Backend } from '../../engine/backend.js';
import { evaluateRanking } from '../../eval/evaluate.js';
import { CatalogueSoftmax } from '../../nn/catalogue-softmax.js';
import { Adam } from '../../nn/optimizers.js';
import { packWindows } from '../../nn/packed-windows.js';
import { exportParameters, importParameters } from '../../nn/parameter.js';
import { historyWindows, trainingWindows } from '../../nn/sequence-windows.js';
import type { BatchCallback, EpochResult, TrainableModel, TrainingState } from '../../train/trainable.js';
import { trainingLoopSettingSpecs } from '../iterative-fit.js';
import type { ModelFactory, ScoreQuery } from '../model.js';
import { allocateScores } from '../model-support.js';
import { NeuralRecommender, neuralModelFactory, type NeuralModelSpec } from '../neural-recommender.js';
import { defineSettings } from '../settings.js';
import { SasrecNetwork } from './sasrec-network.js';

/**
 * Target slots whose catalogue logits exist at once (chunkRows × items floats, twice: about
 * 200 MB on a 12k-item catalogue). Larger chunks make the three catalogue GEMMs faster
 * (measured on amazon-beauty: 768 rows in one chunk 100 ms, in chunks of 128 200 ms), and a
 * typical batch of 128 users has well under this many targets, so it is one chunk.
 */
const LOSS_CHUNK_ROWS = 2048;

/** The model-selection score: SASRec+'s (their ModelCheckpoint monitors val_ndcg with predict_top_k 10). */
export const SASREC_VALIDATION_METRIC = 'ndcg@10';

export interface SasrecSettings {
  readonly hidden: number;
  readonly blocks: number;
  readonly heads: number;
  readonly maxLength: number;
  readonly dropout: number;
  readonly learningRate: number;
  readonly batchSize: number;
  readonly epochs: number;
  readonly patience: number;
}

export const SASREC_SETTINGS = defineSettings('sasrec', [
  { name: 'hidden', type: 'integer', default: 64, min: 1, description: 'width d of the item and position embeddings and of every layer', search: { min: 32, max: 256, scale: 'log' } },
  { name: 'blocks', type: 'integer', default: 2, min: 1, description: 'self-attention blocks (attention + point-wise feed-forward)', search: { min: 1, max: 3 } },
  { name: 'heads', type: 'integer', default: 1, min: 1, description: 'attention heads (must divide hidden)' },
  { name: 'maxLength', type: 'integer', default: 50, min: 1, description: 'most recent events a window holds (SASRec+ uses 50; 200 for MovieLens)' },
  { name: 'dropout', type: 'number', default: 0.1, min: 0, max: 1, exclusiveMax: true, description: 'dropout rate on the embeddings, the attention weights and the feed-forward layers', search: { min: 0, max: 0.5 } },
  { name: 'learningRate', type: 'number', default: 1e-3, min: 0, exclusiveMin: true, scale: 'log', description: 'Adam learning rate', search: { min: 1e-4, max: 1e-2 } },
  ...trainingLoopSettingSpecs({ batchSize: 128, epochs: 100, patience: 10 }),
]);

function parseSettings(resolved: Readonly<Record<string, unknown>>): SasrecSettings {
  const settings = resolved as unknown as SasrecSettings;
  if (settings.hidden % settings.heads !== 0) throw new RangeError(`hyper-parameter 'heads' of model 'sasrec' must divide hidden (${settings.hidden}), got ${settings.heads}`);
  return settings;
}

function network(backend: Backend, items: number, settings: SasrecSettings, rng?: Rng): SasrecNetwork {
  return new SasrecNetwork(backend, { items, hidden: settings.hidden, blocks: settings.blocks, heads: settings.heads, maxLength: settings.maxLength }, rng);
}

/** Epochs of mini-batches of users' last windows: the training loop's side of SASRec. */
export class SasrecTraining implements TrainableModel {
  private readonly optimizer: Adam;
  private readonly loss: CatalogueSoftmax;
  /** Users with at least two events (one next-item target). */
  private readonly rows: Int32Array;

  constructor(
    private readonly net: SasrecNetwork,
    private readonly sequences: UserSequences,
    private readonly settings: SasrecSettings,
    backend: Backend,
  ) {
    this.optimizer = new Adam(net.parameters, { learningRate: settings.learningRate, backend });
    this.loss = new CatalogueSoftmax(backend, net.itemEmbedding, undefined, { chunkSlots: LOSS_CHUNK_ROWS });
    const rows: number[] = [];
    for (let r = 0; r < sequences.nRows; r++) if (sequences.indptr[r + 1]! - sequences.indptr[r]! >= 2) rows.push(r);
    this.rows = Int32Array.from(rows);
  }

  /**
   * One shuffled pass; each batch's loss is the mean over its target slots (as
   * torch's cross_entropy with ignored padding), the epoch's the mean over all
   * target slots. Dropout seeds come from `rng` after the shuffle.
   */
  async trainEpoch(_epoch: number, rng: Rng, signal?: AbortSignal, onBatch?: BatchCallback): Promise<EpochResult> {
    if (this.rows.length === 0) throw new Error('sasrec: no training user has two events (a next-item target)');
    const order = rng.shuffle(this.rows.slice());
    const { batchSize, maxLength, dropout } = this.settings;
    const batches = Math.ceil(order.length / batchSize);
    let lossSum = 0;
    let slots = 0;
    const plan = { rate: dropout, nextSeed: () => rng.nextUint32() };
    for (let i = 0; i < batches; i++) {
      signal?.throwIfAborted();
      const windows = packWindows(trainingWindows(this.sequences, maxLength, order.subarray(i * batchSize, (i + 1) * batchSize)));
      this.optimizer.zeroGrad();
      const hidden = this.net.forward(windows, plan);
      const { loss, gradHidden } = this.loss.meanLossAndGradient(hidden, windows.targets!);
      this.net.backward(gradHidden);
      this.optimizer.step();
      lossSum += loss * windows.rows;
      slots += windows.rows;
      await onBatch?.(i + 1, batches);
    }
    return { loss: lossSum / slots, values: { targets: slots } };
  }

  trainingState(): TrainingState {
    const optimizerState = this.optimizer.exportState();
    return { tensors: { ...exportParameters(this.net.parameters), ...optimizerState.tensors }, scalars: { ...optimizerState.scalars } };
  }

  restoreTrainingState(state: TrainingState): void {
    importParameters(this.net.parameters, state.tensors, 'sasrec training state');
    this.optimizer.importState(state, 'sasrec training state');
  }
}

/**
 * Scores of every item for each query row (rows × items into `out`): h·Eᵀ with
 * h the final state at the row's most recent event, `chunk` rows at a time. A
 * row without events gets the final norm of an empty state (its shift) as h.
 */
export function scoreSasrec(net: SasrecNetwork, query: ScoreQuery, out: Float32Array, maxLength: number, chunk: number): void {
  const backend = net.backend;
  const sequences = query.sequences!;
  const { items, hidden: d } = net.shape;
  const last = new Float32Array(chunk * d);
  for (let start = 0; start < sequences.nRows; start += chunk) {
    const end = Math.min(start + chunk, sequences.nRows);
    const rowIndices = Int32Array.from({ length: end - start }, (_, i) => start + i);
    const windows = packWindows(historyWindows(sequences, maxLength, rowIndices));
    const hidden = windows.rows > 0 ? net.forward(windows) : undefined;
    for (let w = 0; w < windows.count; w++) {
      const state = last.subarray(w * d, (w + 1) * d);
      if (windows.filled[w]! === 0) state.set(net.finalNorm.shift.value);
      else state.set(hidden!.subarray((windows.firstRow[w + 1]! - 1) * d, windows.firstRow[w + 1]! * d));
    }
    const n = end - start;
    backend.gemm(false, true, n, items, d, 1, last.subarray(0, n * d), d, net.itemEmbedding.value, d, 0, out.subarray(start * items, end * items), items);
  }
}

/** Validation NDCG@10 of the network, the validation users ranked as in evaluation. */
function validateSasrec(net: SasrecNetwork, validation: EvalSet, settings: SasrecSettings) {
  const scorer = {
    nItems: net.items,
    score: (query: ScoreQuery) => {
      const out = allocateScores(query.histories.nRows, net.items);
      scoreSasrec(net, query, out, settings.maxLength, settings.batchSize);
      return out;
    },
  };
  const ndcg = evaluateRanking(scorer, validation, { metrics: [SASREC_VALIDATION_METRIC], batchSize: settings.batchSize }).metrics[SASREC_VALIDATION_METRIC]!.mean;
  return { score: ndcg, values: { [SASREC_VALIDATION_METRIC]: ndcg } };
}

const SASREC_SPEC: NeuralModelSpec<SasrecSettings, SasrecNetwork> = {
  name: 'sasrec',
  description:
    'SASRec (Kang & McAuley 2018) trained as SASRec+ (Klenitskiy & Vasilev 2023): causal self-attention over the last maxLength events, ' +
    'full-softmax cross-entropy over the catalogue at every position; scores any ordered history. ' +
    'Hyper-parameters hidden, blocks, heads, maxLength, dropout, learningRate, batchSize, epochs, patience.',
  settings: SASREC_SETTINGS,
  inputs: ['interactions', 'sequences'],
  parseSettings,
  createNetwork: (b, train, settings, rng) => network(b, train.matrix.nCols, settings, rng),
  networkForState: (b, _state, nItems, settings) => network(b, nItems, settings),
  // Every user's sequence: users with fewer than two events are skipped by the training itself.
  trainingExamples: (train) => train,
  createTraining: (b, net, examples, settings) => new SasrecTraining(net, examples.sequences!, settings, b),
  scoreInto: (net, query, out, settings) => scoreSasrec(net, query, out, settings.maxLength, settings.batchSize),
  validate: validateSasrec,
};

export const sasrecFactory: ModelFactory = neuralModelFactory(SASREC_SPEC);

/** A SASRec recommender on a given backend (tests run both). */
export function sasrecRecommender(hyperParameters: Record<string, unknown> = {}, backend?: Backend): NeuralRecommender<SasrecSettings, SasrecNetwork> {
  return new NeuralRecommender(SASREC_SPEC, hyperParameters, backend);
}
