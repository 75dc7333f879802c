import { createHash } from 'node:crypto';
import type { CsrMatrix } from './csr.js';

/**
 * A short content hash of an interaction matrix and its id lists: two systems
 * (or two runs) evaluated on the same fingerprint saw exactly the same data.
 */
export function matrixFingerprint(matrix: CsrMatrix, userIds: readonly string[], itemIds: readonly string[]): string {
  const hash = createHash('sha256');
  hash.update(`${matrix.nRows}x${matrix.nCols}:${matrix.nnz};`);
  const bytes = (a: Int32Array | Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  hash.update(bytes(matrix.indptr));
  hash.update(bytes(matrix.indices));
  hash.update(bytes(matrix.values));
  hash.update(userIds.join('\u0000'));
  hash.update('\u0001');
  hash.update(itemIds.join('\u0000'));
  return 'sha256:' + hash.digest('hex').slice(0, 32);
}
