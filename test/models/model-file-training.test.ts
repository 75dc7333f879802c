/** The manifest keeps an iterative model's training history (every epoch, the best one); closed-form models have none. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EvalSet } from '../../src/data/split-types.js';
import { interactionsOnly } from '../../src/data/training-data.js';
import { readModelManifest, saveModel } from '../../src/models/model-file.js';
import type { Recommender } from '../../src/models/model.js';
import { getModelFactory } from '../../src/models/registry.js';
import { randomSparse, seededRandom } from '../engine/linalg/fixtures.js';

const train = randomSparse(40, 12, 0.3, seededRandom(5), true);
const heldOut = randomSparse(10, 12, 0.4, seededRandom(6), true);
const validation: EvalSet = { users: Int32Array.from({ length: 10 }, (_, i) => 40 + i), input: heldOut, exclude: heldOut, targets: randomSparse(10, 12, 0.2, seededRandom(7), true) };

async function savedManifest(model: Recommender) {
  const dir = await mkdtemp(join(tmpdir(), 'recoder-history-'));
  try {
    await saveModel(dir, model, {
      data: { name: 'generated', fingerprint: 'sha256:test', nUsers: train.nRows, nItems: train.nCols, nInteractions: train.nnz },
      userIds: Array.from({ length: train.nRows }, (_, u) => `u${u}`),
      itemIds: Array.from({ length: train.nCols }, (_, i) => `i${i}`),
      history: train,
    });
    return await readModelManifest(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a Mult-DAE manifest holds every epoch with its loss and validation score, and the best epoch', async () => {
  const model = getModelFactory('mult-dae').create({ latent: 4, batchSize: 16, epochs: 5, patience: 0 });
  await model.fit(interactionsOnly(train), { validation, seed: 1 });
  const { training } = await savedManifest(model);
  assert.ok(training !== undefined);
  assert.deepEqual(training.epochs.map((e) => e.epoch), [1, 2, 3, 4, 5]);
  assert.ok(training.epochs.every((e) => Number.isFinite(e.loss) && e.validation !== undefined && Number.isFinite(e.validation.score)));
  const best = training.epochs.reduce((a, b) => (b.validation!.score > a.validation!.score ? b : a));
  assert.equal(training.bestEpoch, best.epoch);
  assert.equal(training.bestScore, best.validation!.score);
  assert.equal(training.stoppedEarly, false);
});

test('without validation the history has the losses and the last epoch as best', async () => {
  const model = getModelFactory('mult-dae').create({ latent: 4, batchSize: 16, epochs: 3 });
  await model.fit(interactionsOnly(train), { seed: 1 });
  const { training } = await savedManifest(model);
  assert.equal(training?.epochs.length, 3);
  assert.equal(training?.bestEpoch, 3);
  assert.ok(training?.epochs.every((e) => e.validation === undefined));
});

test('EASE, fitted in closed form, saves no training history', async () => {
  const model = getModelFactory('ease').create({ lambda: 1 });
  await model.fit(interactionsOnly(train));
  assert.equal((await savedManifest(model)).training, undefined);
});
