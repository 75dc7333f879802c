/**
 * Training data and queries for the model tests that build them from bare matrices (the
 * conformance suite, the attribution tests): a model that declares ordered sequences gets each
 * row's items as its sequence, in descending item order so that order is not index order.
 */
import type { CsrMatrix } from '../src/data/csr.js';
import { sequencesFromLists, type UserSequences } from '../src/data/sequences.js';
import type { ScoreQuery, TrainingData } from '../src/data/training-data.js';
import type { ModelFactory } from '../src/models/model.js';

export function rowSequences(matrix: CsrMatrix): UserSequences {
  return sequencesFromLists(Array.from({ length: matrix.nRows }, (_, r) => Array.from(matrix.rowIndices(r)).reverse()), matrix.nCols);
}

/** The matrix as training data, with its rows' sequences when the model reads them. */
export function trainingFor(factory: Pick<ModelFactory, 'inputs'>, matrix: CsrMatrix): TrainingData {
  return factory.inputs.includes('sequences') ? { matrix, sequences: rowSequences(matrix) } : { matrix };
}

/** The query with its rows' sequences when the model reads them. */
export function queryFor(factory: Pick<ModelFactory, 'inputs'>, query: ScoreQuery): ScoreQuery {
  return factory.inputs.includes('sequences') ? { ...query, sequences: rowSequences(query.histories) } : query;
}
