/**
 * RecVAE as a recommender on a small planted dataset (users of four groups who
 * mostly take their group's items): it beats popularity on held-out users,
 * validation keeps the best epoch, the alternating schedule runs as published,
 * a fit is reproducible, scoring folds in any row, and a saved model scores
 * the same.
 */
import assert from 'node:assert/strict';
import { interactionsOnly } from '../../src/data/training-data.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CsrMatrix, csrFromCoo } from '../../src/data/csr.js';
import { Rng } from '../../src/data/random.js';
import { getBackend } from '../../src/engine/index.js';
import type { EvalSet } from '../../src/data/split-types.js';
import { evaluateRanking } from '../../src/eval/evaluate.js';
import { loadModel, saveModel } from '../../src/models/model-file.js';
import { popularityFactory } from '../../src/models/baselines/popularity.js';
import { RecVaeNetwork, recVaeRecommender, RecVaeTraining } from '../../src/models/autoencoders/recvae.js';
import { getModelFactory } from '../../src/models/registry.js';
import { assertClose, backendOrSkip, backendsUnderTest, seededRng } from '../engine/fixtures.js';

const GROUPS = 4;
const ITEMS_PER_GROUP = 20;
const ITEMS = GROUPS * ITEMS_PER_GROUP;

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

/** Held-out users: the first 6 items are the fold-in input (and excluded), the rest the targets. */
function heldOut(histories: readonly number[][], firstUser: number): EvalSet {
  const input = matrixOf(histories.map((items) => items.slice(0, 6)));
  return { users: Int32Array.from(histories, (_, r) => firstUser + r), input, exclude: input, targets: matrixOf(histories.map((items) => items.slice(6))) };
}

function planted(rng: Rng) {
  return {
    train: matrixOf(plantedUsers(rng.fork(0), 320, 0)),
    validation: heldOut(plantedUsers(rng.fork(1), 40, 320), 320),
    test: heldOut(plantedUsers(rng.fork(2), 40, 360), 360),
  };
}

/** Small, fast settings: 8 batches per pass, 4 passes per epoch, a higher learning rate than the paper's. */
const SETTINGS = { hidden: 16, latent: 8, depth: 2, batchSize: 40, epochs: 10, learningRate: 0.01 };

const ndcg10 = (scorer: Parameters<typeof evaluateRanking>[0], evalSet: EvalSet) =>
  evaluateRanking(scorer, evalSet, { metrics: ['ndcg@10'] }).metrics['ndcg@10']!.mean;

for (const underTest of backendsUnderTest()) {
  test(`${underTest.name}: RecVAE beats popularity on held-out users, and validation keeps the best epoch`, async (t) => {
    const backend = backendOrSkip(t, underTest);
    if (backend === undefined) return;
    const data = planted(seededRng('recvae planted data'));
    const model = recVaeRecommender(SETTINGS, backend);
    await model.fit(interactionsOnly(data.train), { validation: data.validation, seed: 5 });
    const popularity = popularityFactory.create({});
    await popularity.fit(interactionsOnly(data.train));
    const [learned, popular] = [ndcg10(model, data.test), ndcg10(popularity, data.test)];
    assert.ok(learned > 0.35 && learned > 2.5 * popular, `RecVAE NDCG@10 ${learned.toFixed(3)} vs popularity ${popular.toFixed(3)}`);
    const report = model.trainingReport!;
    assert.equal(report.epochs.length, 10);
    const best = report.epochs.reduce((a, b) => (b.validation!.score > a.validation!.score ? b : a));
    assert.equal(report.bestEpoch, best.epoch);
    const validationNdcg = evaluateRanking(model, data.validation, { metrics: ['ndcg@100'] }).metrics['ndcg@100']!.mean;
    assert.ok(Math.abs(validationNdcg - report.bestScore!) < 1e-12, `${validationNdcg} vs best ${report.bestScore}`);
    assert.ok(report.epochs[9]!.values!['decoderNll']! < report.epochs[0]!.values!['decoderNll']!, 'the likelihood improves');
  });
}

test('RecVAE alternates 3 encoder passes and 1 decoder pass per epoch, the prior taking the encoder in between', async () => {
  const data = planted(seededRng('recvae planted data'));
  const model = recVaeRecommender(SETTINGS);
  const network = new RecVaeNetwork(getBackend(), ITEMS, model.settings, new Rng(1));
  const oldEncoder = network.newPriorEncoder(new Rng(2));
  const training = new RecVaeTraining(network, oldEncoder, data.train, model.settings, getBackend());
  const before = training.trainingState().tensors;
  let batches = 0;
  await training.trainEpoch(1, new Rng(3), undefined, () => {
    batches++;
  });
  assert.equal(batches, 32, '8 batches × (3 encoder + 1 decoder) passes');
  const after = training.trainingState();
  assert.equal(after.scalars['encoder_optimizer.step'], 24);
  assert.equal(after.scalars['decoder_optimizer.step'], 8);
  for (const p of network.encoder.parameters) {
    const old = `prior.encoder_old.${p.name.slice('encoder.'.length)}`;
    assert.notDeepEqual(after.tensors[p.name]!.data, before[p.name]!.data, `${p.name} trained`);
    assert.deepEqual(after.tensors[old]!.data, after.tensors[p.name]!.data, `${old} is the encoder after its passes`);
  }
  assert.notDeepEqual(after.tensors['decoder.weight']!.data, before['decoder.weight']!.data, 'the decoder trained');
});

test('RecVAE: a fit is reproducible from its seed; scoring folds in any row, deterministically', async () => {
  const data = planted(seededRng('recvae planted data'));
  const model = recVaeRecommender({ ...SETTINGS, epochs: 2 });
  await model.fit(interactionsOnly(data.train), { seed: 7 });
  const again = recVaeRecommender({ ...SETTINGS, epochs: 2 });
  await again.fit(interactionsOnly(data.train), { seed: 7 });
  const input = data.test.input;
  const all = model.score({ histories: input });
  assert.deepEqual(again.score({ histories: input }), all);
  assert.deepEqual(model.score({ histories: input }), all, 'scoring draws no noise and no dropout');
  assertClose(model.score({ histories: input.selectRows([7]) }), all.subarray(7 * ITEMS, 8 * ITEMS), { rtol: 1e-5, atol: 1e-5 }, 'row alone');
  assert.ok(model.score({ histories: CsrMatrix.empty(1, ITEMS) }).every(Number.isFinite), 'an empty row scores');
});

test('RecVAE: a saved model loads through the registry and scores identically; defaults are the authors\'; bad settings are refused', async () => {
  const data = planted(seededRng('recvae planted data'));
  const factory = getModelFactory('recvae');
  const model = factory.create({ ...SETTINGS, epochs: 1 });
  await model.fit(interactionsOnly(data.train), { seed: 3 });
  const dir = await mkdtemp(join(tmpdir(), 'recoder-recvae-'));
  try {
    await saveModel(dir, model, {
      data: { name: 'planted', fingerprint: 'sha256:test', nUsers: data.train.nRows, nItems: ITEMS, nInteractions: data.train.nnz },
      userIds: Array.from({ length: data.train.nRows }, (_, u) => `u${u}`),
      itemIds: Array.from({ length: ITEMS }, (_, i) => `i${i}`),
      history: data.train,
      protocol: { kind: 'user-ratio', ratios: [0.8, 0.1, 0.1], seed: 1 },
      metrics: {},
      fitSeconds: 0,
    });
    const loaded = await loadModel(dir);
    assert.equal(loaded.model.name, 'recvae');
    assert.deepEqual(loaded.model.score({ histories: data.test.input }), model.score({ histories: data.test.input }));
    assert.ok(Object.keys(model.exportState().tensors).every((name) => !name.startsWith('prior.')), 'the prior is not saved');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const d = factory.settings.defaults;
  assert.deepEqual(
    [d['hidden'], d['latent'], d['depth'], d['keepProbability'], d['gamma'], d['mixtureWeights'], d['learningRate'], d['batchSize'], d['encoderEpochs'], d['decoderEpochs']],
    [600, 200, 5, 0.5, 0.005, [0.15, 0.75, 0.1], 5e-4, 500, 3, 1],
  );
  assert.throws(() => factory.create({ mixtureWeights: [0.5, 0.5, 0.5] }), /'mixtureWeights' of model 'recvae' must be three positive numbers summing to 1/);
  assert.throws(() => factory.create({ keepProbability: 0 }), /'keepProbability' of model 'recvae' must be a finite number > 0 and ≤ 1, got 0/);
});
