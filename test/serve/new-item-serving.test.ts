/**
 * Item cold start in the service (issue 12, item 5): an item created over the API after the
 * served version was trained is recommendable, and has similar items, at the next request —
 * without retraining — marked `source: 'item-attributes'`. The store's two tastes: readers
 * have books (i0–i5), listeners music (i6–i11); the new items carry a category and titles
 * that share no word with the catalogue's ("Item 3"), so their attribute neighbours are the
 * items of their category, with equal weights.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/store/sqlite-store.js';
import { asAdmin, asReader, call, fillStore, openTestService, publishModel, tempDir } from './helpers.js';

type Item = { id: string; score: number; source?: string; explanation?: any };
const isMusic = (id: string) => id === 'new-record' || (id.startsWith('i') && Number(id.slice(1)) >= 6);
const MUSIC = ['i6', 'i7', 'i8', 'i9', 'i10', 'i11'];

async function trainedStore(training?: Parameters<typeof publishModel>[2]) {
  const dir = tempDir();
  const store = new SqliteEventStore(join(dir, 'events.sqlite'));
  await fillStore(store);
  const modelDir = join(dir, 'models');
  const { version } = await publishModel(store, modelDir, training);
  return { store, modelDir, version };
}

test('an item created after training is recommended at once, scored exactly through its attribute neighbours, and has similar items', async () => {
  const { store, modelDir, version } = await trainedStore();
  const { app, close } = await openTestService({ store, modelDir });
  try {
    const created = await call(app, { method: 'POST', url: '/v1/items', headers: asAdmin, payload: { id: 'new-record', categories: ['music'], attributes: { title: 'Fresh Sounds' } } });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    // Never touched and never trained on, yet the next request places it among the music a listener gets.
    const listener = await call(app, { method: 'GET', url: '/v1/users/u1/recommendations?n=20&excludeSeen=false', headers: asReader });
    assert.equal(listener.status, 200, JSON.stringify(listener.body));
    assert.equal(listener.body.source, 'model');
    assert.equal(listener.body.modelVersion, version);
    const items: Item[] = listener.body.items;
    assert.equal(items.length, 13, 'the 12 catalogue items and the new one');
    const fresh = items.find((i) => i.id === 'new-record')!;
    assert.equal(fresh.source, 'item-attributes');
    assert.ok(items.filter((i) => i.id !== 'new-record').every((i) => i.source === undefined), 'catalogue items carry no per-item source');
    // Its score is the mean of its six equally similar neighbours' scores (EASE, this user).
    const musicMean = MUSIC.map((id) => items.find((i) => i.id === id)!.score).reduce((a, b) => a + b, 0) / MUSIC.length;
    assert.ok(Math.abs(fresh.score - musicMean) <= 1e-5 * Math.max(1, Math.abs(musicMean)), `${fresh.score} vs ${musicMean}`);
    const firstBook = items.findIndex((i) => !isMusic(i.id));
    assert.ok(items.indexOf(fresh) < firstBook, `the new music item ranks above every book for a listener: ${items.map((i) => i.id)}`);
    assert.deepEqual(items.map((i) => i.score), [...items.map((i) => i.score)].sort((a, b) => b - a), 'one ranking, best first');

    // The category filter, the exclusions and paging apply to it as to any item.
    const books = await call(app, { method: 'GET', url: '/v1/users/u1/recommendations?n=20&category=books', headers: asReader });
    assert.ok(!books.body.items.some((i: Item) => i.id === 'new-record'));
    const music = await call(app, { method: 'GET', url: '/v1/users/u1/recommendations?n=20&category=music&excludeSeen=false', headers: asReader });
    assert.ok(music.body.items.some((i: Item) => i.id === 'new-record'));
    const excluded = await call(app, { method: 'GET', url: '/v1/users/u1/recommendations?n=20&exclude=new-record', headers: asReader });
    assert.ok(!excluded.body.items.some((i: Item) => i.id === 'new-record'));
    const pages = await Promise.all([0, 5, 10].map((offset) => call(app, { method: 'GET', url: `/v1/users/u1/recommendations?n=5&offset=${offset}&excludeSeen=false`, headers: asReader })));
    assert.deepEqual(pages.flatMap((p) => p.body.items.map((i: Item) => i.id)), items.map((i) => i.id), 'pages of 5 are the slices of the whole ranking');

    // Explained for a two-item session: EASE's shares through the neighbours are exact, so they sum to the score.
    const session = await call(app, { method: 'POST', url: '/v1/recommendations/session', headers: asReader, payload: { items: ['i6', 'i7'], n: 20, excludeSeen: false, explain: true } });
    assert.equal(session.status, 200, JSON.stringify(session.body));
    const explained: Item = session.body.items.find((i: Item) => i.id === 'new-record');
    assert.equal(explained.source, 'item-attributes');
    assert.equal(explained.explanation.method, 'exact');
    const shares = explained.explanation.reasons.reduce((sum: number, r: { weight: number }) => sum + r.weight, 0);
    assert.ok(Math.abs(shares - explained.score) <= 1e-4, `shares ${shares} sum to the score ${explained.score}`);
    assert.equal(explained.explanation.similarTo.length, 3);
    for (const neighbour of explained.explanation.similarTo) {
      assert.ok(MUSIC.includes(neighbour.itemId), `a neighbour of the new music item is music: ${neighbour.itemId}`);
      assert.ok(Math.abs(neighbour.weight - 1 / 6) <= 1e-6);
    }

    // Similar items of the new item: the model's ranking for its neighbour row.
    const similar = await call(app, { method: 'GET', url: '/v1/items/new-record/similar?n=4&explain=true', headers: asReader });
    assert.equal(similar.status, 200, JSON.stringify(similar.body));
    assert.equal(similar.body.source, 'item-attributes');
    assert.equal(similar.body.items.length, 4);
    assert.ok(similar.body.items.every((i: Item) => isMusic(i.id) && i.id !== 'new-record'), `music like it: ${similar.body.items.map((i: Item) => i.id)}`);
    assert.match(similar.body.items[0].explanation.summary, /an item like this new one/);
    // A catalogue item's similar items include the new item of its kind.
    const likeI6 = await call(app, { method: 'GET', url: '/v1/items/i6/similar?n=12', headers: asReader });
    assert.equal(likeI6.body.source, 'model');
    assert.ok(likeI6.body.items.some((i: Item) => i.id === 'new-record' && i.source === 'item-attributes'));

    // An item with nothing to place it by is not recommended, and has no similar items.
    await call(app, { method: 'PUT', url: '/v1/items/blank', headers: asAdmin, payload: {} });
    const withBlank = await call(app, { method: 'GET', url: '/v1/users/u1/recommendations?n=20&excludeSeen=false', headers: asReader });
    assert.ok(!withBlank.body.items.some((i: Item) => i.id === 'blank'));
    const blankSimilar = await call(app, { method: 'GET', url: '/v1/items/blank/similar', headers: asReader });
    assert.equal(blankSimilar.status, 404);
    assert.equal(blankSimilar.body.error.code, 'item_not_in_model');

    // Deleted through the API: gone at the next request.
    assert.equal((await call(app, { method: 'DELETE', url: '/v1/items/new-record', headers: asAdmin })).status, 200);
    const afterDelete = await call(app, { method: 'GET', url: '/v1/users/u1/recommendations?n=20&excludeSeen=false', headers: asReader });
    assert.equal(afterDelete.body.items.length, 12);
    assert.equal((await call(app, { method: 'GET', url: '/v1/items/new-record/similar', headers: asReader })).status, 404);
  } finally {
    await close();
  }
});

test('an item written to the store by another process is found within the refresh interval', async () => {
  const { store, modelDir } = await trainedStore();
  let clock = 1_000_000;
  const { app, close } = await openTestService({ store, modelDir, newItems: { neighbours: 20, refreshMs: 60_000, now: () => clock } });
  const hasNew = async () => {
    const reply = await call(app, { method: 'GET', url: '/v1/users/u1/recommendations?n=20&excludeSeen=false', headers: asReader });
    return reply.body.items.some((i: Item) => i.id === 'imported');
  };
  try {
    assert.equal(await hasNew(), false);
    // Not through this server's API (an import, another replica): the index does not know yet.
    await store.upsertItems([{ id: 'imported', categories: ['music'], attributes: {} }]);
    assert.equal(await hasNew(), false, 'within the refresh interval the previous index answers');
    clock += 60_000;
    // The stale index answers while it is rebuilt in the background; a later request sees the item.
    let seen = false;
    for (let attempt = 0; attempt < 50 && !seen; attempt++) {
      seen = await hasNew();
      if (!seen) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.ok(seen, 'found after the refresh interval');
  } finally {
    await close();
  }
});

test('with new items turned off, a new item is neither recommended nor has similar items', async () => {
  const { store, modelDir } = await trainedStore();
  const { app, close } = await openTestService({ store, modelDir, newItems: false });
  try {
    await call(app, { method: 'POST', url: '/v1/items', headers: asAdmin, payload: { id: 'new-record', categories: ['music'] } });
    const reply = await call(app, { method: 'GET', url: '/v1/users/u1/recommendations?n=20&excludeSeen=false', headers: asReader });
    assert.equal(reply.body.items.length, 12);
    assert.equal((await call(app, { method: 'GET', url: '/v1/items/new-record/similar', headers: asReader })).status, 404);
  } finally {
    await close();
  }
});

test('the hybrid DAE scores a new item from its own item encoder, explained by leave-one-out of the history', async () => {
  const training = { model: 'hybrid-dae', hyperParameters: { latent: 8, epochs: 60, batchSize: 8, learningRate: 0.01, itemDropout: 0.5, userAttributes: false }, filter: {}, minItemUsers: 1, keepVersions: 5 };
  const { store, modelDir } = await trainedStore(training);
  const { app, close } = await openTestService({ store, modelDir });
  try {
    await call(app, { method: 'POST', url: '/v1/items', headers: asAdmin, payload: { id: 'new-record', categories: ['music'], attributes: { title: 'Fresh Sounds' } } });
    const reply = await call(app, { method: 'GET', url: '/v1/users/u1/recommendations?n=20&excludeSeen=false&explain=true', headers: asReader });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const items: Item[] = reply.body.items;
    const fresh = items.find((i) => i.id === 'new-record')!;
    assert.equal(fresh.source, 'item-attributes');
    assert.equal(fresh.explanation.method, 'leave-one-out');
    assert.equal(fresh.explanation.similarTo, undefined, 'the model encoded the item itself, not through neighbours');
    assert.ok(fresh.explanation.reasons.length > 0);
    const firstBook = items.findIndex((i) => !isMusic(i.id));
    assert.ok(items.indexOf(fresh) < firstBook, `a listener gets the new music item above every book: ${items.map((i) => `${i.id}:${i.score}`)}`);
  } finally {
    await close();
  }
});
