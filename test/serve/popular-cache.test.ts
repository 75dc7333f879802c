import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PopularItemsCache } from '../../src/serve/popular-cache.js';
import type { EventStore, PopularItemsQuery } from '../../src/store/event-store.js';
import { SqliteEventStore } from '../../src/store/sqlite-store.js';

/** A store whose popularItems calls are recorded. */
async function countingStore(): Promise<{ store: EventStore; calls: PopularItemsQuery[] }> {
  const inner = new SqliteEventStore(':memory:');
  await inner.upsertItems([{ id: 'a', categories: ['x'] }, { id: 'b' }, { id: 'c', categories: ['x'] }]);
  const users = { a: 3, b: 2, c: 1 };
  await inner.insertEvents(Object.entries(users).flatMap(([itemId, n]) => Array.from({ length: n }, (_, u) => ({ userId: `u${u}`, itemId, type: 'view', timestampMs: u }))));
  const calls: PopularItemsQuery[] = [];
  const store = new Proxy(inner, {
    get(target, name, receiver) {
      if (name === 'popularItems') return (query: PopularItemsQuery) => (calls.push(query), target.popularItems(query));
      const value = Reflect.get(target, name, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store, calls };
}

test('popular cache: one store query serves many requests, exclusions and categories applied in memory', async () => {
  const { store, calls } = await countingStore();
  let now = 0;
  const cache = new PopularItemsCache(store, { ttlMs: 1000, now: () => now });
  const [first, second] = await Promise.all([cache.top({}, 2, new Set(), 'all'), cache.top({}, 2, new Set(['a']), 'all')]);
  assert.deepEqual(first.map((e) => e.itemId), ['a', 'b']);
  assert.deepEqual(second.map((e) => e.itemId), ['b', 'c']);
  assert.equal(calls.length, 1, 'concurrent cold requests share one query');
  assert.deepEqual((await cache.top({ category: 'x' }, 5, new Set(), 'all')).map((e) => e.itemId), ['a', 'c']);
  assert.equal(calls.length, 2, 'each category has its own ranking');

  await store.insertEvents(Array.from({ length: 5 }, (_, u) => ({ userId: `v${u}`, itemId: 'c', type: 'view', timestampMs: 100 + u })));
  assert.equal((await cache.top({}, 1, new Set(), 'all'))[0]!.itemId, 'a', 'fresh for the ttl');
  now = 1500;
  assert.equal((await cache.top({}, 1, new Set(), 'all'))[0]!.itemId, 'a', 'stale answers at once while it refreshes');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal((await cache.top({}, 1, new Set(), 'all'))[0]!.itemId, 'c', 'then the refreshed ranking');
  await store.close();
});

test('popular cache: a cut ranking that the exclusions empty goes to the store; ttl 0 always does', async () => {
  const { store, calls } = await countingStore();
  const shallow = new PopularItemsCache(store, { ttlMs: 60_000, depth: 2 });
  assert.deepEqual((await shallow.top({}, 2, new Set(['a']), 'all')).map((e) => e.itemId), ['b', 'c']);
  assert.deepEqual(calls.map((c) => c.excludeItemIds ?? []), [[], ['a']]);
  const uncached = new PopularItemsCache(store, { ttlMs: 0 });
  await uncached.top({}, 1, new Set(), 'all');
  await uncached.top({}, 1, new Set(), 'all');
  assert.equal(calls.length, 4);
  await store.close();
});
