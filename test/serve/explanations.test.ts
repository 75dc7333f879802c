/**
 * The service's `explain` option end to end: a store, a trained and published version, and
 * HTTP requests for a known user, an anonymous session and similar items, each item with its
 * reasons (history item ids, titles from the item attributes, signed weights) and the method;
 * the popular fallback says so; unexplained replies carry no explanation; /openapi.json
 * documents the option and the shape.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describeWindow } from '../../src/serve/explanations.js';
import { asReader, call, fillStore, openTestService, publishModel, tasteEvents, tempDir } from './helpers.js';
import { SqliteEventStore } from '../../src/store/sqlite-store.js';
import type { TrainingConfig } from '../../src/serve/training.js';

interface Reason { itemId: string; title?: string; weight: number }
interface Explained { id: string; score: number; explanation: { method: string; summary: string; reasons: Reason[] } }

const historyOf = (userId: string) => tasteEvents().filter((e) => e.userId === userId).map((e) => e.itemId);

/** Every item explained by `method`, with at least one reason, each from `history`, titled, weighted; the first raises the score. */
function checkExplained(items: Explained[], method: string, history: readonly string[]): void {
  assert.ok(items.length > 0);
  for (const item of items) {
    const { explanation } = item;
    assert.equal(explanation.method, method, `${item.id}: ${JSON.stringify(explanation)}`);
    assert.ok(explanation.reasons.length >= 1 && explanation.reasons.length <= 3, `${item.id} has reasons`);
    for (const reason of explanation.reasons) {
      assert.ok(history.includes(reason.itemId), `${item.id}: reason ${reason.itemId} is a history item`);
      assert.equal(reason.title, `Item ${reason.itemId.slice(1)}`, 'titled from the item attributes');
      assert.equal(typeof reason.weight, 'number');
    }
    assert.ok(explanation.reasons[0]!.weight > 0, `${item.id}: its top reason raises its score`);
    assert.match(explanation.summary, /^because you interacted with Item \d+/);
    const weights = explanation.reasons.map((r) => r.weight);
    assert.deepEqual(weights, [...weights].sort((a, b) => b - a), 'largest weight first');
  }
}

async function trainedService(training?: TrainingConfig) {
  const dir = tempDir();
  const store = new SqliteEventStore(join(dir, 'events.sqlite'));
  await fillStore(store);
  const modelDir = join(dir, 'models');
  await publishModel(store, modelDir, ...(training ? [training] : []));
  return openTestService({ store, modelDir, ...(training ? { training } : {}) });
}

test('EASE explained: a known user, a session and similar items, with titled history items and exact weights', async () => {
  const { app, close } = await trainedService();
  try {
    const user = await call(app, { method: 'GET', url: '/v1/users/u0/recommendations?n=2&explain=true', headers: asReader });
    assert.equal(user.status, 200);
    assert.equal(user.body.source, 'model');
    checkExplained(user.body.items, 'exact', historyOf('u0'));
    // EASE's shares of a score sum to it: when fewer than three reasons are listed, every
    // non-zero share is listed, and they make the whole score.
    for (const item of user.body.items as Explained[]) {
      const listed = item.explanation.reasons.reduce((sum, r) => sum + r.weight, 0);
      if (item.explanation.reasons.length < 3) assert.ok(Math.abs(listed - item.score) <= 1e-5 * Math.max(1, Math.abs(item.score)), `${item.id}: shares sum to the score`);
    }

    const session = await call(app, {
      method: 'POST',
      url: '/v1/recommendations/session',
      headers: asReader,
      payload: { items: ['i6', 'i7', 'unknown-item'], n: 3, explain: true },
    });
    assert.equal(session.status, 200);
    assert.equal(session.body.source, 'fold-in');
    checkExplained(session.body.items, 'exact', ['i6', 'i7']);

    const similar = await call(app, { method: 'GET', url: '/v1/items/i1/similar?n=3&explain=true', headers: asReader });
    assert.equal(similar.status, 200);
    for (const item of similar.body.items as Explained[]) {
      // One history item, the item asked about: its share is the whole score (its row of B).
      assert.equal(item.explanation.method, 'exact');
      if (item.score > 0) {
        assert.deepEqual(item.explanation.reasons.map((r) => [r.itemId, r.title]), [['i1', 'Item 1']]);
        assert.ok(Math.abs(item.explanation.reasons[0]!.weight - item.score) <= 1e-6 * Math.max(1, item.score));
        assert.equal(item.explanation.summary, 'often together with Item 1');
      }
    }

    const plain = await call(app, { method: 'GET', url: '/v1/users/u0/recommendations?n=2', headers: asReader });
    assert.deepEqual(plain.body.items.map((i: Explained) => [i.id, i.score]), user.body.items.map((i: Explained) => [i.id, i.score]), 'explaining does not change the ranking');
    for (const item of plain.body.items) assert.equal(item.explanation, undefined, 'no explanation unless asked');
  } finally {
    await close();
  }
});

test('an autoencoder explained by leave-one-out: known user and session', async () => {
  const training: TrainingConfig = { model: 'mult-dae', hyperParameters: { latent: 8, epochs: 30, batchSize: 8 }, filter: {}, minItemUsers: 1, keepVersions: 5, seed: 1 };
  const { app, close } = await trainedService(training);
  try {
    const user = await call(app, { method: 'GET', url: '/v1/users/u1/recommendations?n=3&explain=true', headers: asReader });
    assert.equal(user.status, 200);
    checkExplained(user.body.items, 'leave-one-out', historyOf('u1'));
    const session = await call(app, { method: 'POST', url: '/v1/recommendations/session', headers: asReader, payload: { items: ['i0', 'i2'], n: 3, explain: true } });
    checkExplained(session.body.items, 'leave-one-out', ['i0', 'i2']);
  } finally {
    await close();
  }
});

test('the popular fallback explains itself: recent in a window, then all-time, with the category', async () => {
  const { app, close } = await trainedService();
  try {
    const reply = await call(app, { method: 'GET', url: '/v1/users/nobody/recommendations?n=2&explain=true&category=books', headers: asReader });
    assert.equal(reply.body.source, 'popular');
    const [first] = reply.body.items as Explained[];
    // The test events are from 1970, outside the 30-day window: all-time popular.
    assert.deepEqual(first!.explanation, { method: 'popular', summary: 'popular in category books of all time (13 people)', reasons: [] });
  } finally {
    await close();
  }
  assert.equal(describeWindow(7 * 24 * 3600 * 1000), 'the last 7 days');
  assert.equal(describeWindow(3600 * 1000), 'the last hour');
});

test('/openapi.json documents the explain option and the explanation', async () => {
  const { app, close } = await trainedService();
  try {
    const { body } = await call(app, { method: 'GET', url: '/openapi.json' });
    const parameters = (path: string) => body.paths[path].get.parameters.map((p: { name: string }) => p.name);
    assert.ok(parameters('/v1/users/{id}/recommendations').includes('explain'));
    assert.ok(parameters('/v1/items/{id}/similar').includes('explain'));
    const session = body.paths['/v1/recommendations/session'].post;
    assert.equal(session.requestBody.content['application/json'].schema.properties.explain.type, 'boolean');
    const item = session.responses['200'].content['application/json'].schema.properties.items.items;
    assert.deepEqual(item.properties.explanation.properties.method.enum, ['exact', 'leave-one-out', 'popular']);
    assert.deepEqual(item.properties.explanation.properties.reasons.items.required, ['itemId', 'weight']);
  } finally {
    await close();
  }
});
