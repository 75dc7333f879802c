import { test } from 'node:test';
import { interactionsOnly } from '../../src/data/training-data.js';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { saveModel } from '../../src/models/model-file.js';
import { getModelFactory } from '../../src/models/registry.js';
import { csrFromCoo } from '../../src/data/csr.js';
import { CURRENT_FILE, listVersions, publishVersion, resolveServingVersion, versionNameFor } from '../../src/serve/model-versions.js';
import { SqliteEventStore } from '../../src/store/sqlite-store.js';
import { EASE_TRAINING, asAdmin, asReader, call, fillStore, openTestService, openTrainedService, publishModel, tempDir } from './helpers.js';

/** Writes a tiny saved model into `dir`, standing in for a trainer's output. */
async function writeTinyModel(dir: string): Promise<void> {
  const history = csrFromCoo(2, 3, [0, 0, 1], [0, 1, 2], null);
  const model = getModelFactory('popularity').create({});
  await model.fit(interactionsOnly(history));
  await saveModel(dir, model, {
    data: { name: 'tiny', fingerprint: 'x', nUsers: 2, nItems: 3, nInteractions: 3 },
    userIds: ['a', 'b'],
    itemIds: ['x', 'y', 'z'],
    history,
  });
}

test('versions: published whole under a time-ordered name, CURRENT written last, old ones pruned', async () => {
  const modelDir = join(tempDir(), 'models');
  assert.equal(await resolveServingVersion(modelDir), null);
  const names: string[] = [];
  for (let k = 0; k < 4; k++) {
    names.push(await publishVersion(modelDir, writeTinyModel, { keep: 3, now: new Date(Date.UTC(2025, 0, 1, 12, 0, 0, k)) }));
  }
  assert.deepEqual(names, ['20250101T120000000Z', '20250101T120000001Z', '20250101T120000002Z', '20250101T120000003Z']);
  assert.deepEqual(await listVersions(modelDir), names.slice(1), 'the oldest beyond keep=3 is removed');
  assert.equal(readFileSync(join(modelDir, CURRENT_FILE), 'utf8'), `${names[3]}\n`);
  // The same millisecond twice gets a suffix rather than overwriting.
  const again = await publishVersion(modelDir, writeTinyModel, { keep: 3, now: new Date(Date.UTC(2025, 0, 1, 12, 0, 0, 3)) });
  assert.equal(again, '20250101T120000003Z-2');
  assert.equal((await resolveServingVersion(modelDir))?.version, again);
  // A trainer that fails leaves nothing behind, and CURRENT untouched.
  await assert.rejects(publishVersion(modelDir, async () => { throw new Error('fit failed'); }, { keep: 3 }), /fit failed/);
  assert.equal((await resolveServingVersion(modelDir))?.version, again);
  // A directory without a manifest (a copy in progress) is not a version.
  mkdirSync(join(modelDir, versionNameFor(new Date(Date.UTC(2030, 0, 1)))));
  assert.deepEqual((await listVersions(modelDir)).length, 3);
  // CURRENT decides, not recency: pointing it back is how a rollback persists.
  writeFileSync(join(modelDir, CURRENT_FILE), `${names[2]}\n`);
  assert.equal((await resolveServingVersion(modelDir))?.version, names[2]);
  // A directory holding one saved model is served as a single version.
  const single = join(tempDir(), 'one-model');
  await writeTinyModel(single);
  assert.deepEqual(await resolveServingVersion(single), { version: 'one-model', dir: single, single: true });
  await assert.rejects(publishVersion(single, writeTinyModel, { keep: 3 }), /holds a single saved model/);
});

test('swap under concurrent requests: no request fails, each client sees the old version then the new one', async () => {
  const { app, store, modelDir, close, version: first } = await openTrainedService();
  try {
    let stop = false;
    const seenByClient: string[][] = [];
    const failures: string[] = [];
    const client = async (index: number) => {
      const seen: string[] = (seenByClient[index] = []);
      for (let k = 0; !stop; k++) {
        const url = k % 3 === 0 ? '/v1/users/u1/recommendations?n=5' : k % 3 === 1 ? '/v1/users/nobody-with-events/recommendations' : '/v1/items/i2/similar?n=3';
        const reply = await call(app, { method: 'GET', url, headers: asReader });
        if (reply.status !== 200) failures.push(`${url}: ${reply.status} ${JSON.stringify(reply.body)}`);
        else if (reply.body.modelVersion !== null) seen.push(reply.body.modelVersion);
        // inject() answers within microtasks; a real socket would let timers run between requests.
        await nextTurn();
      }
    };
    const clients = Array.from({ length: 8 }, (_, i) => client(i));
    // Until every client has been answered a few times, however slow the machine (no fixed sleep);
    // the minute's bound only keeps a broken swap from hanging the suite: the assertions below then fail.
    const everyClientSaw = async (version: string, times: number) => {
      const giveUpAt = Date.now() + 60_000;
      while (failures.length === 0 && Date.now() < giveUpAt && !seenByClient.every((seen) => seen.filter((v) => v === version).length >= times)) await sleep(5);
    };
    await everyClientSaw(first, 3);
    const { version: second } = await publishModel(store, modelDir, { ...EASE_TRAINING, hyperParameters: { lambda: 50 } });
    const reload = await call(app, { method: 'POST', url: '/v1/admin/models/reload', headers: asAdmin });
    assert.deepEqual(reload.body, { changed: true, version: second, previousVersion: first });
    await everyClientSaw(second, 3);
    stop = true;
    await Promise.all(clients);
    assert.deepEqual(failures, []);
    const all = seenByClient.flat();
    assert.ok(all.includes(first) && all.includes(second), 'both versions answered');
    for (const seen of seenByClient) {
      const switchAt = seen.indexOf(second);
      assert.ok(switchAt >= 0, 'every client reached the new version');
      assert.ok(seen.slice(switchAt).every((v) => v === second), 'never back to the old version after the swap');
    }
  } finally {
    await close();
  }
});

test('rollback serves the previous version again and points CURRENT at it; twice returns; none → 409', async () => {
  const { app, store, modelDir, close, version: first } = await openTrainedService();
  try {
    const none = await call(app, { method: 'POST', url: '/v1/admin/models/rollback', headers: asAdmin });
    assert.equal(none.status, 409);
    assert.match(none.body.error.message, /no version before/);
    const { version: second } = await publishModel(store, modelDir);
    await call(app, { method: 'POST', url: '/v1/admin/models/reload', headers: asAdmin });
    const back = await call(app, { method: 'POST', url: '/v1/admin/models/rollback', headers: asAdmin });
    assert.deepEqual(back.body, { changed: true, version: first, previousVersion: second });
    assert.equal(readFileSync(join(modelDir, CURRENT_FILE), 'utf8').trim(), first, 'a restart keeps the rollback');
    assert.equal((await call(app, { method: 'GET', url: '/v1/users/u0/recommendations', headers: asReader })).body.modelVersion, first);
    // A reload now finds CURRENT pointing at what is served: nothing changes.
    assert.equal((await call(app, { method: 'POST', url: '/v1/admin/models/reload', headers: asAdmin })).body.changed, false);
    const forward = await call(app, { method: 'POST', url: '/v1/admin/models/rollback', headers: asAdmin });
    assert.equal(forward.body.version, second);
    const state = await call(app, { method: 'GET', url: '/v1/admin/models', headers: asAdmin });
    assert.deepEqual([state.body.current.version, state.body.previous.version], [second, first]);
    assert.deepEqual(state.body.versionsOnDisk, [first, second]);
  } finally {
    await close();
  }
});

test('after a restart, rollback loads the version before CURRENT from disk', async () => {
  const dir = tempDir();
  const store = new SqliteEventStore(join(dir, 'events.sqlite'));
  await fillStore(store);
  const modelDir = join(dir, 'models');
  const { version: first } = await publishModel(store, modelDir);
  const { version: second } = await publishModel(store, modelDir);
  const { app, close } = await openTestService({ store, modelDir });
  try {
    const back = await call(app, { method: 'POST', url: '/v1/admin/models/rollback', headers: asAdmin });
    assert.deepEqual(back.body, { changed: true, version: first, previousVersion: second });
  } finally {
    await close();
  }
});

test('the watcher picks up a newly published version by itself', async () => {
  const { app, store, modelDir, close, version: first } = await openTrainedService({ watchIntervalMs: 50 });
  try {
    const { version: second } = await publishModel(store, modelDir);
    assert.notEqual(second, first);
    let served = first;
    for (let k = 0; k < 3000 && served !== second; k++) {
      await sleep(20);
      served = (await call(app, { method: 'GET', url: '/health/ready' })).body.modelVersion;
    }
    assert.equal(served, second);
  } finally {
    await close();
  }
});

test('training through the API runs in a worker, publishes a version and swaps to it', async () => {
  const { app, store, modelDir, close } = await openTestService();
  try {
    const empty = await call(app, { method: 'POST', url: '/v1/admin/models/train?wait=true', headers: asAdmin });
    assert.equal(empty.status, 422);
    assert.match(empty.body.error.message, /no events to train on/);
    await fillStore(store);
    const trained = await call(app, { method: 'POST', url: '/v1/admin/models/train?wait=true', headers: asAdmin });
    assert.equal(trained.status, 200, JSON.stringify(trained.body));
    assert.deepEqual([trained.body.model, trained.body.users, trained.body.items], ['ease', 29, 12]);
    assert.ok(existsSync(join(modelDir, trained.body.version, 'serving.json')));
    assert.equal((await call(app, { method: 'GET', url: '/v1/users/u0/recommendations', headers: asReader })).body.modelVersion, trained.body.version);

    const started = await call(app, { method: 'POST', url: '/v1/admin/models/train', headers: asAdmin });
    assert.equal(started.status, 202);
    const busy = await call(app, { method: 'POST', url: '/v1/admin/models/train', headers: asAdmin });
    assert.equal(busy.status, 409);
    assert.equal(busy.body.error.code, 'training_in_progress');
    let state = (await call(app, { method: 'GET', url: '/v1/admin/models', headers: asAdmin })).body;
    for (let k = 0; k < 2400 && state.training.running; k++) {
      await sleep(25);
      state = (await call(app, { method: 'GET', url: '/v1/admin/models', headers: asAdmin })).body;
    }
    assert.equal(state.training.lastRun.outcome, 'published');
    assert.equal(state.current.version, state.training.lastRun.version);
    assert.equal(state.previous.version, trained.body.version);
  } finally {
    await close();
  }
});

test('scheduled training: a first version at start when there is none, then on schedule', async () => {
  const dir = tempDir();
  const store = new SqliteEventStore(join(dir, 'events.sqlite'));
  await fillStore(store);
  const { app, close } = await openTestService({ store, modelDir: join(dir, 'models'), training: { ...EASE_TRAINING, everyMs: 1000 } });
  try {
    let state = (await call(app, { method: 'GET', url: '/v1/admin/models', headers: asAdmin })).body;
    for (let k = 0; k < 2400 && state.current === null; k++) {
      await sleep(25);
      state = (await call(app, { method: 'GET', url: '/v1/admin/models', headers: asAdmin })).body;
    }
    assert.notEqual(state.current, null, 'a version was trained at start');
    assert.equal(state.training.lastRun.trigger, 'startup');
    assert.equal(state.training.everyMs, 1000);
    assert.equal(typeof state.training.nextRunAt, 'string');
  } finally {
    await close();
  }
});
