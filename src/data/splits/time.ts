/**
 * A global temporal split: one cut in time for everybody, so no interaction
 * used for training happens after one being predicted (no leakage from the
 * future, unlike per-user splits).
 */
import type { Split } from '../split-types.js';
import type { InteractionData } from '../transforms.js';
import { Part, checkFraction, checkInteractionData, checkSeed, entriesInTimeOrder, historySplit } from './parts.js';

export interface TimeSplitOptions {
  /** Fraction of all stored interactions, just before the test period, used for validation; 0 for none. */
  readonly validationFraction: number;
  /** Fraction of all stored interactions, the latest ones, used for testing. */
  readonly testFraction: number;
  /** Recorded in the protocol; the split itself is deterministic. */
  readonly seed: number;
}

/**
 * All entries are sorted by time (NaN first; ties by log position when known,
 * else by user then item); the last round(testFraction · nnz) are test targets,
 * the round(validationFraction · nnz) before them validation targets, the rest
 * train. Entries sharing the cut's timestamp fall on either side by that order.
 * Evaluated users are those with targets; their input and exclusions are
 * everything they did before the phase: train for validation, train plus
 * validation for test.
 */
export function timeSplit(data: InteractionData, options: TimeSplitOptions): Split {
  const { validationFraction, testFraction, seed } = options;
  checkInteractionData(data);
  checkFraction('validationFraction', validationFraction);
  checkFraction('testFraction', testFraction);
  checkSeed(seed);
  if (validationFraction + testFraction >= 1) {
    throw new RangeError(`time split: validationFraction + testFraction must be below 1, got ${validationFraction} + ${testFraction}`);
  }
  const { matrix } = data;
  const order = entriesInTimeOrder(data, 'time');
  const nTest = Math.round(testFraction * matrix.nnz);
  const nValidation = Math.round(validationFraction * matrix.nnz);
  const partOf = new Int8Array(matrix.nnz);
  for (let i = matrix.nnz - nTest; i < matrix.nnz; i++) partOf[order[i]!] = Part.testTarget;
  for (let i = matrix.nnz - nTest - nValidation; i < matrix.nnz - nTest; i++) partOf[order[i]!] = Part.validationTarget;

  return historySplit(data, partOf, { kind: 'time', validationFraction, testFraction, seed }, validationFraction > 0);
}
