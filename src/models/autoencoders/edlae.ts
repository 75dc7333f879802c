/**
 * EDLAE and DLAE (Steck, "Autoencoders that don't overfit towards the Identity",
 * NeurIPS 2020): linear autoencoders trained with dropout, in closed form. Dropout with
 * probability p on the input is, in expectation, the L2 penalty
 *
 *   Λ = p / (1 − p) · diagMat(diag(XᵀX))      (+ λI, an extra constant ridge)
 *
 * which weighs each item's weights by its popularity rather than one λ for all (EASE).
 *
 * - DLAE (full rank, §3): B = (XᵀX + Λ)⁻¹ XᵀX = I − P Λ with P = (XᵀX + Λ)⁻¹. Dropout
 *   shrinks the diagonal of B but does not remove it: the model still partly predicts an
 *   item from itself.
 * - EDLAE (full rank, §4, emphasised denoising): emphasising the dropped-out entries in the
 *   loss removes the identity completely; the solution is B = I − P·diagMat(1 ⊘ diag(P)),
 *   i.e. EASE's zero-diagonal form with the dropout-induced Λ.
 *
 * Scores are x·B for any row, as for EASE. Cost: one Gram matrix and one SPD inverse, the
 * same as EASE (src/models/closed-form.ts).
 */
import type { CsrMatrix } from '../../data/csr.js';
import { ItemItemRecommender, regularisedGramInverse, zeroDiagonalWeights } from '../closed-form.js';
import type { FitContext, ModelFactory, ModelInput } from '../model.js';
import { defineSettings } from '../settings.js';

const NAME = 'edlae';
const INPUTS: readonly ModelInput[] = ['interactions'];
const VARIANTS = ['edlae', 'dlae'] as const;
type Variant = (typeof VARIANTS)[number];

const SETTINGS = defineSettings(NAME, [
  {
    name: 'dropout',
    type: 'number',
    default: 0.6,
    min: 0,
    max: 1,
    exclusiveMax: true,
    description: 'p: input dropout probability; the L2 weight of item i is p/(1−p)·|users of i| (0.6 with λ 100 is at or next to the best validation NDCG@100 on ml-1m, ml-100k and amazon-beauty, BENCHMARKS.md)',
    search: { min: 0.05, max: 0.95 },
  },
  { name: 'lambda', type: 'number', default: 100, min: 0, scale: 'log', description: 'extra constant ridge λ added to every item (keeps items without users invertible)', search: { min: 0.1, max: 1000 } },
  { name: 'variant', type: 'choice', default: 'edlae', choices: VARIANTS, description: "'edlae': emphasised denoising, zero diagonal; 'dlae': plain dropout, B = I − PΛ" },
]);

export class EdlaeRecommender extends ItemItemRecommender {
  constructor(hyperParameters: Record<string, unknown> = {}) {
    super(NAME, SETTINGS, hyperParameters);
  }

  protected async fitWeights(train: CsrMatrix, context: FitContext | undefined): Promise<Float32Array> {
    const n = train.nCols;
    const p = this.hyperParameters['dropout'] as number;
    const lambda = this.hyperParameters['lambda'] as number;
    const variant = this.hyperParameters['variant'] as Variant;
    const odds = p / (1 - p);
    const penalty = new Float64Array(n);
    const inverse = await regularisedGramInverse(
      NAME,
      train,
      (item, gramDiagonal) => (penalty[item] = odds * gramDiagonal + lambda),
      context,
      (pivot) =>
        `EDLAE: XᵀX + Λ is not positive definite (dropout ${p}, λ = ${lambda}, failed at item ${pivot}); ` +
        `an item without users needs λ > 0`,
    );
    if (variant === 'edlae') return zeroDiagonalWeights(inverse, n);
    // B = I − P Λ: column j of P scaled by Λ_jj, subtracted from the identity.
    const weights = new Float32Array(n * n);
    for (let i = 0; i < n; i++) {
      const row = i * n;
      for (let j = 0; j < n; j++) weights[row + j] = (i === j ? 1 : 0) - inverse[row + j]! * penalty[j]!;
    }
    return weights;
  }
}

export const edlaeFactory: ModelFactory = {
  name: NAME,
  description: 'EDLAE / DLAE (Steck 2020): closed-form linear autoencoders trained with (emphasised) dropout; popularity-weighted L2, zero diagonal for EDLAE.',
  settings: SETTINGS,
  inputs: INPUTS,
  predictsRatings: false,
  create: (hyperParameters) => new EdlaeRecommender(hyperParameters),
  restore: (hyperParameters, state, nItems) => new EdlaeRecommender(hyperParameters).withSavedWeights(state, nItems),
};
