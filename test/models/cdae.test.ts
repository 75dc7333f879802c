/**
 * CDAE as a recommender on a small planted dataset (users of four groups who
 * mostly take their group's items): it beats popularity on held-out users,
 * validation keeps the best epoch, a fit is reproducible from its seed, new
 * users get a zero user vector, and a saved model scores the same.
 */
import assert from 'node:assert/strict';
import { interactionsOnly } from '../../src/data/training-data.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CsrMatrix, csrFromCoo } from '../../src/data/csr.js';
import type { Rng } from '../../src/data/random.js';
import type { EvalSet } from '../../src/data/split-types.js';
import type { Backend } from '../../src/engine/backend.js';
import { evaluateRanking } from '../../src/eval/evaluate.js';
import { cdaeRecommender } from '../../src/models/autoencoders/cdae.js';
import { loadModel, saveModel } from '../../src/models/model-file.js';
import { popularityFactory } from '../../src/models/baselines/popularity.js';
import { getModelFactory } from '../../src/models/registry.js';
import { assertClose, backendOrSkip, backendsUnderTest, seededRng } from '../engine/fixtures.js';

const GROUPS = 4;
const ITEMS_PER_GROUP = 20;
const ITEMS = GROUPS * ITEMS_PER_GROUP;
const TRAIN_USERS = 320;
const ALL_USERS = 400;

/** Each user: 8 distinct items of their group (u mod 4) and one item anywhere. */
function plantedUsers(rng: Rng, users: number, firstUser: number): number[][] {
  const histories: number[][] = [];
  for (let u = firstUser; u < firstUser + users; u++) {
    const group = u % GROUPS;
    const items = new Set(Array.from(rng.randomSample(ITEMS_PER_GROUP, 8), (i) => group * ITEMS_PER_GROUP + i));
    items.add(rng.nextInt(ITEMS));
    histories.push([...items].sort((a, b) => a - b));
  }
  return histories;
}

function matrixOf(histories: readonly number[][], nRows = histories.length): CsrMatrix {
  const rows = histories.flatMap((items, r) => items.map(() => r));
  const cols = histories.flat();
  return csrFromCoo(nRows, ITEMS, rows, cols, new Array(cols.length).fill(1));
}

/** Held-out users (empty rows of train): the first 6 items are the fold-in input, the rest the targets. */
function heldOut(histories: readonly number[][], firstUser: number): EvalSet {
  const input = matrixOf(histories.map((items) => items.slice(0, 6)));
  return { users: Int32Array.from(histories, (_, r) => firstUser + r), input, exclude: input, targets: matrixOf(histories.map((items) => items.slice(6))) };
}

function planted(rng: Rng) {
  return {
    train: matrixOf(plantedUsers(rng.fork(0), TRAIN_USERS, 0), ALL_USERS),
    validation: heldOut(plantedUsers(rng.fork(1), 40, 320), 320),
    test: heldOut(plantedUsers(rng.fork(2), 40, 360), 360),
  };
}

/** Small, fast settings: 8 batches per epoch, a higher learning rate than the default for 25 epochs. */
const SETTINGS = { hidden: 16, batchSize: 40, epochs: 25, patience: 0, learningRate: 0.02 };

const ndcg10 = (scorer: Parameters<typeof evaluateRanking>[0], evalSet: EvalSet) =>
  evaluateRanking(scorer, evalSet, { metrics: ['ndcg@10'] }).metrics['ndcg@10']!.mean;

for (const underTest of backendsUnderTest()) {
  test(`${underTest.name}: CDAE beats popularity on held-out users, and validation keeps the best epoch`, async (t) => {
    const backend: Backend | undefined = backendOrSkip(t, underTest);
    if (backend === undefined) return;
    const data = planted(seededRng('cdae planted data'));
    const model = cdaeRecommender(SETTINGS, backend);
    await model.fit(interactionsOnly(data.train), { validation: data.validation, seed: 5 });
    const popularity = popularityFactory.create({});
    await popularity.fit(interactionsOnly(data.train));
    const [learned, popular] = [ndcg10(model, data.test), ndcg10(popularity, data.test)];
    assert.ok(learned > 0.35 && learned > 2.5 * popular, `CDAE NDCG@10 ${learned.toFixed(3)} vs popularity ${popular.toFixed(3)}`);
    const report = model.trainingReport!;
    assert.equal(report.epochs.length, 25);
    const best = report.epochs.reduce((a, b) => (b.validation!.score > a.validation!.score ? b : a));
    assert.equal(report.bestEpoch, best.epoch);
    const validationNdcg = evaluateRanking(model, data.validation, { metrics: ['ndcg@100'] }).metrics['ndcg@100']!.mean;
    assert.ok(Math.abs(validationNdcg - report.bestScore!) < 1e-12, `${validationNdcg} vs best ${report.bestScore}`);
    assert.ok(report.epochs[24]!.loss < report.epochs[0]!.loss, 'the training loss falls');
  });
}

test('CDAE: a fit is reproducible from its seed; held-out and unknown users get a zero user vector', async () => {
  const data = planted(seededRng('cdae planted data'));
  const model = cdaeRecommender({ ...SETTINGS, epochs: 3 });
  await model.fit(interactionsOnly(data.train), { seed: 7 });
  const again = cdaeRecommender({ ...SETTINGS, epochs: 3 });
  await again.fit(interactionsOnly(data.train), { seed: 7 });
  const input = data.test.input;
  assert.deepEqual(again.score({ histories: input, users: data.test.users }), model.score({ histories: input, users: data.test.users }));
  assert.equal((model.exportState().tensors['h_user.weight']!.shape[0]), ALL_USERS);

  // Held-out users (empty training rows) never trained a vector: scoring them equals scoring as unknown (−1) or without users.
  const withoutUsers = model.score({ histories: input });
  assert.deepEqual(model.score({ histories: input, users: data.test.users }), withoutUsers);
  assert.deepEqual(model.score({ histories: input, users: new Int32Array(input.nRows).fill(-1) }), withoutUsers);
  // A training user's own vector changes their scores.
  const trainRow = data.train.selectRows([3]);
  assert.notDeepEqual(model.score({ histories: trainRow, users: Int32Array.of(3) }), model.score({ histories: trainRow, users: Int32Array.of(-1) }));
  // Rows are independent: one row alone scores as among the others.
  assertClose(model.score({ histories: input.selectRows([5]) }), withoutUsers.subarray(5 * ITEMS, 6 * ITEMS), { rtol: 1e-5, atol: 1e-5 }, 'row alone');
  assert.ok(model.score({ histories: CsrMatrix.empty(1, ITEMS) }).every(Number.isFinite));
  assert.throws(() => model.score({ histories: input, users: new Int32Array(input.nRows).fill(ALL_USERS) }), /user index 400 is outside −1 \(unknown user\) \.\. 399/);
});

test('CDAE: a saved model loads through the registry and scores identically; bad hyper-parameters are refused', async () => {
  const data = planted(seededRng('cdae planted data'));
  const factory = getModelFactory('cdae');
  const model = factory.create({ ...SETTINGS, epochs: 2 });
  await model.fit(interactionsOnly(data.train), { seed: 3 });
  const dir = await mkdtemp(join(tmpdir(), 'recoder-cdae-'));
  try {
    await saveModel(dir, model, {
      data: { name: 'planted', fingerprint: 'sha256:test', nUsers: ALL_USERS, nItems: ITEMS, nInteractions: data.train.nnz },
      userIds: Array.from({ length: ALL_USERS }, (_, u) => `u${u}`),
      itemIds: Array.from({ length: ITEMS }, (_, i) => `i${i}`),
      history: data.train,
      protocol: { kind: 'user-ratio', ratios: [0.8, 0.1, 0.1], seed: 1 },
      metrics: {},
      fitSeconds: 0,
    });
    const loaded = await loadModel(dir);
    assert.equal(loaded.model.name, 'cdae');
    const trainRows = data.train.selectRows([0, 1, 2]);
    assert.deepEqual(loaded.model.score({ histories: trainRows, users: Int32Array.of(0, 1, 2) }), model.score({ histories: trainRows, users: Int32Array.of(0, 1, 2) }));
    const restored = factory.restore(model.hyperParameters as Record<string, unknown>, model.exportState(), ITEMS);
    assert.deepEqual(restored.score({ histories: data.test.input }), model.score({ histories: data.test.input }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  assert.deepEqual([factory.settings.defaults['hidden'], factory.settings.defaults['corruption'], factory.settings.defaults['negatives'], factory.settings.defaults['activation']], [64, 0.5, 5, 'relu']);
  assert.throws(() => factory.create({ corruption: 1 }), /'corruption' of model 'cdae' must be a finite number ≥ 0 and < 1, got 1/);
  assert.throws(() => factory.create({ activation: 'swish' }), /'activation' of model 'cdae' must be one of 'relu', 'sigmoid', 'tanh', 'identity'/);
});
