/**
 * The plumbing shared by Mult-DAE (mult-dae.ts) and Mult-VAE (mult-vae.ts),
 * the multinomial autoencoders of Liang, Krishnan, Hoffman & Jebara,
 * "Variational Autoencoders for Collaborative Filtering" (WWW 2018), built
 * as in the authors' notebook (dawenl/vae_cf, VAE_ML20M_WWW2018.ipynb):
 *
 *   x̃ = dropout(x / ‖x‖₂)                      input row L2-normalised, then dropout (keep 0.5)
 *   e = encoder(x̃)                              tanh MLP [I → hidden… → code width]
 *   z = code(e)                                 Mult-DAE: z = e; Mult-VAE: z = μ + ε·σ (mult-vae.ts)
 *   logits = decoder(z)                         tanh MLP [latent → hidden reversed… → I], last layer linear
 *   loss = −(1/B) Σ_u Σ_i x_ui · log softmax(logits_u)_i  + β·penalty + λ Σ_W ‖W‖²
 *
 * The multinomial log-likelihood is eq. 2 of the paper (the notebook's `neg_ll`,
 * averaged over the batch); penalty is the code's (Mult-VAE's KL, eq. 6, with
 * β annealed); λ Σ‖W‖² over the weight matrices (not the biases) is the
 * notebook's `2 * l2_regularizer(lam)` with lam = weightDecay / batchSize.
 * Weights start Xavier-uniform, biases N(0, 0.001²) truncated at 2σ (the
 * notebook's initialisers); Adam, lr 1e-3, batches of 500 users.
 *
 * The input layer never forms a dense batch × catalogue matrix: normalising and
 * dropout act on the stored entries only (dropping a zero changes nothing), its
 * forward pass is csrMatmul and its weight gradient csrTransposeMatmul
 * (src/nn/sparse-input.ts). Only the output layer is dense over the catalogue,
 * as the softmax over all items requires.
 *
 * At prediction no dropout is applied and the code is deterministic (μ for
 * Mult-VAE), so `scoreRows` encodes any row — a training user, a held-out
 * user's fold-in items, an anonymous session — and returns its logits.
 */
import type { CsrMatrix } from '../../data/csr.js';
import type { Rng } from '../../data/random.js';
import type { Activation, Backend, CsrOperand } from '../../engine/backend.js';
import { VALIDATION_METRIC } from '../../eval/validation.js';
export { VALIDATION_METRIC };
import { csrRowRange, rowBatches } from '../../nn/batches.js';
import { DenseLayer } from '../../nn/dense.js';
import { truncatedNormal } from '../../nn/init.js';
import { Adam } from '../../nn/optimizers.js';
import type { Parameter } from '../../nn/parameter.js';
import { NormalisedInput } from '../../nn/normalised-input.js';
import { ScratchBuffer } from '../../nn/scratch.js';
import { SparseInputLayer } from '../../nn/sparse-input.js';
import type { BatchCallback, EpochResult, TrainableModel, TrainingState } from '../../train/trainable.js';
import { parameterTrainingState, restoreParameterTrainingState } from '../../train/parameter-state.js';
import type { ModelFactory, TrainingData } from '../model.js';
import { NeuralRecommender, neuralModelFactory, type NeuralModelSpec } from '../neural-recommender.js';
import type { ModelSettings, SettingSpec } from '../settings.js';
import { trainingLoopSettingSpecs } from '../iterative-fit.js';

/** The notebook's bias initialiser: truncated_normal_initializer(stddev=0.001). */
const BIAS_INIT_STD = 0.001;

/**
 * How the encoder's output becomes the decoder's input. Mult-DAE's code is the
 * encoder output itself; Mult-VAE's is a Gaussian sample with a KL penalty.
 * Buffers returned are views owned by the code, valid until its next call.
 */
export interface LatentCode {
  /** Width of the encoder's last layer: the latent size, or twice it for (μ, log σ²). */
  readonly encoderOutputs: number;
  /** Activation of the encoder's last layer. */
  readonly encoderActivation: Activation;
  /**
   * Training pass: the code z (rows × latent) of the encoder outputs, drawing
   * any noise from `rng`, and the penalty (mean over rows) that enters the loss
   * as penaltyWeight × penalty. Keeps what `backward` needs.
   */
  forwardTraining(encoded: Float32Array, rows: number, rng: Rng): { readonly code: Float32Array; readonly penalty: number };
  /** ∂loss/∂encoded from ∂loss/∂z of the last training pass, including penaltyWeight × ∂penalty/∂encoded. */
  backward(gradCode: Float32Array, penaltyWeight: number): Float32Array;
  /** Prediction: the deterministic code (μ for Mult-VAE) of the encoder outputs. */
  forwardInference(encoded: Float32Array, rows: number): Float32Array;
  /** The penalty's weight β for the update that follows `updatesDone` updates (annealing); 0 without a penalty. */
  penaltyWeight(updatesDone: number): number;
  /** Settings the code derived from the training data (Mult-VAE's annealing steps), reported in the manifest. */
  readonly derived?: Readonly<Record<string, number>>;
}

/** What a fit will do, for settings derived from the data (a schedule over the planned updates). */
export interface TrainingPlan {
  /** epochs × mini-batches per epoch. */
  readonly plannedUpdates: number;
}

/** Mult-DAE's code: the encoder's tanh output, no noise, no penalty. */
export function deterministicCode(latent: number): LatentCode {
  return {
    encoderOutputs: latent,
    encoderActivation: 'tanh',
    forwardTraining: (encoded) => ({ code: encoded, penalty: 0 }),
    backward: (gradCode) => gradCode,
    forwardInference: (encoded) => encoded,
    penaltyWeight: () => 0,
  };
}

export interface NetworkShape {
  /** Catalogue size I: the input and output width. */
  readonly items: number;
  /** Encoder hidden widths between the input and the code, e.g. [600]; the decoder mirrors them. */
  readonly hidden: readonly number[];
  /** Width of z. */
  readonly latent: number;
}

/** The randomness and weights of one training batch. */
export interface BatchStep {
  /** Seeds the input dropout mask (a function of the seed and the entry's position only). */
  readonly dropoutSeed: number;
  /** Where the code draws its noise (Mult-VAE's ε). */
  readonly noise: Rng;
  /** β: the weight of the code's penalty. */
  readonly penaltyWeight: number;
  /** λ of the term λ Σ_W ‖W‖² (0: none). */
  readonly l2: number;
}

/** What one training batch returns (at the weights before the update). */
export interface BatchLoss {
  /** −(1/B) Σ_u Σ_i x_ui log π_ui. */
  readonly nll: number;
  /** The code's penalty, mean over the batch (Mult-VAE's KL); 0 for Mult-DAE. */
  readonly penalty: number;
  /** λ Σ_W ‖W‖². */
  readonly l2: number;
}

/** The encoder → code → decoder network, its training step on one batch, and scoring. */
export class MultinomialAutoencoderNetwork {
  readonly shape: NetworkShape;
  /** Input layer, [I × first width] (input-major: see sparse-input.ts), tanh unless it is the code layer. */
  readonly inputLayer: SparseInputLayer;
  /** The rest of the encoder, ending in the code layer. */
  readonly encoderLayers: readonly DenseLayer[];
  /** latent → … → I; the last one (linear) gives the logits. */
  readonly decoderLayers: readonly DenseLayer[];
  private readonly normalisedInput: NormalisedInput;
  private readonly logitGradients = new ScratchBuffer();

  /** With `rng`, weights start Xavier-uniform and biases truncated-normal; without, at zero (to be loaded). */
  constructor(
    private readonly backend: Backend,
    shape: NetworkShape,
    readonly code: LatentCode,
    readonly inputKeepProbability: number,
    rng?: Rng,
  ) {
    this.shape = { items: shape.items, hidden: shape.hidden.slice(), latent: shape.latent };
    this.normalisedInput = new NormalisedInput(backend);
    const encoderWidths = [shape.items, ...shape.hidden, code.encoderOutputs];
    const decoderWidths = [shape.latent, ...[...shape.hidden].reverse(), shape.items];
    const encoderActivation = (layer: number): Activation => (layer === encoderWidths.length - 2 ? code.encoderActivation : 'tanh');
    const layerRng = (stream: number) => (rng ? { rng: rng.fork(stream) } : {});
    this.inputLayer = new SparseInputLayer({
      name: 'encoder.0',
      inputSize: encoderWidths[0]!,
      outputSize: encoderWidths[1]!,
      activation: encoderActivation(0),
      backend,
      ...layerRng(0),
    });
    const encoderLayers: DenseLayer[] = [];
    for (let l = 1; l < encoderWidths.length - 1; l++) {
      encoderLayers.push(
        new DenseLayer({ name: `encoder.${l}`, inputSize: encoderWidths[l]!, outputSize: encoderWidths[l + 1]!, activation: encoderActivation(l), backend, ...layerRng(l) }),
      );
    }
    const decoderLayers: DenseLayer[] = [];
    for (let l = 0; l < decoderWidths.length - 1; l++) {
      const last = l === decoderWidths.length - 2;
      decoderLayers.push(
        new DenseLayer({
          name: `decoder.${l}`,
          inputSize: decoderWidths[l]!,
          outputSize: decoderWidths[l + 1]!,
          activation: last ? 'identity' : 'tanh',
          backend,
          ...layerRng(encoderWidths.length + l),
        }),
      );
    }
    this.encoderLayers = encoderLayers;
    this.decoderLayers = decoderLayers;
    if (rng) {
      const biasRng = rng.fork(encoderWidths.length + decoderWidths.length);
      for (const bias of this.parameters.filter((p) => p.name.endsWith('.bias'))) truncatedNormal(bias, biasRng, 0, BIAS_INIT_STD);
    }
  }

  /** Catalogue size: the input and output width. */
  get items(): number {
    return this.shape.items;
  }

  /** Every parameter, encoder first, in layer order. */
  get parameters(): Parameter[] {
    return [this.inputLayer, ...this.encoderLayers, ...this.decoderLayers].flatMap((layer) => layer.parameters);
  }

  /** The weight matrices, which the L2 term covers (the notebook regularises weights, not biases). */
  get weights(): Parameter[] {
    return this.parameters.filter((p) => p.name.endsWith('.weight'));
  }

  /** Σ_W ‖W‖², each a 1 × K by K × 1 GEMM so that BLAS makes the pass over the weights. */
  weightSquaredNorm(): number {
    const out = new Float32Array(1);
    let total = 0;
    for (const { value } of this.weights) {
      this.backend.gemm(false, true, 1, 1, value.length, 1, value, value.length, value, value.length, 0, out, 1);
      total += out[0]!;
    }
    return total;
  }

  /** The encoder's input: x's rows L2-normalised and, when `dropoutSeed` is given, input dropout (src/nn/normalised-input.ts). */
  private networkInput(x: CsrOperand, dropoutSeed: number | undefined): CsrOperand {
    return this.normalisedInput.apply(x, this.inputKeepProbability, dropoutSeed);
  }

  /** Encoder layers from the network input to the encoder's output (rows × code.encoderOutputs). */
  private encode(input: CsrOperand): Float32Array {
    let h = this.inputLayer.forward(input);
    for (const layer of this.encoderLayers) h = layer.forward(h, input.nRows);
    return h;
  }

  /** Decoder layers from the code to the logits (rows × I, a view of the last layer's buffer). */
  private decode(code: Float32Array, rows: number): Float32Array {
    let h = code;
    for (const layer of this.decoderLayers) h = layer.forward(h, rows);
    return h;
  }

  /**
   * Forward and backward pass of the loss (module comment) for the batch `x`
   * (rows are users' raw interaction vectors): adds ∂loss/∂θ to every
   * parameter's `grad` (callers zero them first) and returns the loss's parts
   * at the current weights.
   */
  accumulateGradients(x: CsrOperand, step: BatchStep): BatchLoss {
    const b = this.backend;
    const rows = x.nRows;
    const items = this.shape.items;
    const encoded = this.encode(this.networkInput(x, step.dropoutSeed));
    const { code, penalty } = this.code.forwardTraining(encoded, rows, step.noise);
    const logits = this.decode(code, rows);

    // −(1/B) Σ x·log softmax(logits) and its gradient π·Σ(x/B) − x/B in one kernel.
    const gradient = this.logitGradients.view(rows * items);
    const nll = b.softmaxCrossEntropyRows(logits, x, 1 / rows, gradient);

    let upstream: Float32Array = gradient;
    for (let l = this.decoderLayers.length - 1; l >= 0; l--) upstream = this.decoderLayers[l]!.backward(upstream)!;
    upstream = this.code.backward(upstream, step.penaltyWeight);
    for (let l = this.encoderLayers.length - 1; l >= 0; l--) upstream = this.encoderLayers[l]!.backward(upstream)!;
    this.inputLayer.backward(upstream);

    // λ Σ‖W‖² and its gradient 2λW, weights only.
    let l2 = 0;
    if (step.l2 > 0) {
      l2 = step.l2 * this.weightSquaredNorm();
      for (const weight of this.weights) b.axpy(2 * step.l2, weight.value, weight.grad);
    }
    return { nll, penalty, l2 };
  }

  /**
   * Logits of every item for each row of `input` (no dropout, deterministic
   * code), written into `out` (rows × I), `chunkRows` rows at a time so that
   * the layers' buffers stay at chunk size.
   */
  scoreInto(input: CsrOperand, out: Float32Array, chunkRows: number): void {
    const items = this.shape.items;
    for (let start = 0; start < input.nRows; start += chunkRows) {
      const end = Math.min(start + chunkRows, input.nRows);
      const chunk = csrRowRange(input, start, end);
      const encoded = this.encode(this.networkInput(chunk, undefined));
      const logits = this.decode(this.code.forwardInference(encoded, chunk.nRows), chunk.nRows);
      out.set(logits, start * items);
    }
  }
}

/** The hyper-parameters both models share (mult-dae.ts and mult-vae.ts give the defaults and sources). */
export interface MultinomialAutoencoderSettings {
  readonly hidden: readonly number[];
  readonly latent: number;
  /** Probability of keeping an input entry in training (the notebook's keep_prob 0.5). */
  readonly keepProbability: number;
  readonly learningRate: number;
  readonly batchSize: number;
  /** Most epochs to train. */
  readonly epochs: number;
  /** Epochs without a better validation NDCG@100 before stopping; 0 never stops early. */
  readonly patience: number;
  /** The notebook's lam × batch size: the loss adds λ Σ_W ‖W‖² with λ = weightDecay / batchSize. */
  readonly weightDecay: number;
}

/** Typed settings; their ranges were checked by the declarations (the variant's settings.resolve). */
export function parseSettings(resolved: Readonly<Record<string, unknown>>): MultinomialAutoencoderSettings {
  return resolved as unknown as MultinomialAutoencoderSettings;
}

/** Epochs of mini-batch training on the training users' rows: the training loop's side of the model. */
export class MultinomialAutoencoderTraining implements TrainableModel {
  private readonly optimizer: Adam;

  /** `examples`: the users to train on (rows with at least one interaction). */
  constructor(
    private readonly network: MultinomialAutoencoderNetwork,
    private readonly examples: CsrMatrix,
    private readonly settings: MultinomialAutoencoderSettings,
    backend: Backend,
  ) {
    // torch.optim.Adam / tf.train.AdamOptimizer defaults; the L2 term is in the gradient (accumulateGradients).
    this.optimizer = new Adam(network.parameters, { learningRate: settings.learningRate, backend });
  }

  /**
   * One shuffled pass. Each batch draws its dropout seed and then its code's
   * noise from `rng`, after the shuffle, so an epoch depends only on its stream.
   * β follows the number of updates made so far (Adam's step count, which a
   * checkpoint restores).
   */
  async trainEpoch(_epoch: number, rng: Rng, signal?: AbortSignal, onBatch?: BatchCallback): Promise<EpochResult> {
    const batches = rowBatches(this.examples, this.settings.batchSize, rng);
    const l2 = this.settings.weightDecay / this.settings.batchSize;
    const sums = { nll: 0, penalty: 0, loss: 0 };
    let beta = 0;
    for (const batch of batches) {
      signal?.throwIfAborted();
      beta = this.network.code.penaltyWeight(this.optimizer.stepCount);
      const dropoutSeed = rng.nextUint32();
      this.optimizer.zeroGrad();
      const loss = this.network.accumulateGradients(batch.input, { dropoutSeed, noise: rng, penaltyWeight: beta, l2 });
      this.optimizer.step();
      const rows = batch.input.nRows;
      sums.nll += loss.nll * rows;
      sums.penalty += loss.penalty * rows;
      sums.loss += (loss.nll + beta * loss.penalty + loss.l2) * rows;
      await onBatch?.(batch.index + 1, batches.count);
    }
    const examples = this.examples.nRows;
    return { loss: sums.loss / examples, values: { nll: sums.nll / examples, penalty: sums.penalty / examples, beta } };
  }

  trainingState(): TrainingState {
    return parameterTrainingState(this.network.parameters, this.optimizer);
  }

  restoreTrainingState(state: TrainingState): void {
    restoreParameterTrainingState(this.network.parameters, this.optimizer, state, 'multinomial autoencoder training state');
  }
}

/** What distinguishes Mult-DAE from Mult-VAE: the name, the settings and the latent code. */
export interface MultinomialAutoencoderVariant {
  readonly name: string;
  readonly description: string;
  readonly settings: ModelSettings;
  /** A fresh code for one network (it holds per-batch buffers); `plan` is absent for a network loaded to score. */
  latentCode(resolved: Readonly<Record<string, unknown>>, latent: number, plan?: TrainingPlan): LatentCode;
}

/** The settings both models share, declared once; a variant adds its own (Mult-VAE's annealing). */
export function multinomialAutoencoderSettingSpecs(defaults: { hidden: readonly number[]; weightDecay: number }): SettingSpec[] {
  return [
    { name: 'hidden', type: 'integer[]', default: defaults.hidden, min: 1, description: 'encoder hidden widths between input and code (the decoder mirrors them)' },
    { name: 'latent', type: 'integer', default: 200, min: 1, description: 'width of the code z', search: { min: 32, max: 512, scale: 'log' } },
    { name: 'keepProbability', type: 'number', default: 0.5, min: 0, exclusiveMin: true, max: 1, description: 'probability of keeping an input entry in training (the notebook\'s keep_prob)', search: { min: 0.2, max: 0.9 } },
    { name: 'learningRate', type: 'number', default: 1e-3, min: 0, exclusiveMin: true, scale: 'log', description: 'Adam learning rate', search: { min: 1e-4, max: 1e-2 } },
    ...trainingLoopSettingSpecs({ batchSize: 500, epochs: 100, patience: 20 }),
    { name: 'weightDecay', type: 'number', default: defaults.weightDecay, min: 0, description: 'the notebook\'s lam × batch size: the loss adds (weightDecay / batchSize) Σ_W ‖W‖²', search: { min: 0, max: 0.1 } },
  ];
}

type Settings = MultinomialAutoencoderSettings & { readonly resolved: Readonly<Record<string, unknown>> };

/** The network's part of a neural model spec (see neural-recommender.ts). */
function multinomialSpec(variant: MultinomialAutoencoderVariant): NeuralModelSpec<Settings, MultinomialAutoencoderNetwork> {
  const network = (backend: Backend, items: number, settings: Settings, rng?: Rng, plan?: TrainingPlan) =>
    new MultinomialAutoencoderNetwork(
      backend,
      { items, hidden: settings.hidden, latent: settings.latent },
      variant.latentCode(settings.resolved, settings.latent, plan),
      settings.keepProbability,
      rng,
    );
  const planOf = (train: TrainingData, settings: Settings): TrainingPlan => {
    let users = 0;
    for (let r = 0; r < train.matrix.nRows; r++) if (train.matrix.rowLength(r) > 0) users++;
    return { plannedUpdates: settings.epochs * Math.ceil(users / settings.batchSize) };
  };
  return {
    name: variant.name,
    description: variant.description,
    settings: variant.settings,
    inputs: ['interactions'],
    parseSettings: (resolved) => ({ ...parseSettings(resolved), resolved }),
    createNetwork: (backend, train, settings, rng) => network(backend, train.matrix.nCols, settings, rng, planOf(train, settings)),
    exportExtra: (net) => (net.code.derived ? { tensors: {}, extra: { derived: { ...net.code.derived } } } : undefined),
    networkForState: (backend, _state, nItems, settings) => network(backend, nItems, settings),
    createTraining: (backend, net, examples, settings) => new MultinomialAutoencoderTraining(net, examples.matrix, settings, backend),
    // Any user's row, seen in training or not (the query's user indices are not used).
    scoreInto: (net, query, out, settings) => net.scoreInto(query.histories, out, settings.batchSize),
  };
}

/** The registry entry of a variant. */
export function multinomialAutoencoderFactory(variant: MultinomialAutoencoderVariant): ModelFactory {
  return neuralModelFactory(multinomialSpec(variant));
}

/** A Mult-DAE/Mult-VAE recommender on a given backend (tests run both). */
export function multinomialAutoencoderRecommender(
  variant: MultinomialAutoencoderVariant,
  hyperParameters: Record<string, unknown> = {},
  backend?: Backend,
): NeuralRecommender<Settings, MultinomialAutoencoderNetwork> {
  return new NeuralRecommender(multinomialSpec(variant), hyperParameters, backend);
}
