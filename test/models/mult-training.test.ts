/**
 * Mult-DAE and Mult-VAE as recommenders, on a small planted dataset: users
 * belong to one of four groups and mostly interact with their group's items.
 * Training must beat popularity on held-out users; validation selects the
 * best epoch; scoring folds in any row; a saved model scores the same; β is
 * annealed as the notebook does. Runs on every backend.
 */
import assert from 'node:assert/strict';
import { interactionsOnly } from '../../src/data/training-data.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CsrMatrix, csrFromCoo } from '../../src/data/csr.js';
import { Rng } from '../../src/data/random.js';
import type { EvalSet } from '../../src/data/split-types.js';
import type { Backend, CsrOperand } from '../../src/engine/backend.js';
import { evaluateRanking } from '../../src/eval/evaluate.js';
import { loadModel, saveModel } from '../../src/models/model-file.js';
import { multDaeVariant } from '../../src/models/autoencoders/mult-dae.js';
import { annealedBeta, annealingSchedule, fillStandardNormals, multVaeVariant } from '../../src/models/autoencoders/mult-vae.js';
import { multinomialAutoencoderRecommender, type MultinomialAutoencoderVariant } from '../../src/models/autoencoders/multinomial-autoencoder.js';
import { popularityFactory } from '../../src/models/baselines/popularity.js';
import { getModelFactory } from '../../src/models/registry.js';
import { assertClose, backendOrSkip, backendsUnderTest, seededRng } from '../engine/fixtures.js';

const GROUPS = 4;
const ITEMS_PER_GROUP = 20;
const ITEMS = GROUPS * ITEMS_PER_GROUP;
const ITEMS_PER_USER = 9;

/** Each user: 8 distinct items of their group (u mod 4) and one item anywhere, as sorted item lists. */
function plantedUsers(rng: Rng, users: number, firstUser = 0): number[][] {
  const histories: number[][] = [];
  for (let u = firstUser; u < firstUser + users; u++) {
    const group = u % GROUPS;
    const items = new Set(Array.from(rng.randomSample(ITEMS_PER_GROUP, ITEMS_PER_USER - 1), (i) => group * ITEMS_PER_GROUP + i));
    items.add(rng.nextInt(ITEMS));
    histories.push([...items].sort((a, b) => a - b));
  }
  return histories;
}

function matrixOf(histories: readonly number[][], nCols = ITEMS): CsrMatrix {
  const rows = histories.flatMap((items, r) => items.map(() => r));
  const cols = histories.flat();
  return csrFromCoo(histories.length, nCols, rows, cols, new Array(cols.length).fill(1));
}

/** Held-out users: the first 6 of each history are the fold-in input (and excluded), the rest the targets. */
function heldOut(histories: readonly number[][], firstUser: number): EvalSet {
  const input = matrixOf(histories.map((items) => items.slice(0, 6)));
  return {
    users: Int32Array.from(histories, (_, r) => firstUser + r),
    input,
    exclude: input,
    targets: matrixOf(histories.map((items) => items.slice(6))),
  };
}

interface Planted {
  readonly train: CsrMatrix;
  readonly validation: EvalSet;
  readonly test: EvalSet;
}

function planted(rng: Rng): Planted {
  return {
    train: matrixOf(plantedUsers(rng.fork(0), 320)),
    validation: heldOut(plantedUsers(rng.fork(1), 40, 320), 320),
    test: heldOut(plantedUsers(rng.fork(2), 40, 360), 360),
  };
}

/** Small, fast settings: 8 batches per epoch, a higher learning rate than the paper's for 30 epochs. */
const SETTINGS: Readonly<Record<string, Record<string, unknown>>> = {
  'mult-dae': { latent: 16, batchSize: 40, epochs: 30, patience: 0, learningRate: 0.01 },
  'mult-vae': { hidden: [16], latent: 8, batchSize: 40, epochs: 30, patience: 0, learningRate: 0.01, totalAnnealSteps: 50 },
};
const VARIANTS: readonly MultinomialAutoencoderVariant[] = [multDaeVariant, multVaeVariant];

function variantTest(name: string, body: (backend: Backend, variant: MultinomialAutoencoderVariant, data: Planted) => Promise<void>): void {
  for (const underTest of backendsUnderTest()) {
    for (const variant of VARIANTS) {
      test(`${underTest.name}: ${variant.name}: ${name}`, async (t) => {
        const backend = backendOrSkip(t, underTest);
        if (backend === undefined) return;
        await body(backend, variant, planted(seededRng('mult planted data')));
      });
    }
  }
}

async function fitted(backend: Backend, variant: MultinomialAutoencoderVariant, data: Planted, extra: Record<string, unknown> = {}) {
  const model = multinomialAutoencoderRecommender(variant, { ...SETTINGS[variant.name], ...extra }, backend);
  await model.fit(interactionsOnly(data.train), { validation: data.validation, seed: 5 });
  return model;
}

const ndcg10 = (scorer: Parameters<typeof evaluateRanking>[0], evalSet: EvalSet) =>
  evaluateRanking(scorer, evalSet, { metrics: ['ndcg@10'] }).metrics['ndcg@10']!.mean;

variantTest('training beats popularity on held-out users, and validation keeps the best epoch', async (backend, variant, data) => {
  const model = await fitted(backend, variant, data);
  const popularity = popularityFactory.create({});
  await popularity.fit(interactionsOnly(data.train));
  const [learned, popular] = [ndcg10(model, data.test), ndcg10(popularity, data.test)];
  // Popularity cannot tell the groups apart; a model that finds a user's group ranks their
  // remaining group items first (in an order it cannot know, which bounds NDCG@10 well below 1).
  assert.ok(learned > 0.35 && learned > 2.5 * popular, `${variant.name} NDCG@10 ${learned.toFixed(3)} vs popularity ${popular.toFixed(3)}`);

  const report = model.trainingReport!;
  assert.equal(report.epochs.length, 30);
  assert.ok(report.epochs.every((e) => e.validation !== undefined && e.seconds > 0));
  const best = report.epochs.reduce((a, b) => (b.validation!.score > a.validation!.score ? b : a));
  assert.equal(report.bestEpoch, best.epoch);
  // The model holds the best epoch's weights: its validation NDCG@100 is the recorded best.
  const validationNdcg = evaluateRanking(model, data.validation, { metrics: ['ndcg@100'] }).metrics['ndcg@100']!.mean;
  assert.ok(Math.abs(validationNdcg - report.bestScore!) < 1e-12, `${validationNdcg} vs best ${report.bestScore}`);
  assert.ok(report.epochs[29]!.loss < report.epochs[0]!.loss, 'the training loss falls');
});

variantTest('a fit is reproducible from its seed, and empty (held-out) rows of train change nothing', async (backend, variant, data) => {
  const model = await fitted(backend, variant, data, { epochs: 3 });
  const again = await fitted(backend, variant, data, { epochs: 3 });
  const scores = model.score({ histories: data.test.input });
  assert.deepEqual(again.score({ histories: data.test.input }), scores);

  // Held-out users are empty rows of the training matrix: they must never update the weights.
  const padded = new CsrMatrix(data.train.nRows + 50, ITEMS, Int32Array.from([...data.train.indptr, ...new Array(50).fill(data.train.nnz)]), data.train.indices, data.train.values);
  const withEmptyRows = await fitted(backend, variant, { ...data, train: padded }, { epochs: 3 });
  assert.deepEqual(withEmptyRows.score({ histories: data.test.input }), scores);
});

variantTest('scoring folds in any row: no dropout, no sampling, rows independent of each other', async (backend, variant, data) => {
  const model = await fitted(backend, variant, data, { epochs: 2 });
  const input = data.test.input;
  const all = model.score({ histories: input });
  assert.deepEqual(model.score({ histories: input }), all, 'scoring is deterministic');
  assert.equal(all.length, input.nRows * ITEMS);
  // A newcomer's row alone scores as it does among the others (to BLAS rounding across batch shapes).
  const row = 7;
  const alone = model.score({ histories: input.selectRows([row]) });
  assertClose(alone, all.subarray(row * ITEMS, (row + 1) * ITEMS), { rtol: 1e-5, atol: 1e-5 }, 'row scored alone');
  // Scaling a row does not change its scores: the input is L2-normalised.
  const scaled = new CsrMatrix(1, ITEMS, Int32Array.of(0, input.rowLength(row)), input.rowIndices(row).slice(), input.rowValues(row).map((v) => 3 * v));
  assertClose(model.score({ histories: scaled }), alone, { rtol: 1e-5, atol: 1e-5 }, 'scaled row');
  // An empty row (a visitor with no history yet) still gets finite scores.
  assert.ok(model.score({ histories: CsrMatrix.empty(1, ITEMS) }).every(Number.isFinite));
});

variantTest('the input layer works on the sparse rows: csrMatmul forward, csrTransposeMatmul gradient', async (backend, variant, data) => {
  const calls = { forward: 0, gradient: 0 };
  const spy: Backend = Object.create(backend, {
    csrMatmul: {
      value: (alpha: number, x: CsrOperand, b: Float32Array, n: number, beta: number, c: Float32Array) => {
        if (x.nCols === ITEMS) calls.forward++;
        backend.csrMatmul(alpha, x, b, n, beta, c);
      },
    },
    csrTransposeMatmul: {
      value: (alpha: number, x: CsrOperand, g: Float32Array, n: number, beta: number, c: Float32Array) => {
        if (x.nCols === ITEMS) calls.gradient++;
        backend.csrTransposeMatmul(alpha, x, g, n, beta, c);
      },
    },
  });
  const model = multinomialAutoencoderRecommender(variant, { ...SETTINGS[variant.name], epochs: 1 }, spy);
  await model.fit(interactionsOnly(data.train), { seed: 1 });
  // 320 users in batches of 40: one sparse product forward and one for the weight gradient per batch.
  assert.deepEqual(calls, { forward: 8, gradient: 8 });
});

test('β grows by 1/totalAnnealSteps per update from 0 to the cap, as in the notebook', async () => {
  assert.equal(annealedBeta(0, 0.2, 200_000), 0);
  assert.equal(annealedBeta(20_000, 0.2, 200_000), 0.1);
  assert.equal(annealedBeta(40_000, 0.2, 200_000), 0.2);
  assert.equal(annealedBeta(90_000, 0.2, 200_000), 0.2);
  assert.equal(annealedBeta(0, 0.2, 0), 0.2, 'no annealing: the cap from the start');
  const data = planted(seededRng('mult planted data'));
  const model = multinomialAutoencoderRecommender(multVaeVariant, { ...SETTINGS['mult-vae'], epochs: 3 });
  await model.fit(interactionsOnly(data.train), { seed: 2 });
  // 8 updates per epoch; an epoch reports the β of its last update: (8e − 1) / 50, capped at 0.2.
  assert.deepEqual(
    model.trainingReport!.epochs.map((e) => e.values!['beta']),
    [7 / 50, 0.2, 0.2],
  );
});

test('fillStandardNormals draws N(0, 1): moments, tails, odd lengths, and the same draws for the same seed', () => {
  const n = 200_001; // odd: the last pair's second deviate is dropped
  const draws = new Float32Array(n);
  fillStandardNormals(new Rng(7), draws);
  let sum = 0, squares = 0, fourth = 0, beyondTwo = 0;
  for (const v of draws) {
    assert.ok(Number.isFinite(v));
    sum += v;
    squares += v * v;
    fourth += v ** 4;
    if (Math.abs(v) > 2) beyondTwo++;
  }
  // Standard errors at n = 2·10⁵: mean 0.0022, variance 0.0032, fourth moment 0.055, P(|Z| > 2) 0.0005.
  assert.ok(Math.abs(sum / n) < 0.01, `mean ${sum / n}`);
  assert.ok(Math.abs(squares / n - 1) < 0.015, `variance ${squares / n}`);
  assert.ok(Math.abs(fourth / n - 3) < 0.25, `fourth moment ${fourth / n}`);
  assert.ok(Math.abs(beyondTwo / n - 0.0455) < 0.003, `P(|Z| > 2) ${beyondTwo / n}`);
  const again = new Float32Array(n);
  fillStandardNormals(new Rng(7), again);
  assert.deepEqual(again, draws);
});

test('saved Mult-DAE and Mult-VAE models load through the registry and score identically', async () => {
  const data = planted(seededRng('mult planted data'));
  for (const name of ['mult-dae', 'mult-vae']) {
    const factory = getModelFactory(name);
    const model = factory.create({ ...SETTINGS[name], epochs: 2 });
    await model.fit(interactionsOnly(data.train), { seed: 3 });
    const dir = await mkdtemp(join(tmpdir(), 'recoder-mult-'));
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
      assert.equal(loaded.model.name, name);
      assert.deepEqual(loaded.model.hyperParameters, model.hyperParameters);
      assert.deepEqual(loaded.model.score({ histories: data.test.input }), model.score({ histories: data.test.input }), name);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
});

test('the registry has both models with the notebook defaults, and bad hyper-parameters are refused', () => {
  const vae = getModelFactory('mult-vae').settings.defaults;
  assert.deepEqual([vae['hidden'], vae['latent'], vae['keepProbability'], vae['batchSize'], vae['betaCap'], vae['totalAnnealSteps'], vae['annealFraction'], vae['weightDecay']], [[600], 200, 0.5, 500, 0.2, 0, 0.855, 0]);
  const dae = getModelFactory('mult-dae').settings.defaults;
  assert.deepEqual([dae['hidden'], dae['latent'], dae['keepProbability'], dae['batchSize'], dae['weightDecay']], [[], 200, 0.5, 500, 0.01]);
  assert.throws(() => getModelFactory('mult-vae').create({ keepProbability: 0 }), /'keepProbability' of model 'mult-vae' must be a finite number > 0 and ≤ 1, got 0/);
  assert.throws(() => getModelFactory('mult-dae').create({ hidden: [600, 0] }), /'hidden' of model 'mult-dae' must be a list of integers ≥ 1/);
  assert.throws(() => getModelFactory('mult-vae').create({ totalAnnealSteps: 1.5 }), /'totalAnnealSteps' of model 'mult-vae' must be an integer/);
  assert.throws(() => getModelFactory('mult-dae').create({ betaCap: 0.2 }), /unknown hyper-parameter 'betaCap' for model 'mult-dae'/);
  assert.throws(() => getModelFactory('mult-vae').create({}).score({ histories: CsrMatrix.empty(1, 3) }), /model 'mult-vae' is not fitted/);
});

test('Mult-VAE derives its β schedule from the data with totalAnnealSteps 0, and reports it', async () => {
  // The authors' ML-20M proportion: 116,677 training users, batches of 500, 200 epochs → 46,800 updates; β = 0.2 at 40,000.
  const authors = annealingSchedule({ betaCap: 0.2, totalAnnealSteps: 0, annealFraction: 40_000 / 46_800 }, { plannedUpdates: 46_800 });
  assert.equal(authors.totalAnnealSteps, 200_000);
  assert.deepEqual(annealingSchedule({ betaCap: 0.2, totalAnnealSteps: 200_000, annealFraction: 0.855 }, { plannedUpdates: 1000 }), {
    betaCap: 0.2,
    totalAnnealSteps: 200_000,
    derived: false,
  });
  // ml-1m-sized: 10 batches × 100 epochs; β reaches the cap after 855 updates.
  const small = annealingSchedule({ betaCap: 0.2, totalAnnealSteps: 0, annealFraction: 0.855 }, { plannedUpdates: 1000 });
  assert.equal(small.totalAnnealSteps, 4275);
  assert.ok(Math.abs(annealedBeta(855, 0.2, small.totalAnnealSteps) - 0.2) < 1e-12);
  // A fit reports the derived steps in the model's state (the manifest's `extra`), from its own data.
  const data = planted(new Rng(3));
  const model = getModelFactory('mult-vae').create({ hidden: [8], latent: 4, epochs: 3, batchSize: 16 });
  await model.fit(interactionsOnly(data.train), { seed: 1 });
  const trainUsers = Array.from({ length: data.train.nRows }, (_, r) => data.train.rowLength(r)).filter((n) => n > 0).length;
  const planned = 3 * Math.ceil(trainUsers / 16);
  assert.deepEqual(model.exportState().extra, { derived: { totalAnnealSteps: Math.round((0.855 * planned) / 0.2) } });
  // The literal setting derives nothing.
  const literal = getModelFactory('mult-vae').create({ hidden: [8], latent: 4, epochs: 1, batchSize: 16, totalAnnealSteps: 200_000 });
  await literal.fit(interactionsOnly(data.train), { seed: 1 });
  assert.equal(literal.exportState().extra, undefined);
});
