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

/** How one field becomes its block, fitted on the training entities; JSON-able, so a model saves it. */
export type FieldEncoding =
  | { readonly name: string; readonly kind: 'categorical'; readonly width: number; readonly vocabulary: readonly string[] }
  | { readonly name: string; readonly kind: 'text'; readonly width: number; readonly vocabulary: readonly string[]; readonly idf: readonly number[] }
  | { readonly name: string; readonly kind: 'numeric'; readonly edges: readonly number[] };

export interface AttributeEncoding {
  readonly fields: readonly FieldEncoding[];
  /** Total width: the attribute count. */
  readonly width: number;
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
  return encodeAttributes(features, fitAttributeEncoding(features, options));
}

/** The encoding of `features`' fields: vocabulary widths, text idf and numeric bin edges from these rows. */
export function fitAttributeEncoding(features: FeatureTable, options: AttributeVectorOptions): AttributeEncoding {
  const fields = features.fields
    .filter((field) => options.withText || field.kind !== 'text')
    .map((field): FieldEncoding => {
      if (field.kind === 'numeric') return { name: field.name, kind: 'numeric', edges: quantileEdges(field.values, options.numericBins) };
      if (field.kind === 'categorical') return { name: field.name, kind: 'categorical', width: field.vocabulary.length, vocabulary: [...field.vocabulary] };
      const documentFrequency = new Float64Array(field.vocabulary.length);
      for (let r = 0; r < features.nRows; r++) {
        for (const token of new Set(field.tokens.subarray(field.indptr[r]!, field.indptr[r + 1]!))) documentFrequency[token]!++;
      }
      return { name: field.name, kind: 'text', width: field.vocabulary.length, vocabulary: [...field.vocabulary], idf: Array.from(documentFrequency, (df) => Math.log((1 + features.nRows) / (1 + df)) + 1) };
    });
  return { fields, width: fields.reduce((sum, field) => sum + widthOf(field), 0) };
}

const widthOf = (field: FieldEncoding) => (field.kind === 'numeric' ? field.edges.length + 1 : field.width);

/**
 * Unit attribute vectors of `features`' rows under `encoding` (fitted on the training
 * entities): fields are found by name and values by their text (a query's table may have its
 * own vocabulary, e.g. one built from a single new user's attributes); values outside the
 * fitted vocabulary are ignored, a missing field leaves its block empty.
 */
export function encodeAttributes(features: FeatureTable, encoding: AttributeEncoding): CsrMatrix {
  const blocks = encoding.fields.map((fieldEncoding) => {
    const field = features.fields.find((f) => f.name === fieldEncoding.name && f.kind === fieldEncoding.kind);
    return field ? blockOf(field, fieldEncoding, features.nRows) : emptyBlock(features.nRows, widthOf(fieldEncoding));
  });
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
  return new CsrMatrix(n, encoding.width, indptr, Int32Array.from(columns), Float32Array.from(values));
}

function emptyBlock(nRows: number, width: number): Block {
  return { indptr: new Int32Array(nRows + 1), columns: new Int32Array(0), weights: new Float64Array(0), width };
}

function blockOf(field: FeatureField, encoding: FieldEncoding, nRows: number): Block {
  if (field.kind === 'numeric' && encoding.kind === 'numeric') return numericBlock(field.values, encoding.edges);
  if (field.kind === 'numeric' || encoding.kind === 'numeric') return emptyBlock(nRows, widthOf(encoding));
  const source = field.kind === 'text' ? field.tokens : field.codes;
  const width = encoding.width;
  // The field's codes as the encoding's: the same vocabulary (the training table) maps to itself.
  const position = new Map(encoding.vocabulary.map((value, code) => [value, code]));
  const sameVocabulary = field.vocabulary === encoding.vocabulary || (field.vocabulary.length === width && field.vocabulary.every((value, code) => encoding.vocabulary[code] === value));
  const codeOf = Int32Array.from(field.vocabulary, (value, code) => (sameVocabulary ? code : (position.get(value) ?? -1)));
  const indptr = new Int32Array(nRows + 1);
  const columns: number[] = [];
  const weights: number[] = [];
  for (let r = 0; r < nRows; r++) {
    // Distinct values per row with their counts (a token may repeat in a text).
    const seen = new Map<number, number>();
    for (let p = field.indptr[r]!; p < field.indptr[r + 1]!; p++) {
      const code = codeOf[source[p]!] ?? -1;
      if (code >= 0) seen.set(code, (seen.get(code) ?? 0) + 1);
    }
    for (const [code, count] of [...seen].sort((a, b) => a[0] - b[0])) {
      columns.push(code);
      weights.push(encoding.kind === 'text' ? count * encoding.idf[code]! : 1);
    }
    indptr[r + 1] = columns.length;
  }
  return { indptr, columns: Int32Array.from(columns), weights: Float64Array.from(weights), width };
}

/** Upper edges of `bins` quantile bins of the present values; equal edges (many equal values) merge bins. */
function quantileEdges(values: Float32Array, bins: number): number[] {
  const present = Array.from(values).filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const edges: number[] = [];
  for (let b = 1; b < bins && present.length > 0; b++) {
    const edge = present[Math.min(present.length - 1, Math.floor((b * present.length) / bins))]!;
    if (edges.length === 0 || edge > edges[edges.length - 1]!) edges.push(edge);
  }
  return edges;
}

/** One indicator per row: the bin of its value (none when missing). */
function numericBlock(values: Float32Array, edges: readonly number[]): Block {
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

/**
 * s̃ (rows of `queries` × warm items): for each query row its k warm items of highest attribute
 * cosine (the item `selfOf(row)` excluded, only positive cosines), weights normalised to sum 1;
 * ties to the lower warm index.
 */
export function attributeNeighbours(queries: CsrMatrix, warmAttributes: CsrMatrix, warmItems: Int32Array, k: number, selfOf: (row: number) => number = (row) => row): CsrMatrix {
  const n = queries.nRows;
  const nw = warmItems.length;
  const warmT = warmAttributes.transpose();
  const indptr = new Int32Array(n + 1);
  const indices: number[] = [];
  const values: number[] = [];
  const similarity = new Float64Array(nw);
  const order = new Int32Array(nw);
  for (let j = 0; j < n; j++) {
    similarity.fill(0);
    for (let p = queries.indptr[j]!; p < queries.indptr[j + 1]!; p++) {
      const attribute = queries.indices[p]!;
      for (let q = warmT.indptr[attribute]!; q < warmT.indptr[attribute + 1]!; q++) similarity[warmT.indices[q]!]! += queries.values[p]! * warmT.values[q]!;
    }
    const self = selfOf(j);
    let count = 0;
    for (let w = 0; w < nw; w++) if (similarity[w]! > 0 && warmItems[w] !== self) order[count++] = w;
    const chosen = Array.from(order.subarray(0, count)).sort((a, b) => similarity[b]! - similarity[a]! || a - b).slice(0, k).sort((a, b) => a - b);
    const total = chosen.reduce((sum, w) => sum + similarity[w]!, 0);
    for (const w of chosen) {
      indices.push(w);
      values.push(similarity[w]! / total);
    }
    indptr[j + 1] = indices.length;
  }
  return new CsrMatrix(n, nw, indptr, Int32Array.from(indices), Float32Array.from(values));
}
