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
import { GaussianCode, annealedBeta } from '../../nn/gaussian-code.js';
import { fillStandardNormals } from '../../nn/normal.js';
export { fillStandardNormals };
import { checkNumber } from '../hyper-parameters.js';
import type { ModelFactory } from '../model.js';
import { defineSettings } from '../settings.js';
import {
  multinomialAutoencoderFactory,
  multinomialAutoencoderSettingSpecs,
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

// The Gaussian code and β's annealing live in src/nn/gaussian-code.ts, shared with the sequential VAE (src/models/sequential/svae.ts).
export { GaussianCode, annealedBeta };

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
