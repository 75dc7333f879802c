/**
 * Ratings from a trained AutoRec network, for both variants:
 *
 * - I-AutoRec (examples are items, inputs are users): the rating of user u
 *   for item i is output u of item i's reconstruction, V_u·h_i + b_u, where
 *   h_i = sigmoid(r_i·W + μ) is item i's code from its training vector r_i.
 *   The codes of all items are cached (nItems × hidden), so scoring a batch of
 *   users is one GEMM. A user is known only through the outputs V_u and b_u,
 *   so I-AutoRec cannot score a user it was not trained on without retraining:
 *   such rows get the default rating.
 * - U-AutoRec (examples are users, inputs are items): the ratings of a user
 *   are the reconstruction of their input row, which can be any user's.
 *
 * As in the paper, a user or item with no training ratings gets the default
 * rating (3); every other prediction is clamped to the training rating range.
 */
import type { CsrMatrix } from '../../data/csr.js';
import type { Backend } from '../../engine/backend.js';
import type { AutoRecNetwork } from './autorec-network.js';
import { allocateScores } from '../model-support.js';

export type AutoRecVariant = 'item' | 'user';

export interface AutoRecPredictorData {
  readonly variant: AutoRecVariant;
  /** The network's input vectors by example: items × users (I-AutoRec); unused by U-AutoRec. */
  readonly itemVectors?: CsrMatrix;
  /** Training ratings per user and per item (zero means "use the default rating"). */
  readonly userRatingCounts: Int32Array;
  readonly itemRatingCounts: Int32Array;
  /** Smallest and largest training rating: predictions are clamped into this range. */
  readonly ratingRange: readonly [number, number];
  readonly defaultRating: number;
}

export class AutoRecPredictor {
  readonly nUsers: number;
  readonly nItems: number;
  private readonly hidden: number;
  /** I-AutoRec's item codes, nItems × hidden; empty for U-AutoRec. */
  private readonly itemCodes: Float32Array;

  constructor(
    private readonly backend: Backend,
    private readonly network: AutoRecNetwork,
    private readonly data: AutoRecPredictorData,
  ) {
    this.nUsers = data.userRatingCounts.length;
    this.nItems = data.itemRatingCounts.length;
    this.hidden = network.hidden;
    const inputs = data.variant === 'item' ? this.nUsers : this.nItems;
    if (network.inputs !== inputs) {
      throw new RangeError(`AutoRec (${data.variant}) network has ${network.inputs} inputs but the data has ${inputs} ${data.variant === 'item' ? 'users' : 'items'}`);
    }
    if (data.variant === 'item') {
      const vectors = data.itemVectors;
      if (vectors === undefined || vectors.nRows !== this.nItems || vectors.nCols !== this.nUsers) {
        throw new RangeError(`I-AutoRec needs the training item vectors as an ${this.nItems} × ${this.nUsers} matrix`);
      }
      this.itemCodes = new Float32Array(this.nItems * this.hidden);
      this.refreshItemCodes();
    } else {
      this.itemCodes = new Float32Array(0);
    }
  }

  /** Recomputes I-AutoRec's cached item codes from the network's current weights (after a training step). */
  refreshItemCodes(): void {
    if (this.data.variant === 'item') this.network.encode(this.data.itemVectors!, this.itemCodes);
  }

  /**
   * Predicted ratings at every stored position (row, item) of `targets`: row r
   * is training user users[r] (-1: unknown) whose known ratings are inputs' row r.
   * Returns one prediction per stored entry, in the targets' order.
   */
  predictAt(targets: CsrMatrix, users: Int32Array, inputs: CsrMatrix): Float32Array {
    this.checkRows(targets, users, inputs);
    const predictions = new Float32Array(targets.nnz);
    if (this.data.variant === 'item') {
      // V_u·h_i for the pairs only: the pattern's rows are the users (their V rows gathered), columns the items.
      this.backend.sampledDot(targets, this.gatherUserOutputs(users), this.itemCodes, this.hidden, true, predictions);
    } else {
      const codes = new Float32Array(inputs.nRows * this.hidden);
      this.network.encode(inputs, codes);
      this.network.decodeAtPattern(targets, codes, predictions);
    }
    const userBias = this.network.decoderBias.value;
    const itemCounts = this.data.itemRatingCounts;
    for (let r = 0; r < targets.nRows; r++) {
      const start = targets.indptr[r]!;
      const end = targets.indptr[r + 1]!;
      if (!this.rowIsKnown(r, users, inputs)) {
        predictions.fill(this.data.defaultRating, start, end);
        continue;
      }
      const bias = this.data.variant === 'item' ? userBias[users[r]!]! : 0;
      for (let p = start; p < end; p++) {
        predictions[p] = itemCounts[targets.indices[p]!] === 0 ? this.data.defaultRating : this.clamp(predictions[p]! + bias);
      }
    }
    return predictions;
  }

  /** Predicted ratings of every item for each row (rows × nItems), with the same conventions as predictAt. */
  scoreRows(input: CsrMatrix, users: Int32Array): Float32Array {
    this.checkRows(input, users, input);
    const rows = input.nRows;
    const nItems = this.nItems;
    const scores = allocateScores(rows, nItems);
    if (this.data.variant === 'item') {
      const hidden = this.hidden;
      this.backend.gemm(false, true, rows, nItems, hidden, 1, this.gatherUserOutputs(users), hidden, this.itemCodes, hidden, 0, scores, nItems);
    } else {
      const codes = new Float32Array(rows * this.hidden);
      this.network.encode(input, codes);
      this.network.decodeDense(codes, rows, scores);
    }
    const userBias = this.network.decoderBias.value;
    const itemCounts = this.data.itemRatingCounts;
    for (let r = 0; r < rows; r++) {
      const offset = r * nItems;
      if (!this.rowIsKnown(r, users, input)) {
        scores.fill(this.data.defaultRating, offset, offset + nItems);
        continue;
      }
      const bias = this.data.variant === 'item' ? userBias[users[r]!]! : 0;
      for (let i = 0; i < nItems; i++) {
        scores[offset + i] = itemCounts[i] === 0 ? this.data.defaultRating : this.clamp(scores[offset + i]! + bias);
      }
    }
    return scores;
  }

  /**
   * Whether a row can be predicted: I-AutoRec needs a training user with
   * training ratings; U-AutoRec needs an input row with at least one rating.
   */
  private rowIsKnown(row: number, users: Int32Array, inputs: CsrMatrix): boolean {
    if (this.data.variant === 'user') return inputs.rowLength(row) > 0;
    const user = users[row]!;
    return user >= 0 && this.data.userRatingCounts[user]! > 0;
  }

  /** Rows of V for each row's user (zeros for unknown users, whose rows get the default anyway). */
  private gatherUserOutputs(users: Int32Array): Float32Array {
    const hidden = this.hidden;
    const weights = this.network.decoderWeight.value;
    const gathered = new Float32Array(users.length * hidden);
    for (let r = 0; r < users.length; r++) {
      const user = users[r]!;
      if (user >= 0) gathered.set(weights.subarray(user * hidden, (user + 1) * hidden), r * hidden);
    }
    return gathered;
  }

  private clamp(value: number): number {
    const [low, high] = this.data.ratingRange;
    return value < low ? low : value > high ? high : value;
  }

  private checkRows(matrix: CsrMatrix, users: Int32Array, inputs: CsrMatrix): void {
    const what = `autorec-${this.data.variant}`;
    if (matrix.nCols !== this.nItems || inputs.nCols !== this.nItems) {
      throw new RangeError(`${what} scores ${this.nItems} items but the rows have ${matrix.nCols === this.nItems ? inputs.nCols : matrix.nCols} columns`);
    }
    if (users.length !== matrix.nRows || inputs.nRows !== matrix.nRows) {
      throw new RangeError(`${what}: ${matrix.nRows} rows need as many user indices and input rows, got ${users.length} users and ${inputs.nRows} input rows`);
    }
    for (let r = 0; r < users.length; r++) {
      const user = users[r]!;
      if (!(Number.isInteger(user) && user >= -1 && user < this.nUsers)) {
        throw new RangeError(`${what}: users[${r}] = ${user} is not a training user index (0..${this.nUsers - 1}) or -1 for an unknown user`);
      }
    }
  }
}
