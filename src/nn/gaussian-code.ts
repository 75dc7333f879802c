/**
 * The Gaussian latent code of a variational autoencoder with the reparameterisation trick
 * (Kingma & Welling 2014), as Mult-VAE (src/models/autoencoders/mult-vae.ts; Liang et al.
 * 2018) and the sequential VAE (src/models/sequential/svae.ts) use it: rows of encoder
 * outputs [μ | log σ²] in, samples z and the KL penalty out, with β's linear annealing.
 * It has the shape of the autoencoders' LatentCode (multinomial-autoencoder.ts).
 */
import type { Rng } from '../data/random.js';
import { fillStandardNormals } from './normal.js';
import { ScratchBuffer } from './scratch.js';

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
export class GaussianCode {
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
