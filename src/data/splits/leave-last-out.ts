/**
 * Leave-last-out (SASRec, BERT4Rec, RecBole's `LS: valid_and_test`): each
 * user's latest interaction is the test target and, optionally, the one
 * before it the validation target.
 */
import type { Split } from '../split-types.js';
import type { InteractionData } from '../transforms.js';
import { Part, checkInteractionData, checkSeed, historySplit, requireTimestamps } from './parts.js';

export interface LeaveLastOutSplitOptions {
  /** Also hold out each user's second-latest interaction for validation. */
  readonly validation: boolean;
  /** Recorded in the protocol; the split itself is deterministic (no randomness is involved). */
  readonly seed: number;
}

/**
 * Per user, entries are ordered by timestamp (NaN as earliest), ties by log
 * position (file order) when known, else by item index; data without timestamps
 * (user-item-pairs files) by log position alone. As in RecBole's
 * `split_by_leave_one_out`, at least one interaction stays in train: a user with
 * n items gives min(held, n − 1) of them, the test target first. So with
 * validation a 2-item user has a test target but no validation target, and a
 * 1-item user is only in train.
 *
 * Validation: input and exclusions are the train row. Test: input and
 * exclusions are everything before the test target, i.e. train plus the
 * validation item (the sequence the user actually had).
 */
export function leaveLastOutSplit(data: InteractionData, options: LeaveLastOutSplitOptions): Split {
  const { validation, seed } = options;
  checkInteractionData(data);
  checkSeed(seed);
  // Without timestamps the file order is the time order (SASRec's Video.txt, data_partition in
  // its util.py); only data with neither cannot be split by time.
  const times = data.timestamps === null && data.logPositions ? null : requireTimestamps(data, 'leave-last-out');
  const { matrix } = data;
  const positions = data.logPositions;
  const time = (k: number) => (times === null || Number.isNaN(times[k]!) ? -Infinity : times[k]!);
  // Entry order within a row is item order, so comparing entry positions is the item-index tie-break.
  const isLater = (a: number, b: number) => time(a) > time(b) || (time(a) === time(b) && (positions ? positions[a]! > positions[b]! : a > b));

  const partOf = new Int8Array(matrix.nnz);
  const heldPerUser = validation ? 2 : 1;
  for (let u = 0; u < matrix.nRows; u++) {
    const start = matrix.indptr[u]!;
    const end = matrix.indptr[u + 1]!;
    const held = Math.min(heldPerUser, end - start - 1);
    if (held <= 0) continue;
    // The latest `held` entries, found by selection (held is at most 2).
    const chosen: number[] = [];
    for (let h = 0; h < held; h++) {
      let latest = -1;
      for (let k = start; k < end; k++) if (!chosen.includes(k) && (latest < 0 || isLater(k, latest))) latest = k;
      chosen.push(latest);
    }
    partOf[chosen[0]!] = Part.testTarget;
    if (chosen.length > 1) partOf[chosen[1]!] = Part.validationTarget;
  }

  return historySplit(data, partOf, { kind: 'leave-last-out', validation, seed }, validation);
}
