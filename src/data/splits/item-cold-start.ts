/**
 * Item cold start (the ColdRec-style protocol of REFERENCE.md 6c; DropoutNet,
 * Volkovs et al. 2017): a seeded share of the items is held out with ALL their
 * interactions, so that no model sees an interaction with them in training;
 * half of those cold items are validation items, half test items. A model must
 * score them from their attributes alone.
 */
import { Rng } from '../random.js';
import type { EvalSet, Split } from '../split-types.js';
import type { InteractionData } from '../transforms.js';
import { Part, SplitParts, checkInteractionData, checkSeed, fingerprintOf } from './parts.js';

export interface ItemColdStartSplitOptions {
  /** Share of the items with interactions held out as cold (validation and test together), in (0, 1). */
  readonly coldFraction: number;
  readonly seed: number;
}

/**
 * Items with at least one interaction are shuffled with `seed`; the first
 * round(coldFraction · n) are cold, the first half of those (rounded up)
 * validation items and the rest test items. Every interaction with a
 * validation (test) cold item is a validation (test) target; the rest is
 * train, for every user. An evaluated user's input and exclusions are their
 * training row (test exclusions also hold their validation-item interactions),
 * and each phase's `candidates` are its cold items: rank the cold items for
 * the users who interacted with them. Removing `candidates` gives the
 * whole-catalogue figure on the same targets.
 */
export function itemColdStartSplit(data: InteractionData, options: ItemColdStartSplitOptions): Split {
  const { coldFraction, seed } = options;
  checkInteractionData(data);
  checkSeed(seed);
  if (!(Number.isFinite(coldFraction) && coldFraction > 0 && coldFraction < 1)) {
    throw new RangeError(`item cold start: coldFraction must be a number in (0, 1), got ${coldFraction}`);
  }
  const { matrix } = data;
  const counts = matrix.columnCounts();
  const withInteractions = Int32Array.from({ length: matrix.nCols }, (_, c) => c).filter((c) => counts[c]! > 0);
  const order = new Rng(seed).shuffle(withInteractions);
  const nCold = Math.round(coldFraction * order.length);
  if (nCold < 2) throw new RangeError(`item cold start of '${data.name}': ${order.length} items with interactions give ${nCold} cold items; raise coldFraction (need at least 2: one validation, one test)`);
  const nValidation = Math.ceil(nCold / 2);
  const partOfItem = new Int8Array(matrix.nCols).fill(Part.train);
  for (let i = 0; i < nCold; i++) partOfItem[order[i]!] = i < nValidation ? Part.validationTarget : Part.testTarget;
  const partOf = new Int8Array(matrix.nnz);
  for (let k = 0; k < matrix.nnz; k++) partOf[k] = partOfItem[matrix.indices[k]!]!;

  const sortedItems = (part: number) => Int32Array.from({ length: matrix.nCols }, (_, c) => c).filter((c) => partOfItem[c] === part);
  const parts = new SplitParts(data, partOf);
  const withCandidates = (set: EvalSet, part: number): EvalSet => ({ ...set, candidates: sortedItems(part) });
  return {
    protocol: { kind: 'item-cold-start', coldFraction, seed },
    train: parts.training([Part.train]),
    validation: withCandidates(parts.evalSet(Part.validationTarget, [Part.train], [Part.train]), Part.validationTarget),
    test: withCandidates(parts.evalSet(Part.testTarget, [Part.train], [Part.train, Part.validationTarget]), Part.testTarget),
    userIds: data.userIds,
    itemIds: data.itemIds,
    dataFingerprint: fingerprintOf(data),
  };
}
