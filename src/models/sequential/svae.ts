/**
 * SVAE, the sequential variational autoencoder of Sachdeva, Manco, Ritacco & Pudi,
 * "Sequential Variational Autoencoders for Collaborative Filtering" (WSDM 2019): a GRU
 * reads the user's items in order and, at every step, a Gaussian latent variable is
 * inferred from its state and decoded into a multinomial over the next items.
 *
 *   e_t = E[item_t];  h_t = GRU(e_t, h_{t−1})                          (paper §3.2, eq. 7)
 *   [μ_t | log σ²_t] = W_μ·tanh(W_enc·h_t + b_enc) + b_μ;  z_t = μ_t + σ_t ⊙ ε
 *   π_t = softmax(W_out·tanh(W_dec·z_t + b_dec) + b_out)                (eq. 8)
 *   loss = Σ_windows (1/(B·k_w)) Σ_t −Σ_{i ∈ next k items after t} log π_t,i
 *          + β · mean_t KL(N(μ_t, σ²_t) ‖ N(0, I))                      (the next-k ELBO, eq. 9)
 *
 * As the authors' notebook (noveens/svae_cf, main_svae.ipynb): item embedding 256, GRU 200,
 * hidden 150, latent 64, loss_type 'next_k' with k = 4 (the targets of step t are the next
 * 4 items, multi-hot; the window's likelihood divided by batch size × the first step's
 * target count), β = min(0.2, updates / 200,000), Adam with weight decay 5e-3 (L2 in the
 * gradient, torch.optim.Adam's), Xavier-normal linear weights. Differences: users are cut to
 * their last maxLength + 1 events and batched (the notebook trains one user per update, 25
 * epochs); the latent layer gives log σ² (the notebook samples with σ = exp(h) but takes its
 * KL as if h were log σ²; here both use log σ², the Mult-VAE convention of
 * src/models/autoencoders/mult-vae.ts, whose Gaussian code, src/nn/gaussian-code.ts, this shares); biases start at 0.
 *
 * Scoring runs the GRU over any ordered history and decodes μ of the last step: a visitor
 * never seen in training is scored without retraining.
 */
import type { Rng } from '../../data/random.js';
import type { UserSequences } from '../../data/sequences.js';
import type { Backend, CsrOperand } from '../../engine/backend.js';
import { CatalogueSoftmax } from '../../nn/catalogue-softmax.js';
import { DenseLayer } from '../../nn/dense.js';
import { GaussianCode } from '../../nn/gaussian-code.js';
import { GruLayer } from '../../nn/gru.js';
import { normal, xavierNormal } from '../../nn/init.js';
import { Adam } from '../../nn/optimizers.js';
import { Parameter } from '../../nn/parameter.js';
import { ScratchBuffer } from '../../nn/scratch.js';
import { historyWindows, oneHotRows, trainingWindows, type TrainingWindows } from '../../nn/sequence-windows.js';
import type { BatchCallback, EpochResult, TrainableModel, TrainingState } from '../../train/trainable.js';
import { parameterTrainingState, restoreParameterTrainingState } from '../../train/parameter-state.js';
import { trainingLoopSettingSpecs } from '../iterative-fit.js';
import type { ModelFactory, ScoreQuery, TrainingData } from '../model.js';
import { NeuralRecommender, neuralModelFactory, type NeuralModelSpec } from '../neural-recommender.js';
import { defineSettings } from '../settings.js';
import { requireSequences } from '../model-support.js';

export interface SvaeSettings {
  readonly itemEmbedding: number;
  readonly rnnSize: number;
  readonly hidden: number;
  readonly latent: number;
  readonly nextK: number;
  readonly maxLength: number;
  readonly learningRate: number;
  readonly weightDecay: number;
  readonly betaCap: number;
  readonly totalAnnealSteps: number;
  readonly batchSize: number;
  readonly epochs: number;
  readonly patience: number;
}

const SETTINGS = defineSettings('svae', [
  { name: 'itemEmbedding', type: 'integer', default: 256, min: 1, description: 'item embedding width (the notebook\'s item_embed_size)' },
  { name: 'rnnSize', type: 'integer', default: 200, min: 1, description: 'GRU units (rnn_size)', search: { min: 32, max: 512, scale: 'log' } },
  { name: 'hidden', type: 'integer', default: 150, min: 1, description: 'width of the encoder\'s and the decoder\'s tanh layer (hidden_size)' },
  { name: 'latent', type: 'integer', default: 64, min: 1, description: 'width of each step\'s latent z (latent_size)', search: { min: 16, max: 256, scale: 'log' } },
  { name: 'nextK', type: 'integer', default: 4, min: 1, description: 'each step predicts the next k items (loss_type next_k)' },
  { name: 'maxLength', type: 'integer', default: 50, min: 1, description: 'most recent events a window holds, in training and scoring' },
  { name: 'learningRate', type: 'number', default: 1e-3, min: 0, exclusiveMin: true, scale: 'log', description: 'Adam learning rate', search: { min: 1e-4, max: 1e-2 } },
  { name: 'weightDecay', type: 'number', default: 5e-3, min: 0, description: 'L2 weight decay in Adam\'s gradient (torch.optim.Adam weight_decay)', search: { min: 0, max: 0.01 } },
  { name: 'betaCap', type: 'number', default: 0.2, min: 0, description: 'largest KL weight β (anneal_cap)' },
  { name: 'totalAnnealSteps', type: 'integer', default: 200000, min: 0, description: 'β = min(betaCap, updates / totalAnnealSteps); 0 holds β at betaCap' },
  ...trainingLoopSettingSpecs({ batchSize: 32, epochs: 25, patience: 10 }),
]);

/** The multinomial targets of a batch's target slots: each slot's next k items, weighted 1/(B·k_w). */
interface NextItems {
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

/**
 * Next-k targets of every target slot of `windows` (in targetSlots order). Slot t of window w
 * holds sequence position p = end − 1 − (steps − t); its targets are positions p+1 .. p+k
 * (within the sequence, not the window), each item once.
 */
function nextItems(sequences: UserSequences, rows: ArrayLike<number>, windows: TrainingWindows, k: number): NextItems {
  const steps = windows.length;
  const indptr = new Int32Array(windows.targetSlots.length + 1);
  const indices: number[] = [];
  const values: number[] = [];
  let windowFirst = -1;
  let weight = 0;
  windows.targetSlots.forEach((slot, s) => {
    const w = Math.floor(slot / steps);
    const t = slot - w * steps;
    const end = sequences.indptr[rows[w]! + 1]!;
    const p = end - 1 - (steps - t);
    const items = [...new Set(sequences.items.subarray(p + 1, Math.min(end, p + 1 + k)))].sort((a, b) => a - b);
    // The notebook divides a user's likelihood by batch size × its first step's target count.
    if (w !== windowFirst) {
      windowFirst = w;
      weight = 1 / (windows.count * items.length);
    }
    for (const item of items) {
      indices.push(item);
      values.push(weight);
    }
    indptr[s + 1] = indices.length;
  });
  return { indptr, indices: Int32Array.from(indices), values: Float32Array.from(values) };
}

/** Rows chunk[0] .. chunk[last] (consecutive) of the targets, as a CSR operand over the catalogue. */
function targetRows(targets: NextItems, items: number, chunk: Int32Array): CsrOperand {
  const first = chunk[0]!;
  const base = targets.indptr[first]!;
  const last = targets.indptr[first + chunk.length]!;
  const indptr = Int32Array.from({ length: chunk.length + 1 }, (_, r) => targets.indptr[first + r]! - base);
  return { nRows: chunk.length, nCols: items, indptr, indices: targets.indices.subarray(base, last), values: targets.values.subarray(base, last) };
}

export class SvaeNetwork {
  readonly items: number;
  /** item_embed [items × itemEmbedding]. */
  readonly embedding: Parameter;
  readonly gru: GruLayer;
  readonly encoder: DenseLayer;
  /** Gives [μ | log σ²] per step. */
  readonly latentLayer: DenseLayer;
  readonly code: GaussianCode;
  readonly decoder: DenseLayer;
  readonly output: CatalogueSoftmax;
  private readonly gathered = new ScratchBuffer();
  private readonly gradDecoded = new ScratchBuffer();
  private readonly gradStates = new ScratchBuffer();

  constructor(
    private readonly backend: Backend,
    items: number,
    readonly settings: SvaeSettings,
    rng?: Rng,
  ) {
    this.items = items;
    const s = settings;
    this.embedding = new Parameter('item_embed.weight', [items, s.itemEmbedding]);
    this.gru = new GruLayer({ name: 'gru', inputSize: s.itemEmbedding, hiddenSize: s.rnnSize, backend });
    this.encoder = new DenseLayer({ name: 'encoder.linear1', inputSize: s.rnnSize, outputSize: s.hidden, activation: 'tanh', backend });
    this.latentLayer = new DenseLayer({ name: 'linear1', inputSize: s.hidden, outputSize: 2 * s.latent, backend });
    this.code = new GaussianCode(s.latent, s.betaCap, s.totalAnnealSteps);
    this.decoder = new DenseLayer({ name: 'decoder.linear1', inputSize: s.latent, outputSize: s.hidden, activation: 'tanh', backend });
    this.output = new CatalogueSoftmax(backend, new Parameter('decoder.linear2.weight', [items, s.hidden]), new Parameter('decoder.linear2.bias', [items]));
    if (rng) {
      // torch defaults where the notebook sets nothing (nn.Embedding N(0, 1); nn.GRU U(±1/√H)), Xavier-normal where it does.
      normal(this.embedding, rng.fork(0), 0, 1);
      const bound = 1 / Math.sqrt(s.rnnSize);
      const gruRng = rng.fork(1);
      for (const p of this.gru.parameters) for (let i = 0; i < p.value.length; i++) p.value[i] = -bound + 2 * bound * gruRng.nextFloat();
      xavierNormal(this.encoder.weight, rng.fork(2));
      xavierNormal(this.latentLayer.weight, rng.fork(3));
      xavierNormal(this.decoder.weight, rng.fork(4));
      xavierNormal(this.output.weight, rng.fork(5));
    }
  }

  get parameters(): Parameter[] {
    return [this.embedding, ...this.gru.parameters, ...this.encoder.parameters, ...this.latentLayer.parameters, ...this.decoder.parameters, ...this.output.parameters];
  }

  /** GRU states (batch·steps × rnnSize) of windows' inputs, and the one-hot inputs for the embedding's gradient. */
  private states(inputs: Int32Array, count: number, steps: number, filled: Int32Array) {
    const oneHot = oneHotRows(inputs, this.items);
    const width = this.settings.itemEmbedding;
    const embedded = new Float32Array(count * steps * width);
    this.backend.csrMatmul(1, oneHot, this.embedding.value, width, 0, embedded);
    return { states: this.gru.forward(embedded, count, steps, filled), oneHot };
  }

  /** Rows `slots` of states (rows × rnnSize) into one matrix. */
  private gather(states: Float32Array, slots: ArrayLike<number>): Float32Array {
    const h = this.settings.rnnSize;
    const out = this.gathered.view(slots.length * h);
    for (let k = 0; k < slots.length; k++) out.set(states.subarray(slots[k]! * h, slots[k]! * h + h), k * h);
    return out;
  }

  /** Forward and backward of the loss (module comment) for one batch; adds to the grads. */
  accumulateGradients(sequences: UserSequences, rows: ArrayLike<number>, windows: TrainingWindows, noise: Rng, beta: number): { nll: number; kl: number } {
    const b = this.backend;
    const { states, oneHot } = this.states(windows.inputs, windows.count, windows.length, windows.filled);
    const slots = windows.targetSlots;
    const s = slots.length;
    const encoded = this.latentLayer.forward(this.encoder.forward(this.gather(states, slots), s), s);
    const { code, penalty } = this.code.forwardTraining(encoded, s, noise);
    const decoded = this.decoder.forward(code, s);
    const targets = nextItems(sequences, rows, windows, this.settings.nextK);
    const gradDecoded = this.gradDecoded.view(s * this.settings.hidden).fill(0);
    const all = Int32Array.from({ length: s }, (_, k) => k);
    const nll = this.output.lossAndGradient(decoded, all, (chunk) => targetRows(targets, this.items, chunk), 1, gradDecoded);
    let grad = this.decoder.backward(gradDecoded)!;
    grad = this.code.backward(grad, beta);
    grad = this.encoder.backward(this.latentLayer.backward(grad)!)!;
    const h = this.settings.rnnSize;
    const gradStates = this.gradStates.view(states.length).fill(0);
    for (let k = 0; k < s; k++) gradStates.set(grad.subarray(k * h, k * h + h), slots[k]! * h);
    const gradEmbedded = this.gru.backward(gradStates)!;
    b.csrTransposeMatmul(1, oneHot, gradEmbedded, this.settings.itemEmbedding, 1, this.embedding.grad);
    return { nll, kl: penalty };
  }

  /** Logits of every item after each row's ordered history (μ of the last step), `chunkRows` rows at a time. */
  scoreInto(sequences: UserSequences, out: Float32Array, chunkRows: number): void {
    const items = this.items;
    for (let start = 0; start < sequences.nRows; start += chunkRows) {
      const end = Math.min(start + chunkRows, sequences.nRows);
      const rows = Int32Array.from({ length: end - start }, (_, k) => start + k);
      let longest = 1;
      for (const r of rows) longest = Math.max(longest, Math.min(this.settings.maxLength, sequences.indptr[r + 1]! - sequences.indptr[r]!));
      const windows = historyWindows(sequences, longest, rows);
      const { states } = this.states(windows.inputs, windows.count, longest, windows.filled);
      const n = rows.length;
      const last = this.gather(states, Int32Array.from({ length: n }, (_, w) => w * longest + longest - 1));
      const mu = this.code.forwardInference(this.latentLayer.forward(this.encoder.forward(last, n), n), n);
      const decoded = this.decoder.forward(mu, n);
      this.output.scoreInto(decoded, 0, this.settings.hidden, n, out.subarray(start * items, end * items));
    }
  }
}

export class SvaeTraining implements TrainableModel {
  private readonly optimizer: Adam;
  private readonly users: Int32Array;

  constructor(
    private readonly network: SvaeNetwork,
    private readonly sequences: UserSequences,
    private readonly settings: SvaeSettings,
    backend: Backend,
  ) {
    this.optimizer = new Adam(network.parameters, { learningRate: settings.learningRate, weightDecay: settings.weightDecay, backend });
    const users: number[] = [];
    for (let r = 0; r < sequences.nRows; r++) if (sequences.indptr[r + 1]! - sequences.indptr[r]! >= 2) users.push(r);
    this.users = Int32Array.from(users);
  }

  /** One shuffled pass; windows longest first within a batch (see Gru4RecTraining); β from the update count. */
  async trainEpoch(_epoch: number, rng: Rng, signal?: AbortSignal, onBatch?: BatchCallback): Promise<EpochResult> {
    if (this.users.length === 0) throw new Error('svae: no training user has two or more events in order');
    const order = rng.shuffle(this.users.slice());
    const { batchSize, maxLength } = this.settings;
    const lengthOf = (r: number) => Math.min(maxLength, this.sequences.indptr[r + 1]! - this.sequences.indptr[r]! - 1);
    const batches = Math.ceil(order.length / batchSize);
    const sums = { nll: 0, kl: 0, loss: 0 };
    let beta = 0;
    for (let k = 0; k < batches; k++) {
      signal?.throwIfAborted();
      const rows = order.slice(k * batchSize, (k + 1) * batchSize).sort((a, b) => lengthOf(b) - lengthOf(a) || a - b);
      const windows = trainingWindows(this.sequences, maxLength, rows);
      beta = this.network.code.penaltyWeight(this.optimizer.stepCount);
      this.optimizer.zeroGrad();
      const loss = this.network.accumulateGradients(this.sequences, rows, windows, rng, beta);
      this.optimizer.step();
      sums.nll += loss.nll;
      sums.kl += loss.kl;
      sums.loss += loss.nll + beta * loss.kl;
      await onBatch?.(k + 1, batches);
    }
    return { loss: sums.loss / batches, values: { nll: sums.nll / batches, kl: sums.kl / batches, beta } };
  }

  trainingState(): TrainingState {
    return parameterTrainingState(this.network.parameters, this.optimizer);
  }

  restoreTrainingState(state: TrainingState): void {
    restoreParameterTrainingState(this.network.parameters, this.optimizer, state, 'svae training state');
  }
}

const SPEC: NeuralModelSpec<SvaeSettings, SvaeNetwork> = {
  name: 'svae',
  description:
    'SVAE (Sachdeva et al. 2019): sequential VAE, a GRU over the ordered items with a Gaussian latent per step decoded into a multinomial over the next k items, KL annealed; ' +
    'scores any ordered history. Hyper-parameters itemEmbedding, rnnSize, hidden, latent, nextK, maxLength, learningRate, weightDecay, betaCap, totalAnnealSteps, batchSize, epochs, patience.',
  settings: SETTINGS,
  inputs: ['interactions', 'sequences'],
  parseSettings: (resolved) => resolved as unknown as SvaeSettings,
  createNetwork: (backend, train, settings, rng) => new SvaeNetwork(backend, train.matrix.nCols, settings, rng),
  networkForState: (backend, _state, nItems, settings) => new SvaeNetwork(backend, nItems, settings),
  trainingExamples: (train: TrainingData) => train,
  createTraining: (backend, network, examples, settings) => new SvaeTraining(network, requireSequences('svae', 'the training data', examples.sequences), settings, backend),
  scoreInto: (network, query: ScoreQuery, out, settings) => network.scoreInto(requireSequences('svae', 'the query', query.sequences), out, settings.batchSize),
};

export const svaeFactory: ModelFactory = neuralModelFactory(SPEC);

/** An SVAE recommender on a given backend (tests and benchmarks). */
export function svaeRecommender(hyperParameters: Record<string, unknown> = {}, backend?: Backend): NeuralRecommender<SvaeSettings, SvaeNetwork> {
  return new NeuralRecommender(SPEC, hyperParameters, backend);
}
