/**
 * What every split protocol shares: each stored entry of the input matrix is
 * assigned to exactly one part (an Int8Array aligned with `matrix.indices`),
 * then the train matrix and the evaluation sets are cut out of that assignment.
 */
import { CsrMatrix } from '../csr.js';
import { selectFeatureRows } from '../features.js';
import { matrixFingerprint } from '../fingerprint.js';
import { filterEvents, selectSequenceRows, type UserSequences } from '../sequences.js';
import type { EvalSet, Split, SplitProtocol } from '../split-types.js';
import type { TrainingData } from '../training-data.js';
import type { InteractionData } from '../transforms.js';

/** Part codes of an entry. Held-out-user protocols use the fold-in parts; the others put inputs in `train`. */
export const Part = {
  /** In no part of the split (e.g. an item unseen in training under held-out users). */
  dropped: -1,
  train: 0,
  validationTarget: 1,
  testTarget: 2,
  validationFoldIn: 3,
  testFoldIn: 4,
} as const;

/** Renumbering of the columns kept in a split: `newIndex[old]` is -1 for a dropped column. */
export interface ColumnSubset {
  readonly newIndex: Int32Array;
  readonly nCols: number;
}

/**
 * The entries of `matrix` whose part is one of `parts`, as a matrix with the
 * same rows, columns renumbered by `columns` when given. The renumbering keeps
 * column order, so rows stay sorted.
 */
export function entriesInParts(matrix: CsrMatrix, partOf: Int8Array, parts: readonly number[], columns?: ColumnSubset): CsrMatrix {
  const wanted = new Uint8Array(256);
  for (const p of parts) wanted[p & 0xff] = 1;
  const take = (k: number) => wanted[partOf[k]! & 0xff] === 1;
  const indptr = new Int32Array(matrix.nRows + 1);
  let n = 0;
  for (let r = 0; r < matrix.nRows; r++) {
    for (let k = matrix.indptr[r]!; k < matrix.indptr[r + 1]!; k++) if (take(k)) n++;
    indptr[r + 1] = n;
  }
  const indices = new Int32Array(n);
  const values = new Float32Array(n);
  for (let k = 0, j = 0; k < matrix.nnz; k++) {
    if (!take(k)) continue;
    const c = columns ? columns.newIndex[matrix.indices[k]!]! : matrix.indices[k]!;
    if (c < 0) throw new Error(`entry ${k} is assigned to part ${partOf[k]} but its column ${matrix.indices[k]} was dropped from the split`);
    indices[j] = c;
    values[j] = matrix.values[k]!;
    j++;
  }
  return new CsrMatrix(matrix.nRows, columns ? columns.nCols : matrix.nCols, indptr, indices, values);
}

/** Rows (ascending) holding at least one entry in `part`. */
export function rowsWithPart(matrix: CsrMatrix, partOf: Int8Array, part: number): Int32Array {
  const rows: number[] = [];
  for (let r = 0; r < matrix.nRows; r++) {
    for (let k = matrix.indptr[r]!; k < matrix.indptr[r + 1]!; k++) {
      if (partOf[k] === part) {
        rows.push(r);
        break;
      }
    }
  }
  return Int32Array.from(rows);
}

/** An EvalSet for `users`, cutting their rows out of full-height input, exclude and target matrices (and input sequences). */
export function evalSetOf(
  users: Int32Array,
  full: { input: CsrMatrix; exclude: CsrMatrix; targets: CsrMatrix; inputSequences?: UserSequences | undefined },
  data?: Pick<InteractionData, 'userFeatures'>,
): EvalSet {
  const input = full.input.selectRows(users);
  // When the exclusions are the input (most protocols), both fields share one matrix.
  const exclude = full.exclude === full.input ? input : full.exclude.selectRows(users);
  return {
    users,
    input,
    exclude,
    targets: full.targets.selectRows(users),
    ...(full.inputSequences ? { inputSequences: selectSequenceRows(full.inputSequences, users) } : {}),
    ...(data?.userFeatures ? { userFeatures: selectFeatureRows(data.userFeatures, users) } : {}),
  };
}

/**
 * The pieces of a split cut from one part assignment: matrices, the ordered event
 * sequences and the features of the parts asked for, cached so that the same parts
 * give the same objects (an EvalSet whose exclusions are its input shares them).
 * An event belongs to the part of its (user, item) entry; events of dropped
 * entries or columns are left out.
 */
export class SplitParts {
  private readonly matrices = new Map<string, CsrMatrix>();
  private readonly sequences = new Map<string, UserSequences | undefined>();

  constructor(
    private readonly data: InteractionData,
    private readonly partOf: Int8Array,
    private readonly columns?: ColumnSubset,
  ) {}

  matrix(parts: readonly number[]): CsrMatrix {
    const key = parts.join(',');
    let matrix = this.matrices.get(key);
    if (matrix === undefined) {
      matrix = entriesInParts(this.data.matrix, this.partOf, parts, this.columns);
      this.matrices.set(key, matrix);
    }
    return matrix;
  }

  sequencesOf(parts: readonly number[]): UserSequences | undefined {
    const key = parts.join(',');
    if (this.sequences.has(key)) return this.sequences.get(key);
    const events = this.data.events;
    let result: UserSequences | undefined;
    if (events) {
      const wanted = new Set(parts);
      const rows = Int32Array.from({ length: events.sequences.nRows }, (_, r) => r);
      result = filterEvents(events.sequences, rows, (e) => wanted.has(this.partOf[events.entries[e]!]!), this.columns ?? null);
    }
    this.sequences.set(key, result);
    return result;
  }

  /** The training part: every user's row and sequence in `parts`, with the item and user features. */
  training(parts: readonly number[]): TrainingData {
    const sequences = this.sequencesOf(parts);
    const itemFeatures = this.data.itemFeatures && this.columns ? selectFeatureRows(this.data.itemFeatures, keptColumnList(this.columns)) : this.data.itemFeatures;
    return {
      matrix: this.matrix(parts),
      ...(sequences ? { sequences } : {}),
      ...(itemFeatures ? { itemFeatures } : {}),
      ...(this.data.userFeatures ? { userFeatures: this.data.userFeatures } : {}),
    };
  }

  /** The users with an entry in `targetPart`, given `inputParts` and ranked without `excludeParts`. */
  evalSet(targetPart: number, inputParts: readonly number[], excludeParts: readonly number[]): EvalSet {
    const input = this.matrix(inputParts);
    return evalSetOf(
      rowsWithPart(this.data.matrix, this.partOf, targetPart),
      { input, exclude: this.matrix(excludeParts), targets: this.matrix([targetPart]), inputSequences: this.sequencesOf(inputParts) },
      this.data,
    );
  }
}

function keptColumnList(columns: ColumnSubset): Int32Array {
  const kept = new Int32Array(columns.nCols);
  columns.newIndex.forEach((j, c) => {
    if (j >= 0) kept[j] = c;
  });
  return kept;
}

/** Throws unless the ids and per-entry arrays of `data` match its matrix. */
export function checkInteractionData(data: InteractionData): void {
  const { matrix } = data;
  if (data.userIds.length !== matrix.nRows) throw new Error(`'${data.name}': ${data.userIds.length} user ids for a matrix of ${matrix.nRows} rows`);
  if (data.itemIds.length !== matrix.nCols) throw new Error(`'${data.name}': ${data.itemIds.length} item ids for a matrix of ${matrix.nCols} columns`);
  if (data.logPositions && data.logPositions.length !== matrix.nnz) {
    throw new Error(`'${data.name}': ${data.logPositions.length} log positions for ${matrix.nnz} stored entries`);
  }
}

/** The fingerprint a split records: of the matrix and ids it was made from. */
export function fingerprintOf(data: InteractionData): string {
  return matrixFingerprint(data.matrix, data.userIds, data.itemIds);
}

/** Throws unless `value` is a finite number in [0, 1). */
export function checkFraction(name: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0 && value < 1)) throw new RangeError(`${name} must be a number in [0, 1), got ${value}`);
}

export function checkSeed(seed: number): void {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`split seed must be a safe integer, got ${seed}`);
}

/**
 * Time order of all stored entries: by timestamp (NaN first, as in `timeOrder`),
 * ties by log position when known (file order), else by position in the matrix
 * (user, then item). Throws when the data has no timestamps.
 */
export function entriesInTimeOrder(data: InteractionData, protocolName: string): Int32Array {
  const times = requireTimestamps(data, protocolName);
  const tieBreak = data.logPositions ?? null;
  const order = new Int32Array(data.matrix.nnz);
  for (let k = 0; k < order.length; k++) order[k] = k;
  const key = (k: number) => (Number.isNaN(times[k]!) ? -Infinity : times[k]!);
  return order.sort((a, b) => key(a) - key(b) || (tieBreak ? tieBreak[a]! - tieBreak[b]! : a - b));
}

export function requireTimestamps(data: InteractionData, protocolName: string): Float64Array {
  if (!data.timestamps) {
    throw new Error(
      `the ${protocolName} split of '${data.name}' needs interaction timestamps, but the data has none; ` +
        `use a 'random-ratings', 'user-ratio' or 'held-out-users' split instead`,
    );
  }
  if (data.timestamps.length !== data.matrix.nnz) {
    throw new Error(`'${data.name}': ${data.timestamps.length} timestamps for ${data.matrix.nnz} stored entries; they must be aligned with matrix.indices`);
  }
  return data.timestamps;
}

/**
 * The split of a protocol whose targets are each user's later interactions
 * (leave-last-out, time): validation users see their training rows; test users
 * see everything before their test targets (training plus validation targets).
 */
export function historySplit(data: InteractionData, partOf: Int8Array, protocol: SplitProtocol, withValidation: boolean): Split {
  const parts = new SplitParts(data, partOf);
  const beforeTest = [Part.train, Part.validationTarget];
  return {
    protocol,
    train: parts.training([Part.train]),
    ...(withValidation ? { validation: parts.evalSet(Part.validationTarget, [Part.train], [Part.train]) } : {}),
    test: parts.evalSet(Part.testTarget, beforeTest, beforeTest),
    userIds: data.userIds,
    itemIds: data.itemIds,
    dataFingerprint: fingerprintOf(data),
  };
}
