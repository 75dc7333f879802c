/**
 * User cold start in the service (issue 12, item 5): a user with stored attributes and no
 * events gets recommendations from those attributes (`source: 'user-attributes'`) when the
 * served model reads user attributes — the hybrid DAE trained on a store whose users have
 * them — instead of the popular list. The store's two tastes (books i0–i5, music i6–i11)
 * follow the users' club: readers (even users) read books, listeners (odd users) hear music;
 * the most popular item, i3, is a book.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/store/sqlite-store.js';
import { asAdmin, asReader, call, fillStore, openTestService, publishModel, tempDir } from './helpers.js';

const ids = (body: { items: { id: string }[] }) => body.items.map((i) => i.id);
const isMusic = (id: string) => Number(id.slice(1)) >= 6;

test('a new user with attributes and no events: attribute-based recommendations, not the popular list', async () => {
  const dir = tempDir();
  const store = new SqliteEventStore(join(dir, 'events.sqlite'));
  await fillStore(store);
  await store.upsertUsers(Array.from({ length: 24 }, (_, u) => ({ id: `u${u}`, attributes: { club: u % 2 === 0 ? 'readers' : 'listeners' } })));
  const modelDir = join(dir, 'models');
  const training = { model: 'hybrid-dae', hyperParameters: { latent: 8, epochs: 60, batchSize: 8, learningRate: 0.01, userDropout: 0.5, itemDropout: 0 }, filter: {}, minItemUsers: 1, keepVersions: 5 };
  const { version } = await publishModel(store, modelDir, training);
  const { app, close } = await openTestService({ store, modelDir });
  try {
    const created = await call(app, { method: 'POST', url: '/v1/users', headers: asAdmin, payload: { users: [{ id: 'fresh', attributes: { club: 'listeners' } }, { id: 'anonymous', attributes: {} }] } });
    assert.ok(created.status < 300, JSON.stringify(created.body));
    const fresh = await call(app, { method: 'GET', url: '/v1/users/fresh/recommendations?n=3', headers: asReader });
    assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
    assert.equal(fresh.body.source, 'user-attributes');
    assert.equal(fresh.body.modelVersion, version);
    assert.ok(ids(fresh.body).every(isMusic), `a listener without history gets music, got ${ids(fresh.body)}`);

    // Without attributes there is nothing to go on: the popular list, led by the book i3.
    const anonymous = await call(app, { method: 'GET', url: '/v1/users/anonymous/recommendations?n=3', headers: asReader });
    assert.equal(anonymous.body.source, 'popular');
    assert.equal(ids(anonymous.body)[0], 'i3');
    // Once the user has events, the model reads them (fold-in), attributes aside.
    await call(app, { method: 'POST', url: '/v1/events', headers: asAdmin, payload: { userId: 'fresh', itemId: 'i6', type: 'view', timestampMs: 3_000_000 } });
    const withEvent = await call(app, { method: 'GET', url: '/v1/users/fresh/recommendations?n=3', headers: asReader });
    assert.equal(withEvent.body.source, 'fold-in');
  } finally {
    await close();
  }
});
