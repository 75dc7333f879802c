/**
 * Mult-VAE (Liang, Krishnan, Hoffman & Jebara, "Variational Autoencoders for
 * Collaborative Filtering", WWW 2018; Mult-VAE^PR in the paper): a variational
 * autoencoder with a multinomial likelihood over the whole catalogue,
 * [I → 600 → 200 → 600 → I] with tanh, trained on the β-weighted ELBO
 *
 *   loss = −(1/B) Σ_u Σ_i x_ui log π_ui + β · (1/B) Σ_u KL(q(z_u | x_u) ‖ N(0, I))
 *
 * (eq. 6), z drawn by the reparameterisation trick, β annealed linearly from 0
 * by 1/totalAnnealSteps per update up to betaCap. The encoder, decoder,
 * input normalisation, dropout and training are shared with Mult-DAE
 * (multinomial-autoencoder.ts); this file holds the Gaussian code.
 *
 * Defaults are the authors' notebook (dawenl/vae_cf, VAE_ML20M_WWW2018.ipynb):
 * hidden [600], latent 200, keep probability 0.5, Adam lr 1e-3, batch 500,
 * total_anneal_steps 200,000, anneal_cap 0.2, lam 0 (no weight decay). The
 * notebook trains 200 epochs and keeps the best validation NDCG@100; here the
 * default is at most 100 epochs with patience 20 (`epochs`, `patience`).
 */
import type { Rng } from '../../data/random.js';
import { fillStandardNormals } from '../../nn/normal.js';
export { fillStandardNormals };
import { ScratchBuffer } from '../../nn/scratch.js';
import { checkNumber } from '../hyper-parameters.js';
import type { ModelFactory } from '../model.js';
import { defineSettings } from '../settings.js';
import {
  multinomialAutoencoderFactory,
  multinomialAutoencoderSettingSpecs,
  type LatentCode,
  type MultinomialAutoencoderVariant,
} from './multinomial-autoencoder.js';

const NAME = 'mult-vae';

const SETTINGS = defineSettings(NAME, [
  ...multinomialAutoencoderSettingSpecs({ hidden: [600], weightDecay: 0 }),
  { name: 'betaCap', type: 'number', default: 0.2, min: 0, description: 'largest KL weight β (the notebook\'s anneal_cap)', search: { min: 0.05, max: 0.6 } },
  {
    name: 'totalAnnealSteps',
    type: 'integer',
    default: 0,
    min: 0,
    description: "β = min(betaCap, updates / totalAnnealSteps) (the notebook's total_anneal_steps, 200000 for ML-20M); 0: derived from the data by annealFraction",
  },
  {
    name: 'annealFraction',
    type: 'number',
    default: 0.855,
    min: 0,
    max: 1,
    description: "with totalAnnealSteps 0: β reaches betaCap after this fraction of the planned updates (epochs × batches), the authors' ML-20M proportion (40,000 of 46,800); 0 holds β at betaCap",
  },
]);

/** β for the update after `updatesDone` updates: the notebook's min(anneal_cap, update_count / total_anneal_steps), or the cap when there is no annealing. */
export function annealedBeta(updatesDone: number, betaCap: number, totalAnnealSteps: number): number {
  return totalAnnealSteps > 0 ? Math.min(betaCap, updatesDone / totalAnnealSteps) : betaCap;
}

/**
 * The Gaussian code of the paper's inference model q(z | x) = N(μ, diag σ²):
 * the encoder's last (linear) layer gives [μ | log σ²] per row, as in the
 * notebook (`mu_q = h[:, :L]`, `logvar_q = h[:, L:]`). In training
 * z = μ + ε·σ with ε ~ N(0, I) (fillStandardNormals, row-major), and the
 * penalty is the mean over rows of
 *   KL = ½ Σ_l (−log σ²_l + σ²_l + μ_l² − 1).
 * Backward, for G = ∂loss/∂z and penalty weight β over B rows:
 *   ∂/∂μ = G + (β/B)·μ,   ∂/∂log σ² = G·ε·σ/2 + (β/B)·(σ² − 1)/2.
 * At prediction z = μ.
 */
export class GaussianCode implements LatentCode {
  readonly encoderOutputs: number;
  readonly encoderActivation = 'identity' as const;
  private readonly codes = new ScratchBuffer();
  private readonly noise = new ScratchBuffer();
  private readonly deviations = new ScratchBuffer();
  private readonly encodedGradients = new ScratchBuffer();
  /** The last training pass's encoder outputs (not copied) and rows. */
  private lastEncoded: Float32Array | undefined;
  private lastRows = 0;

  constructor(
    readonly latent: number,
    private readonly betaCap: number,
    private readonly totalAnnealSteps: number,
    readonly derived?: Readonly<Record<string, number>>,
  ) {
    this.encoderOutputs = 2 * latent;
  }

  forwardTraining(encoded: Float32Array, rows: number, rng: Rng): { code: Float32Array; penalty: number } {
    const latent = this.latent;
    const z = this.codes.view(rows * latent);
    const epsilon = this.noise.view(rows * latent);
    const sigma = this.deviations.view(rows * latent);
    fillStandardNormals(rng, epsilon);
    let kl = 0;
    for (let r = 0; r < rows; r++) {
      const muAt = 2 * r * latent;
      const logVarianceAt = muAt + latent;
      const at = r * latent;
      for (let l = 0; l < latent; l++) {
        const mu = encoded[muAt + l]!;
        const logVariance = encoded[logVarianceAt + l]!;
        const deviation = Math.exp(0.5 * logVariance);
        sigma[at + l] = deviation;
        z[at + l] = mu + epsilon[at + l]! * deviation;
        kl += -logVariance + deviation * deviation + mu * mu - 1;
      }
    }
    this.lastEncoded = encoded;
    this.lastRows = rows;
    return { code: z, penalty: (0.5 * kl) / rows };
  }

  backward(gradCode: Float32Array, penaltyWeight: number): Float32Array {
    const encoded = this.lastEncoded;
    if (encoded === undefined) throw new Error('Mult-VAE code: backward called before a training forward pass');
    const { latent, lastRows: rows } = this;
    const width = 2 * latent;
    const epsilon = this.noise.view(rows * latent);
    const sigma = this.deviations.view(rows * latent);
    const grad = this.encodedGradients.view(rows * width);
    const weight = penaltyWeight / rows;
    for (let r = 0; r < rows; r++) {
      for (let l = 0; l < latent; l++) {
        const at = r * latent + l;
        const g = gradCode[at]!;
        const deviation = sigma[at]!;
        grad[r * width + l] = g + weight * encoded[r * width + l]!;
        grad[r * width + latent + l] = 0.5 * g * epsilon[at]! * deviation + 0.5 * weight * (deviation * deviation - 1);
      }
    }
    return grad;
  }

  forwardInference(encoded: Float32Array, rows: number): Float32Array {
    const latent = this.latent;
    const mu = this.codes.view(rows * latent);
    for (let r = 0; r < rows; r++) mu.set(encoded.subarray(r * 2 * latent, r * 2 * latent + latent), r * latent);
    return mu;
  }

  penaltyWeight(updatesDone: number): number {
    return annealedBeta(updatesDone, this.betaCap, this.totalAnnealSteps);
  }
}


/**
 * β's schedule: the given totalAnnealSteps, or — with 0 — steps derived from the planned
 * updates so that β reaches betaCap at the same fraction of training as in the authors'
 * ML-20M setting. On ml-1m (10 batches per epoch) the literal 200,000 steps would leave β
 * near 0.005 after 100 epochs, which is not the model the paper describes.
 */
export function annealingSchedule(
  resolved: Readonly<Record<string, unknown>>,
  plan?: { readonly plannedUpdates: number },
): { betaCap: number; totalAnnealSteps: number; derived: boolean } {
  const betaCap = checkNumber(NAME, 'betaCap', resolved['betaCap'], { min: 0 });
  const given = checkNumber(NAME, 'totalAnnealSteps', resolved['totalAnnealSteps'], { min: 0, integer: true });
  if (given > 0) return { betaCap, totalAnnealSteps: given, derived: false };
  const fraction = checkNumber(NAME, 'annealFraction', resolved['annealFraction'], { min: 0 });
  // No plan (a model loaded to score): the schedule is not used.
  if (plan === undefined || fraction === 0 || betaCap === 0) return { betaCap, totalAnnealSteps: 0, derived: true };
  return { betaCap, totalAnnealSteps: Math.max(1, Math.round((fraction * plan.plannedUpdates) / betaCap)), derived: true };
}

export const multVaeVariant: MultinomialAutoencoderVariant = {
  name: NAME,
  description:
    'Mult-VAE (Liang et al. 2018): variational autoencoder with a multinomial likelihood, [I-600-200-600-I] tanh, KL weight β annealed to betaCap; ' +
    'scores any user row (fold-in). Hyper-parameters hidden, latent, keepProbability, learningRate, batchSize, epochs, patience, weightDecay, betaCap, totalAnnealSteps.',
  settings: SETTINGS,
  latentCode: (resolved, latent, plan) => {
    const { betaCap, totalAnnealSteps, derived } = annealingSchedule(resolved, plan);
    return new GaussianCode(latent, betaCap, totalAnnealSteps, derived && plan !== undefined ? { totalAnnealSteps } : undefined);
  },
};

export const multVaeFactory: ModelFactory = multinomialAutoencoderFactory(multVaeVariant);
