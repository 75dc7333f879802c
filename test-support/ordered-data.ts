/**
 * Ordered events for the generated interaction matrices of the model tests, so that sequence
 * models (GRU4Rec, SASRec, ...) run in the same suites as the others: each row's items in
 * column order are its sequence. Models that do not read sequences ignore them.
 */
import type { CsrMatrix } from '../src/data/csr.js';
import { sequencesFromLists, type UserSequences } from '../src/data/sequences.js';
import type { ScoreQuery, TrainingData } from '../src/data/training-data.js';

/** Each row's column indices, in order, as its event sequence. */
export function rowSequences(matrix: CsrMatrix): UserSequences {
  return sequencesFromLists(Array.from({ length: matrix.nRows }, (_, r) => matrix.rowIndices(r)), matrix.nCols);
}

/** Training data of the matrix with its rows' sequences. */
export function orderedTrainingData(matrix: CsrMatrix): TrainingData {
  return { matrix, sequences: rowSequences(matrix) };
}

/** The query with its histories' sequences. */
export function orderedQuery(query: ScoreQuery): ScoreQuery {
  return { ...query, sequences: rowSequences(query.histories) };
}
