/**
 * A split saved as ONE safetensors file, so that recoder and the Python peers
 * (bench/peers/split_io.py, NumPy only) evaluate on exactly the same data.
 *
 * Tensors (all 1-D, little-endian):
 *   train.indptr I32, train.indices I32, train.values F32       nUsers × nItems
 *   <phase>.users I32                                            phase = validation | test
 *   <phase>.<part>.indptr / .indices / .values                   part = input | exclude | targets,
 *                                                                 users.length × nItems
 *   <phase>.candidates I32 (optional)                            the items a ranking may contain
 * Metadata (strings): format 'recoder-split', version '1', protocol (JSON),
 * userIds (JSON array), itemIds (JSON array), dataFingerprint.
 * nUsers and nItems are the lengths of the id arrays. The validation tensors
 * are present exactly when the split has a validation set.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../io/atomic-write.js';
import { decodeSafetensors, encodeSafetensors, type Tensor } from '../io/safetensors.js';
import { CsrMatrix } from './csr.js';
import type { UserSequences } from './sequences.js';
import type { EvalSet, Split, SplitProtocol } from './split-types.js';

export const SPLIT_FILE_FORMAT = 'recoder-split';
export const SPLIT_FILE_VERSION = '1';

const PHASES = ['validation', 'test'] as const;
const EVAL_PARTS = ['input', 'exclude', 'targets'] as const;
const PROTOCOL_KINDS: readonly string[] = ['random-ratings', 'user-ratio', 'held-out-users', 'leave-last-out', 'time', 'item-cold-start'];

/** Writes `split` to `path` atomically (a reader sees the old file or the new one, never half of one). */
export async function saveSplit(path: string, split: Split): Promise<void> {
  await writeFileAtomic(path, encodeSplit(split));
}

/** Reads a split written by `saveSplit`, checking its format and every matrix; errors name `path`. */
export async function loadSplit(path: string): Promise<Split> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new Error(`cannot read split file ${path}: ${(e as Error).message}`);
  }
  return decodeSplit(bytes, path);
}

export function encodeSplit(split: Split): Buffer {
  const tensors: Record<string, Tensor> = {};
  addCsr(tensors, 'train', split.train.matrix);
  if (split.train.sequences) addSequences(tensors, 'train.sequences', split.train.sequences);
  for (const phase of PHASES) {
    const set = split[phase];
    if (!set) continue;
    tensors[`${phase}.users`] = { shape: [set.users.length], data: set.users };
    if (set.inputSequences) addSequences(tensors, `${phase}.input_sequences`, set.inputSequences);
    for (const part of EVAL_PARTS) addCsr(tensors, `${phase}.${part}`, set[part]);
    if (set.candidates) tensors[`${phase}.candidates`] = { shape: [set.candidates.length], data: set.candidates };
  }
  return encodeSafetensors(tensors, {
    format: SPLIT_FILE_FORMAT,
    version: SPLIT_FILE_VERSION,
    protocol: JSON.stringify(split.protocol),
    userIds: JSON.stringify(split.userIds),
    itemIds: JSON.stringify(split.itemIds),
    dataFingerprint: split.dataFingerprint,
  });
}

/** Decodes and validates a split file's bytes; `source` names the file in errors. */
export function decodeSplit(bytes: Buffer, source: string): Split {
  const { tensors, metadata } = decodeSafetensors(bytes, source);
  const fail = (what: string): never => {
    throw new Error(`${source}: ${what}`);
  };
  if (metadata['format'] !== SPLIT_FILE_FORMAT) {
    fail(`not a recoder split file (metadata 'format' is ${JSON.stringify(metadata['format'])}, expected '${SPLIT_FILE_FORMAT}')`);
  }
  if (metadata['version'] !== SPLIT_FILE_VERSION) {
    fail(`split file version ${JSON.stringify(metadata['version'])} is not supported (this recoder reads version ${SPLIT_FILE_VERSION})`);
  }
  const userIds = parseStringArray(metadata, 'userIds', fail);
  const itemIds = parseStringArray(metadata, 'itemIds', fail);
  const protocol = parseJson(metadata, 'protocol', fail) as SplitProtocol;
  if (typeof protocol !== 'object' || protocol === null || !PROTOCOL_KINDS.includes(protocol.kind)) {
    fail(`metadata 'protocol' has unknown kind ${JSON.stringify((protocol as { kind?: unknown } | null)?.kind)}; expected one of ${PROTOCOL_KINDS.join(', ')}`);
  }
  const dataFingerprint = metadata['dataFingerprint'];
  if (typeof dataFingerprint !== 'string') fail(`metadata 'dataFingerprint' is missing`);

  const nUsers = userIds.length;
  const nItems = itemIds.length;
  const train = readCsr(tensors, 'train', nUsers, nItems, fail);
  const trainSequences = readSequences(tensors, 'train.sequences', nUsers, nItems, fail);
  const readEvalSet = (phase: string): EvalSet => {
    const users = tensorOf(tensors, `${phase}.users`, I32, fail);
    for (let i = 0; i < users.length; i++) {
      if (!(users[i]! >= 0 && users[i]! < nUsers)) fail(`'${phase}.users'[${i}] is ${users[i]}, outside 0..${nUsers - 1}`);
    }
    const [input, exclude, targets] = EVAL_PARTS.map((part) => readCsr(tensors, `${phase}.${part}`, users.length, nItems, fail));
    const inputSequences = readSequences(tensors, `${phase}.input_sequences`, users.length, nItems, fail);
    const candidates = tensors[`${phase}.candidates`] ? tensorOf(tensors, `${phase}.candidates`, I32, fail) : undefined;
    if (candidates) {
      for (let i = 0; i < candidates.length; i++) {
        if (!(candidates[i]! >= 0 && candidates[i]! < nItems && (i === 0 || candidates[i]! > candidates[i - 1]!))) {
          fail(`'${phase}.candidates'[${i}] is ${candidates[i]}: candidates must be ascending item indices in 0..${nItems - 1}`);
        }
      }
    }
    return { users, input: input!, exclude: exclude!, targets: targets!, ...(inputSequences ? { inputSequences } : {}), ...(candidates ? { candidates } : {}) };
  };
  const hasValidation = Object.keys(tensors).some((name) => name.startsWith('validation.'));
  return {
    protocol,
    train: { matrix: train, ...(trainSequences ? { sequences: trainSequences } : {}) },
    ...(hasValidation ? { validation: readEvalSet('validation') } : {}),
    test: readEvalSet('test'),
    userIds,
    itemIds,
    dataFingerprint: dataFingerprint!,
  };
}

/** Ordered events (the order splits keep for sequence models): offsets, items and, when known, timestamps. */
function addSequences(tensors: Record<string, Tensor>, name: string, sequences: UserSequences): void {
  tensors[`${name}.indptr`] = { shape: [sequences.indptr.length], data: sequences.indptr };
  tensors[`${name}.items`] = { shape: [sequences.items.length], data: sequences.items };
  tensors[`${name}.weights`] = { shape: [sequences.weights.length], data: sequences.weights };
  if (sequences.timestamps) tensors[`${name}.timestamps`] = { shape: [sequences.timestamps.length], data: sequences.timestamps };
}

function readSequences(tensors: Record<string, Tensor>, name: string, nRows: number, nItems: number, fail: Fail): UserSequences | undefined {
  if (tensors[`${name}.indptr`] === undefined) return undefined;
  const indptr = tensorOf(tensors, `${name}.indptr`, I32, fail);
  const items = tensorOf(tensors, `${name}.items`, I32, fail);
  const weights = tensorOf(tensors, `${name}.weights`, F32, fail);
  const times = tensors[`${name}.timestamps`]?.data;
  if (times !== undefined && !(times instanceof Float64Array)) fail(`'${name}.timestamps' should hold F64 values`);
  if (indptr.length !== nRows + 1 || indptr[0] !== 0 || indptr[nRows] !== items.length || weights.length !== items.length || (times && times.length !== items.length)) {
    fail(`'${name}' offsets, items, weights and timestamps do not agree for ${nRows} rows`);
  }
  for (let r = 0; r < nRows; r++) if (indptr[r + 1]! < indptr[r]!) fail(`'${name}.indptr' decreases at row ${r}`);
  items.forEach((item, e) => {
    if (!(item >= 0 && item < nItems)) fail(`'${name}.items'[${e}] is ${item}, outside 0..${nItems - 1}`);
  });
  return { nRows, nItems, indptr, items, timestamps: (times as Float64Array | undefined) ?? null, weights, eventTypeCodes: null, eventTypes: [] };
}

function addCsr(tensors: Record<string, Tensor>, name: string, matrix: CsrMatrix): void {
  tensors[`${name}.indptr`] = { shape: [matrix.indptr.length], data: matrix.indptr };
  tensors[`${name}.indices`] = { shape: [matrix.nnz], data: matrix.indices };
  tensors[`${name}.values`] = { shape: [matrix.nnz], data: matrix.values };
}

type Fail = (what: string) => never;

interface Dtype<T> {
  readonly label: 'I32' | 'F32';
  readonly holds: (data: unknown) => data is T;
}
const I32: Dtype<Int32Array> = { label: 'I32', holds: (data): data is Int32Array => data instanceof Int32Array };
const F32: Dtype<Float32Array> = { label: 'F32', holds: (data): data is Float32Array => data instanceof Float32Array };

function tensorOf<T>(tensors: Record<string, Tensor>, name: string, dtype: Dtype<T>, fail: Fail): T {
  const tensor = tensors[name] ?? fail(`tensor '${name}' is missing`);
  if (!dtype.holds(tensor.data)) return fail(`tensor '${name}' has the wrong dtype (expected ${dtype.label})`);
  if (tensor.shape.length !== 1) fail(`tensor '${name}' has shape [${tensor.shape.join(', ')}], expected one dimension`);
  return tensor.data;
}

/** A CSR matrix from `<name>.indptr/indices/values`, checked to be nRows × nCols with sorted, in-range rows. */
function readCsr(tensors: Record<string, Tensor>, name: string, nRows: number, nCols: number, fail: Fail): CsrMatrix {
  const indptr = tensorOf(tensors, `${name}.indptr`, I32, fail);
  const indices = tensorOf(tensors, `${name}.indices`, I32, fail);
  const values = tensorOf(tensors, `${name}.values`, F32, fail);
  if (indptr.length !== nRows + 1) fail(`'${name}.indptr' has ${indptr.length} entries, expected ${nRows + 1} (rows + 1)`);
  if (indptr[0] !== 0) fail(`'${name}.indptr' starts at ${indptr[0]}, expected 0`);
  if (indptr[nRows] !== indices.length || indices.length !== values.length) {
    fail(`'${name}' has ${indptr[nRows]} entries by indptr, ${indices.length} indices and ${values.length} values`);
  }
  for (let r = 0; r < nRows; r++) {
    if (indptr[r + 1]! < indptr[r]!) fail(`'${name}.indptr' decreases at row ${r}`);
    for (let k = indptr[r]!; k < indptr[r + 1]!; k++) {
      const c = indices[k]!;
      if (!(c >= 0 && c < nCols)) fail(`'${name}' row ${r} has column ${c}, outside 0..${nCols - 1}`);
      if (k > indptr[r]! && c <= indices[k - 1]!) fail(`'${name}' row ${r} has columns out of order or repeated (${indices[k - 1]} then ${c})`);
    }
  }
  return new CsrMatrix(nRows, nCols, indptr, indices, values);
}

function parseJson(metadata: Record<string, string>, key: string, fail: Fail): unknown {
  const text = metadata[key];
  if (typeof text !== 'string') fail(`metadata '${key}' is missing`);
  try {
    return JSON.parse(text!);
  } catch (e) {
    return fail(`metadata '${key}' is not valid JSON (${(e as Error).message})`);
  }
}

function parseStringArray(metadata: Record<string, string>, key: string, fail: Fail): string[] {
  const value = parseJson(metadata, key, fail);
  if (!Array.isArray(value) || !value.every((id) => typeof id === 'string')) fail(`metadata '${key}' must be a JSON array of strings`);
  return value as string[];
}
