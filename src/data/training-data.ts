/**
 * What models train on and what they are asked to score — the two halves of the
 * model contract (src/models/model.ts) that the data layer produces.
 *
 * TrainingData: the user × item interaction matrix (deduplicated, index-sorted: what
 * set-based models read) and, when the source has them, the ordered per-user event
 * sequences (repeats kept: what sequence models read) and item and user features
 * (what hybrid and cold-start models read). Every reader, split protocol, the CLI and
 * the service build one; nothing on the way drops a part.
 *
 * ScoreQuery: a batch of users to score, each with an input history (the row, and the
 * ordered sequence when there is one), optional user features, and the training-user
 * index when the user was in training (-1 otherwise).
 */
import { CsrMatrix } from './csr.js';
import { selectFeatureRows, type FeatureTable } from './features.js';
import { checkSequences, selectSequenceRows, type UserSequences } from './sequences.js';

export interface TrainingData {
  /** Users × items; row r is training user r. */
  readonly matrix: CsrMatrix;
  /** Row r's events in time order (file order without timestamps), repeats kept. */
  readonly sequences?: UserSequences;
  /** One row per item (column of `matrix`). */
  readonly itemFeatures?: FeatureTable;
  /** One row per user (row of `matrix`). */
  readonly userFeatures?: FeatureTable;
}

export interface ScoreQuery {
  /** One row per queried user over the model's catalogue: what the user interacted with. */
  readonly histories: CsrMatrix;
  /** The same users' events in order, when known (sequence models need them). */
  readonly sequences?: UserSequences;
  /** The same users' features, when known (hybrid models use them; a user with no history needs them). */
  readonly userFeatures?: FeatureTable;
  /** Each row's training-user index, -1 for a user not in training; absent when unknown for all. */
  readonly users?: Int32Array;
}

/** Training data with interactions only: a bare matrix, for the set-based models and tests. */
export function interactionsOnly(matrix: CsrMatrix): TrainingData {
  return { matrix };
}

/** A query for rows of a matrix alone (no order, no features, users unknown unless given). */
export function historiesQuery(histories: CsrMatrix, users?: Int32Array): ScoreQuery {
  return users === undefined ? { histories } : { histories, users };
}

/** Throws unless the parts of `data` have one row per user and item of its matrix. */
export function checkTrainingData(data: TrainingData, what = 'training data'): void {
  const { matrix } = data;
  if (data.sequences) checkSequences(data.sequences, matrix.nRows, matrix.nCols, what);
  if (data.itemFeatures && data.itemFeatures.nRows !== matrix.nCols) {
    throw new RangeError(`${what}: item features have ${data.itemFeatures.nRows} rows for ${matrix.nCols} items`);
  }
  if (data.userFeatures && data.userFeatures.nRows !== matrix.nRows) {
    throw new RangeError(`${what}: user features have ${data.userFeatures.nRows} rows for ${matrix.nRows} users`);
  }
}

/** Throws unless the query's parts have one row per queried user and its histories `nItems` columns. */
export function checkScoreQuery(query: ScoreQuery, nItems: number, what: string): void {
  const rows = query.histories.nRows;
  if (query.histories.nCols !== nItems) throw new RangeError(`${what} scores ${nItems} items but the input rows have ${query.histories.nCols} columns`);
  if (query.sequences) checkSequences(query.sequences, rows, nItems, `${what}: query`);
  if (query.userFeatures && query.userFeatures.nRows !== rows) throw new RangeError(`${what}: query has user features for ${query.userFeatures.nRows} of ${rows} rows`);
  if (query.users && query.users.length !== rows) throw new RangeError(`${what}: ${query.users.length} user indices for ${rows} input rows`);
}

/** Rows `rows` of a query, every part cut alike. */
export function selectQueryRows(query: ScoreQuery, rows: ArrayLike<number>): ScoreQuery {
  return {
    histories: query.histories.selectRows(rows),
    ...(query.sequences ? { sequences: selectSequenceRows(query.sequences, rows) } : {}),
    ...(query.userFeatures ? { userFeatures: selectFeatureRows(query.userFeatures, rows) } : {}),
    ...(query.users ? { users: Int32Array.from({ length: rows.length }, (_, i) => query.users![rows[i]!]!) } : {}),
  };
}
