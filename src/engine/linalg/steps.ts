/**
 * Long dense computations are written as generators that yield after each
 * block of work. The caller decides what happens between blocks: nothing
 * (`runToCompletion`), or report progress, give the event loop a turn and
 * honour an AbortSignal (see src/models/fit-steps.ts). The numeric code stays
 * synchronous and free of callbacks in its inner loops.
 */
export interface BlockProgress {
  /** What is being computed, e.g. 'cholesky', 'inverse'. */
  readonly phase: string;
  /** Work units finished in this phase (rows, columns or items). */
  readonly done: number;
  readonly total: number;
}

export type BlockSteps = Generator<BlockProgress, void, void>;

/** Runs a step generator to its end, ignoring the progress it reports. */
export function runToCompletion(steps: BlockSteps): void {
  for (let step = steps.next(); !step.done; step = steps.next());
}
