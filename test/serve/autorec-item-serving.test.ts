/**
 * I-AutoRec cannot score rows it was not trained on (issue 16, item 12): it
 * used to answer sessions and similar items with the default rating for every
 * item, in catalogue order, as HTTP 200 / exit 0. Now those requests are
 * refused with a message naming the models that can answer; its own users
 * are still ranked, and an unknown user with events gets the popular fallback.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteEventStore } from '../../src/store/sqlite-store.js';
import { CATALOGUE, asReader, call, openTestService, publishModel, tasteEvents, tempDir } from './helpers.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

test('autorec-item: sessions and similar items are 422 with a clear message; its users get model rankings; the CLI refuses --items', async () => {
  const dir = tempDir();
  const store = new SqliteEventStore(join(dir, 'events.sqlite'));
  // AutoRec predicts ratings: the taste events with a value.
  await store.upsertItems(CATALOGUE);
  await store.insertEvents(tasteEvents().map((event, k) => ({ ...event, type: 'rating', value: 1 + (k % 5) })));
  const modelDir = join(dir, 'models');
  await publishModel(store, modelDir, { model: 'autorec-item', hyperParameters: { hidden: 4, epochs: 2 }, filter: {}, minItemUsers: 1, keepVersions: 3 });
  const { app, close } = await openTestService({ store, modelDir });
  try {
    const session = await call(app, { method: 'POST', url: '/v1/recommendations/session', headers: asReader, payload: { items: ['i1', 'i2'] } });
    assert.equal(session.status, 422, JSON.stringify(session.body));
    assert.equal(session.body.error.code, 'not_supported_by_model');
    assert.match(session.body.error.message, /I-AutoRec \(autorec-item\) scores only the users it was trained on.*autorec-user, ease/);
    const similar = await call(app, { method: 'GET', url: '/v1/items/i1/similar', headers: asReader });
    assert.equal(similar.status, 422);
    const known = await call(app, { method: 'GET', url: '/v1/users/u0/recommendations?n=3', headers: asReader });
    assert.equal(known.status, 200);
    assert.equal(known.body.source, 'model');
    await store.insertEvents([{ userId: 'newcomer', itemId: 'i1', type: 'view', timestampMs: 5 }]);
    const newcomer = await call(app, { method: 'GET', url: '/v1/users/newcomer/recommendations?n=3', headers: asReader });
    assert.equal(newcomer.status, 200);
    assert.equal(newcomer.body.source, 'popular');
  } finally {
    await close();
  }
  const run = spawnSync(process.execPath, [CLI, 'recommend', '--model-dir', modelDir, '--items', 'i1,i2'], { encoding: 'utf8' });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /recoder: error: I-AutoRec \(autorec-item\) scores only the users it was trained on, so it cannot rank a list of items/);
});
