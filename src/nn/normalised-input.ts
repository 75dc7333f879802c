/**
 * The input corruption of the multinomial autoencoders (Mult-DAE, Mult-VAE,
 * RecVAE, the hybrid DAE): each row L2-normalised (Liang et al. 2018's
 * `F.normalize`), then, in training, inverted dropout on the stored entries
 * (dropping a zero changes nothing, so no dense batch × catalogue matrix is
 * formed). Same pattern as the input, new values in a buffer of this object.
 */
import type { Backend, CsrOperand } from '../engine/backend.js';
import { ScratchBuffer } from './scratch.js';

/** F.normalize's floor on the norm, so an empty row normalises to zeros instead of NaN. */
const NORM_FLOOR = 1e-12;

export class NormalisedInput {
  private readonly values = new ScratchBuffer();
  /** Which stored entries the last training batch kept (grown to the largest batch). */
  private mask = new Uint8Array(0);

  constructor(private readonly backend: Backend) {}

  /** x with rows of unit L2 norm and, when `dropoutSeed` is given and keepProbability < 1, dropout; valid until the next call. */
  apply(x: CsrOperand, keepProbability: number, dropoutSeed: number | undefined): CsrOperand {
    const nnz = x.indptr[x.nRows]!;
    const values = this.values.view(nnz);
    for (let r = 0; r < x.nRows; r++) {
      let squared = 0;
      for (let p = x.indptr[r]!; p < x.indptr[r + 1]!; p++) squared += x.values[p]! * x.values[p]!;
      const inverse = 1 / Math.max(Math.sqrt(squared), NORM_FLOOR);
      for (let p = x.indptr[r]!; p < x.indptr[r + 1]!; p++) values[p] = x.values[p]! * inverse;
    }
    if (dropoutSeed !== undefined && keepProbability < 1) {
      if (this.mask.length < nnz) this.mask = new Uint8Array(nnz);
      this.backend.dropout(values, keepProbability, dropoutSeed, this.mask.subarray(0, nnz), values);
    }
    return { nRows: x.nRows, nCols: x.nCols, indptr: x.indptr, indices: x.indices, values };
  }
}
