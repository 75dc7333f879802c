/**
 * Serving a sequence model (issue 11, item 5) — session-kNN trained on the store: a user's
 * recommendations come from their stored events in order, an event posted now moves them at
 * once (no retraining), the session endpoint honours the order of its items, and `source`
 * says 'sequence'. The store holds two tastes (books i0–i5, music i6–i11); session-kNN weighs
 * the most recent event most, so the taste of the latest event leads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/store/sqlite-store.js';
import { asAdmin, asReader, call, fillStore, openTestService, publishModel, tempDir } from './helpers.js';

const ids = (body: { items: { id: string }[] }) => body.items.map((i) => i.id);
const isBook = (id: string) => Number(id.slice(1)) < 6;

async function openSessionKnnService() {
  const dir = tempDir();
  const store = new SqliteEventStore(join(dir, 'events.sqlite'));
  await fillStore(store);
  const modelDir = join(dir, 'models');
  const { version } = await publishModel(store, modelDir, { model: 'session-knn', hyperParameters: {}, filter: {}, minItemUsers: 1, keepVersions: 5 });
  return { ...(await openTestService({ store, modelDir })), version };
}

test('a new user: ordered stored events give sequence recommendations, and one more event changes them at once', async () => {
  const { app, close, version } = await openSessionKnnService();
  try {
    const events = ['i0', 'i1'].map((itemId, k) => ({ userId: 'newbie', itemId, type: 'view', timestampMs: 3_000_000 + k }));
    assert.equal((await call(app, { method: 'POST', url: '/v1/events', headers: asAdmin, payload: { events } })).status, 200);
    const before = await call(app, { method: 'GET', url: '/v1/users/newbie/recommendations?n=4', headers: asReader });
    assert.equal(before.status, 200);
    assert.equal(before.body.source, 'sequence');
    assert.equal(before.body.modelVersion, version);
    assert.ok(ids(before.body).every(isBook), `two books read: books first, got ${ids(before.body)}`);

    await call(app, { method: 'POST', url: '/v1/events', headers: asAdmin, payload: { userId: 'newbie', itemId: 'i6', type: 'view', timestampMs: 3_000_010 } });
    const after = await call(app, { method: 'GET', url: '/v1/users/newbie/recommendations?n=4', headers: asReader });
    assert.equal(after.body.source, 'sequence');
    assert.equal(after.body.modelVersion, version, 'the same version: nothing was retrained');
    assert.notDeepEqual(ids(after.body), ids(before.body));
    assert.ok(!isBook(ids(after.body)[0]!), `the latest event is music: music leads, got ${ids(after.body)}`);
  } finally {
    await close();
  }
});

test('a user the model was trained on: their stored events in order, source sequence, moved by a new event', async () => {
  const { app, close } = await openSessionKnnService();
  try {
    // u0 read books i0–i3 (so two unread books are left); a run of music events now makes music their most recent taste.
    const before = await call(app, { method: 'GET', url: '/v1/users/u0/recommendations?n=2', headers: asReader });
    assert.equal(before.body.source, 'sequence');
    assert.ok(ids(before.body).every(isBook), `u0 reads books, got ${ids(before.body)}`);
    const music = ['i6', 'i7', 'i8', 'i9'].map((itemId, k) => ({ userId: 'u0', itemId, type: 'view', timestampMs: 4_000_000 + k }));
    await call(app, { method: 'POST', url: '/v1/events', headers: asAdmin, payload: { events: music } });
    const after = await call(app, { method: 'GET', url: '/v1/users/u0/recommendations?n=2', headers: asReader });
    assert.ok(!isBook(ids(after.body)[0]!), `music leads after the music run, got ${ids(after.body)}`);
  } finally {
    await close();
  }
});

test('the session endpoint honours order: the same items in two orders give different lists', async () => {
  const { app, close } = await openSessionKnnService();
  try {
    const ask = (items: string[]) => call(app, { method: 'POST', url: '/v1/recommendations/session', headers: asReader, payload: { items, n: 4 } });
    const musicLast = await ask(['i0', 'i6']);
    const bookLast = await ask(['i6', 'i0']);
    assert.equal(musicLast.status, 200);
    assert.equal(musicLast.body.source, 'sequence');
    assert.equal(bookLast.body.source, 'sequence');
    assert.notDeepEqual(ids(musicLast.body), ids(bookLast.body));
    assert.ok(!isBook(ids(musicLast.body)[0]!), `music last: music leads, got ${ids(musicLast.body)}`);
    assert.ok(isBook(ids(bookLast.body)[0]!), `book last: books lead, got ${ids(bookLast.body)}`);
    // Events in the body are taken in the order given too.
    const byEvents = await call(app, { method: 'POST', url: '/v1/recommendations/session', headers: asReader, payload: { events: [{ itemId: 'i6' }, { itemId: 'i0' }], n: 4 } });
    assert.deepEqual(ids(byEvents.body), ids(bookLast.body));
  } finally {
    await close();
  }
});
