/**
 * CDAE, the Collaborative Denoising Auto-Encoder of Wu, DuBois, Zheng & Ester
 * (WSDM 2016), for implicit feedback:
 *
 *   ỹ_u = dropout(y_u)  (inverted: kept entries scaled by 1/(1 − q))      §4.2, corruption q
 *   h_u = f(ỹ_u·W + b + V_u)                                              eq. 5, V_u the user node
 *   s_ui = h_u·W′_i + b′_i,   ŷ_ui = σ(s_ui)                              eq. 6, sigmoid output
 *   ℓ_u = Σ_{i ∈ S_u} BCE(y_ui, ŷ_ui) = Σ softplus(s_ui) − y_ui·s_ui      eq. 7 with the logistic loss
 *
 * where S_u is the user's observed items plus `negatives` items per positive
 * drawn uniformly from the catalogue (redrawn when they hit a positive; drawn
 * with replacement otherwise), fresh for every batch from the epoch's seeded
 * stream (§4.4, "negative sampling"). A batch of B users minimises
 *
 *   (1/B) Σ_u ℓ_u + (λ/2N)(‖W‖² + ‖W′‖²) + (λ/2B) Σ_{u in batch} ‖V_u‖²
 *
 * (N training users): summed over an epoch this is (1/B) times the paper's
 * objective Σ_u ℓ_u + (λ/2)(‖W‖² + ‖W′‖² + ‖V‖²) (eq. 8). Biases are not
 * regularised (a choice; the paper lists them in Reg(·)).
 *
 * Defaults follow RecBole's CDAE (hidden 64, corruption 0.5, ReLU hidden
 * layer, λ 0.01, lr 1e-3) and the paper's 5 negatives per positive; Adam,
 * batches of 500 users (as the other autoencoders here).
 *
 * The input layer is sparse (csrMatmul forward, csrTransposeMatmul gradient)
 * and the output is computed only at the sampled entries (sampledDot), so a
 * training batch never forms a batch × catalogue matrix.
 *
 * Users never seen in training: `scoreRows(input, users)` adds V_u for a row
 * whose users[r] is a training user, and a zero vector when users[r] = −1 or
 * `users` is not given — the user node's prior mean. Training users whose
 * training row is empty (held-out users) also have V_u = 0: their vectors
 * start at zero and never receive a gradient. Scores are the logits s_ui
 * (monotone in ŷ_ui, so rankings are the same).
 */
import type { CsrMatrix } from '../../data/csr.js';
import { Rng } from '../../data/random.js';
import type { EvalSet } from '../../data/split-types.js';
import type { Activation, Backend, CsrOperand } from '../../engine/backend.js';
import { getBackend } from '../../engine/index.js';
import { validationNdcg } from '../../eval/validation.js';
import { rowBatches } from '../../nn/batches.js';
import { xavierUniform } from '../../nn/init.js';
import { Adam } from '../../nn/optimizers.js';
import { Parameter } from '../../nn/parameter.js';
import { ScratchBuffer } from '../../nn/scratch.js';
import { SparseInputLayer } from '../../nn/sparse-input.js';
import { trainIteratively, type TrainReport } from '../../train/loop.js';
import type { BatchCallback, EpochResult, TrainableModel, TrainingState, ValidationResult } from '../../train/trainable.js';
import { parameterTrainingState, restoreParameterTrainingState } from '../../train/parameter-state.js';
import type { ModelFactory, TrainingData } from '../model.js';
import { NeuralRecommender, neuralModelFactory, type NeuralModelSpec } from '../neural-recommender.js';
import { defineSettings } from '../settings.js';
import { trainingLoopSettingSpecs } from '../iterative-fit.js';

const NAME = 'cdae';
/** Standard deviation of the user vectors' initial values (a small random start, as the paper's SGD). */
const USER_INIT_STD = 0.01;
const HIDDEN_ACTIVATIONS: readonly Activation[] = ['relu', 'sigmoid', 'tanh', 'identity'];

const SETTINGS = defineSettings(NAME, [
  { name: 'hidden', type: 'integer', default: 64, min: 1, description: 'hidden width (RecBole default 64)', search: { min: 32, max: 512, scale: 'log' } },
  { name: 'corruption', type: 'number', default: 0.5, min: 0, max: 1, exclusiveMax: true, description: 'q: probability of dropping an input entry in training', search: { min: 0, max: 0.8 } },
  { name: 'negatives', type: 'integer', default: 5, min: 0, description: 'negative items sampled per observed item' },
  { name: 'activation', type: 'choice', default: 'relu', choices: HIDDEN_ACTIVATIONS, description: 'hidden activation' },
  { name: 'lambda', type: 'number', default: 0.01, min: 0, scale: 'log', description: 'λ of the L2 terms (eq. 8)', search: { min: 1e-4, max: 0.1 } },
  { name: 'learningRate', type: 'number', default: 1e-3, min: 0, exclusiveMin: true, scale: 'log', description: 'Adam learning rate', search: { min: 1e-4, max: 1e-2 } },
  ...trainingLoopSettingSpecs({ batchSize: 500, epochs: 100, patience: 20 }),
]);

export interface CdaeSettings {
  readonly hidden: number;
  /** q: the probability of dropping an input entry in training. */
  readonly corruption: number;
  /** Negative items sampled per observed item. */
  readonly negatives: number;
  readonly activation: Activation;
  /** λ of eq. 8 (see the module comment for how a batch shares it). */
  readonly lambda: number;
  readonly learningRate: number;
  readonly batchSize: number;
  readonly epochs: number;
  /** Epochs without a better validation NDCG@100 before stopping; 0 never stops early. */
  readonly patience: number;
}

/** Typed settings; their ranges were checked by the declarations (SETTINGS.resolve). */
function parseSettings(resolved: Readonly<Record<string, unknown>>): CdaeSettings {
  return resolved as unknown as CdaeSettings;
}

/**
 * The entries a batch is trained on: row r holds x's stored items of that row
 * (value 1) followed by `negatives` × (their count) items drawn uniformly from
 * the catalogue that are not among them (value 0). A row with every item
 * stored gets no negatives.
 */
export function sampleTrainingEntries(x: CsrOperand, negatives: number, rng: Rng): CsrOperand {
  const rows = x.nRows;
  const indptr = new Int32Array(rows + 1);
  for (let r = 0; r < rows; r++) {
    const positives = x.indptr[r + 1]! - x.indptr[r]!;
    indptr[r + 1] = indptr[r]! + positives * (positives < x.nCols ? 1 + negatives : 1);
  }
  const indices = new Int32Array(indptr[rows]!);
  const values = new Float32Array(indptr[rows]!);
  const observed = new Set<number>();
  for (let r = 0; r < rows; r++) {
    let at = indptr[r]!;
    observed.clear();
    for (let p = x.indptr[r]!; p < x.indptr[r + 1]!; p++) {
      observed.add(x.indices[p]!);
      indices[at] = x.indices[p]!;
      values[at++] = 1;
    }
    while (at < indptr[r + 1]!) {
      const item = rng.nextInt(x.nCols);
      if (!observed.has(item)) indices[at++] = item; // values stay 0
    }
  }
  return { nRows: rows, nCols: x.nCols, indptr, indices, values };
}

/** What one training batch returns (at the weights before the update). */
export interface CdaeBatchLoss {
  /** (1/B) Σ_u ℓ_u. */
  readonly bce: number;
  /** The L2 terms. */
  readonly l2: number;
}

/** The network: sparse input layer, user vectors, output weights; its batch gradient and scoring. */
export class CdaeNetwork {
  /** W (stored [items × hidden], input-major) and b. */
  readonly inputLayer: SparseInputLayer;
  /** V: one row per training-matrix user. */
  readonly userVectors: Parameter;
  /** W′, [items × hidden] (one row per output item, as sampledDot's transB reads it). */
  readonly outputWeight: Parameter;
  readonly outputBias: Parameter;
  private readonly hiddenValues = new ScratchBuffer();
  private readonly hiddenGradients = new ScratchBuffer();
  private readonly entryScores = new ScratchBuffer();
  private readonly entryGradients = new ScratchBuffer();
  private readonly corruptedValues = new ScratchBuffer();
  private dropoutMask = new Uint8Array(0);

  /** With `rng` (and `trainedUsers`, the users given a random start), weights start random; without, at zero. */
  constructor(
    private readonly backend: Backend,
    readonly items: number,
    readonly users: number,
    readonly hidden: number,
    readonly activation: Activation,
    rng?: Rng,
    trainedUsers?: Int32Array,
  ) {
    this.inputLayer = new SparseInputLayer({ name: 'h_item', inputSize: items, outputSize: hidden, backend, ...(rng ? { rng: rng.fork(0) } : {}) });
    this.userVectors = new Parameter('h_user.weight', [users, hidden]);
    this.outputWeight = new Parameter('out_layer.weight', [items, hidden]);
    this.outputBias = new Parameter('out_layer.bias', [items]);
    if (rng) {
      xavierUniform(this.outputWeight, rng.fork(1));
      const userRng = rng.fork(2);
      for (const u of trainedUsers ?? []) {
        for (let k = 0; k < hidden; k++) this.userVectors.value[u * hidden + k] = USER_INIT_STD * userRng.nextNormal();
      }
    }
  }

  get parameters(): Parameter[] {
    return [...this.inputLayer.parameters, this.userVectors, this.outputWeight, this.outputBias];
  }

  /** h = f(x̃·W + b + V_u) for each row (V_u = 0 where users is undefined or users[r] = −1). */
  private hiddenLayer(input: CsrOperand, users: Int32Array | undefined): Float32Array {
    const rows = input.nRows;
    const n = this.hidden;
    const pre = this.inputLayer.forward(input);
    const h = this.hiddenValues.view(rows * n);
    h.set(pre);
    if (users !== undefined) {
      const v = this.userVectors.value;
      for (let r = 0; r < rows; r++) {
        const u = users[r]!;
        if (u < 0) continue;
        for (let k = 0; k < n; k++) h[r * n + k]! += v[u * n + k]!;
      }
    }
    if (this.activation !== 'identity') this.backend.activationForward(this.activation, h, h);
    return h;
  }

  /**
   * Forward and backward pass of the batch loss (module comment) for the rows
   * `x` of training users `users`, trained on `entries` (sampleTrainingEntries):
   * adds ∂loss/∂θ to the parameters' grads and returns the loss at the current weights.
   */
  accumulateGradients(x: CsrOperand, users: Int32Array, entries: CsrOperand, dropoutSeed: number, keepProbability: number, lambda: number, trainingUsers: number): CdaeBatchLoss {
    const b = this.backend;
    const rows = x.nRows;
    const n = this.hidden;
    const nnz = x.indptr[rows]!;
    const corrupted = this.corruptedValues.view(nnz);
    corrupted.set(x.values.subarray(0, nnz));
    if (keepProbability < 1) {
      if (this.dropoutMask.length < nnz) this.dropoutMask = new Uint8Array(nnz);
      b.dropout(corrupted, keepProbability, dropoutSeed, this.dropoutMask.subarray(0, nnz), corrupted);
    }
    const h = this.hiddenLayer({ nRows: rows, nCols: x.nCols, indptr: x.indptr, indices: x.indices, values: corrupted }, users);

    const count = entries.indptr[rows]!;
    const scores = this.entryScores.view(count);
    b.sampledDot(entries, h, this.outputWeight.value, n, true, scores);
    b.addBiasAtPattern(entries, this.outputBias.value, scores);
    // BCE with logits: softplus(s) − y·s, gradient σ(s) − y; both divided by B.
    const gradients = this.entryGradients.view(count);
    let bce = 0;
    for (let p = 0; p < count; p++) {
      const s = scores[p]!;
      const y = entries.values[p]!;
      bce += Math.max(s, 0) + Math.log1p(Math.exp(-Math.abs(s))) - y * s;
      gradients[p] = (1 / (1 + Math.exp(-s)) - y) / rows;
    }
    const gradPattern = { ...entries, values: gradients };
    b.csrTransposeMatmul(1, gradPattern, h, n, 1, this.outputWeight.grad);
    b.biasGradientAtPattern(gradPattern, gradients, 1, this.outputBias.grad);
    const gradHidden = this.hiddenGradients.view(rows * n);
    b.csrMatmul(1, gradPattern, this.outputWeight.value, n, 0, gradHidden);
    b.activationBackward(this.activation, h, gradHidden, gradHidden);
    this.inputLayer.backward(gradHidden);

    const sharedL2 = lambda / (2 * trainingUsers);
    const userL2 = lambda / (2 * rows);
    let l2 = 0;
    const v = this.userVectors;
    for (let r = 0; r < rows; r++) {
      const at = users[r]! * n;
      for (let k = 0; k < n; k++) {
        const value = v.value[at + k]!;
        v.grad[at + k]! += gradHidden[r * n + k]! + 2 * userL2 * value;
        l2 += userL2 * value * value;
      }
    }
    for (const weight of [this.inputLayer.weight, this.outputWeight]) {
      for (let i = 0; i < weight.size; i++) l2 += sharedL2 * weight.value[i]! * weight.value[i]!;
      b.axpy(2 * sharedL2, weight.value, weight.grad);
    }
    return { bce: bce / rows, l2 };
  }

  /** Logits of every item for each row (no corruption), `chunkRows` rows at a time, into `out` (rows × items). */
  scoreInto(input: CsrOperand, users: Int32Array | undefined, out: Float32Array, chunkRows: number): void {
    const n = this.hidden;
    for (let start = 0; start < input.nRows; start += chunkRows) {
      const end = Math.min(start + chunkRows, input.nRows);
      const base = input.indptr[start]!;
      const indptr = Int32Array.from(input.indptr.subarray(start, end + 1), (p) => p - base);
      const last = input.indptr[end]!;
      const chunk = { nRows: end - start, nCols: input.nCols, indptr, indices: input.indices.subarray(base, last), values: input.values.subarray(base, last) };
      const h = this.hiddenLayer(chunk, users?.subarray(start, end));
      const logits = out.subarray(start * this.items, end * this.items);
      this.backend.gemm(false, true, end - start, this.items, n, 1, h, n, this.outputWeight.value, n, 0, logits, this.items);
      this.backend.addBias(logits, end - start, this.items, this.outputBias.value);
    }
  }
}

/** Epochs of mini-batch training over the users with interactions. */
class CdaeTraining implements TrainableModel {
  private readonly optimizer: Adam;
  /** The trained users' rows, in the order of trainedUsers. */
  private readonly examples: CsrMatrix;

  constructor(
    private readonly network: CdaeNetwork,
    train: CsrMatrix,
    private readonly trainedUsers: Int32Array,
    private readonly settings: CdaeSettings,
    backend: Backend,
  ) {
    this.optimizer = new Adam(network.parameters, { learningRate: settings.learningRate, backend });
    this.examples = trainedUsers.length === train.nRows ? train : train.selectRows(trainedUsers);
  }

  /** One shuffled pass; each batch draws its dropout seed, then its negatives, from `rng`. */
  async trainEpoch(_epoch: number, rng: Rng, signal?: AbortSignal, onBatch?: BatchCallback): Promise<EpochResult> {
    const batches = rowBatches(this.examples, this.settings.batchSize, rng);
    const sums = { bce: 0, loss: 0 };
    for (const batch of batches) {
      signal?.throwIfAborted();
      const users = Int32Array.from(batch.rows, (row) => this.trainedUsers[row]!);
      const dropoutSeed = rng.nextUint32();
      const entries = sampleTrainingEntries(batch.input, this.settings.negatives, rng);
      this.optimizer.zeroGrad();
      const loss = this.network.accumulateGradients(batch.input, users, entries, dropoutSeed, 1 - this.settings.corruption, this.settings.lambda, this.trainedUsers.length);
      this.optimizer.step();
      sums.bce += loss.bce * users.length;
      sums.loss += (loss.bce + loss.l2) * users.length;
      await onBatch?.(batch.index + 1, batches.count);
    }
    const count = this.trainedUsers.length;
    return { loss: sums.loss / count, values: { bce: sums.bce / count } };
  }

  trainingState(): TrainingState {
    return parameterTrainingState(this.network.parameters, this.optimizer);
  }

  restoreTrainingState(state: TrainingState): void {
    restoreParameterTrainingState(this.network.parameters, this.optimizer, state, 'CDAE training state');
  }
}

/** The training users: rows of the training matrix with interactions (row r is user r). */
function trainedUsers(train: TrainingData): Int32Array {
  const users: number[] = [];
  for (let r = 0; r < train.matrix.nRows; r++) if (train.matrix.rowLength(r) > 0) users.push(r);
  return Int32Array.from(users);
}

/** CDAE's part of the neural shell (neural-recommender.ts). */
const CDAE_SPEC: NeuralModelSpec<CdaeSettings, CdaeNetwork> = {
  name: NAME,
  description:
    'CDAE (Wu et al. 2016): denoising autoencoder with a per-user node, sigmoid outputs trained on observed items plus sampled negatives; ' +
    'new users get a zero user vector.',
  settings: SETTINGS,
  inputs: ['interactions'],
  parseSettings,
  // The whole matrix: row r is user r, whose vector V_r the network holds.
  trainingExamples: (train) => train,
  signatureShape: (train) => ({ items: train.matrix.nCols, users: train.matrix.nRows }),
  createNetwork: (backend, train, settings, rng) =>
    new CdaeNetwork(backend, train.matrix.nCols, train.matrix.nRows, settings.hidden, settings.activation, rng, trainedUsers(train)),
  networkForState: (backend, state, nItems, settings, source) => {
    const saved = state.tensors['h_user.weight'];
    if (saved === undefined || saved.shape.length !== 2) throw new Error(`${source} lacks a 2-D tensor 'h_user.weight' (the user vectors)`);
    return new CdaeNetwork(backend, nItems, saved.shape[0]!, settings.hidden, settings.activation);
  },
  createTraining: (backend, network, examples, settings) => new CdaeTraining(network, examples.matrix, trainedUsers(examples), settings, backend),
  /** users[r] (a training user, or −1) picks the user vector, zero when unknown or absent. */
  scoreInto: (network, query, out, settings) => {
    const users = query.users;
    if (users !== undefined) {
      for (const u of users) {
        if (!(Number.isInteger(u) && u >= -1 && u < network.users)) {
          throw new RangeError(`${NAME}: user index ${u} is outside −1 (unknown user) .. ${network.users - 1} (the training users)`);
        }
      }
    }
    network.scoreInto(query.histories, users, out, settings.batchSize);
  },
};

export const cdaeFactory: ModelFactory = neuralModelFactory(CDAE_SPEC);

/** A CDAE recommender on a given backend (tests run both). */
export function cdaeRecommender(hyperParameters: Record<string, unknown> = {}, backend?: Backend): NeuralRecommender<CdaeSettings, CdaeNetwork> {
  return new NeuralRecommender(CDAE_SPEC, hyperParameters, backend);
}
