/**
 * Training checkpoints: one safetensors file holding the model's TrainingState
 * after the last complete epoch (tensors named `state/<name>`), the best
 * epoch's state when it differs (`best/<name>`), and in the metadata a JSON
 * record (key `checkpoint`) with the epoch, the state's scalars, the best
 * epoch and score, the per-epoch history, the seed and a model signature.
 *
 * The random-number position needs no words of its own: epoch e draws from
 * `new Rng(seed).fork(e)`, so (seed, epoch) is the position. Files are written
 * atomically (temporary file, fsync, rename), so an interrupted write leaves
 * the previous checkpoint whole.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Tensor } from '../io/safetensors.js';
import { readSafetensors, writeSafetensors } from '../io/safetensors.js';
import type { EpochRecord, TrainingState } from './trainable.js';

export const CHECKPOINT_FORMAT = 'recoder-checkpoint';
export const CHECKPOINT_VERSION = 1;

const STATE_PREFIX = 'state/';
const BEST_PREFIX = 'best/';

export interface Checkpoint {
  /** The last complete epoch (1-based); `state` is the model after it. */
  readonly epoch: number;
  readonly seed: number;
  readonly signature: string;
  readonly higherIsBetter: boolean;
  readonly state: TrainingState;
  /** Best validated epoch so far (0 when none) and its score (null when none). */
  readonly bestEpoch: number;
  readonly bestScore: number | null;
  /** The best epoch's state: `state` itself when best is the last epoch, undefined when not kept. */
  readonly bestState: TrainingState | undefined;
  readonly history: readonly EpochRecord[];
}

/** What the metadata JSON holds, besides what the tensors hold. */
interface CheckpointRecord {
  readonly format: string;
  readonly version: number;
  readonly epoch: number;
  readonly seed: number;
  readonly signature: string;
  readonly higherIsBetter: boolean;
  readonly scalars: Record<string, number>;
  readonly bestEpoch: number;
  readonly bestScore: number | null;
  /** Where the best state is: the same as `state`, stored under best/, or not kept. */
  readonly bestStored: 'current' | 'separate' | 'none';
  readonly bestScalars?: Record<string, number>;
  readonly history: readonly EpochRecord[];
}

/**
 * A description of a model's trainable layout — every tensor's name, element
 * type and shape, and the scalar names — that differs between models of
 * different kind or size.
 */
export function modelSignature(state: TrainingState): string {
  const tensors = Object.keys(state.tensors)
    .sort()
    .map((name) => `${name}:${state.tensors[name]!.data.constructor.name}[${state.tensors[name]!.shape.join(',')}]`);
  return `${tensors.join(';')}|${Object.keys(state.scalars).sort().join(';')}`;
}

/** Up to `limit` differences in tensor names and shapes between a checkpoint and a model, in words. */
export function describeStateDifferences(saved: TrainingState, current: TrainingState, limit = 5): string[] {
  const differences: string[] = [];
  const shape = (t: Tensor) => `[${t.shape.join(', ')}]`;
  for (const name of Object.keys(current.tensors).sort()) {
    const mine = current.tensors[name]!;
    const theirs = saved.tensors[name];
    if (theirs === undefined) differences.push(`tensor '${name}' ${shape(mine)} is missing from the checkpoint`);
    else if (shape(theirs) !== shape(mine)) differences.push(`tensor '${name}' is ${shape(theirs)} in the checkpoint but ${shape(mine)} in this model`);
  }
  for (const name of Object.keys(saved.tensors).sort()) {
    if (!(name in current.tensors)) differences.push(`the checkpoint has tensor '${name}' ${shape(saved.tensors[name]!)}, which this model lacks`);
  }
  for (const name of Object.keys(current.scalars).sort()) {
    if (!(name in saved.scalars)) differences.push(`scalar '${name}' is missing from the checkpoint`);
  }
  return differences.length > limit ? [...differences.slice(0, limit), `… ${differences.length - limit} more`] : differences;
}

// JSON has no NaN or Infinity; a diverged epoch's loss must still round-trip.
const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);
const encodeNonFinite = (_key: string, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : value);
const decodeNonFinite = (_key: string, value: unknown) => (typeof value === 'string' && NON_FINITE.has(value) ? Number(value) : value);

function prefixed(prefix: string, tensors: Record<string, Tensor>, into: Record<string, Tensor>): void {
  for (const [name, tensor] of Object.entries(tensors)) into[prefix + name] = tensor;
}

function unprefixed(prefix: string, tensors: Record<string, Tensor>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [name, tensor] of Object.entries(tensors)) if (name.startsWith(prefix)) out[name.slice(prefix.length)] = tensor;
  return out;
}

/** Writes the checkpoint atomically, creating its folder if needed. */
export async function writeCheckpoint(path: string, checkpoint: Checkpoint): Promise<void> {
  const tensors: Record<string, Tensor> = {};
  prefixed(STATE_PREFIX, checkpoint.state.tensors, tensors);
  const bestStored = checkpoint.bestState === undefined ? 'none' : checkpoint.bestState === checkpoint.state ? 'current' : 'separate';
  if (bestStored === 'separate') prefixed(BEST_PREFIX, checkpoint.bestState!.tensors, tensors);
  const record: CheckpointRecord = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    epoch: checkpoint.epoch,
    seed: checkpoint.seed,
    signature: checkpoint.signature,
    higherIsBetter: checkpoint.higherIsBetter,
    scalars: checkpoint.state.scalars,
    bestEpoch: checkpoint.bestEpoch,
    bestScore: checkpoint.bestScore,
    bestStored,
    ...(bestStored === 'separate' ? { bestScalars: checkpoint.bestState!.scalars } : {}),
    history: checkpoint.history,
  };
  await mkdir(dirname(path), { recursive: true });
  await writeSafetensors(path, tensors, { format: CHECKPOINT_FORMAT, checkpoint: JSON.stringify(record, encodeNonFinite) });
}

function isErrnoException(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as NodeJS.ErrnoException).code === code;
}

/** Reads a checkpoint, or returns undefined when `path` does not exist. Throws, naming the file, when it is not one. */
export async function readCheckpoint(path: string): Promise<Checkpoint | undefined> {
  let file: Awaited<ReturnType<typeof readSafetensors>>;
  try {
    file = await readSafetensors(path);
  } catch (e) {
    if (isErrnoException(e, 'ENOENT')) return undefined;
    throw e;
  }
  const { tensors, metadata } = file;
  if (metadata['format'] !== CHECKPOINT_FORMAT || metadata['checkpoint'] === undefined) {
    throw new Error(`${path} is not a recoder training checkpoint (metadata format is ${JSON.stringify(metadata['format'] ?? null)}, expected '${CHECKPOINT_FORMAT}')`);
  }
  let record: CheckpointRecord;
  try {
    record = JSON.parse(metadata['checkpoint'], decodeNonFinite) as CheckpointRecord;
  } catch (e) {
    throw new Error(`${path}: the checkpoint record in the metadata is not valid JSON (${(e as Error).message})`);
  }
  checkRecord(path, record);
  const state: TrainingState = { tensors: unprefixed(STATE_PREFIX, tensors), scalars: record.scalars };
  const bestState: TrainingState | undefined =
    record.bestStored === 'current' ? state
    : record.bestStored === 'separate' ? { tensors: unprefixed(BEST_PREFIX, tensors), scalars: record.bestScalars ?? {} }
    : undefined;
  return {
    epoch: record.epoch,
    seed: record.seed,
    signature: record.signature,
    higherIsBetter: record.higherIsBetter,
    state,
    bestEpoch: record.bestEpoch,
    bestScore: record.bestScore,
    bestState,
    history: record.history,
  };
}

function checkRecord(path: string, record: CheckpointRecord): void {
  const fail = (field: string, expected: string, value: unknown) => {
    throw new Error(`${path}: checkpoint field '${field}' should be ${expected}, got ${JSON.stringify(value)}`);
  };
  if (record.version !== CHECKPOINT_VERSION) fail('version', `${CHECKPOINT_VERSION} (the version this recoder writes)`, record.version);
  if (!Number.isInteger(record.epoch) || record.epoch < 1) fail('epoch', 'a positive integer', record.epoch);
  if (!Number.isSafeInteger(record.seed)) fail('seed', 'a safe integer', record.seed);
  if (typeof record.signature !== 'string') fail('signature', 'a string', record.signature);
  if (typeof record.higherIsBetter !== 'boolean') fail('higherIsBetter', 'a boolean', record.higherIsBetter);
  if (typeof record.scalars !== 'object' || record.scalars === null) fail('scalars', 'an object of numbers', record.scalars);
  if (!Number.isInteger(record.bestEpoch) || record.bestEpoch < 0 || record.bestEpoch > record.epoch) fail('bestEpoch', `an integer in 0..${record.epoch}`, record.bestEpoch);
  if (record.bestScore !== null && typeof record.bestScore !== 'number') fail('bestScore', 'a number or null', record.bestScore);
  if (!['current', 'separate', 'none'].includes(record.bestStored)) fail('bestStored', "'current', 'separate' or 'none'", record.bestStored);
  if (!Array.isArray(record.history) || record.history.length !== record.epoch) fail('history', `a list of ${record.epoch} epoch records`, record.history?.length);
}
