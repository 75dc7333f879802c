/**
 * Items as sparse attribute vectors, and their cosine similarities: the content
 * side the attribute models (attribute-kNN, the attribute-to-EASE map) share.
 *
 * Each field becomes a block of the vector: a categorical field one indicator
 * per value (genres: several), a text field TF-IDF weights of its tokens
 * (smoothed idf, log((1 + n) / (1 + df)) + 1, counted over the catalogue's
 * items), a numeric field one indicator of its quantile bin (year → one of
 * `numericBins` bins, so that "same era" counts and a missing value adds
 * nothing). Every block is scaled to unit length before the blocks are joined,
 * so that a field with many tokens (tags) does not drown one with few (genres),
 * and the joined vector is scaled to unit length, so that a dot product is the
 * cosine. Attributes are content, known for an item before anyone interacts
 * with it; no interaction enters these vectors.
 */
import { CsrMatrix } from '../../data/csr.js';
import type { FeatureField, FeatureTable } from '../../data/features.js';

export interface AttributeVectorOptions {
  /** Leave out text fields (titles, tags): to measure what they add. */
  readonly withText: boolean;
  /** Quantile bins of each numeric field. */
  readonly numericBins: number;
}

interface Block {
  /** Entries of row r: columns[indptr[r] .. indptr[r + 1]) with their weights, columns local to the block. */
  readonly indptr: Int32Array;
  readonly columns: Int32Array;
  readonly weights: Float64Array;
  readonly width: number;
}

/** nItems × nAttributes, rows of unit length (empty for an item without attributes). */
export function itemAttributeVectors(features: FeatureTable, options: AttributeVectorOptions): CsrMatrix {
  const fields = features.fields.filter((field) => options.withText || field.kind !== 'text');
  const blocks = fields.map((field) => blockOf(field, features.nRows, options.numericBins));
  const n = features.nRows;
  const indptr = new Int32Array(n + 1);
  const columns: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < n; r++) {
    const start = columns.length;
    let offset = 0;
    for (const block of blocks) {
      let norm = 0;
      for (let p = block.indptr[r]!; p < block.indptr[r + 1]!; p++) norm += block.weights[p]! ** 2;
      const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let p = block.indptr[r]!; p < block.indptr[r + 1]!; p++) {
        columns.push(offset + block.columns[p]!);
        values.push(block.weights[p]! * scale);
      }
      offset += block.width;
    }
    let norm = 0;
    for (let p = start; p < values.length; p++) norm += values[p]! ** 2;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let p = start; p < values.length; p++) values[p]! *= scale;
    indptr[r + 1] = columns.length;
  }
  const width = blocks.reduce((sum, block) => sum + block.width, 0);
  return new CsrMatrix(n, width, indptr, Int32Array.from(columns), Float32Array.from(values));
}

function blockOf(field: FeatureField, nRows: number, numericBins: number): Block {
  if (field.kind === 'numeric') return numericBlock(field.values, numericBins);
  const source = field.kind === 'text' ? field.tokens : field.codes;
  const width = field.vocabulary.length;
  // Distinct values per row with their counts (a token may repeat in a text).
  const indptr = new Int32Array(nRows + 1);
  const columns: number[] = [];
  const counts: number[] = [];
  const documentFrequency = new Float64Array(width);
  for (let r = 0; r < nRows; r++) {
    const seen = new Map<number, number>();
    for (let p = field.indptr[r]!; p < field.indptr[r + 1]!; p++) seen.set(source[p]!, (seen.get(source[p]!) ?? 0) + 1);
    for (const [code, count] of [...seen].sort((a, b) => a[0] - b[0])) {
      columns.push(code);
      counts.push(count);
      documentFrequency[code]!++;
    }
    indptr[r + 1] = columns.length;
  }
  const weights = new Float64Array(counts.length);
  for (let p = 0; p < counts.length; p++) {
    weights[p] = field.kind === 'text' ? counts[p]! * (Math.log((1 + nRows) / (1 + documentFrequency[columns[p]!]!)) + 1) : 1;
  }
  return { indptr, columns: Int32Array.from(columns), weights, width };
}

/** One indicator per row: the quantile bin of its value (none when missing). */
function numericBlock(values: Float32Array, bins: number): Block {
  const present = Array.from(values).filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  // Upper edges of bins 0..bins-2; equal edges (many equal values) merge bins.
  const edges: number[] = [];
  for (let b = 1; b < bins && present.length > 0; b++) {
    const edge = present[Math.min(present.length - 1, Math.floor((b * present.length) / bins))]!;
    if (edges.length === 0 || edge > edges[edges.length - 1]!) edges.push(edge);
  }
  const indptr = new Int32Array(values.length + 1);
  const columns: number[] = [];
  for (let r = 0; r < values.length; r++) {
    const v = values[r]!;
    if (!Number.isNaN(v)) {
      let bin = 0;
      while (bin < edges.length && v >= edges[bin]!) bin++;
      columns.push(bin);
    }
    indptr[r + 1] = columns.length;
  }
  return { indptr, columns: Int32Array.from(columns), weights: new Float64Array(columns.length).fill(1), width: edges.length + 1 };
}

/**
 * S = V·Vᵀ, the items' attribute cosines, dense row-major nItems² float32, by
 * walking each attribute's list of items (cost Σ over attributes of df²).
 */
export function attributeCosines(vectors: CsrMatrix): Float32Array {
  const n = vectors.nRows;
  const transpose = vectors.transpose();
  const similarities = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let p = vectors.indptr[i]!; p < vectors.indptr[i + 1]!; p++) {
      const attribute = vectors.indices[p]!;
      const weight = vectors.values[p]!;
      for (let q = transpose.indptr[attribute]!; q < transpose.indptr[attribute + 1]!; q++) {
        similarities[row + transpose.indices[q]!]! += weight * transpose.values[q]!;
      }
    }
  }
  return similarities;
}
