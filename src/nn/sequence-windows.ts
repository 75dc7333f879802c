/**
 * Fixed-length windows over users' ordered event sequences, the batches that
 * sequence models (GRU4Rec, SASRec, a sequential VAE) train and score on.
 *
 * A window is right-aligned: its last slot holds the user's most recent event
 * and shorter histories are padded on the left with PAD (-1), as in SASRec's
 * and GRU4Rec's reference code, so "the state at the last slot" is always the
 * state after the whole history. For training, slot t's target is the event
 * that followed slot t's input (next-item prediction at every position, as in
 * SASRec and SASRec+); slots without a following event have no target.
 */
import { CsrMatrix } from '../data/csr.js';
import type { UserSequences } from '../data/sequences.js';

/** The item index of an empty slot. */
export const PAD = -1;

export interface SequenceWindows {
  /** Number of windows (rows). */
  readonly count: number;
  /** Slots per window. */
  readonly length: number;
  /** count × length item indices, PAD where the history is shorter than the window. */
  readonly inputs: Int32Array;
  /** Number of filled (non-PAD) slots of each window; they are its last `filled[w]` slots. */
  readonly filled: Int32Array;
}

export interface TrainingWindows extends SequenceWindows {
  /** count × length next-item targets, PAD where a slot has none. */
  readonly targets: Int32Array;
  /** Flat slot index (w · length + t) of every slot with a target, in order. */
  readonly targetSlots: Int32Array;
}

function checkLength(length: number): void {
  if (!(Number.isInteger(length) && length >= 1)) throw new RangeError(`window length must be a positive integer, got ${length}`);
}

function checkRow(sequences: UserSequences, row: number): void {
  if (!(Number.isInteger(row) && row >= 0 && row < sequences.nRows)) throw new RangeError(`sequence row ${row} is outside 0..${sequences.nRows - 1}`);
}

/**
 * The last `length` events of each of `rows`' sequences (all rows when omitted),
 * for scoring: the window's last slot is the most recent event.
 */
export function historyWindows(sequences: UserSequences, length: number, rows?: ArrayLike<number>): SequenceWindows {
  checkLength(length);
  const count = rows ? rows.length : sequences.nRows;
  const inputs = new Int32Array(count * length).fill(PAD);
  const filled = new Int32Array(count);
  for (let w = 0; w < count; w++) {
    const row = rows ? rows[w]! : w;
    checkRow(sequences, row);
    const start = sequences.indptr[row]!;
    const end = sequences.indptr[row + 1]!;
    const n = Math.min(length, end - start);
    inputs.set(sequences.items.subarray(end - n, end), (w + 1) * length - n);
    filled[w] = n;
  }
  return { count, length, inputs, filled };
}

/**
 * Next-item training windows from the last `length + 1` events of each of
 * `rows`' sequences: inputs are events [n − length − 1, n − 1), targets the
 * events one step later. A sequence of one event gives a window with no target.
 */
export function trainingWindows(sequences: UserSequences, length: number, rows: ArrayLike<number>): TrainingWindows {
  checkLength(length);
  const count = rows.length;
  const inputs = new Int32Array(count * length).fill(PAD);
  const targets = new Int32Array(count * length).fill(PAD);
  const filled = new Int32Array(count);
  let withTarget = 0;
  for (let w = 0; w < count; w++) {
    const row = rows[w]!;
    checkRow(sequences, row);
    const start = sequences.indptr[row]!;
    const end = sequences.indptr[row + 1]!;
    const pairs = Math.min(length, Math.max(0, end - start - 1));
    const base = (w + 1) * length - pairs;
    inputs.set(sequences.items.subarray(end - pairs - 1, end - 1), base);
    targets.set(sequences.items.subarray(end - pairs, end), base);
    filled[w] = pairs;
    withTarget += pairs;
  }
  const targetSlots = new Int32Array(withTarget);
  let next = 0;
  for (let s = 0; s < targets.length; s++) if (targets[s] !== PAD) targetSlots[next++] = s;
  return { count, length, inputs, filled, targets, targetSlots };
}

/**
 * One row per entry of `slots` with a single 1 at column items[slot] (an empty
 * row for a PAD slot): the one-hot matrix through which an embedding lookup is a
 * CSR product (one-hot · E) and its gradient a transposed one (one-hotᵀ · G).
 * With no `slots`, one row per entry of `items`.
 */
export function oneHotRows(items: Int32Array, nItems: number, slots?: Int32Array): CsrMatrix {
  const n = slots ? slots.length : items.length;
  const indptr = new Int32Array(n + 1);
  let nnz = 0;
  for (let r = 0; r < n; r++) {
    const item = items[slots ? slots[r]! : r]!;
    if (item !== PAD) {
      if (!(item >= 0 && item < nItems)) throw new RangeError(`item index ${item} is outside 0..${nItems - 1}`);
      nnz++;
    }
    indptr[r + 1] = nnz;
  }
  const indices = new Int32Array(nnz);
  let p = 0;
  for (let r = 0; r < n; r++) {
    const item = items[slots ? slots[r]! : r]!;
    if (item !== PAD) indices[p++] = item;
  }
  return new CsrMatrix(n, nItems, indptr, indices, new Float32Array(nnz).fill(1));
}
