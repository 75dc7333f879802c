/**
 * Mult-DAE (Liang, Krishnan, Hoffman & Jebara, "Variational Autoencoders for
 * Collaborative Filtering", WWW 2018): a denoising autoencoder with a
 * multinomial likelihood over the whole catalogue, [I → 200 → I] with a tanh
 * code, trained on
 *
 *   loss = −(1/B) Σ_u Σ_i x_ui log π_ui + λ Σ_W ‖W‖²,   λ = weightDecay / batchSize
 *
 * with dropout on the L2-normalised input as the denoising corruption. The
 * network, input handling and training are shared with Mult-VAE
 * (multinomial-autoencoder.ts); Mult-DAE's code is the encoder's output.
 *
 * Defaults are the authors' notebook (dawenl/vae_cf, VAE_ML20M_WWW2018.ipynb):
 * `p_dims = [200, n_items]` (hidden [], latent 200), keep probability 0.5,
 * Adam lr 1e-3, batch 500, and `MultiDAE(p_dims, lam=0.01 / batch_size)` whose
 * loss is `neg_ll + 2 * l2_regularizer(lam)` over the weights: TensorFlow's
 * l2_regularizer is lam·‖W‖²/2, so the term is (0.01 / 500)·Σ‖W‖² and its
 * gradient 2·(0.01 / 500)·W (weightDecay 0.01 here, divided by batchSize). The
 * notebook trains 200 epochs and keeps the best validation NDCG@100; here the
 * default is at most 100 epochs with patience 20 (`epochs`, `patience`).
 */
import type { ModelFactory } from '../model.js';
import { defineSettings } from '../settings.js';
import {
  deterministicCode,
  multinomialAutoencoderFactory,
  multinomialAutoencoderSettingSpecs,
  type MultinomialAutoencoderVariant,
} from './multinomial-autoencoder.js';

const SETTINGS = defineSettings('mult-dae', multinomialAutoencoderSettingSpecs({ hidden: [], weightDecay: 0.01 }));

export const multDaeVariant: MultinomialAutoencoderVariant = {
  name: 'mult-dae',
  description:
    'Mult-DAE (Liang et al. 2018): denoising autoencoder with a multinomial likelihood, [I-200-I] tanh, input dropout, L2 weight decay; ' +
    'scores any user row (fold-in). Hyper-parameters hidden, latent, keepProbability, learningRate, batchSize, epochs, patience, weightDecay.',
  settings: SETTINGS,
  latentCode: (_resolved, latent) => deterministicCode(latent),
};

export const multDaeFactory: ModelFactory = multinomialAutoencoderFactory(multDaeVariant);
