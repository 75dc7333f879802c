/**
 * RecBole's random per-user ratio split (`eval_args: {split: {RS: [0.8, 0.1, 0.1]}, order: RO,
 * group_by: user}`), used for its ML-1M leaderboard: each user's items are
 * shuffled and cut into train / validation / test by the ratios.
 */
import { Rng } from '../random.js';
import type { Split } from '../split-types.js';
import type { InteractionData } from '../transforms.js';
import { Part, SplitParts, checkInteractionData, checkSeed, fingerprintOf } from './parts.js';

export interface UserRatioSplitOptions {
  /** [train, validation, test] proportions, normalised by their sum; RecBole's default is [0.8, 0.1, 0.1]. */
  readonly ratios: readonly [number, number, number];
  readonly seed: number;
}

/**
 * How many of a user's `total` items go to [train, validation, test]: RecBole's
 * `Dataset._calcu_split_ids` exactly. Validation and test get floor(ratio · total);
 * then, while train keeps more than one item, a part whose share is between 0
 * and 1 item is rounded up to one (test first). So 1 item: all train; 2: 1/0/1;
 * 3: 1/1/1; 10: 8/1/1.
 */
export function ratioSplitCounts(total: number, ratios: readonly [number, number, number]): [number, number, number] {
  const sum = ratios[0] + ratios[1] + ratios[2];
  const normalised = ratios.map((r) => r / sum);
  const counts = normalised.map((r) => Math.trunc(r * total)) as [number, number, number];
  counts[0] = total - counts[1] - counts[2];
  for (const part of [2, 1] as const) {
    if (counts[0] <= 1) break;
    const share = normalised[part]! * total;
    if (share > 0 && share < 1) {
      counts[part]++;
      counts[0]--;
    }
  }
  return counts;
}

/**
 * For each user (in index order, one random stream), shuffle their items and
 * give the first counts[0] to train, the next counts[1] to validation and the
 * rest to test (see `ratioSplitCounts`). Validation: input and exclusions are
 * the train row. Test: input is the train row, exclusions are train plus
 * validation items (as RecBole's full-sort evaluation masks both).
 * `validation` is absent when its ratio is 0.
 */
export function userRatioSplit(data: InteractionData, options: UserRatioSplitOptions): Split {
  const { ratios, seed } = options;
  checkInteractionData(data);
  checkSeed(seed);
  if (ratios.length !== 3 || !ratios.every((r) => Number.isFinite(r) && r >= 0) || ratios[0] + ratios[1] + ratios[2] <= 0) {
    throw new RangeError(`user-ratio ratios must be three non-negative numbers with a positive sum, got [${ratios.join(', ')}]`);
  }
  const { matrix } = data;
  const rng = new Rng(seed).fork(0);
  const partOf = new Int8Array(matrix.nnz);
  for (let u = 0; u < matrix.nRows; u++) {
    const start = matrix.indptr[u]!;
    const total = matrix.rowLength(u);
    if (total === 0) continue;
    const entries = rng.shuffle(Int32Array.from({ length: total }, (_, i) => start + i));
    const [nTrain, nValidation] = ratioSplitCounts(total, ratios);
    for (let i = nTrain; i < total; i++) partOf[entries[i]!] = i < nTrain + nValidation ? Part.validationTarget : Part.testTarget;
  }

  const parts = new SplitParts(data, partOf);
  const validation = parts.evalSet(Part.validationTarget, [Part.train], [Part.train]);
  const test = parts.evalSet(Part.testTarget, [Part.train], [Part.train, Part.validationTarget]);
  return {
    protocol: { kind: 'user-ratio', ratios: [ratios[0], ratios[1], ratios[2]], seed },
    train: parts.training([Part.train]),
    ...(ratios[1] > 0 ? { validation } : {}),
    test,
    userIds: data.userIds,
    itemIds: data.itemIds,
    dataFingerprint: fingerprintOf(data),
  };
}
