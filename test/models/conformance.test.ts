/**
 * The model conformance suite (in the spirit of implicit's RecommenderBaseTestMixin and
 * LensKit's scorer tests): every registered model, on the process's backend (npm test runs
 * the suite on the native and the reference backend), must fit small generated data, score
 * training users, unseen users, empty and one-item histories, save and load to identical
 * scores, refit identically from the same seed, leave no half-written state when aborted,
 * refuse bad settings by name, and honour the inputs it declares.
 *
 * A new model joins by one line in test-support/small-model-settings.ts (settings that keep it fast here).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csrFromCoo, type CsrMatrix } from '../../src/data/csr.js';
import { Rng } from '../../src/data/random.js';
import type { ScoreQuery, TrainingData } from '../../src/data/training-data.js';
import { interactionsOnly } from '../../src/data/training-data.js';
import { sequencesFromLists } from '../../src/data/sequences.js';
import type { ModelFactory, Recommender } from '../../src/models/model.js';
import { loadModel, saveModel } from '../../src/models/model-file.js';
import { listModelFactories } from '../../src/models/registry.js';
import type { SettingSpec } from '../../src/models/settings.js';
import { PROBE_NAME } from '../../test-support/input-probe-model.js';
import { SMALL_MODEL_SETTINGS } from '../../test-support/small-model-settings.js';

const SMALL_SETTINGS = SMALL_MODEL_SETTINGS;

const USERS = 40;
const ITEMS = 30;

/** Two tastes (items 0..14 and 15..29), 6 items per user; ratings 1..5 for rating models. */
function generated(ratings: boolean): CsrMatrix {
  const rng = new Rng(11);
  const rows: number[] = [];
  const cols: number[] = [];
  const values: number[] = [];
  for (let u = 0; u < USERS; u++) {
    const base = (u % 2) * 15;
    const picked = rng.randomSample(15, 6);
    for (const p of picked) {
      rows.push(u);
      cols.push(base + p);
      values.push(ratings ? 1 + ((u + p) % 5) : 1);
    }
  }
  return csrFromCoo(USERS, ITEMS, rows, cols, values, 'last');
}


/**
 * What `factory` is fitted on: the matrix, and for a model that declares 'sequences'
 * each row's items in a seeded order (a sequence model's ordered events).
 */
function trainingDataFor(factory: ModelFactory, matrix: CsrMatrix): TrainingData {
  return factory.inputs.includes('sequences') ? { matrix, sequences: orderedRows(matrix) } : interactionsOnly(matrix);
}

/** A query as `factory` needs it: with the rows' events in order when it declares 'sequences'. */
function queryFor(factory: ModelFactory, query: ScoreQuery): ScoreQuery {
  return factory.inputs.includes('sequences') ? { ...query, sequences: orderedRows(query.histories) } : query;
}

/** Each row's items in a seeded shuffled order, as event sequences. */
function orderedRows(matrix: CsrMatrix) {
  const rng = new Rng(23);
  const lists = Array.from({ length: matrix.nRows }, (_, r) => rng.shuffle(Array.from(matrix.indices.subarray(matrix.indptr[r]!, matrix.indptr[r + 1]!))));
  return sequencesFromLists(lists, matrix.nCols);
}

const testedFactories = listModelFactories().filter((factory) => factory.name !== PROBE_NAME);

test('every registered model is in the conformance suite', () => {
  const missing = testedFactories.map((f) => f.name).filter((name) => !(name in SMALL_SETTINGS));
  assert.deepEqual(missing, [], `add a line to test-support/small-model-settings.ts for: ${missing.join(', ')}`);
});

function queries(factory: ModelFactory, train: CsrMatrix): Record<string, ScoreQuery> {
  const plain: Record<string, ScoreQuery> = {
    'training users': { histories: train.selectRows([0, 1, 2]), users: Int32Array.of(0, 1, 2) },
    'an unseen user': { histories: csrFromCoo(1, ITEMS, [0, 0, 0], [1, 2, 3], factory.predictsRatings ? [4, 5, 3] : [1, 1, 1]), users: Int32Array.of(-1) },
    'an empty history': { histories: csrFromCoo(1, ITEMS, [], [], []), users: Int32Array.of(-1) },
    'a one-item history': { histories: csrFromCoo(1, ITEMS, [0], [20], [factory.predictsRatings ? 4 : 1]), users: Int32Array.of(-1) },
  };
  return Object.fromEntries(Object.entries(plain).map(([what, query]) => [what, queryFor(factory, query)]));
}

function scoresOf(model: Recommender, train: CsrMatrix, factory: ModelFactory): Float32Array[] {
  return Object.values(queries(factory, train)).map((q) => model.score(q));
}

/** A value the setting's declaration refuses. */
function badValue(spec: SettingSpec): unknown {
  switch (spec.type) {
    case 'number':
    case 'integer':
      if (spec.min !== undefined) return spec.min - 1;
      if (spec.max !== undefined) return spec.max + 1;
      return Number.NaN;
    case 'boolean':
      return 'yes';
    case 'choice':
      return 'no-such-choice';
    case 'integer[]':
    case 'number[]':
      return ['x'];
  }
}

for (const factory of testedFactories) {
  const small = SMALL_SETTINGS[factory.name] ?? {};
  const train = generated(factory.predictsRatings);

  test(`conformance ${factory.name}: fits, and scores training users, unseen users, empty and one-item histories`, async () => {
    const model = factory.create({ ...small });
    assert.equal(model.nItems, 0, 'unfitted');
    assert.throws(() => model.score(queryFor(factory, { histories: train.selectRows([0]), users: Int32Array.of(0) })), /not fitted/);
    await model.fit(trainingDataFor(factory, train), { seed: 1 });
    assert.equal(model.nItems, ITEMS);
    assert.equal(model.name, factory.name);
    assert.equal(model.predictsRatings, factory.predictsRatings);
    for (const [what, query] of Object.entries(queries(factory, train))) {
      const scores = model.score(query);
      assert.equal(scores.length, query.histories.nRows * ITEMS, what);
      assert.ok(scores.every(Number.isFinite), `${what}: finite scores`);
    }
    assert.throws(() => model.score({ histories: csrFromCoo(1, ITEMS + 1, [], [], []) }), /scores 30 items but the input rows have 31 columns/);
  });

  test(`conformance ${factory.name}: save → load gives identical scores; the same seed gives the same model`, async () => {
    const model = factory.create({ ...small });
    await model.fit(trainingDataFor(factory, train), { seed: 5 });
    const dir = mkdtempSync(join(tmpdir(), 'recoder-conformance-'));
    try {
      await saveModel(dir, model, {
        data: { name: 'generated', fingerprint: 'sha256:test', nUsers: USERS, nItems: ITEMS, nInteractions: train.nnz },
        userIds: Array.from({ length: USERS }, (_, u) => `u${u}`),
        itemIds: Array.from({ length: ITEMS }, (_, i) => `i${i}`),
        history: train,
      });
      const loaded = await loadModel(dir);
      assert.deepEqual(scoresOf(loaded.model, train, factory), scoresOf(model, train, factory));
      assert.deepEqual(loaded.model.hyperParameters, model.hyperParameters);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const again = factory.create({ ...small });
    await again.fit(trainingDataFor(factory, train), { seed: 5 });
    assert.deepEqual(scoresOf(again, train, factory), scoresOf(model, train, factory));
  });

  test(`conformance ${factory.name}: an aborted fit leaves the previous model in place`, async () => {
    const model = factory.create({ ...small });
    await model.fit(trainingDataFor(factory, train), { seed: 2 });
    const before = scoresOf(model, train, factory);
    const controller = new AbortController();
    controller.abort(new Error('stopped by the test'));
    await assert.rejects(model.fit(trainingDataFor(factory, generated(factory.predictsRatings).selectRows([0, 1, 2, 3])), { seed: 9, signal: controller.signal }), /stopped by the test/);
    assert.deepEqual(scoresOf(model, train, factory), before);
    // Aborted mid-fit (at its first progress report), a fresh model stays unfitted.
    const fresh = factory.create({ ...small });
    const midway = new AbortController();
    await fresh
      .fit(trainingDataFor(factory, train), { seed: 2, signal: midway.signal, onProgress: () => midway.abort(new Error('stopped mid-fit')) })
      .then(
        () => assert.ok(fresh.nItems === ITEMS, 'a fit that reports no progress may complete'),
        (error: Error) => {
          assert.match(error.message, /stopped mid-fit/);
          assert.equal(fresh.nItems, 0, 'no half-written model');
        },
      );
  });

  test(`conformance ${factory.name}: bad settings are refused naming the setting; the declarations are complete`, () => {
    assert.throws(() => factory.create({ noSuchSetting: 1 }), new RegExp(`unknown hyper-parameter 'noSuchSetting' for model '${factory.name}'`));
    for (const spec of factory.settings.specs) {
      assert.ok(spec.description.length > 0, `${spec.name} has a description`);
      assert.throws(() => factory.create({ [spec.name]: badValue(spec) }), new RegExp(`hyper-parameter '${spec.name}' of model '${factory.name}' must be`), spec.name);
    }
    assert.deepEqual(Object.keys(factory.create({}).hyperParameters).sort(), factory.settings.specs.map((s) => s.name).sort());
  });

  test(`conformance ${factory.name}: declared inputs`, async () => {
    assert.ok(factory.inputs.includes('interactions'));
    for (const input of factory.inputs) assert.ok(['interactions', 'sequences', 'itemFeatures', 'userFeatures'].includes(input));
    // Whatever it does not declare may be present and is ignored.
    const model = factory.create({ ...small });
    await model.fit({ ...trainingDataFor(factory, train), itemFeatures: { nRows: ITEMS, fields: [{ kind: 'numeric', name: 'year', values: new Float32Array(ITEMS) }] } }, { seed: 1 });
    assert.equal(model.nItems, ITEMS);
  });
}
