import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asAdmin, asReader, call, openTestService } from './helpers.js';

test('users: insert one and many, replace by PUT, read, page by cursor, delete', async () => {
  const { app, close } = await openTestService();
  try {
    assert.deepEqual((await call(app, { method: 'POST', url: '/v1/users', headers: asAdmin, payload: { id: 'u1', attributes: { age: 30 } } })).body, { inserted: 1, updated: 0 });
    const many = await call(app, { method: 'POST', url: '/v1/users', headers: asAdmin, payload: { users: [{ id: 'u1' }, { id: 'u2' }, { id: 'u3', attributes: { plan: 'pro' } }] } });
    assert.deepEqual(many.body, { inserted: 2, updated: 1 });
    const put = await call(app, { method: 'PUT', url: '/v1/users/u2', headers: asAdmin, payload: { attributes: { age: 41 } } });
    assert.equal(put.status, 200);
    assert.deepEqual(put.body.attributes, { age: 41 });
    const one = await call(app, { method: 'GET', url: '/v1/users/u3', headers: asReader });
    assert.equal(one.body.id, 'u3');
    assert.deepEqual(one.body.attributes, { plan: 'pro' });
    assert.equal(typeof one.body.createdAtMs, 'number');

    const first = await call(app, { method: 'GET', url: '/v1/users?limit=2', headers: asReader });
    assert.deepEqual(first.body.users.map((u: { id: string }) => u.id), ['u1', 'u2']);
    const second = await call(app, { method: 'GET', url: `/v1/users?limit=2&after=${first.body.next}`, headers: asReader });
    assert.deepEqual(second.body.users.map((u: { id: string }) => u.id), ['u3']);
    assert.equal(second.body.next, null);

    assert.deepEqual((await call(app, { method: 'DELETE', url: '/v1/users/u2', headers: asAdmin })).body, { deleted: 1 });
    const gone = await call(app, { method: 'GET', url: '/v1/users/u2', headers: asReader });
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.code, 'user_not_found');
    assert.equal((await call(app, { method: 'DELETE', url: '/v1/users/u2', headers: asAdmin })).status, 404);
  } finally {
    await close();
  }
});

test('items: categories and attributes, list by category, PUT replaces, delete', async () => {
  const { app, close } = await openTestService();
  try {
    const inserted = await call(app, {
      method: 'POST',
      url: '/v1/items',
      headers: asAdmin,
      payload: { items: [{ id: 'a', categories: ['books'], attributes: { title: 'A' } }, { id: 'b', categories: ['music'] }, { id: 'c', categories: ['books', 'sale'] }] },
    });
    assert.deepEqual(inserted.body, { inserted: 3, updated: 0 });
    assert.deepEqual((await call(app, { method: 'POST', url: '/v1/items', headers: asAdmin, payload: { id: 'd' } })).body, { inserted: 1, updated: 0 });
    const books = await call(app, { method: 'GET', url: '/v1/items?category=books', headers: asReader });
    assert.deepEqual(books.body.items.map((i: { id: string }) => i.id), ['a', 'c']);
    const put = await call(app, { method: 'PUT', url: '/v1/items/a', headers: asAdmin, payload: { categories: ['music'], attributes: { title: 'A2' } } });
    assert.deepEqual([put.body.categories, put.body.attributes], [['music'], { title: 'A2' }]);
    assert.deepEqual((await call(app, { method: 'GET', url: '/v1/items/a', headers: asReader })).body.categories, ['music']);
    assert.deepEqual((await call(app, { method: 'DELETE', url: '/v1/items/b', headers: asAdmin })).body, { deleted: 1 });
    assert.equal((await call(app, { method: 'GET', url: '/v1/items/b', headers: asReader })).body.error.code, 'item_not_found');
    const all = await call(app, { method: 'GET', url: '/v1/items?limit=2', headers: asReader });
    assert.deepEqual(all.body.items.map((i: { id: string }) => i.id), ['a', 'c']);
    assert.equal(typeof all.body.next, 'string');
  } finally {
    await close();
  }
});

test('events: one or many, idempotent retries, per-user listing, deletion by user and item', async () => {
  const { app, close } = await openTestService();
  try {
    const batch = {
      events: [
        { userId: 'u1', itemId: 'a', type: 'view', timestampMs: 1000 },
        { userId: 'u1', itemId: 'b', type: 'rating', value: 4.5, timestampMs: 2000 },
        { id: 'client-1', userId: 'u2', itemId: 'a', type: 'purchase' },
      ],
    };
    assert.deepEqual((await call(app, { method: 'POST', url: '/v1/events', headers: asAdmin, payload: batch })).body, { inserted: 3, duplicates: 0 });
    // A retried batch (the client timed out and sent it again) stores nothing twice.
    assert.deepEqual((await call(app, { method: 'POST', url: '/v1/events', headers: asAdmin, payload: batch })).body, { inserted: 0, duplicates: 3 });
    const single = await call(app, { method: 'POST', url: '/v1/events', headers: asAdmin, payload: { userId: 'u2', itemId: 'c', type: 'view', timestampMs: 3000 } });
    assert.deepEqual(single.body, { inserted: 1, duplicates: 0 });

    const mine = await call(app, { method: 'GET', url: '/v1/users/u1/events', headers: asReader });
    assert.deepEqual(mine.body.events.map((e: { itemId: string; value: number | null }) => [e.itemId, e.value]), [['a', null], ['b', 4.5]]);
    const theirs = await call(app, { method: 'GET', url: '/v1/events?userId=u2&limit=1', headers: asReader });
    assert.equal(theirs.body.events[0].id, 'client-1');
    assert.equal(typeof theirs.body.events[0].timestampMs, 'number', 'a missing timestamp defaults to the time received');
    const next = await call(app, { method: 'GET', url: `/v1/events?userId=u2&limit=1&after=${theirs.body.next}`, headers: asReader });
    assert.equal(next.body.events[0].itemId, 'c');

    assert.deepEqual((await call(app, { method: 'DELETE', url: '/v1/events?itemId=a', headers: asAdmin })).body, { deleted: 2 });
    assert.deepEqual((await call(app, { method: 'DELETE', url: '/v1/events?userId=u2&itemId=c', headers: asAdmin })).body, { deleted: 1 });
    const left = await call(app, { method: 'GET', url: '/v1/events', headers: asReader });
    assert.deepEqual(left.body.events.map((e: { itemId: string }) => e.itemId), ['b']);
  } finally {
    await close();
  }
});

test('operations: live, ready (only with a model, or when allowed), metrics, OpenAPI document', async () => {
  const { app, close } = await openTestService();
  try {
    assert.deepEqual((await call(app, { method: 'GET', url: '/health/live' })).body, { status: 'live' });
    const notReady = await call(app, { method: 'GET', url: '/health/ready' });
    assert.equal(notReady.status, 503);
    assert.equal(notReady.body.error.code, 'not_ready');
    const metrics = await call(app, { method: 'GET', url: '/metrics' });
    assert.equal(metrics.status, 200);
    assert.match(String(metrics.response.headers['content-type']), /text\/plain/);
    assert.match(metrics.body, /recoder_http_request_duration_seconds_bucket\{.*route="\/health\/ready".*status_code="503"/);
    const openapi = await call(app, { method: 'GET', url: '/openapi.json' });
    assert.equal(openapi.body.openapi, '3.0.3');
    assert.deepEqual(openapi.body.components.securitySchemes.apiKey, { type: 'apiKey', in: 'header', name: 'X-API-Key' });
    for (const path of ['/v1/users/{id}/recommendations', '/v1/recommendations/session', '/v1/items/{id}/similar', '/v1/events', '/v1/admin/models/rollback']) {
      assert.ok(openapi.body.paths[path], `OpenAPI documents ${path}`);
    }
    assert.equal(openapi.body.paths['/v1/events'].post.requestBody.content['application/json'].schema.additionalProperties, false);
  } finally {
    await close();
  }
  const allowed = await openTestService({ readyWithoutModel: true });
  try {
    assert.deepEqual((await call(allowed.app, { method: 'GET', url: '/health/ready' })).body, { status: 'ready', modelVersion: null });
  } finally {
    await allowed.close();
  }
});
