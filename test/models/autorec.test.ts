import assert from 'node:assert/strict';
import { interactionsOnly } from '../../src/data/training-data.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { csrFromCoo, type CsrMatrix } from '../../src/data/csr.js';
import { Rng } from '../../src/data/random.js';
import type { EvalSet } from '../../src/data/split-types.js';
import { evaluateRatings } from '../../src/eval/evaluate.js';
import { autoRecRecommender, type AutoRecVariant } from '../../src/models/autoencoders/autorec.js';
import { loadModel, saveModel } from '../../src/models/model-file.js';
import { getModelFactory } from '../../src/models/registry.js';
import { backendOrSkip, backendsUnderTest } from '../engine/fixtures.js';

const VARIANTS: readonly AutoRecVariant[] = ['item', 'user'];

interface PlantedRatings {
  readonly train: CsrMatrix;
  readonly test: EvalSet;
  readonly trainMean: number;
}

/**
 * Ratings 1..5 from a rank-2 model, round(3 + 1.2·uᵤ·vᵢ) clamped, with about
 * 60 % of the entries observed, split 90/10 at random into train and test.
 */
function plantedRatings(nUsers: number, nItems: number, seed: number): PlantedRatings {
  const rng = new Rng(seed);
  const userFactors = Array.from({ length: nUsers * 2 }, () => rng.nextNormal());
  const itemFactors = Array.from({ length: nItems * 2 }, () => rng.nextNormal());
  const parts = { train: { u: [] as number[], i: [] as number[], r: [] as number[] }, test: { u: [] as number[], i: [] as number[], r: [] as number[] } };
  for (let u = 0; u < nUsers; u++) {
    for (let i = 0; i < nItems; i++) {
      if (rng.nextFloat() >= 0.6) continue;
      const affinity = userFactors[2 * u]! * itemFactors[2 * i]! + userFactors[2 * u + 1]! * itemFactors[2 * i + 1]!;
      const rating = Math.min(5, Math.max(1, Math.round(3 + 1.2 * affinity)));
      const part = rng.nextFloat() < 0.1 ? parts.test : parts.train;
      part.u.push(u);
      part.i.push(i);
      part.r.push(rating);
    }
  }
  const train = csrFromCoo(nUsers, nItems, parts.train.u, parts.train.i, parts.train.r);
  const targets = csrFromCoo(nUsers, nItems, parts.test.u, parts.test.i, parts.test.r);
  const users = Int32Array.from({ length: nUsers }, (_, u) => u);
  const trainMean = parts.train.r.reduce((a, b) => a + b, 0) / parts.train.r.length;
  return { train, test: { users, input: train, exclude: train, targets }, trainMean };
}

function meanPredictorRmse(data: PlantedRatings): number {
  const ratings = data.test.targets.values;
  return Math.sqrt(ratings.reduce((sum, r) => sum + (r - data.trainMean) ** 2, 0) / ratings.length);
}

/** Small and quick: full-batch Adam on the planted ratings reaches about 0.45 against the mean's 1.05. */
const SMALL = { hidden: 32, lambda: 3, learningRate: 0.02, epochs: 150 };

for (const underTest of backendsUnderTest()) {
  for (const variant of VARIANTS) {
    test(`${underTest.name}: autorec-${variant} learns a planted low-rank rating matrix far better than the mean`, async (t) => {
      const backend = backendOrSkip(t, underTest);
      if (backend === undefined) return;
      const data = plantedRatings(60, 50, 7);
      const model = autoRecRecommender(variant, SMALL, backend);
      await model.fit(interactionsOnly(data.train), { seed: 3 });
      const rmse = evaluateRatings(model, data.test).metrics.rmse.mean;
      const baseline = meanPredictorRmse(data);
      assert.ok(rmse < 0.6 * baseline, `autorec-${variant} RMSE ${rmse.toFixed(3)} vs mean predictor ${baseline.toFixed(3)}`);
      const report = model.trainingReport!;
      assert.equal(report.epochs.length, SMALL.epochs);
      assert.ok(report.epochs.at(-1)!.loss < 0.5 * report.epochs[0]!.loss, 'training objective falls');
    });
  }

  test(`${underTest.name}: mini-batches, SGD and validation-based early stopping keep the best epoch`, async (t) => {
    const backend = backendOrSkip(t, underTest);
    if (backend === undefined) return;
    const data = plantedRatings(40, 30, 11);
    const validationSet = data.test;
    const model = autoRecRecommender('item', { ...SMALL, batchSize: 7, epochs: 60, patience: 5, lambda: 0 }, backend);
    await model.fit(interactionsOnly(data.train), { seed: 1, validation: validationSet });
    const report = model.trainingReport!;
    assert.ok(report.epochs.every((e) => e.validation !== undefined));
    const scores = report.epochs.map((e) => e.validation!.score);
    assert.equal(report.bestScore, Math.min(...scores));
    // The model kept is the best epoch's: its validation RMSE is the best score.
    const rmse = evaluateRatings(model, validationSet).metrics.rmse.mean;
    assert.ok(Math.abs(rmse - report.bestScore!) < 1e-5, `kept model RMSE ${rmse} vs best ${report.bestScore}`);

    const sgd = autoRecRecommender('user', { ...SMALL, optimizer: 'sgd', learningRate: 0.002, batchSize: 8, epochs: 40 }, backend);
    await sgd.fit(interactionsOnly(data.train), { seed: 1 });
    const losses = sgd.trainingReport!.epochs.map((e) => e.loss);
    assert.ok(losses.at(-1)! < 0.5 * losses[0]!, `SGD objective ${losses[0]} → ${losses.at(-1)}`);
  });
}

/** A 4 × 5 matrix where user 3 and item 4 have no training ratings. */
function withColdUserAndItem(): CsrMatrix {
  const rows = [0, 0, 0, 1, 1, 1, 2, 2, 2];
  const cols = [0, 1, 2, 1, 2, 3, 0, 2, 3];
  const values = [5, 4, 1, 4, 2, 1, 5, 2, 2];
  return csrFromCoo(4, 5, rows, cols, values);
}

test('autorec predicts the default rating for users and items without training ratings and clamps the rest', async () => {
  const train = withColdUserAndItem();
  for (const variant of VARIANTS) {
    const model = autoRecRecommender(variant, { hidden: 4, epochs: 5, defaultRating: 2.5 });
    await model.fit(interactionsOnly(train), { seed: 1 });
    const users = Int32Array.from([0, 1, 2, 3]);
    const scores = model.score({ histories: train, users: users });
    for (let u = 0; u < 4; u++) {
      for (let i = 0; i < 5; i++) {
        const score = scores[u * 5 + i]!;
        if (u === 3 || i === 4) assert.equal(score, 2.5, `${variant}: user ${u}, item ${i}`);
        else assert.ok(score >= 1 && score <= 5, `${variant}: user ${u}, item ${i} scored ${score}, outside the training range [1, 5]`);
      }
    }
  }
});

test('I-AutoRec needs training users; U-AutoRec encodes any input row', async () => {
  const train = withColdUserAndItem();
  const item = autoRecRecommender('item', { hidden: 4, epochs: 5 });
  await item.fit(interactionsOnly(train), { seed: 1 });
  assert.throws(() => item.score({ histories: train }), /predicts only for the users it was trained on/);
  assert.throws(() => item.score({ histories: train, users: Int32Array.from([0, 1, 2, 9]) }), /users\[3\] = 9 is not a training user index/);
  const newVisitor = csrFromCoo(1, 5, [0, 0], [0, 1], [5, 4]);
  assert.deepEqual([...item.score({ histories: newVisitor, users: Int32Array.of(-1) })], [3, 3, 3, 3, 3]);

  const user = autoRecRecommender('user', { hidden: 4, epochs: 20, learningRate: 0.05 });
  await user.fit(interactionsOnly(train), { seed: 1 });
  const scores = user.score({ histories: newVisitor });
  assert.ok([0, 1, 2, 3].some((i) => scores[i] !== 3), 'a new user with ratings gets predictions, not only defaults');
  assert.equal(scores[4], 3, 'the item without training ratings gets the default');
});

test('autorec fits are reproducible from the seed', async () => {
  const data = plantedRatings(20, 15, 5);
  const scores = async (seed: number) => {
    const model = autoRecRecommender('item', { hidden: 6, epochs: 5, batchSize: 4 });
    await model.fit(interactionsOnly(data.train), { seed });
    return model.score({ histories: data.train, users: data.test.users });
  };
  assert.deepEqual(await scores(4), await scores(4));
  assert.notDeepEqual(await scores(4), await scores(5));
});

test('autorec models survive a save and load through the model file unchanged', async () => {
  const data = plantedRatings(30, 20, 9);
  const dir = await mkdtemp(join(tmpdir(), 'recoder-autorec-'));
  try {
    for (const name of ['autorec-item', 'autorec-user']) {
      const model = getModelFactory(name).create({ hidden: 8, epochs: 10 });
      await model.fit(interactionsOnly(data.train), { seed: 2 });
      const modelDir = join(dir, name);
      await saveModel(modelDir, model, {
        data: { name: 'planted', fingerprint: 'sha256:test', nUsers: 30, nItems: 20, nInteractions: data.train.nnz },
        userIds: Array.from({ length: 30 }, (_, u) => `u${u}`),
        itemIds: Array.from({ length: 20 }, (_, i) => `i${i}`),
        history: data.train,
      });
      const loaded = (await loadModel(modelDir)).model;
      assert.equal(loaded.name, name);
      assert.equal(loaded.predictsRatings, true);
      assert.deepEqual(loaded.hyperParameters, model.hyperParameters);
      const users = Int32Array.from({ length: 30 }, (_, u) => (u === 29 ? -1 : u));
      assert.deepEqual(loaded.score({ histories: data.train, users: users }), model.score({ histories: data.train, users: users }), name);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a cancelled autorec fit rejects and leaves the model unfitted', async () => {
  const data = plantedRatings(20, 15, 3);
  const model = autoRecRecommender('item', { hidden: 4, epochs: 50 });
  const controller = new AbortController();
  let epochs = 0;
  const fit = model.fit(interactionsOnly(data.train), {
    signal: controller.signal,
    onProgress: (p) => {
      if (p.phase === 'epoch' && ++epochs === 3) controller.abort(new Error('stop requested'));
    },
  });
  await assert.rejects(fit, /stop requested/);
  assert.equal(model.nItems, 0);
  assert.throws(() => model.score({ histories: data.train, users: data.test.users }), /not fitted/);
});

test('autorec rejects bad hyper-parameters and unusable data with the value and what was expected', async () => {
  assert.throws(() => autoRecRecommender('item', { optimizer: 'rprop' }), /'optimizer' .* must be one of 'adam', 'sgd', got "rprop"/);
  assert.throws(() => autoRecRecommender('item', { hidden: 0 }), /'hidden' .* must be an integer ≥ 1, got 0/);
  assert.throws(() => autoRecRecommender('user', { learningRate: 0 }), /'learningRate' .* must be a finite number > 0, got 0/);
  assert.throws(() => autoRecRecommender('user', { dropout: 0.5 }), /unknown hyper-parameter 'dropout'/);
  await assert.rejects(autoRecRecommender('item').fit(interactionsOnly(csrFromCoo(3, 4, [], [], []))), /has no ratings/);
  const broken = csrFromCoo(2, 2, [0, 1], [1, 0], [4, Number.NaN]);
  await assert.rejects(autoRecRecommender('item').fit(interactionsOnly(broken)), /user 1, item 0 is NaN/);
});

test('both autorec variants are registered with the paper-based defaults', () => {
  for (const name of ['autorec-item', 'autorec-user']) {
    const factory = getModelFactory(name);
    assert.equal(factory.settings.defaults['hidden'], 500);
    assert.equal(factory.settings.defaults['defaultRating'], 3);
    assert.equal(factory.create({}).predictsRatings, true);
  }
});
