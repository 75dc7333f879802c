import type { CsrMatrix } from './csr.js';
import type { FeatureTable } from './features.js';
import type { UserSequences } from './sequences.js';
import type { TrainingData } from './training-data.js';

/**
 * The users evaluated in one phase (validation or test) of a split. All three
 * matrices have one row per entry of `users` and one column per entry of the
 * split's `itemIds` (the dataset's items, or a subset of them when the
 * protocol drops items, e.g. held-out users restricted to training items).
 */
export interface EvalSet {
  /** Each evaluated user's row in the dataset's user IdMap. */
  readonly users: Int32Array;
  /** What the model is given for each user: their history, or the fold-in part for held-out users. */
  readonly input: CsrMatrix;
  /** Items removed from each user's ranking: the input plus anything else known (e.g. validation items at test time). */
  readonly exclude: CsrMatrix;
  /** The held-out items (with their rating values, for explicit data) to be found or predicted. */
  readonly targets: CsrMatrix;
  /** The input as each user's ordered events (history before the targets), when the data has an order. */
  readonly inputSequences?: UserSequences;
  /** Each evaluated user's features, when the data has them. */
  readonly userFeatures?: FeatureTable;
  /**
   * The items a ranking may contain (ascending item indices), when it is not the whole catalogue:
   * e.g. item cold start ranks only the held-out cold items. Exclusions still apply within them.
   */
  readonly candidates?: Int32Array;
}

/** A JSON-able description of how a split was made, enough to make it again. */
export type SplitProtocol =
  | { readonly kind: 'random-ratings'; readonly testFraction: number; readonly validationFraction: number; readonly seed: number }
  | { readonly kind: 'user-ratio'; readonly ratios: readonly [number, number, number]; readonly seed: number }
  | {
      readonly kind: 'held-out-users';
      readonly validationUsers: number;
      readonly testUsers: number;
      readonly foldInFraction: number;
      readonly seed: number;
      /** Keep only items seen in training users' interactions (Mult-VAE's notebook); default true. */
      readonly restrictToTrainItems?: boolean;
      /** Held-out users with fewer (kept) items get no targets and are not evaluated; default 5. */
      readonly minHeldOutItems?: number;
    }
  | { readonly kind: 'leave-last-out'; readonly validation: boolean; readonly seed: number }
  | { readonly kind: 'time'; readonly validationFraction: number; readonly testFraction: number; readonly seed: number }
  | { readonly kind: 'item-cold-start'; readonly coldFraction: number; readonly seed: number };

/**
 * A train/validation/test partition of one dataset's interaction matrix.
 * `train.matrix` is nUsers × nItems over every user of the dataset; users held out
 * entirely (strong generalisation) have empty rows in it. `train` also carries the
 * training events in order and the item and user features when the data has them.
 */
export interface Split {
  readonly protocol: SplitProtocol;
  readonly train: TrainingData;
  readonly validation?: EvalSet;
  readonly test: EvalSet;
  /** External ids, so that a saved split can be evaluated by another system. */
  readonly userIds: readonly string[];
  readonly itemIds: readonly string[];
  /** Fingerprint of the source data the split was made from. */
  readonly dataFingerprint: string;
}
