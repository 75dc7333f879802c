/**
 * RecVAE (Shenbin, Alekseev, Tutubalina, Malykh & Nikolenko, "RecVAE: a New
 * Variational Autoencoder for Top-N Recommendations with Implicit Feedback",
 * WSDM 2020), built as the authors' code (ilya-shenbin/RecVAE, model.py and
 * run.py) does:
 *
 *   x̃ = dropout(x / ‖x‖₂)                                 input L2-normalised, dropout 0.5 (keep 0.5)
 *   h₁ = LN₁(swish(fc₁(x̃)))                               swish(a) = a·σ(a), LayerNorm with ε = 0.1
 *   h_k = LN_k(swish(fc_k(h_{k−1}) + h₁ + … + h_{k−1}))     k = 2..depth (5): densely connected
 *   μ = fc_μ(h_depth),  log σ² = fc_logvar(h_depth)
 *   z = μ + ε·σ (training),  z = μ (prediction);  logits = decoder(z)   one linear layer
 *
 * and the negative ELBO per batch of B users (the code's `negative_elbo`):
 *
 *   loss = −(1/B) Σ_u Σ_i x_ui log softmax(logits_u)_i
 *          + (1/B) Σ_u w_u Σ_l [log q(z_ul | x_u) − log p(z_ul | x_u)]
 *
 * a single-sample estimate of the KL term at the drawn z, with the composite
 * prior (paper §3.2) p(z | x) = 0.15·N(0, 1) + 0.75·q_old(z | x) + 0.1·N(0, e¹⁰)
 * per latent coordinate, q_old being the posterior of the encoder as it was at
 * the end of the previous encoder phase (frozen: no gradient reaches it), and
 * the KL weight rescaled by the user's feedback (paper §3.4):
 * w_u = γ·Σ_i x_ui with γ = 0.005 (or a constant β when γ = 0).
 *
 * Training alternates (paper §3.5, run.py): each epoch of the training loop is
 * `encoderEpochs` (3) shuffled passes updating only the encoder (with input
 * dropout), then the previous-epoch encoder is replaced by a copy of the
 * encoder, then `decoderEpochs` (1) passes updating only the decoder, without
 * dropout. Separate Adam optimisers, lr 5e-4, batches of 500. The model is
 * chosen by validation NDCG@100 after each such epoch, as run.py does.
 *
 * Choices where the code is not copied literally:
 * - Linear layers start as PyTorch's nn.Linear default (weights and biases
 *   U(±1/√fan_in)); LayerNorm scales 1, shifts 0. The previous-epoch encoder
 *   starts as an independent random encoder, as in the code.
 * - The decoder phase computes only the likelihood term: the KL term does not
 *   depend on the decoder, so its gradient there is zero (the code computes
 *   and discards it).
 * - The norm is floored at 1e-12 (as F.normalize), so an empty row scores
 *   instead of giving NaN.
 * - Defaults: at most 50 epochs (run.py's n_epochs) and no early stopping
 *   (patience 0), like the code, which keeps the best validated weights.
 *
 * The first layer is sparse (csrMatmul forward, csrTransposeMatmul gradient):
 * no dense batch × catalogue input; only the decoder's output is dense, as
 * the softmax over all items requires. `scoreRows` encodes any row, seen in
 * training or not (fold-in), and returns the logits.
 */
import type { CsrMatrix } from '../../data/csr.js';
import { Rng } from '../../data/random.js';
import type { EvalSet } from '../../data/split-types.js';
import type { Backend, CsrOperand } from '../../engine/backend.js';
import { getBackend } from '../../engine/index.js';
import { validationNdcg } from '../../eval/validation.js';
import { rowBatches } from '../../nn/batches.js';
import { DenseLayer } from '../../nn/dense.js';
import { uniform } from '../../nn/init.js';
import { Adam } from '../../nn/optimizers.js';
import { exportParameters, importParameters, Parameter } from '../../nn/parameter.js';
import { NormalisedInput } from '../../nn/normalised-input.js';
import { ScratchBuffer } from '../../nn/scratch.js';
import { SparseInputLayer } from '../../nn/sparse-input.js';
import type { BatchCallback, EpochResult, TrainableModel, TrainingState } from '../../train/trainable.js';
import type { ModelFactory } from '../model.js';
import { NeuralRecommender, neuralModelFactory, type NeuralModelSpec } from '../neural-recommender.js';
import { defineSettings } from '../settings.js';
import { trainingLoopSettingSpecs } from '../iterative-fit.js';
import { fillStandardNormals } from '../../nn/normal.js';
import { LayerNorm } from '../../nn/layer-norm.js';

const NAME = 'recvae';
/** The authors' `nn.LayerNorm(hidden_dim, eps=0.1)`. */
const LAYER_NORM_EPSILON = 0.1;
/** The authors' `logvar_uniform_prior.fill_(10)`: the wide component's log variance. */
const WIDE_PRIOR_LOG_VARIANCE = 10;
const LOG_TWO_PI = Math.log(2 * Math.PI);

const SETTINGS = defineSettings(NAME, [
  { name: 'hidden', type: 'integer', default: 600, min: 1, description: 'width of each encoder hidden layer' },
  { name: 'latent', type: 'integer', default: 200, min: 1, description: 'width of the code z' },
  { name: 'depth', type: 'integer', default: 5, min: 1, description: 'encoder hidden layers (densely connected, 5 in the paper)' },
  { name: 'keepProbability', type: 'number', default: 0.5, min: 0, exclusiveMin: true, max: 1, description: 'probability of keeping an input entry in encoder training', search: { min: 0.3, max: 0.9 } },
  { name: 'gamma', type: 'number', default: 0.005, min: 0, description: 'KL weight per interaction (β_u = γ·|x_u|); 0 uses the constant beta', search: { min: 0.001, max: 0.02, scale: 'log' } },
  { name: 'beta', type: 'number', default: 0.2, min: 0, description: 'constant KL weight, used when gamma is 0' },
  { name: 'mixtureWeights', type: 'number[]', default: [0.15, 0.75, 0.1], min: 0, description: 'weights of the standard, previous-posterior and wide prior components (sum 1)' },
  { name: 'learningRate', type: 'number', default: 5e-4, min: 0, exclusiveMin: true, scale: 'log', description: 'Adam learning rate of encoder and decoder', search: { min: 1e-4, max: 3e-3 } },
  { name: 'encoderEpochs', type: 'integer', default: 3, min: 1, description: 'encoder passes per epoch' },
  { name: 'decoderEpochs', type: 'integer', default: 1, min: 1, description: 'decoder passes per epoch' },
  ...trainingLoopSettingSpecs({ batchSize: 500, epochs: 50, patience: 0 }),
]);

export interface RecVaeSettings {
  readonly hidden: number;
  readonly latent: number;
  /** Number of encoder hidden layers (fc₁..fc_depth), 5 in the paper. */
  readonly depth: number;
  readonly keepProbability: number;
  /** KL weight per interaction (w_u = γ·Σ_i x_ui); 0 uses the constant `beta`. */
  readonly gamma: number;
  readonly beta: number;
  /** Weights of the standard, previous-posterior and wide components of the prior. */
  readonly mixtureWeights: readonly [number, number, number];
  readonly learningRate: number;
  readonly batchSize: number;
  readonly encoderEpochs: number;
  readonly decoderEpochs: number;
  readonly epochs: number;
  /** Epochs without a better validation NDCG@100 before stopping; 0 never stops early. */
  readonly patience: number;
}

/** Typed settings: the declarations (SETTINGS.resolve) checked each range; what they cannot say is checked here. */
function parseSettings(resolved: Readonly<Record<string, unknown>>): RecVaeSettings {
  const weights = resolved['mixtureWeights'] as number[];
  if (weights.length !== 3 || !weights.every((w) => w > 0) || Math.abs(weights.reduce((a, b) => a + b, 0) - 1) > 1e-6) {
    throw new RangeError(`hyper-parameter 'mixtureWeights' of model '${NAME}' must be three positive numbers summing to 1, got ${JSON.stringify(weights)}`);
  }
  return resolved as unknown as RecVaeSettings;
}

/** The encoder above: densely connected swish + LayerNorm layers, then μ and log σ². */
export class RecVaeEncoder {
  readonly inputLayer: SparseInputLayer;
  /** fc₂..fc_depth. */
  readonly hiddenLayers: readonly DenseLayer[];
  readonly norms: readonly LayerNorm[];
  readonly meanLayer: DenseLayer;
  readonly logVarianceLayer: DenseLayer;
  private readonly normalisedInput: NormalisedInput;
  /** Per layer: the pre-activation a_k (after the dense connections), then swish(a_k). */
  private readonly preActivations: ScratchBuffer[];
  private readonly activations: ScratchBuffer[];
  private readonly hiddenGradients: ScratchBuffer[];
  private readonly codeGradient = new ScratchBuffer();
  private lastRows = 0;

  /** `prefix` names the parameters ('encoder' or 'prior.encoder_old'); with `rng` they start as nn.Linear's. */
  constructor(
    private readonly backend: Backend,
    prefix: string,
    readonly items: number,
    readonly hidden: number,
    readonly latent: number,
    depth: number,
    rng?: Rng,
  ) {
    this.normalisedInput = new NormalisedInput(backend);
    this.inputLayer = new SparseInputLayer({ name: `${prefix}.fc1`, inputSize: items, outputSize: hidden, backend });
    const dense = (name: string, inputSize: number, outputSize: number) => new DenseLayer({ name: `${prefix}.${name}`, inputSize, outputSize, backend });
    this.hiddenLayers = Array.from({ length: depth - 1 }, (_, k) => dense(`fc${k + 2}`, hidden, hidden));
    this.norms = Array.from({ length: depth }, (_, k) => new LayerNorm(backend, LAYER_NORM_EPSILON, `${prefix}.ln${k + 1}`, hidden));
    this.meanLayer = dense('fc_mu', hidden, latent);
    this.logVarianceLayer = dense('fc_logvar', hidden, latent);
    this.preActivations = this.norms.map(() => new ScratchBuffer());
    this.activations = this.norms.map(() => new ScratchBuffer());
    this.hiddenGradients = this.norms.map(() => new ScratchBuffer());
    if (rng) {
      // torch.nn.Linear's default: U(±1/√fan_in) for the weight and the bias.
      const linear = [this.inputLayer, ...this.hiddenLayers, this.meanLayer, this.logVarianceLayer];
      linear.forEach((layer, l) => {
        const bound = 1 / Math.sqrt(layer.inputSize);
        layer.parameters.forEach((p, j) => uniform(p, rng.fork(2 * l + j), -bound, bound));
      });
    }
  }

  get parameters(): Parameter[] {
    const linear = [this.inputLayer, ...this.hiddenLayers, this.meanLayer, this.logVarianceLayer].flatMap((layer) => layer.parameters);
    return [...linear, ...this.norms.flatMap((norm) => norm.parameters)];
  }

  /** x's rows L2-normalised, then (when dropoutSeed is given) inverted dropout on the stored entries. */
  private networkInput(x: CsrOperand, keepProbability: number, dropoutSeed: number | undefined): CsrOperand {
    return this.normalisedInput.apply(x, keepProbability, dropoutSeed);
  }

  /** μ and log σ² (rows × latent each, views valid until the next forward) of the raw rows x. */
  forward(x: CsrOperand, keepProbability: number, dropoutSeed: number | undefined): { mean: Float32Array; logVariance: Float32Array } {
    const rows = x.nRows;
    const n = this.hidden;
    const outputs: Float32Array[] = [];
    for (let k = 0; k < this.norms.length; k++) {
      const pre = this.preActivations[k]!.view(rows * n);
      if (k === 0) pre.set(this.inputLayer.forward(this.networkInput(x, keepProbability, dropoutSeed)));
      else {
        pre.set(this.hiddenLayers[k - 1]!.forward(outputs[k - 1]!, rows));
        for (const earlier of outputs) this.backend.axpy(1, earlier, pre);
      }
      const activated = this.activations[k]!.view(rows * n);
      this.backend.swishForward(pre, activated);
      outputs.push(this.norms[k]!.forward(activated, rows));
    }
    this.lastRows = rows;
    const last = outputs[outputs.length - 1]!;
    return { mean: this.meanLayer.forward(last, rows), logVariance: this.logVarianceLayer.forward(last, rows) };
  }

  /** Adds the parameter gradients for ∂L/∂μ and ∂L/∂log σ² of the last forward pass. */
  backward(gradMean: Float32Array, gradLogVariance: Float32Array): void {
    const [rows, n, depth] = [this.lastRows, this.hidden, this.norms.length];
    const grads = this.hiddenGradients.map((buffer) => buffer.view(rows * n).fill(0));
    const last = grads[depth - 1]!;
    this.backend.axpy(1, this.meanLayer.backward(gradMean)!, last);
    this.backend.axpy(1, this.logVarianceLayer.backward(gradLogVariance)!, last);
    const delta = this.codeGradient.view(rows * n);
    for (let k = depth - 1; k >= 0; k--) {
      const gradActivated = this.norms[k]!.backward(grads[k]!);
      const pre = this.preActivations[k]!.view(rows * n);
      this.backend.swishBackward(pre, gradActivated, delta);
      if (k === 0) {
        this.inputLayer.backward(delta);
        break;
      }
      this.backend.axpy(1, this.hiddenLayers[k - 1]!.backward(delta)!, grads[k - 1]!);
      for (let j = 0; j < k; j++) this.backend.axpy(1, delta, grads[j]!);
    }
  }
}

/** What one batch step returns, at the weights before the update. */
export interface RecVaeBatchLoss {
  /** −(1/B) Σ_u Σ_i x_ui log π_ui. */
  readonly nll: number;
  /** (1/B) Σ_u w_u Σ_l [log q − log p] (0 in a decoder step). */
  readonly kl: number;
}

/** An encoder step's extras: the prior's frozen encoder and the KL weights. */
export interface EncoderStepPrior {
  readonly oldEncoder: RecVaeEncoder;
  readonly mixtureWeights: readonly [number, number, number];
  /** w_u for each batch row. */
  readonly klWeights: Float64Array;
}

/** Encoder, decoder, the batch gradients of both training phases, and scoring. */
export class RecVaeNetwork {
  readonly encoder: RecVaeEncoder;
  /** [items × latent], torch.nn.Linear's layout. */
  readonly decoder: DenseLayer;
  private readonly noise = new ScratchBuffer();
  private readonly codes = new ScratchBuffer();
  private readonly gradMean = new ScratchBuffer();
  private readonly gradLogVariance = new ScratchBuffer();
  private readonly logitGradients = new ScratchBuffer();

  constructor(
    private readonly backend: Backend,
    readonly items: number,
    readonly settings: Pick<RecVaeSettings, 'hidden' | 'latent' | 'depth'>,
    rng?: Rng,
  ) {
    this.encoder = new RecVaeEncoder(backend, 'encoder', items, settings.hidden, settings.latent, settings.depth, rng?.fork(0));
    this.decoder = new DenseLayer({ name: 'decoder', inputSize: settings.latent, outputSize: items, backend });
    if (rng) {
      const bound = 1 / Math.sqrt(settings.latent);
      this.decoder.parameters.forEach((p, j) => uniform(p, rng.fork(1 + j), -bound, bound));
    }
  }

  /** A frozen copy-shaped encoder for the prior, random (as the code's) when `rng` is given. */
  newPriorEncoder(rng?: Rng): RecVaeEncoder {
    const { hidden, latent, depth } = this.settings;
    return new RecVaeEncoder(this.backend, 'prior.encoder_old', this.items, hidden, latent, depth, rng);
  }

  get parameters(): Parameter[] {
    return [...this.encoder.parameters, ...this.decoder.parameters];
  }

  /**
   * One batch: forward pass (dropout when dropoutSeed is given; ε from `noise`),
   * the loss of the module comment, and its gradient. With `prior` (the
   * encoder step) the KL term is included and the gradient reaches the
   * encoder; without it (the decoder step) only the likelihood term is
   * computed and only the decoder's gradients are accumulated.
   */
  accumulateGradients(x: CsrOperand, keepProbability: number, dropoutSeed: number | undefined, noise: Rng, prior?: EncoderStepPrior): RecVaeBatchLoss {
    const b = this.backend;
    const rows = x.nRows;
    const { latent } = this.settings;
    const { mean, logVariance } = this.encoder.forward(x, keepProbability, dropoutSeed);
    const epsilon = this.noise.view(rows * latent);
    fillStandardNormals(noise, epsilon);
    const z = this.codes.view(rows * latent);
    for (let i = 0; i < z.length; i++) z[i] = mean[i]! + epsilon[i]! * Math.exp(0.5 * logVariance[i]!);
    const logits = this.decoder.forward(z, rows);

    const gradient = this.logitGradients.view(rows * this.items);
    const nll = b.softmaxCrossEntropyRows(logits, x, 1 / rows, gradient);
    if (prior === undefined) {
      this.decoder.backward(gradient, false);
      return { nll, kl: 0 };
    }
    const gradZ = this.decoder.backward(gradient)!;
    const kl = this.klGradient(x, mean, logVariance, epsilon, z, gradZ, prior);
    this.encoder.backward(this.gradMean.view(rows * latent), this.gradLogVariance.view(rows * latent));
    return { nll, kl };
  }

  /**
   * The KL term (1/B) Σ_u w_u Σ_l [log q(z) − log p(z)] and, into the gradMean and
   * gradLogVariance buffers, ∂loss/∂μ and ∂loss/∂log σ² (the decoder's ∂/∂z is gradZ).
   * With c = w_u/B, d = z − μ, r_k the prior components' responsibilities:
   *   ∂KL/∂z (explicit) = c·(−d/σ² + Σ_k r_k (z − μ_k)/σ_k²),
   *   ∂/∂μ = ∂/∂z + c·d/σ²,   ∂/∂log σ² = ∂/∂z·ε·σ/2 + c·(d²/σ² − 1)/2.
   */
  private klGradient(x: CsrOperand, mean: Float32Array, logVariance: Float32Array, epsilon: Float32Array, z: Float32Array, gradZ: Float32Array, prior: EncoderStepPrior): number {
    const rows = x.nRows;
    const latent = this.settings.latent;
    // The old encoder sees the raw rows without dropout (the code's encoder_old(x, dropout_rate=0)).
    const old = prior.oldEncoder.forward(x, 1, undefined);
    const [logWeightStandard, logWeightOld, logWeightWide] = prior.mixtureWeights.map(Math.log) as [number, number, number];
    const gradMean = this.gradMean.view(rows * latent);
    const gradLogVariance = this.gradLogVariance.view(rows * latent);
    // The three components unrolled, with their constant parts hoisted: this loop runs for every
    // latent coordinate of every user of every encoder batch.
    const standardConstant = logWeightStandard - 0.5 * LOG_TWO_PI;
    const oldConstant = logWeightOld - 0.5 * LOG_TWO_PI;
    const wideConstant = logWeightWide - 0.5 * (WIDE_PRIOR_LOG_VARIANCE + LOG_TWO_PI);
    const wideVariance = Math.exp(WIDE_PRIOR_LOG_VARIANCE);
    let kl = 0;
    for (let r = 0; r < rows; r++) {
      const c = prior.klWeights[r]! / rows;
      for (let l = 0; l < latent; l++) {
        const i = r * latent + l;
        const zi = z[i]!;
        const logVarianceQ = logVariance[i]!;
        const varianceQ = Math.exp(logVarianceQ);
        const d = zi - mean[i]!;
        const logQ = -0.5 * (logVarianceQ + LOG_TWO_PI + (d * d) / varianceQ);
        const oldLogVariance = old.logVariance[i]!;
        const oldVariance = Math.exp(oldLogVariance);
        const oldOffset = zi - old.mean[i]!;
        // log(w_k · N(z; μ_k, σ_k²)) for the standard, previous-posterior and wide components.
        const standard = standardConstant - 0.5 * zi * zi;
        const previous = oldConstant - 0.5 * (oldLogVariance + (oldOffset * oldOffset) / oldVariance);
        const wide = wideConstant - (0.5 * zi * zi) / wideVariance;
        const largest = Math.max(standard, previous, wide);
        const pStandard = Math.exp(standard - largest);
        const pPrevious = Math.exp(previous - largest);
        const pWide = Math.exp(wide - largest);
        const total = pStandard + pPrevious + pWide;
        const logP = largest + Math.log(total);
        kl += c * (logQ - logP);
        // Σ_k r_k (z − μ_k)/σ_k², r_k the components' responsibilities (p_k / total).
        const priorPull = (pStandard * zi + (pPrevious * oldOffset) / oldVariance + (pWide * zi) / wideVariance) / total;
        const dz = gradZ[i]! + c * (-d / varianceQ + priorPull);
        gradMean[i] = dz + (c * d) / varianceQ;
        gradLogVariance[i] = 0.5 * dz * epsilon[i]! * Math.sqrt(varianceQ) + 0.5 * c * ((d * d) / varianceQ - 1);
      }
    }
    return kl;
  }

  /** Logits (decoder(μ), no dropout) of every item for each row, `chunkRows` rows at a time, into out. */
  scoreInto(input: CsrOperand, out: Float32Array, chunkRows: number): void {
    for (let start = 0; start < input.nRows; start += chunkRows) {
      const end = Math.min(start + chunkRows, input.nRows);
      const base = input.indptr[start]!;
      const indptr = Int32Array.from(input.indptr.subarray(start, end + 1), (p) => p - base);
      const last = input.indptr[end]!;
      const chunk = { nRows: end - start, nCols: input.nCols, indptr, indices: input.indices.subarray(base, last), values: input.values.subarray(base, last) };
      const { mean } = this.encoder.forward(chunk, 1, undefined);
      out.set(this.decoder.forward(mean, end - start), start * this.items);
    }
  }
}

/** w_u for each row of x: γ·Σ_i x_ui, or β when γ = 0 (the code's kl_weight). */
export function klWeights(x: CsrOperand, gamma: number, beta: number): Float64Array {
  const weights = new Float64Array(x.nRows);
  for (let r = 0; r < x.nRows; r++) {
    let total = 0;
    for (let p = x.indptr[r]!; p < x.indptr[r + 1]!; p++) total += x.values[p]!;
    weights[r] = gamma > 0 ? gamma * total : beta;
  }
  return weights;
}

/** The alternating schedule (module comment) as the training loop's epochs. */
export class RecVaeTraining implements TrainableModel {
  private readonly encoderOptimizer: Adam;
  private readonly decoderOptimizer: Adam;

  constructor(
    private readonly network: RecVaeNetwork,
    private readonly oldEncoder: RecVaeEncoder,
    private readonly examples: CsrMatrix,
    private readonly settings: RecVaeSettings,
    backend: Backend,
  ) {
    const learningRate = settings.learningRate;
    this.encoderOptimizer = new Adam(network.encoder.parameters, { learningRate, name: 'encoder_optimizer', backend });
    this.decoderOptimizer = new Adam(network.decoder.parameters, { learningRate, name: 'decoder_optimizer', backend });
  }

  /** Encoder passes, the prior's update, decoder passes; each batch draws its dropout seed, then ε, from `rng`. */
  async trainEpoch(_epoch: number, rng: Rng, signal?: AbortSignal, onBatch?: BatchCallback): Promise<EpochResult> {
    const { batchSize, encoderEpochs, decoderEpochs, keepProbability, gamma, beta, mixtureWeights } = this.settings;
    const perPass = Math.ceil(this.examples.nRows / batchSize);
    const total = perPass * (encoderEpochs + decoderEpochs);
    let done = 0;
    const sums = { encoderLoss: 0, kl: 0, decoderNll: 0 };
    for (let pass = 0; pass < encoderEpochs; pass++) {
      for (const batch of rowBatches(this.examples, batchSize, rng)) {
        signal?.throwIfAborted();
        const dropoutSeed = rng.nextUint32();
        const prior = { oldEncoder: this.oldEncoder, mixtureWeights, klWeights: klWeights(batch.input, gamma, beta) };
        this.encoderOptimizer.zeroGrad();
        const loss = this.network.accumulateGradients(batch.input, keepProbability, dropoutSeed, rng, prior);
        this.encoderOptimizer.step();
        if (pass === encoderEpochs - 1) {
          sums.encoderLoss += (loss.nll + loss.kl) * batch.input.nRows;
          sums.kl += loss.kl * batch.input.nRows;
        }
        await onBatch?.(++done, total);
      }
    }
    // The code's update_prior(): the prior's encoder becomes a copy of the encoder.
    this.oldEncoder.parameters.forEach((p, i) => p.value.set(this.network.encoder.parameters[i]!.value));
    for (let pass = 0; pass < decoderEpochs; pass++) {
      for (const batch of rowBatches(this.examples, batchSize, rng)) {
        signal?.throwIfAborted();
        this.decoderOptimizer.zeroGrad();
        const loss = this.network.accumulateGradients(batch.input, 1, undefined, rng);
        this.decoderOptimizer.step();
        if (pass === decoderEpochs - 1) sums.decoderNll += loss.nll * batch.input.nRows;
        await onBatch?.(++done, total);
      }
    }
    const n = this.examples.nRows;
    return { loss: sums.encoderLoss / n, values: { kl: sums.kl / n, decoderNll: sums.decoderNll / n } };
  }

  trainingState(): TrainingState {
    const encoderState = this.encoderOptimizer.exportState();
    const decoderState = this.decoderOptimizer.exportState();
    return {
      tensors: { ...exportParameters([...this.network.parameters, ...this.oldEncoder.parameters]), ...encoderState.tensors, ...decoderState.tensors },
      scalars: { ...encoderState.scalars, ...decoderState.scalars },
    };
  }

  restoreTrainingState(state: TrainingState): void {
    importParameters([...this.network.parameters, ...this.oldEncoder.parameters], state.tensors, 'RecVAE training state');
    this.encoderOptimizer.importState(state, 'RecVAE training state');
    this.decoderOptimizer.importState(state, 'RecVAE training state');
  }
}

/** RecVAE's part of the neural shell (neural-recommender.ts). */
const RECVAE_SPEC: NeuralModelSpec<RecVaeSettings, RecVaeNetwork> = {
  name: NAME,
  description:
    'RecVAE (Shenbin et al. 2020): VAE with a densely connected swish/LayerNorm encoder, composite prior, user-rescaled KL weight and ' +
    'alternating encoder/decoder training; scores any user row (fold-in).',
  settings: SETTINGS,
  inputs: ['interactions'],
  parseSettings,
  createNetwork: (backend, train, settings, rng) => new RecVaeNetwork(backend, train.matrix.nCols, settings, rng.fork(0)),
  networkForState: (backend, _state, nItems, settings) => new RecVaeNetwork(backend, nItems, settings),
  // The prior's encoder (a copy of the encoder, refreshed each epoch) is needed only in training.
  createTraining: (backend, network, examples, settings, rng) =>
    new RecVaeTraining(network, network.newPriorEncoder(rng.fork(1)), examples.matrix, settings, backend),
  // Any user's row, seen in training or not (the query's user indices are not used).
  scoreInto: (network, query, out, settings) => network.scoreInto(query.histories, out, settings.batchSize),
};

export const recVaeFactory: ModelFactory = neuralModelFactory(RECVAE_SPEC);

/** A RecVAE recommender on a given backend (tests run both). */
export function recVaeRecommender(hyperParameters: Record<string, unknown> = {}, backend?: Backend): NeuralRecommender<RecVaeSettings, RecVaeNetwork> {
  return new NeuralRecommender(RECVAE_SPEC, hyperParameters, backend);
}
