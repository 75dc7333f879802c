/**
 * Right-aligned windows (sequence-windows.ts) packed for row-wise layers: each
 * window's filled slots on consecutive rows, oldest first, and no rows for
 * PAD slots. Every layer of a Transformer block but attention acts on rows
 * independently, so packing removes the padding's work entirely; the
 * attention kernels (backend.causalAttentionForward) read this layout.
 */
import { PAD, type SequenceWindows, type TrainingWindows } from './sequence-windows.js';

export interface PackedWindows {
  /** Number of windows. */
  readonly count: number;
  /** Each window's filled slots (its rows). */
  readonly filled: Int32Array;
  /** count + 1 row offsets: window w's rows are firstRow[w] .. firstRow[w + 1] − 1. */
  readonly firstRow: Int32Array;
  /** Σ filled: the number of rows. */
  readonly rows: number;
  /** The longest window (the attention kernels' block size), at least 1. */
  readonly longest: number;
  /** rows item indices, window by window, oldest first. */
  readonly items: Int32Array;
  /** rows next-item targets (training windows only). */
  readonly targets?: Int32Array;
}

/** The filled slots of `windows` packed row by row; with training windows, their targets too. */
export function packWindows(windows: SequenceWindows | TrainingWindows): PackedWindows {
  const { count, length, inputs, filled } = windows;
  const firstRow = new Int32Array(count + 1);
  let longest = 1;
  for (let w = 0; w < count; w++) {
    firstRow[w + 1] = firstRow[w]! + filled[w]!;
    if (filled[w]! > longest) longest = filled[w]!;
  }
  const rows = firstRow[count]!;
  const items = new Int32Array(rows);
  const sourceTargets = 'targets' in windows ? windows.targets : undefined;
  const targets = sourceTargets ? new Int32Array(rows) : undefined;
  for (let w = 0; w < count; w++) {
    const from = (w + 1) * length - filled[w]!;
    items.set(inputs.subarray(from, (w + 1) * length), firstRow[w]!);
    if (targets) targets.set(sourceTargets!.subarray(from, (w + 1) * length), firstRow[w]!);
  }
  if (items.includes(PAD) || targets?.includes(PAD)) throw new Error('packWindows: a filled slot holds PAD (the windows are malformed)');
  return { count, filled: filled.slice(), firstRow, rows, longest, items, ...(targets ? { targets } : {}) };
}
