import { test } from 'node:test';
import { interactionsOnly } from '../../src/data/training-data.js';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors } from '../../src/io/safetensors.js';
import { libraryVersion, loadModel, MANIFEST_FILE, saveModel, WEIGHTS_FILE, type SaveModelInfo } from '../../src/models/model-file.js';
import type { Recommender } from '../../src/models/model.js';
import { getModelFactory } from '../../src/models/registry.js';
import { randomSparse, seededRandom } from '../engine/linalg/fixtures.js';

const train = randomSparse(25, 10, 0.3, seededRandom(17), true);

function infoFor(model: Recommender): SaveModelInfo {
  return {
    data: { name: 'generated', fingerprint: 'sha256:test', nUsers: train.nRows, nItems: model.nItems, nInteractions: train.nnz },
    userIds: Array.from({ length: train.nRows }, (_, u) => `user-${u}`),
    itemIds: Array.from({ length: train.nCols }, (_, i) => `item-${i}`),
    history: train,
    protocol: { kind: 'user-ratio', ratios: [0.8, 0.1, 0.1], seed: 1 },
    metrics: { 'ndcg@10': 0.25 },
    fitSeconds: 0.5,
  };
}

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'recoder-model-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function fitted(name: string, hyperParameters: Record<string, unknown> = {}): Promise<Recommender> {
  const model = getModelFactory(name).create(hyperParameters);
  await model.fit(interactionsOnly(train));
  return model;
}

test('save → load gives identical scores for every baseline, and the history back', async () => {
  for (const [name, hyperParameters] of [['popularity', {}], ['itemknn', { neighbours: 4, shrink: 1 }], ['ease', { lambda: 3 }]] as const) {
    await withTempDir(async (dir) => {
      const model = await fitted(name, hyperParameters);
      await saveModel(dir, model, infoFor(model));
      const loaded = await loadModel(dir);
      assert.equal(loaded.model.name, name);
      assert.deepEqual(loaded.model.hyperParameters, model.hyperParameters);
      assert.deepEqual([...loaded.model.score({ histories: train })], [...model.score({ histories: train })], name);
      assert.deepEqual([...loaded.history.indptr], [...train.indptr]);
      assert.deepEqual([...loaded.history.indices], [...train.indices]);
      assert.deepEqual([...loaded.history.values], [...train.values]);
      const m = loaded.manifest;
      assert.equal(m.format, 'recoder-model');
      assert.equal(m.formatVersion, 1);
      assert.equal(m.libraryVersion, libraryVersion());
      assert.match(m.createdAt, /^\d{4}-\d\d-\d\dT/);
      assert.deepEqual(m.data, infoFor(model).data);
      assert.deepEqual(m.metrics, { 'ndcg@10': 0.25 });
      assert.equal(m.userIds[3], 'user-3');
      assert.equal(m.itemIds.length, 10);
      assert.deepEqual(m.tensors, Object.keys(model.exportState().tensors).sort());
    });
  }
});

test('the weights file is plain safetensors with the model tensors and the history', async () => {
  await withTempDir(async (dir) => {
    const model = await fitted('ease');
    await saveModel(dir, model, infoFor(model));
    const { tensors, metadata } = await readSafetensors(join(dir, WEIGHTS_FILE));
    assert.deepEqual(Object.keys(tensors).sort(), ['B', 'history.indices', 'history.indptr', 'history.values']);
    assert.deepEqual(tensors['B']!.shape, [10, 10]);
    assert.deepEqual(metadata, { format: 'recoder-model', model: 'ease' });
    assert.equal(libraryVersion(), JSON.parse(await readFile('package.json', 'utf8')).version);
  });
});

test('a truncated weights file is reported by name', async () => {
  await withTempDir(async (dir) => {
    const model = await fitted('itemknn');
    await saveModel(dir, model, infoFor(model));
    await truncate(join(dir, WEIGHTS_FILE), 100);
    await assert.rejects(loadModel(dir), new RegExp(`${WEIGHTS_FILE} is 100 bytes but .*${MANIFEST_FILE} expects \\d+: the weights file is truncated`));
  });
});

test('weights from another save are detected', async () => {
  await withTempDir(async (dir) => {
    const first = await fitted('ease', { lambda: 1 });
    await saveModel(dir, first, infoFor(first));
    const manifest = await readFile(join(dir, MANIFEST_FILE), 'utf8');
    const second = await fitted('ease', { lambda: 2 });
    await saveModel(dir, second, infoFor(second));
    await writeFile(join(dir, MANIFEST_FILE), manifest);
    await assert.rejects(loadModel(dir), /does not match the SHA-256 recorded in .*manifest\.json/);
  });
});

test('bad manifests are reported with the file and the field', async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(loadModel(dir), /manifest\.json not found: .* is not a saved recoder model/);
    const model = await fitted('popularity');
    await saveModel(dir, model, infoFor(model));
    const path = join(dir, MANIFEST_FILE);
    const manifest = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;

    await writeFile(path, JSON.stringify({ ...manifest, model: 'deep-magic' }));
    await assert.rejects(loadModel(dir), /manifest\.json: unknown model 'deep-magic'; known models: .*ease.*itemknn.*popularity/);

    await writeFile(path, JSON.stringify({ ...manifest, formatVersion: 2 }));
    await assert.rejects(loadModel(dir), /manifest\.json: model format version 2 is not supported; this recoder .* reads version 1/);

    await writeFile(path, JSON.stringify({ ...manifest, itemIds: ['a'] }));
    await assert.rejects(loadModel(dir), /manifest\.json: field 'itemIds' should be a list of 10 ids \(data\.nItems\)/);

    await writeFile(path, '{"format": "recoder-model", ');
    await assert.rejects(loadModel(dir), /manifest\.json: not valid JSON/);

    await writeFile(path, JSON.stringify(manifest));
    await rm(join(dir, WEIGHTS_FILE));
    await assert.rejects(loadModel(dir), /weights\.safetensors not found \(named by .*manifest\.json\)/);
  });
});

test('saving checks that ids, history and model agree', async () => {
  const model = await fitted('popularity');
  await assert.rejects(
    saveModel('/nonexistent/never-written', model, { ...infoFor(model), itemIds: ['only-one'] }),
    /cannot save model: 1 item ids for a model of 10 items/,
  );
  await assert.rejects(saveModel('/nonexistent/never-written', getModelFactory('ease').create({}), infoFor(model)), /model 'ease' is not fitted/);
});

test('item attributes are saved beside the model and come back aligned with the item ids', async () => {
  await withTempDir(async (dir) => {
    const model = await fitted('popularity');
    const itemAttributes = Array.from({ length: train.nCols }, (_, i) => (i === 3 ? null : { title: `Film ${i}`, genres: ['Drama'] }));
    const manifest = await saveModel(dir, model, { ...infoFor(model), itemAttributes });
    assert.equal(manifest.itemAttributesFile, 'items.json');
    const loaded = await loadModel(dir);
    assert.deepEqual(loaded.itemAttributes, itemAttributes);
    await assert.rejects(saveModel(dir, model, { ...infoFor(model), itemAttributes: itemAttributes.slice(1) }), /9 item attribute rows for 10 items/);
    await writeFile(join(dir, 'items.json'), '[{"title": "only one"}]');
    await assert.rejects(loadModel(dir), /items\.json: expected a list of 10 item attribute objects/);
  });
});
