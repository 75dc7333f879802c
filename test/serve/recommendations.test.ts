import { test } from 'node:test';
import { interactionsOnly } from '../../src/data/training-data.js';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { csrFromCoo } from '../../src/data/csr.js';
import { saveModel } from '../../src/models/model-file.js';
import { getModelFactory } from '../../src/models/registry.js';
import { asAdmin, asReader, call, openTestService, openTrainedService, tasteEvents, tempDir } from './helpers.js';

const ids = (body: { items: { id: string }[] }) => body.items.map((i) => i.id);
const books = new Set(['i0', 'i1', 'i2', 'i3', 'i4', 'i5']);

test('a user the model was trained on: source model, their taste, seen items excluded unless asked', async () => {
  const { app, close, version } = await openTrainedService();
  try {
    const seen = tasteEvents().filter((e) => e.userId === 'u0').map((e) => e.itemId);
    const reply = await call(app, { method: 'GET', url: '/v1/users/u0/recommendations?n=2', headers: asReader });
    assert.equal(reply.status, 200);
    assert.equal(reply.body.user, 'u0');
    assert.equal(reply.body.source, 'model');
    assert.equal(reply.body.modelVersion, version);
    assert.equal(reply.body.items.length, 2);
    for (const item of reply.body.items) {
      assert.ok(books.has(item.id), `u0 reads books, got ${item.id}`);
      assert.ok(!seen.includes(item.id), `${item.id} was seen`);
      assert.equal(typeof item.score, 'number');
      assert.equal(item.attributes.title, `Item ${item.id.slice(1)}`);
    }
    const withSeen = await call(app, { method: 'GET', url: '/v1/users/u0/recommendations?n=6&excludeSeen=false&attributes=false', headers: asReader });
    assert.ok(ids(withSeen.body).some((id) => seen.includes(id)), 'seen items come back with excludeSeen=false');
    assert.equal(withSeen.body.items[0].attributes, undefined);
  } finally {
    await close();
  }
});

test("events stored after training join a known user's row", async () => {
  const { app, close } = await openTrainedService();
  try {
    const before = ids((await call(app, { method: 'GET', url: '/v1/users/u0/recommendations?n=12', headers: asReader })).body);
    await call(app, { method: 'POST', url: '/v1/events', headers: asAdmin, payload: { userId: 'u0', itemId: before[0], type: 'view', timestampMs: 5 } });
    const after = ids((await call(app, { method: 'GET', url: '/v1/users/u0/recommendations?n=12', headers: asReader })).body);
    assert.ok(!after.includes(before[0]!), 'the newly seen item is excluded');
  } finally {
    await close();
  }
});

test('a user the model has not seen but with stored events: folded in, without retraining', async () => {
  const { app, close } = await openTrainedService();
  try {
    await call(app, { method: 'POST', url: '/v1/events', headers: asAdmin, payload: { events: ['i6', 'i7'].map((itemId, k) => ({ userId: 'newcomer', itemId, type: 'view', timestampMs: k })) } });
    const reply = await call(app, { method: 'GET', url: '/v1/users/newcomer/recommendations?n=3', headers: asReader });
    assert.equal(reply.body.source, 'fold-in');
    assert.equal(reply.body.items.length, 3);
    for (const id of ids(reply.body)) assert.ok(!books.has(id) && id !== 'i6' && id !== 'i7', `a music listener gets other music, got ${id}`);
  } finally {
    await close();
  }
});

test('a user with no events: popular fallback, recent first, then all-time; excludes and category apply', async () => {
  const { app, close } = await openTrainedService();
  try {
    const reply = await call(app, { method: 'GET', url: '/v1/users/nobody/recommendations?n=3', headers: asReader });
    assert.equal(reply.body.source, 'popular');
    assert.equal(reply.body.items[0].id, 'i3', 'i3 has the most distinct users');
    assert.equal(reply.body.items[0].score, 13);
    assert.equal(reply.body.items[0].attributes.title, 'Item 3');
    const filtered = await call(app, { method: 'GET', url: '/v1/users/nobody/recommendations?n=3&category=music&exclude=i6,i7', headers: asReader });
    assert.equal(filtered.body.items.length, 3);
    for (const id of ids(filtered.body)) assert.ok(!books.has(id) && id !== 'i6' && id !== 'i7');
    // Two recent events make i11 the recent favourite, ahead of the all-time ones.
    const now = Date.now();
    await call(app, { method: 'POST', url: '/v1/events', headers: asAdmin, payload: { events: [{ userId: 'x1', itemId: 'i11', type: 'view', timestampMs: now }, { userId: 'x2', itemId: 'i11', type: 'view', timestampMs: now }] } });
    const recent = await call(app, { method: 'GET', url: '/v1/users/nobody/recommendations?n=2', headers: asReader });
    assert.deepEqual(ids(recent.body), ['i11', 'i3']);
  } finally {
    await close();
  }
});

test('without a model every user gets the popular fallback', async () => {
  const { app, store, close } = await openTestService();
  try {
    await store.insertEvents(tasteEvents());
    const reply = await call(app, { method: 'GET', url: '/v1/users/u0/recommendations?n=2', headers: asReader });
    assert.deepEqual([reply.body.source, reply.body.modelVersion], ['popular', null]);
    const similar = await call(app, { method: 'GET', url: '/v1/items/i0/similar', headers: asReader });
    assert.equal(similar.status, 503);
    assert.equal(similar.body.error.code, 'model_not_loaded');
  } finally {
    await close();
  }
});

test('category filter and exclusions apply before the top n; offset pages are stable and disjoint', async () => {
  const { app, close } = await openTrainedService();
  try {
    const music = await call(app, { method: 'GET', url: '/v1/users/u0/recommendations?n=5&category=music', headers: asReader });
    assert.equal(music.body.source, 'model');
    assert.equal(music.body.items.length, 5, 'five music items although a books reader ranks books first');
    for (const id of ids(music.body)) assert.ok(!books.has(id));

    const all = ids((await call(app, { method: 'GET', url: '/v1/users/u0/recommendations?n=9&excludeSeen=false', headers: asReader })).body);
    const pages: string[] = [];
    for (let offset = 0; offset < 9; offset += 3) {
      const page = await call(app, { method: 'GET', url: `/v1/users/u0/recommendations?n=3&offset=${offset}&excludeSeen=false`, headers: asReader });
      pages.push(...ids(page.body));
    }
    assert.deepEqual(pages, all);
    const excluded = ids((await call(app, { method: 'GET', url: `/v1/users/u0/recommendations?n=8&excludeSeen=false&exclude=${all[0]},${all[1]}`, headers: asReader })).body);
    assert.deepEqual(excluded.slice(0, 7), all.slice(2), 'excluding the first two moves the rest up');
  } finally {
    await close();
  }
});

test('session: item ids or events of an anonymous visitor, folded in; unknown items reported', async () => {
  const { app, close } = await openTrainedService();
  try {
    const session = await call(app, {
      method: 'POST',
      url: '/v1/recommendations/session',
      headers: { ...asReader, 'content-type': 'application/json; charset=utf-8' },
      payload: JSON.stringify({ items: ['i0', 'i1', 'not-an-item'], n: 3 }),
    });
    assert.equal(session.status, 200, JSON.stringify(session.body));
    assert.equal(session.body.source, 'fold-in');
    assert.deepEqual(session.body.unknownItems, ['not-an-item']);
    for (const id of ids(session.body)) assert.ok(books.has(id) && id !== 'i0' && id !== 'i1');

    const byEvents = await call(app, {
      method: 'POST',
      url: '/v1/recommendations/session',
      headers: asReader,
      payload: { events: [{ itemId: 'i8', type: 'view' }, { itemId: 'i9', type: 'cart' }], n: 2, category: 'music', exclude: ['i10'] },
    });
    assert.equal(byEvents.body.source, 'fold-in');
    for (const id of ids(byEvents.body)) assert.ok(!books.has(id) && !['i8', 'i9', 'i10'].includes(id));

    const strangers = await call(app, { method: 'POST', url: '/v1/recommendations/session', headers: asReader, payload: { items: ['unknown'] } });
    assert.equal(strangers.body.source, 'popular');
    const both = await call(app, { method: 'POST', url: '/v1/recommendations/session', headers: asReader, payload: { items: ['i0'], events: [{ itemId: 'i1' }] } });
    assert.equal(both.status, 400);
    assert.match(both.body.error.message, /exactly one of 'items'.*or 'events'/);
  } finally {
    await close();
  }
});

test("similar items: the model's scores for a one-item row, the item itself excluded", async () => {
  const { app, close } = await openTrainedService();
  try {
    const similar = await call(app, { method: 'GET', url: '/v1/items/i7/similar?n=3', headers: asReader });
    assert.equal(similar.body.item, 'i7');
    assert.equal(similar.body.source, 'model');
    assert.equal(similar.body.items.length, 3);
    for (const id of ids(similar.body)) assert.ok(!books.has(id) && id !== 'i7', `music is like music, got ${id}`);
    const inBooks = await call(app, { method: 'GET', url: '/v1/items/i7/similar?n=2&category=books', headers: asReader });
    for (const id of ids(inBooks.body)) assert.ok(books.has(id));
    const missing = await call(app, { method: 'GET', url: '/v1/items/zzz/similar', headers: asReader });
    assert.equal(missing.status, 404);
    assert.match(missing.body.error.message, /'zzz' is not among the 12 items of model version/);
  } finally {
    await close();
  }
});

test('recommendations are counted by source in the metrics', async () => {
  const { app, close, version } = await openTrainedService();
  try {
    await call(app, { method: 'GET', url: '/v1/users/u0/recommendations', headers: asReader });
    await call(app, { method: 'GET', url: '/v1/users/nobody/recommendations', headers: asReader });
    const metrics = (await call(app, { method: 'GET', url: '/metrics' })).body as string;
    assert.match(metrics, /recoder_recommendations_served_total\{source="model",endpoint="user"\} 1/);
    assert.match(metrics, /recoder_recommendations_served_total\{source="popular",endpoint="user"\} 1/);
    assert.match(metrics, new RegExp(`recoder_model_info\\{version="${version}",model="ease"\\} 1`));
  } finally {
    await close();
  }
});

test('a deleted user stops getting recommendations from their history at once', async () => {
  const { app, close } = await openTrainedService();
  try {
    assert.equal((await call(app, { method: 'GET', url: '/v1/users/u0/recommendations', headers: asReader })).body.source, 'model');
    await call(app, { method: 'DELETE', url: '/v1/users/u0', headers: asAdmin });
    assert.equal((await call(app, { method: 'GET', url: '/v1/users/u0/recommendations', headers: asReader })).body.source, 'popular');
  } finally {
    await close();
  }
});

test('a model saved from a file (no versions) is served, and its training rows stand in for events the store lacks', async () => {
  const modelDir = join(tempDir(), 'file-model');
  // u0 and u1 share a taste for x and y; u2 likes z.
  const history = csrFromCoo(3, 3, [0, 0, 1, 1, 2], [0, 1, 0, 1, 2], null);
  const model = getModelFactory('ease').create({ lambda: 1 });
  await model.fit(interactionsOnly(history));
  await saveModel(modelDir, model, { data: { name: 'file', fingerprint: 'f', nUsers: 3, nItems: 3, nInteractions: 5 }, userIds: ['u0', 'u1', 'u2'], itemIds: ['x', 'y', 'z'], history });
  const { app, close } = await openTestService({ modelDir });
  try {
    const reply = await call(app, { method: 'GET', url: '/v1/users/u0/recommendations?n=3', headers: asReader });
    assert.deepEqual([reply.body.source, reply.body.modelVersion, ids(reply.body)], ['model', 'file-model', ['z']], 'x and y are in its training row, so excluded');
  } finally {
    await close();
  }
});
