import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSafetensors } from '../../src/io/safetensors.js';
import { CHECKPOINT_FORMAT, modelSignature, readCheckpoint, writeCheckpoint, type Checkpoint } from '../../src/train/checkpoint.js';

const state = (value: number) => ({
  tensors: { 'layer.weight': { shape: [2, 1], data: new Float32Array([value, -value]) }, 'adam.m.layer.weight': { shape: [2, 1], data: new Float32Array([0.1, 0.2]) } },
  scalars: { 'adam.step': 12 },
});

test('a checkpoint round-trips its states, best epoch and history, non-finite numbers included', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'recoder-checkpoint-'));
  try {
    const path = join(dir, 'run.ckpt');
    const current = state(3);
    const best = { ...state(2), scalars: { 'adam.step': 8 } };
    const checkpoint: Checkpoint = {
      epoch: 3,
      seed: -17,
      signature: modelSignature(current),
      higherIsBetter: false,
      state: current,
      bestEpoch: 2,
      bestScore: 0.5,
      bestState: best,
      history: [
        { epoch: 1, loss: Number.NaN, seconds: 0.1, validation: { score: Number.POSITIVE_INFINITY } },
        { epoch: 2, loss: 1.25, seconds: 0.1, validation: { score: 0.5, values: { mae: 0.4 } } },
        { epoch: 3, loss: 1.5, seconds: 0.1, validation: { score: 0.75 }, values: { kl: Number.NEGATIVE_INFINITY } },
      ],
    };
    await writeCheckpoint(path, checkpoint);
    const read = (await readCheckpoint(path))!;
    assert.deepEqual(read, checkpoint);

    await writeCheckpoint(path, { ...checkpoint, bestEpoch: 3, bestScore: 0.75, bestState: current });
    const bestIsLast = (await readCheckpoint(path))!;
    assert.equal(bestIsLast.bestState, bestIsLast.state, 'the best state is stored once when it is the last epoch');
    assert.equal(await readCheckpoint(join(dir, 'missing.ckpt')), undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a damaged checkpoint record is reported with the file and field', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'recoder-checkpoint-'));
  try {
    const path = join(dir, 'bad.ckpt');
    const record = { format: CHECKPOINT_FORMAT, version: 1, epoch: 2, seed: 1, signature: '', higherIsBetter: true, scalars: {}, bestEpoch: 0, bestScore: null, bestStored: 'none', history: [] };
    await writeFile(path, encodeSafetensors({}, { format: CHECKPOINT_FORMAT, checkpoint: JSON.stringify(record) }));
    await assert.rejects(readCheckpoint(path), /bad\.ckpt: checkpoint field 'history' should be a list of 2 epoch records, got 0/);
    await writeFile(path, encodeSafetensors({}, { format: CHECKPOINT_FORMAT, checkpoint: '{not json' }));
    await assert.rejects(readCheckpoint(path), /bad\.ckpt: the checkpoint record in the metadata is not valid JSON/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the derived model signature changes with tensor shapes and scalar names, not with values', () => {
  const a = state(1);
  assert.equal(modelSignature(a), modelSignature(state(5)));
  assert.equal(modelSignature(a), 'adam.m.layer.weight:Float32Array[2,1];layer.weight:Float32Array[2,1]|adam.step');
  assert.notEqual(modelSignature(a), modelSignature({ ...a, tensors: { ...a.tensors, 'layer.weight': { shape: [1, 2], data: new Float32Array(2) } } }));
  assert.notEqual(modelSignature(a), modelSignature({ ...a, scalars: { 'sgd.step': 1 } }));
});
