/**
 * Strong generalisation (Mult-VAE, Liang et al. WWW'18, following the authors'
 * notebook dawenl/vae_cf VAE_ML20M_WWW2018.ipynb): whole users are held out for
 * validation and test; the model never trains on them and, at evaluation time,
 * sees a random part of their history (the fold-in input) and must rank the rest.
 */
import { Rng } from '../random.js';
import type { EvalSet, Split } from '../split-types.js';
import type { InteractionData } from '../transforms.js';
import {
  Part,
  checkFraction,
  checkInteractionData,
  checkSeed,
  fingerprintOf,
  SplitParts,
  type ColumnSubset,
} from './parts.js';

export interface HeldOutUsersSplitOptions {
  /** Number of validation users (the notebook: 10,000 on ML-20M); 0 for no validation set. */
  readonly validationUsers: number;
  /** Number of test users (the notebook: 10,000 on ML-20M). */
  readonly testUsers: number;
  /** Fraction of each held-out user's items given as input; the rest are targets. Default 0.8. */
  readonly foldInFraction?: number;
  /**
   * Keep only items that occur in the training users' interactions (default
   * true, as the notebook does): held-out users' interactions with other items
   * are dropped, and the split's columns are the kept items, renumbered in order.
   */
  readonly restrictToTrainItems?: boolean;
  /**
   * Held-out users with fewer kept items than this get no targets (the notebook
   * puts all their items in the fold-in part, where they would score NaN), so
   * they are not evaluated and their interactions are dropped. Default 5.
   */
  readonly minHeldOutItems?: number;
  readonly seed: number;
}

// Independent random streams, so that e.g. changing the validation size leaves test fold-in draws alone.
const USER_ORDER_STREAM = 0;
const VALIDATION_FOLD_IN_STREAM = 1;
const TEST_FOLD_IN_STREAM = 2;

const Role = { train: 0, validation: 1, test: 2 } as const;

/**
 * The number of targets for a held-out user with `nItems` kept items:
 * int(targetFraction · nItems) as in the notebook's `split_train_test_proportion`,
 * at least 1. `1 − foldInFraction` is rounded to 12 significant digits first, so
 * that 0.8 gives exactly the notebook's 0.2 (1 − 0.8 is 0.19999999999999996 in
 * binary floating point, which would give 0 targets for 5 items instead of 1).
 */
export function heldOutTargetCount(nItems: number, foldInFraction: number): number {
  const targetFraction = Number((1 - foldInFraction).toPrecision(12));
  return Math.min(nItems, Math.max(1, Math.floor(targetFraction * nItems)));
}

/**
 * 1. Users with at least one interaction are shuffled (the seed's stream 0);
 *    as in the notebook, the last `testUsers` are test users, the `validationUsers`
 *    before them validation users, the rest training users. Users without
 *    interactions stay (empty) training users.
 * 2. With `restrictToTrainItems`, items no training user interacted with are
 *    removed from the column space.
 * 3. Each held-out user with at least `minHeldOutItems` kept items gets
 *    `heldOutTargetCount` random targets (streams 1 and 2, users in index order);
 *    the rest of their kept items are the fold-in input, also excluded from ranking.
 * Held-out users' rows of `train` are empty: they never update the model.
 */
export function heldOutUsersSplit(data: InteractionData, options: HeldOutUsersSplitOptions): Split {
  const { validationUsers, testUsers, foldInFraction = 0.8, restrictToTrainItems = true, minHeldOutItems = 5, seed } = options;
  checkInteractionData(data);
  checkSeed(seed);
  checkFraction('foldInFraction', foldInFraction);
  for (const [name, value] of Object.entries({ validationUsers, testUsers, minHeldOutItems })) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`held-out-users ${name} must be a non-negative integer, got ${value}`);
  }
  const { matrix } = data;
  const activeUsers = Int32Array.from({ length: matrix.nRows }, (_, u) => u).filter((u) => matrix.rowLength(u) > 0);
  if (validationUsers + testUsers >= activeUsers.length) {
    throw new RangeError(
      `'${data.name}' has ${activeUsers.length} users with interactions: cannot hold out ${validationUsers} validation and ` +
        `${testUsers} test users and keep any for training; hold out fewer, e.g. ${Math.max(1, Math.floor(activeUsers.length / 10))} of each ` +
        `(CLI: --validation-users ${Math.max(1, Math.floor(activeUsers.length / 10))} --test-users ${Math.max(1, Math.floor(activeUsers.length / 10))})`,
    );
  }
  const rng = new Rng(seed);
  const userOrder = rng.fork(USER_ORDER_STREAM).shuffle(activeUsers);
  const nTrainUsers = activeUsers.length - validationUsers - testUsers;
  const role = new Int8Array(matrix.nRows); // Role.train unless held out
  userOrder.subarray(nTrainUsers, nTrainUsers + validationUsers).forEach((u) => (role[u] = Role.validation));
  userOrder.subarray(nTrainUsers + validationUsers).forEach((u) => (role[u] = Role.test));

  const columns = keptColumns(data, role, restrictToTrainItems);
  const partOf = new Int8Array(matrix.nnz); // Part.train unless assigned below
  const phases = {
    [Role.validation]: { stream: rng.fork(VALIDATION_FOLD_IN_STREAM), foldIn: Part.validationFoldIn, target: Part.validationTarget },
    [Role.test]: { stream: rng.fork(TEST_FOLD_IN_STREAM), foldIn: Part.testFoldIn, target: Part.testTarget },
  };
  for (let u = 0; u < matrix.nRows; u++) {
    if (role[u] === Role.train) continue;
    const phase = phases[role[u] as typeof Role.validation | typeof Role.test];
    const kept: number[] = [];
    for (let k = matrix.indptr[u]!; k < matrix.indptr[u + 1]!; k++) {
      if (columns.newIndex[matrix.indices[k]!]! >= 0) kept.push(k);
      else partOf[k] = Part.dropped;
    }
    if (kept.length === 0 || kept.length < minHeldOutItems) {
      for (const k of kept) partOf[k] = Part.dropped;
      continue;
    }
    for (const k of kept) partOf[k] = phase.foldIn;
    const targets = phase.stream.randomSample(kept.length, heldOutTargetCount(kept.length, foldInFraction));
    for (const i of targets) partOf[kept[i]!] = phase.target;
  }

  const parts = new SplitParts(data, partOf, columns);
  const evalSet = (foldIn: number, target: number): EvalSet => parts.evalSet(target, [foldIn], [foldIn]);
  return {
    protocol: { kind: 'held-out-users', validationUsers, testUsers, foldInFraction, seed, restrictToTrainItems, minHeldOutItems },
    train: parts.training([Part.train]),
    ...(validationUsers > 0 ? { validation: evalSet(Part.validationFoldIn, Part.validationTarget) } : {}),
    test: evalSet(Part.testFoldIn, Part.testTarget),
    userIds: data.userIds,
    itemIds: restrictToTrainItems ? data.itemIds.filter((_, c) => columns.newIndex[c]! >= 0) : data.itemIds,
    dataFingerprint: fingerprintOf(data),
  };
}

/** All columns, or only those with an entry from a training user. */
function keptColumns(data: InteractionData, role: Int8Array, restrictToTrainItems: boolean): ColumnSubset {
  const { matrix } = data;
  const newIndex = new Int32Array(matrix.nCols);
  if (!restrictToTrainItems) {
    for (let c = 0; c < matrix.nCols; c++) newIndex[c] = c;
    return { newIndex, nCols: matrix.nCols };
  }
  const seen = new Uint8Array(matrix.nCols);
  for (let u = 0; u < matrix.nRows; u++) {
    if (role[u] !== Role.train) continue;
    for (let k = matrix.indptr[u]!; k < matrix.indptr[u + 1]!; k++) seen[matrix.indices[k]!] = 1;
  }
  let nCols = 0;
  for (let c = 0; c < matrix.nCols; c++) newIndex[c] = seen[c] ? nCols++ : -1;
  return { newIndex, nCols };
}
