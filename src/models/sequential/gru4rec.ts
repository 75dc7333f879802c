/**
 * GRU4Rec (Hidasi, Karatzoglou, Baltrunas & Tikk, ICLR 2016; Hidasi & Karatzoglou,
 * CIKM 2018) trained with full-softmax cross-entropy over the catalogue, the
 * "GRU4Rec baseline" of the SASRec+ comparison (Klenitskiy & Vasilev, RecSys 2023):
 *
 *   e_t  = E[item_t]                     input embedding; E = W_y (the output embeddings) by default
 *   ẽ_t  = dropout(e_t, dropoutEmbedding)
 *   h_t  = GRU(ẽ_t, h_{t−1}), h_0 = 0     1 layer, 64 units (stacked layers with dropout between)
 *   h̃_t  = dropout(h_t, dropoutHidden)
 *   loss = −(1/S) Σ_t log softmax(h̃_t·W_yᵀ + b_y)_{item_{t+1}}   over the S target slots of a batch
 *
 * What follows the authors' official PyTorch code (hidasib/GRU4Rec_PyTorch_Official,
 * gru4rec_pytorch.py): constrained_embedding=True (the input embedding is the output
 * embedding matrix W_y, `embedding: 0`), a separate input embedding otherwise
 * (`embedding: width`); torch.nn.GRU's gates; the initialisation (`init_parameter_matrix`:
 * U(±√(6/(rows + cols/3))) for the GRU weights, U(±√(6/(items + H))) for W_y and E, zero
 * biases); dropout on the embedding and on the hidden state; the cross-entropy loss.
 * What does not: the official code trains session-parallel mini-batches with Adagrad and
 * sampled negatives; here, as in the SASRec+ benchmark protocol, users' sequences are cut
 * into right-aligned windows of the last maxLength + 1 events (src/nn/sequence-windows.ts),
 * every slot predicts the next event against the whole catalogue, and Adam updates
 * (lr 1e-3, batch 128, ≤ 100 epochs, patience 10 on validation).
 *
 * Scoring reads each query row's ordered events (its last maxLength), runs the GRU without
 * dropout, and scores the state after the last event: any history, a never-seen visitor's
 * included, without retraining; an empty history scores b_y.
 */
import type { Rng } from '../../data/random.js';
import type { UserSequences } from '../../data/sequences.js';
import type { Backend } from '../../engine/backend.js';
import { CatalogueSoftmax } from '../../nn/catalogue-softmax.js';
import { GruLayer, gru4recUniform } from '../../nn/gru.js';
import { Adam } from '../../nn/optimizers.js';
import { Parameter } from '../../nn/parameter.js';
import { ScratchBuffer } from '../../nn/scratch.js';
import { historyWindows, oneHotRows, trainingWindows, type SequenceWindows } from '../../nn/sequence-windows.js';
import type { BatchCallback, EpochResult, TrainableModel, TrainingState } from '../../train/trainable.js';
import { parameterTrainingState, restoreParameterTrainingState } from '../../train/parameter-state.js';
import { trainingLoopSettingSpecs } from '../iterative-fit.js';
import type { ModelFactory, ScoreQuery, TrainingData } from '../model.js';
import { NeuralRecommender, neuralModelFactory, type NeuralModelSpec } from '../neural-recommender.js';
import { defineSettings } from '../settings.js';
import { requireSequences } from '../model-support.js';

export interface Gru4RecSettings {
  readonly hidden: number;
  readonly layers: number;
  /** 0: the input embedding is the output embedding (official constrained_embedding); otherwise its width. */
  readonly embedding: number;
  readonly maxLength: number;
  readonly dropoutEmbedding: number;
  readonly dropoutHidden: number;
  readonly learningRate: number;
  readonly batchSize: number;
  readonly epochs: number;
  readonly patience: number;
}

const SETTINGS = defineSettings('gru4rec', [
  { name: 'hidden', type: 'integer', default: 64, min: 1, description: 'GRU units per layer (and the item embedding width when tied)', search: { min: 32, max: 512, scale: 'log' } },
  { name: 'layers', type: 'integer', default: 1, min: 1, max: 4, description: 'stacked GRU layers (dropoutHidden after each)' },
  { name: 'embedding', type: 'integer', default: 0, min: 0, description: 'input embedding width; 0 ties the input embedding to the output item embeddings (the official constrained_embedding)' },
  { name: 'maxLength', type: 'integer', default: 50, min: 1, description: 'most recent events a window holds, in training and scoring' },
  { name: 'dropoutEmbedding', type: 'number', default: 0, min: 0, max: 1, exclusiveMax: true, description: 'dropout probability on the input embeddings (official dropout_p_embed)', search: { min: 0, max: 0.5 } },
  { name: 'dropoutHidden', type: 'number', default: 0.2, min: 0, max: 1, exclusiveMax: true, description: 'dropout probability on the GRU outputs (official dropout_p_hidden)', search: { min: 0, max: 0.5 } },
  { name: 'learningRate', type: 'number', default: 1e-3, min: 0, exclusiveMin: true, scale: 'log', description: 'Adam learning rate', search: { min: 1e-4, max: 1e-2 } },
  ...trainingLoopSettingSpecs({ batchSize: 128, epochs: 100, patience: 10 }),
]);

/** The randomness of one training batch. */
interface BatchSeeds {
  readonly embedding: number;
  readonly hidden: number;
}

/** Item embeddings → GRU layers → output embeddings, with the training step and scoring. */
export class Gru4RecNetwork {
  readonly items: number;
  /** W_y [items × H] and b_y [items]: torch's Wy / By of the official code. */
  readonly output: CatalogueSoftmax;
  /** The separate input embedding E [items × embedding], or undefined when tied to W_y. */
  readonly inputEmbedding: Parameter | undefined;
  readonly grus: readonly GruLayer[];
  private readonly embedded = new ScratchBuffer();
  private readonly dropped: ScratchBuffer[];
  private masks: Uint8Array[];
  private readonly gradOutput = new ScratchBuffer();

  constructor(
    private readonly backend: Backend,
    items: number,
    readonly settings: Gru4RecSettings,
    rng?: Rng,
  ) {
    this.items = items;
    const h = settings.hidden;
    const outputWeight = new Parameter('output.weight', [items, h]);
    const outputBias = new Parameter('output.bias', [items]);
    this.output = new CatalogueSoftmax(backend, outputWeight, outputBias);
    this.inputEmbedding = settings.embedding > 0 ? new Parameter('embedding.weight', [items, settings.embedding]) : undefined;
    const inputWidth = settings.embedding > 0 ? settings.embedding : h;
    this.grus = Array.from(
      { length: settings.layers },
      (_, l) => new GruLayer({ name: `gru.${l}`, inputSize: l === 0 ? inputWidth : h, hiddenSize: h, backend, ...(rng ? { rng: rng.fork(10 + l) } : {}) }),
    );
    if (rng) {
      gru4recUniform(outputWeight, rng.fork(0));
      if (this.inputEmbedding) gru4recUniform(this.inputEmbedding, rng.fork(1));
    }
    this.dropped = this.grus.map(() => new ScratchBuffer());
    this.masks = [new Uint8Array(0), ...this.grus.map(() => new Uint8Array(0))];
  }

  get parameters(): Parameter[] {
    return [...this.output.parameters, ...(this.inputEmbedding ? [this.inputEmbedding] : []), ...this.grus.flatMap((g) => g.parameters)];
  }

  private get embeddingMatrix(): Parameter {
    return this.inputEmbedding ?? this.output.weight;
  }

  private mask(index: number, length: number): Uint8Array {
    if (this.masks[index]!.length < length) this.masks[index] = new Uint8Array(length);
    return this.masks[index]!.subarray(0, length);
  }

  /** The last layer's (dropped-out when seeds are given) states, batch·steps × H, for windows `w`. */
  private forward(w: SequenceWindows, seeds: BatchSeeds | undefined): { states: Float32Array; oneHot: ReturnType<typeof oneHotRows> } {
    const b = this.backend;
    const e = this.embeddingMatrix;
    const width = e.shape[1]!;
    const slots = w.count * w.length;
    const oneHot = oneHotRows(w.inputs, this.items);
    let x = this.embedded.view(slots * width);
    b.csrMatmul(1, oneHot, e.value, width, 0, x);
    const pEmbed = this.settings.dropoutEmbedding;
    if (seeds && pEmbed > 0) b.dropout(x, 1 - pEmbed, seeds.embedding, this.mask(0, x.length), x);
    const pHidden = this.settings.dropoutHidden;
    this.grus.forEach((gru, l) => {
      x = gru.forward(x, w.count, w.length, w.filled);
      if (seeds && pHidden > 0) {
        // Into a separate buffer: the layer's states are its backward's h_{t−1}.
        const out = this.dropped[l]!.view(x.length);
        b.dropout(x, 1 - pHidden, (seeds.hidden + l) >>> 0, this.mask(l + 1, x.length), out);
        x = out;
      }
    });
    return { states: x, oneHot };
  }

  /**
   * Forward and backward of the loss (module comment) on training windows: adds ∂loss/∂θ to
   * every parameter's grad (callers zero them first) and returns Σ_s −log p(y_s) (unscaled).
   */
  accumulateGradients(w: ReturnType<typeof trainingWindows>, seeds: BatchSeeds): number {
    const b = this.backend;
    const { states, oneHot } = this.forward(w, seeds);
    const targets = w.targetSlots.length;
    let grad = this.gradOutput.view(states.length);
    grad.fill(0);
    const loss = this.output.lossAndGradient(states, w.targetSlots, w.targets, 1 / targets, grad);
    const pHidden = this.settings.dropoutHidden;
    const pEmbed = this.settings.dropoutEmbedding;
    for (let l = this.grus.length - 1; l >= 0; l--) {
      if (pHidden > 0) b.dropoutBackward(grad, this.mask(l + 1, grad.length), 1 - pHidden, grad);
      grad = this.grus[l]!.backward(grad)!;
    }
    if (pEmbed > 0) b.dropoutBackward(grad, this.mask(0, grad.length), 1 - pEmbed, grad);
    const e = this.embeddingMatrix;
    // The embedding's gradient lands on the rows of the items in the batch only (one-hotᵀ·G).
    b.csrTransposeMatmul(1, oneHot, grad, e.shape[1]!, 1, e.grad);
    return loss * targets;
  }

  /** Scores of every item for each row's ordered history into `out` (rows × items), `chunkRows` rows at a time. */
  scoreInto(sequences: UserSequences, out: Float32Array, chunkRows: number): void {
    const items = this.items;
    const h = this.settings.hidden;
    for (let start = 0; start < sequences.nRows; start += chunkRows) {
      const end = Math.min(start + chunkRows, sequences.nRows);
      const rows = Int32Array.from({ length: end - start }, (_, k) => start + k);
      // Windows only as long as the chunk's longest history (the GRU skips leading padding anyway).
      let longest = 1;
      for (const r of rows) longest = Math.max(longest, Math.min(this.settings.maxLength, sequences.indptr[r + 1]! - sequences.indptr[r]!));
      const windows = historyWindows(sequences, longest, rows);
      const { states } = this.forward(windows, undefined);
      // The state after the last slot of each window (row w·steps + steps − 1).
      this.output.scoreInto(states, (longest - 1) * h, longest * h, rows.length, out.subarray(start * items, end * items));
    }
  }
}

/** Epochs over the training users' windows: the training loop's side of GRU4Rec. */
export class Gru4RecTraining implements TrainableModel {
  private readonly optimizer: Adam;
  /** Users with at least two events (one input, one target). */
  private readonly users: Int32Array;

  constructor(
    private readonly network: Gru4RecNetwork,
    private readonly sequences: UserSequences,
    private readonly settings: Gru4RecSettings,
    backend: Backend,
  ) {
    this.optimizer = new Adam(network.parameters, { learningRate: settings.learningRate, backend });
    const users: number[] = [];
    for (let r = 0; r < sequences.nRows; r++) if (sequences.indptr[r + 1]! - sequences.indptr[r]! >= 2) users.push(r);
    this.users = Int32Array.from(users);
  }

  /**
   * One shuffled pass over the users, batchSize windows per update. A batch's windows are
   * ordered longest first, so the GRU's recurrent GEMM at each step covers only the windows
   * still running (what torch's pack_padded_sequence achieves). Dropout seeds are drawn from
   * `rng` after the shuffle, so an epoch depends only on its stream.
   */
  async trainEpoch(_epoch: number, rng: Rng, signal?: AbortSignal, onBatch?: BatchCallback): Promise<EpochResult> {
    if (this.users.length === 0) throw new Error('gru4rec: no training user has two or more events in order');
    const order = rng.shuffle(this.users.slice());
    const { batchSize, maxLength } = this.settings;
    const lengthOf = (r: number) => Math.min(maxLength, this.sequences.indptr[r + 1]! - this.sequences.indptr[r]! - 1);
    const batches = Math.ceil(order.length / batchSize);
    let lossSum = 0;
    let targetSum = 0;
    for (let k = 0; k < batches; k++) {
      signal?.throwIfAborted();
      const rows = order.slice(k * batchSize, (k + 1) * batchSize).sort((a, b) => lengthOf(b) - lengthOf(a) || a - b);
      const windows = trainingWindows(this.sequences, maxLength, rows);
      const seeds = { embedding: rng.nextUint32(), hidden: rng.nextUint32() };
      this.optimizer.zeroGrad();
      lossSum += this.network.accumulateGradients(windows, seeds);
      targetSum += windows.targetSlots.length;
      this.optimizer.step();
      await onBatch?.(k + 1, batches);
    }
    return { loss: lossSum / targetSum, values: { targets: targetSum } };
  }

  trainingState(): TrainingState {
    return parameterTrainingState(this.network.parameters, this.optimizer);
  }

  restoreTrainingState(state: TrainingState): void {
    restoreParameterTrainingState(this.network.parameters, this.optimizer, state, 'gru4rec training state');
  }
}

const SPEC: NeuralModelSpec<Gru4RecSettings, Gru4RecNetwork> = {
  name: 'gru4rec',
  description:
    'GRU4Rec (Hidasi et al. 2016/2018) with full-softmax cross-entropy: item embeddings (tied to the output embeddings by default) → GRU → dropout → ' +
    'scores against every item, next-item loss at every position of right-aligned windows; scores any ordered history. ' +
    'Hyper-parameters hidden, layers, embedding, maxLength, dropoutEmbedding, dropoutHidden, learningRate, batchSize, epochs, patience.',
  settings: SETTINGS,
  inputs: ['interactions', 'sequences'],
  parseSettings: (resolved) => resolved as unknown as Gru4RecSettings,
  createNetwork: (backend, train, settings, rng) => new Gru4RecNetwork(backend, train.matrix.nCols, settings, rng),
  networkForState: (backend, _state, nItems, settings) => new Gru4RecNetwork(backend, nItems, settings),
  // Every user row: users whose sequence is too short to give a target are skipped per epoch.
  trainingExamples: (train: TrainingData) => train,
  createTraining: (backend, network, examples, settings) => new Gru4RecTraining(network, requireSequences('gru4rec', 'the training data', examples.sequences), settings, backend),
  scoreInto: (network, query: ScoreQuery, out, settings) => network.scoreInto(requireSequences('gru4rec', 'the query', query.sequences), out, settings.batchSize),
};

export const gru4recFactory: ModelFactory = neuralModelFactory(SPEC);

/** A GRU4Rec recommender on a given backend (tests and benchmarks). */
export function gru4recRecommender(hyperParameters: Record<string, unknown> = {}, backend?: Backend): NeuralRecommender<Gru4RecSettings, Gru4RecNetwork> {
  return new NeuralRecommender(SPEC, hyperParameters, backend);
}
