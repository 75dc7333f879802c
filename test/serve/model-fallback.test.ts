/**
 * A model directory whose chosen version cannot be loaded (issue 16, items 7
 * and 9): the server starts on the newest intact version, says so in the log
 * and in /health/ready, and a garbage CURRENT is reported once, not at every
 * poll of the watcher.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelSlot } from '../../src/serve/model-slot.js';
import { CURRENT_FILE } from '../../src/serve/model-versions.js';
import { SqliteEventStore } from '../../src/store/sqlite-store.js';
import { asAdmin, asReader, call, fillStore, openTestService, publishModel, tempDir } from './helpers.js';

/** Overwrites every file of a version but its manifest with junk, as a disk error or a bad copy would. */
function corrupt(versionDir: string): void {
  for (const name of readdirSync(versionDir)) if (name !== 'manifest.json') writeFileSync(join(versionDir, name), 'not a model file');
}

async function twoVersions() {
  const dir = tempDir();
  const store = new SqliteEventStore(join(dir, 'events.sqlite'));
  await fillStore(store);
  const modelDir = join(dir, 'models');
  const { version: first } = await publishModel(store, modelDir);
  const { version: second } = await publishModel(store, modelDir);
  return { store, modelDir, first, second };
}

test('a corrupt CURRENT version at start: the newest intact one is served, and ready says which failed and why', async () => {
  const { store, modelDir, first, second } = await twoVersions();
  corrupt(join(modelDir, second));
  const { app, close } = await openTestService({ store, modelDir });
  try {
    const ready = await call(app, { method: 'GET', url: '/health/ready' });
    assert.equal(ready.status, 200, JSON.stringify(ready.body));
    assert.equal(ready.body.modelVersion, first);
    assert.match(ready.body.warning, new RegExp(`model version ${second} could not be loaded .*; serving ${first} instead`));
    assert.ok(!ready.body.warning.includes(modelDir), 'no server path in a public reply');
    const recommended = await call(app, { method: 'GET', url: '/v1/users/u0/recommendations', headers: asReader });
    assert.equal(recommended.body.modelVersion, first);
    assert.equal(recommended.body.source, 'model');
    const state = await call(app, { method: 'GET', url: '/v1/admin/models', headers: asAdmin });
    assert.equal(state.body.current.version, first);
  } finally {
    await close();
  }
});

test('a corrupt only version: ready is 503 naming the version and the cause, without the server path', async () => {
  const dir = tempDir();
  const store = new SqliteEventStore(join(dir, 'events.sqlite'));
  await fillStore(store);
  const modelDir = join(dir, 'models');
  const { version } = await publishModel(store, modelDir);
  corrupt(join(modelDir, version));
  const { app, close } = await openTestService({ store, modelDir });
  try {
    const ready = await call(app, { method: 'GET', url: '/health/ready' });
    assert.equal(ready.status, 503);
    assert.equal(ready.body.error.code, 'model_not_loaded');
    assert.match(ready.body.error.message, new RegExp(`model version ${version} could not be loaded \\(.+\\), and no older intact version`));
    assert.ok(!ready.body.error.message.includes(dir), 'no server path in a public reply');
  } finally {
    await close();
  }
});

test('a garbage CURRENT: the newest intact version is served, and the watcher reports the problem once, not at every poll', async () => {
  const { store, modelDir, second } = await twoVersions();
  writeFileSync(join(modelDir, CURRENT_FILE), 'garbage\n');
  const errors: string[] = [];
  const slot = new ModelSlot(modelDir, { onError: (e) => errors.push(e.message) });
  try {
    const started = await slot.start();
    assert.equal(started.version, second);
    assert.equal(slot.loadProblem?.version, null);
    assert.match(slot.loadProblem?.reason ?? '', /CURRENT should name a version/);
    const poll = () => (slot as unknown as { pollOnce(): Promise<void> }).pollOnce();
    for (let k = 0; k < 5; k++) await poll();
    assert.equal(errors.length, 1, errors.join('\n'));
  } finally {
    slot.stopWatching();
    await store.close();
  }
});

test('reloading a corrupt new version is 409 reload_failed (not 500), and the current version keeps serving', async () => {
  const dir = tempDir();
  const store = new SqliteEventStore(join(dir, 'events.sqlite'));
  await fillStore(store);
  const modelDir = join(dir, 'models');
  const { version: first } = await publishModel(store, modelDir);
  const { app, close } = await openTestService({ store, modelDir });
  try {
    const { version: second } = await publishModel(store, modelDir);
    corrupt(join(modelDir, second));
    const reload = await call(app, { method: 'POST', url: '/v1/admin/models/reload', headers: asAdmin });
    assert.equal(reload.status, 409, JSON.stringify(reload.body));
    assert.equal(reload.body.error.code, 'reload_failed');
    assert.equal((await call(app, { method: 'GET', url: '/v1/users/u0/recommendations', headers: asReader })).body.modelVersion, first);
  } finally {
    await close();
  }
});
