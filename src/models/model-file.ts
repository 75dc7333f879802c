/**
 * A saved model is a directory with two files:
 *
 *   manifest.json        what the model is: name, hyper-parameters, data it was
 *                        fitted on, id lists, metrics, and which tensors to load;
 *   weights.safetensors  the model's tensors plus the training history
 *                        (`history.indptr`, `history.indices`, `history.values`,
 *                        users × items CSR) so that the saved model alone can
 *                        recommend for a known user id.
 *
 * Both are written atomically, weights first and manifest last, so a crash
 * never leaves a manifest naming missing weights. The manifest records the
 * weights' size and SHA-256, so a manifest left over beside weights from a
 * later, interrupted save is detected instead of silently mixing the two.
 *
 * Python: `json.load(open('manifest.json'))`, and
 * `safetensors.numpy.load_file('weights.safetensors')` (tensor names as in
 * the manifest; CSR triples load with scipy.sparse.csr_matrix).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkSequences, type UserSequences } from '../data/sequences.js';
import type { CsrMatrix } from '../data/csr.js';
import type { SplitProtocol } from '../data/split-types.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { decodeSafetensors, encodeSafetensors, type Tensor } from '../io/safetensors.js';
import type { TrainReport } from '../train/loop.js';
import type { ModelFactory, Recommender } from './model.js';
import { requireCsrTensors, requireTensor } from './model-support.js';
import { getModelFactory } from './registry.js';

export const MODEL_FORMAT = 'recoder-model';
export const MODEL_FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
export const WEIGHTS_FILE = 'weights.safetensors';
export const ITEM_ATTRIBUTES_FILE = 'items.json';
const HISTORY_PREFIX = 'history';

/** The data a model was fitted on. */
export interface ModelDataInfo {
  readonly name: string;
  readonly fingerprint: string;
  readonly nUsers: number;
  readonly nItems: number;
  readonly nInteractions: number;
}

export interface ModelManifest {
  readonly format: typeof MODEL_FORMAT;
  readonly formatVersion: number;
  /** Registry name of the model. */
  readonly model: string;
  readonly hyperParameters: Record<string, unknown>;
  readonly libraryVersion: string;
  /** ISO 8601 time of the save. */
  readonly createdAt: string;
  readonly data: ModelDataInfo;
  readonly protocol?: SplitProtocol;
  readonly metrics?: Record<string, number>;
  readonly fitSeconds?: number;
  /**
   * How an iterative model's training went: every epoch's loss and validation score, the best
   * epoch, early stopping (the model's `trainingReport`); absent for closed-form models.
   */
  readonly training?: ManifestTrainingHistory;
  /** Names of the model's own tensors in the weights file (the history tensors are not listed). */
  readonly tensors: string[];
  /** The model's non-tensor state (ModelState.extra), if any. */
  readonly extra?: Record<string, unknown>;
  /** The weights file this manifest was written with. */
  readonly weights: { readonly file: string; readonly bytes: number; readonly sha256: string };
  /** External item id of each model column. */
  readonly itemIds: string[];
  /** External user id of each history row. */
  readonly userIds: string[];
  /** File beside the manifest with one attribute object (title, genres, ...) per item, when saved. */
  readonly itemAttributesFile?: string;
}

export type ManifestTrainingHistory = Pick<TrainReport, 'epochs' | 'bestEpoch' | 'bestScore' | 'stoppedEarly' | 'resumedFromEpoch'>;

/** The training report of models that keep one (the autoencoders), for the manifest. */
function trainingHistoryOf(model: Recommender): ManifestTrainingHistory | undefined {
  const report = (model as { readonly trainingReport?: TrainReport }).trainingReport;
  if (report === undefined) return undefined;
  const { epochs, bestEpoch, bestScore, stoppedEarly, resumedFromEpoch } = report;
  return { epochs, bestEpoch, bestScore, stoppedEarly, resumedFromEpoch };
}

export interface SaveModelInfo {
  readonly data: ModelDataInfo;
  readonly userIds: readonly string[];
  readonly itemIds: readonly string[];
  /** Training interactions, users × items, one row per entry of `userIds`. */
  readonly history: CsrMatrix;
  /** The same users' training events in order, when the data had an order (sequence models score known users from it). */
  readonly historySequences?: UserSequences;
  readonly protocol?: SplitProtocol;
  readonly metrics?: Record<string, number>;
  readonly fitSeconds?: number;
  /** Defaults to now. */
  readonly createdAt?: Date;
  /** Attributes of each item (title, genres, ...), aligned with `itemIds`; null where unknown. */
  readonly itemAttributes?: ReadonlyArray<Readonly<Record<string, unknown>> | null>;
}

export interface LoadedModel {
  readonly model: Recommender;
  readonly manifest: ModelManifest;
  /** Training interactions, users × items, rows in `manifest.userIds` order. */
  readonly history: CsrMatrix;
  /** The training events in order, when saved. */
  readonly historySequences?: UserSequences;
  /** Item attributes aligned with `manifest.itemIds`, when the model was saved with them. */
  readonly itemAttributes?: ReadonlyArray<Readonly<Record<string, unknown>> | null>;
}

let cachedLibraryVersion: string | undefined;

/** Version of the recoder package this module belongs to: the first package.json above this file. */
export function libraryVersion(): string {
  if (cachedLibraryVersion !== undefined) return cachedLibraryVersion;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const parsed = JSON.parse(readFileSync(candidate, 'utf8')) as { version?: unknown };
      cachedLibraryVersion = typeof parsed.version === 'string' ? parsed.version : 'unknown';
      return cachedLibraryVersion;
    }
    const parent = dirname(dir);
    if (parent === dir) return (cachedLibraryVersion = 'unknown');
    dir = parent;
  }
}

function checkSaveInfo(model: Recommender, info: SaveModelInfo): void {
  const problems: string[] = [];
  if (model.nItems === 0) problems.push(`model '${model.name}' is not fitted`);
  if (info.itemIds.length !== model.nItems) problems.push(`${info.itemIds.length} item ids for a model of ${model.nItems} items`);
  if (info.data.nItems !== model.nItems) problems.push(`data.nItems is ${info.data.nItems} but the model has ${model.nItems} items`);
  if (info.data.nUsers !== info.userIds.length) problems.push(`data.nUsers is ${info.data.nUsers} but there are ${info.userIds.length} user ids`);
  if (info.history.nRows !== info.userIds.length) problems.push(`history has ${info.history.nRows} rows for ${info.userIds.length} user ids`);
  if (info.history.nCols !== model.nItems) problems.push(`history has ${info.history.nCols} columns for a model of ${model.nItems} items`);
  if (problems.length > 0) throw new Error(`cannot save model: ${problems.join('; ')}`);
}

/**
 * Writes `model` to `dir` (created if needed) as manifest.json +
 * weights.safetensors, replacing a model saved there before. Returns the manifest.
 */
export async function saveModel(dir: string, model: Recommender, info: SaveModelInfo): Promise<ModelManifest> {
  checkSaveInfo(model, info);
  const state = model.exportState();
  const tensors: Record<string, Tensor> = { ...state.tensors };
  for (const name of Object.keys(state.tensors)) {
    if (name.startsWith(`${HISTORY_PREFIX}.`)) throw new Error(`model '${model.name}' exports tensor '${name}', a name reserved for the training history`);
  }
  const { history } = info;
  tensors[`${HISTORY_PREFIX}.indptr`] = { shape: [history.indptr.length], data: history.indptr };
  tensors[`${HISTORY_PREFIX}.indices`] = { shape: [history.nnz], data: history.indices };
  tensors[`${HISTORY_PREFIX}.values`] = { shape: [history.nnz], data: history.values };
  const sequences = info.historySequences;
  if (sequences) {
    checkSequences(sequences, history.nRows, history.nCols, 'cannot save model: history sequences');
    tensors[`${HISTORY_PREFIX}.sequences.indptr`] = { shape: [sequences.indptr.length], data: sequences.indptr };
    tensors[`${HISTORY_PREFIX}.sequences.items`] = { shape: [sequences.items.length], data: sequences.items };
    if (sequences.timestamps) tensors[`${HISTORY_PREFIX}.sequences.timestamps`] = { shape: [sequences.timestamps.length], data: sequences.timestamps };
  }
  const weightBytes = encodeSafetensors(tensors, { format: MODEL_FORMAT, model: model.name });
  const training = trainingHistoryOf(model);

  const manifest: ModelManifest = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    model: model.name,
    hyperParameters: { ...model.hyperParameters },
    libraryVersion: libraryVersion(),
    createdAt: (info.createdAt ?? new Date()).toISOString(),
    data: { ...info.data },
    ...(info.protocol !== undefined ? { protocol: info.protocol } : {}),
    ...(info.metrics !== undefined ? { metrics: info.metrics } : {}),
    ...(info.fitSeconds !== undefined ? { fitSeconds: info.fitSeconds } : {}),
    ...(training !== undefined ? { training } : {}),
    tensors: Object.keys(state.tensors).sort(),
    ...(state.extra !== undefined ? { extra: state.extra } : {}),
    weights: { file: WEIGHTS_FILE, bytes: weightBytes.length, sha256: sha256(weightBytes) },
    itemIds: [...info.itemIds],
    userIds: [...info.userIds],
    ...(info.itemAttributes !== undefined ? { itemAttributesFile: ITEM_ATTRIBUTES_FILE } : {}),
  };
  if (info.itemAttributes !== undefined && info.itemAttributes.length !== info.itemIds.length) {
    throw new Error(`cannot save model: ${info.itemAttributes.length} item attribute rows for ${info.itemIds.length} items`);
  }
  await mkdir(dir, { recursive: true });
  // The manifest goes last: it is what makes the other files a model.
  if (info.itemAttributes !== undefined) await writeFileAtomic(join(dir, ITEM_ATTRIBUTES_FILE), JSON.stringify(info.itemAttributes) + '\n');
  await writeFileAtomic(join(dir, WEIGHTS_FILE), weightBytes);
  await writeFileAtomic(join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Reads and checks `dir`/manifest.json without touching the weights. */
export async function readModelManifest(dir: string): Promise<ModelManifest> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${path} not found: ${dir} is not a saved recoder model`);
    throw new Error(`${path}: cannot read (${(e as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return checkManifest(parsed, path);
}

function checkManifest(parsed: unknown, path: string): ModelManifest {
  const fail = (field: string, expected: string, value: unknown): never => {
    throw new Error(`${path}: field '${field}' should be ${expected}, got ${JSON.stringify(value)?.slice(0, 80) ?? 'nothing'}`);
  };
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) fail('(top level)', 'an object', parsed);
  const m = parsed as Record<string, unknown>;
  if (m['format'] !== MODEL_FORMAT) fail('format', `'${MODEL_FORMAT}'`, m['format']);
  if (m['formatVersion'] !== MODEL_FORMAT_VERSION) {
    throw new Error(
      `${path}: model format version ${JSON.stringify(m['formatVersion'])} is not supported; ` +
        `this recoder (${libraryVersion()}) reads version ${MODEL_FORMAT_VERSION}`,
    );
  }
  const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  const isCount = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  const isStringArray = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string');
  if (typeof m['model'] !== 'string') fail('model', 'a model name', m['model']);
  if (!isObject(m['hyperParameters'])) fail('hyperParameters', 'an object', m['hyperParameters']);
  const data = m['data'] as Record<string, unknown>;
  if (!isObject(data)) fail('data', 'an object', data);
  for (const field of ['nUsers', 'nItems', 'nInteractions']) if (!isCount(data[field])) fail(`data.${field}`, 'a count', data[field]);
  if (!isStringArray(m['tensors'])) fail('tensors', 'a list of tensor names', m['tensors']);
  if (!isStringArray(m['itemIds']) || (m['itemIds'] as string[]).length !== data['nItems']) {
    fail('itemIds', `a list of ${String(data['nItems'])} ids (data.nItems)`, m['itemIds']);
  }
  if (!isStringArray(m['userIds']) || (m['userIds'] as string[]).length !== data['nUsers']) {
    fail('userIds', `a list of ${String(data['nUsers'])} ids (data.nUsers)`, m['userIds']);
  }
  const weights = m['weights'] as Record<string, unknown>;
  if (!isObject(weights) || typeof weights['file'] !== 'string' || !isCount(weights['bytes']) || typeof weights['sha256'] !== 'string') {
    fail('weights', '{ file, bytes, sha256 }', weights);
  }
  if ((weights['file'] as string).includes('/') || (weights['file'] as string).includes('\\')) fail('weights.file', 'a file name', weights['file']);
  return m as unknown as ModelManifest;
}

/**
 * Loads a model saved by saveModel. Errors name the file at fault: a missing
 * or corrupt manifest, an unsupported format version, an unknown model name,
 * missing, truncated or mismatched weights.
 */
export async function loadModel(dir: string): Promise<LoadedModel> {
  const manifest = await readModelManifest(dir);
  const manifestPath = join(dir, MANIFEST_FILE);
  let factory: ModelFactory;
  try {
    factory = getModelFactory(manifest.model);
  } catch (e) {
    throw new Error(`${manifestPath}: ${(e as Error).message}`);
  }
  const weightsPath = join(dir, manifest.weights.file);
  let bytes: Buffer;
  try {
    bytes = await readFile(weightsPath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${weightsPath} not found (named by ${manifestPath})`);
    throw new Error(`${weightsPath}: cannot read (${(e as Error).message})`);
  }
  if (bytes.length !== manifest.weights.bytes) {
    throw new Error(
      `${weightsPath} is ${bytes.length} bytes but ${manifestPath} expects ${manifest.weights.bytes}: ` +
        `the weights file is truncated or comes from another save`,
    );
  }
  if (sha256(bytes) !== manifest.weights.sha256) {
    throw new Error(`${weightsPath} does not match the SHA-256 recorded in ${manifestPath}: the file is corrupt or comes from another save`);
  }
  const { tensors } = decodeSafetensors(bytes, weightsPath);
  const { nUsers, nItems } = manifest.data;
  const history = requireCsrTensors(weightsPath, tensors, HISTORY_PREFIX, nUsers, nItems);
  const historySequences = readHistorySequences(weightsPath, tensors, nUsers, nItems);
  const modelTensors: Record<string, Tensor> = {};
  for (const name of manifest.tensors) {
    const tensor = tensors[name];
    if (tensor === undefined) throw new Error(`${weightsPath} lacks tensor '${name}' listed in ${manifestPath}`);
    modelTensors[name] = tensor;
  }
  let model: Recommender;
  try {
    model = factory.restore(
      manifest.hyperParameters,
      manifest.extra !== undefined ? { tensors: modelTensors, extra: manifest.extra } : { tensors: modelTensors },
      nItems,
    );
  } catch (e) {
    throw new Error(`${dir}: cannot restore model '${manifest.model}': ${(e as Error).message}`, { cause: e });
  }
  const loaded = { model, manifest, history, ...(historySequences ? { historySequences } : {}) };
  if (manifest.itemAttributesFile === undefined) return loaded;
  return { ...loaded, itemAttributes: await readItemAttributes(dir, manifest) };
}

function readHistorySequences(source: string, tensors: Readonly<Record<string, Tensor>>, nUsers: number, nItems: number): UserSequences | undefined {
  const prefix = `${HISTORY_PREFIX}.sequences`;
  if (tensors[`${prefix}.indptr`] === undefined) return undefined;
  const indptr = requireTensor(source, tensors, `${prefix}.indptr`, Int32Array, [nUsers + 1]);
  const nEvents = indptr[nUsers]!;
  const items = requireTensor(source, tensors, `${prefix}.items`, Int32Array, [nEvents]);
  const timestamps = tensors[`${prefix}.timestamps`] ? requireTensor(source, tensors, `${prefix}.timestamps`, Float64Array, [nEvents]) : null;
  const sequences: UserSequences = { nRows: nUsers, nItems, indptr, items, timestamps, weights: new Float32Array(nEvents).fill(1), eventTypeCodes: null, eventTypes: [] };
  checkSequences(sequences, nUsers, nItems, source);
  for (const item of items) if (!(item >= 0 && item < nItems)) throw new RangeError(`${source}: '${prefix}.items' holds ${item}, outside 0..${nItems - 1}`);
  return sequences;
}

async function readItemAttributes(dir: string, manifest: ModelManifest): Promise<Array<Record<string, unknown> | null>> {
  const file = manifest.itemAttributesFile!;
  if (file.includes('/') || file.includes('\\')) throw new Error(`${join(dir, MANIFEST_FILE)}: field 'itemAttributesFile' should be a file name, got ${file}`);
  const path = join(dir, file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: cannot read item attributes (${(e as Error).message})`);
  }
  if (!Array.isArray(parsed) || parsed.length !== manifest.itemIds.length) {
    throw new Error(`${path}: expected a list of ${manifest.itemIds.length} item attribute objects (one per item)`);
  }
  return parsed as Array<Record<string, unknown> | null>;
}
