/**
 * The training data a model declares it reads, built around a generated interaction matrix
 * for the model tests (conformance, attribution): the interactions; each user's items as an
 * ordered sequence (index order) for a sequence model; item attributes that follow the
 * generated data's two tastes (the first and second half of the catalogue) for a content model.
 */
import type { CsrMatrix } from '../src/data/csr.js';
import type { FeatureTable } from '../src/data/features.js';
import { sequencesFromLists } from '../src/data/sequences.js';
import type { TrainingData } from '../src/data/training-data.js';
import type { ModelFactory } from '../src/models/model.js';

/** A genre per half of the catalogue (odd items also 'odd'), a year, a two-word title. */
export function generatedItemFeatures(nItems: number): FeatureTable {
  const half = nItems / 2;
  return {
    nRows: nItems,
    fields: [
      {
        kind: 'categorical',
        name: 'genres',
        vocabulary: ['first', 'second', 'odd'],
        indptr: Int32Array.from({ length: nItems + 1 }, (_, i) => i + Math.floor(i / 2)),
        codes: Int32Array.from(Array.from({ length: nItems }, (_, i) => (i % 2 === 1 ? [i < half ? 0 : 1, 2] : [i < half ? 0 : 1])).flat()),
      },
      { kind: 'numeric', name: 'year', values: Float32Array.from({ length: nItems }, (_, i) => 1980 + i) },
      {
        kind: 'text',
        name: 'title',
        vocabulary: ['the', 'first', 'second', 'story'],
        indptr: Int32Array.from({ length: nItems + 1 }, (_, i) => 2 * i),
        tokens: Int32Array.from(Array.from({ length: nItems }, (_, i) => [i < half ? 1 : 2, i % 3 === 0 ? 3 : 0]).flat()),
      },
    ],
  };
}

export function trainingDataFor(factory: Pick<ModelFactory, 'inputs'>, matrix: CsrMatrix): TrainingData {
  const lists = Array.from({ length: matrix.nRows }, (_, r) => matrix.rowIndices(r));
  return {
    matrix,
    ...(factory.inputs.includes('sequences') ? { sequences: sequencesFromLists(lists, matrix.nCols) } : {}),
    ...(factory.inputs.includes('itemFeatures') ? { itemFeatures: generatedItemFeatures(matrix.nCols) } : {}),
  };
}
