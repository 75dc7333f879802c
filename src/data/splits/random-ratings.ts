/**
 * AutoRec's protocol (Sedhain et al., WWW'15): a random 90/10 train/test
 * split of all ratings, with 10 % of the training ratings held out for tuning.
 */
import { Rng } from '../random.js';
import type { Split } from '../split-types.js';
import type { InteractionData } from '../transforms.js';
import { Part, SplitParts, checkFraction, checkInteractionData, checkSeed, fingerprintOf } from './parts.js';

export interface RandomRatingSplitOptions {
  /** Fraction of all stored ratings held out for testing (AutoRec: 0.1). */
  readonly testFraction: number;
  /** Fraction of the remaining (non-test) ratings held out for validation (AutoRec: 0.1); 0 for none. Default 0. */
  readonly validationFraction?: number;
  readonly seed: number;
}

/**
 * Shuffles all stored entries; the first round(testFraction · nnz) are test
 * targets, the next round(validationFraction · (nnz − nTest)) validation
 * targets, the rest train. For each phase, the evaluated users are those with
 * at least one target; their input (and exclusions) is their train row, and
 * the targets keep their rating values.
 */
export function randomRatingSplit(data: InteractionData, options: RandomRatingSplitOptions): Split {
  const { testFraction, validationFraction = 0, seed } = options;
  checkInteractionData(data);
  checkFraction('testFraction', testFraction);
  checkFraction('validationFraction', validationFraction);
  checkSeed(seed);
  const { matrix } = data;
  const nnz = matrix.nnz;
  const nTest = Math.round(testFraction * nnz);
  const nValidation = Math.round(validationFraction * (nnz - nTest));

  const shuffled = new Rng(seed).fork(0).shuffle(Int32Array.from({ length: nnz }, (_, k) => k));
  const partOf = new Int8Array(nnz); // Part.train is 0
  for (let i = 0; i < nTest; i++) partOf[shuffled[i]!] = Part.testTarget;
  for (let i = nTest; i < nTest + nValidation; i++) partOf[shuffled[i]!] = Part.validationTarget;

  const parts = new SplitParts(data, partOf);
  const phase = (target: number) => parts.evalSet(target, [Part.train], [Part.train]);
  return {
    protocol: { kind: 'random-ratings', testFraction, validationFraction, seed },
    train: parts.training([Part.train]),
    ...(validationFraction > 0 ? { validation: phase(Part.validationTarget) } : {}),
    test: phase(Part.testTarget),
    userIds: data.userIds,
    itemIds: data.itemIds,
    dataFingerprint: fingerprintOf(data),
  };
}
