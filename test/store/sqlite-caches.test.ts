/**
 * The SQLite store's in-memory caches (recent events per user, item records)
 * must never change an answer: every read of a cached store equals the same
 * read of an uncached connection to the same file, through inserts (in and out
 * of order, duplicates), deletes, item updates and writes by another connection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/data/random.js';
import type { EventInput } from '../../src/store/event-store.js';
import { SqliteEventStore } from '../../src/store/sqlite-store.js';
import { eventStoreContract } from './contract.js';

const freshPath = () => join(mkdtempSync(join(tmpdir(), 'recoder-store-cache-')), 'events.sqlite');

eventStoreContract('sqlite without caches', async () => new SqliteEventStore(freshPath(), Date.now, { recentEvents: false, cachedItems: 0 }));
eventStoreContract('sqlite with a 2-event cache per user', async () => new SqliteEventStore(freshPath(), Date.now, { recentEvents: { eventsPerUser: 2, maxEvents: 5 } }));

/** Opens a cached store and an uncached one on the same file. */
function pair(cache: { eventsPerUser: number; maxEvents: number }) {
  const path = freshPath();
  const cached = new SqliteEventStore(path, Date.now, { recentEvents: cache });
  const plain = new SqliteEventStore(path, Date.now, { recentEvents: false, cachedItems: 0 });
  return { cached, plain, close: async () => Promise.all([cached.close(), plain.close()]) };
}

test('sqlite cache: random writes and reads of a cached store equal an uncached read of the same file', async () => {
  const { cached, plain, close } = pair({ eventsPerUser: 8, maxEvents: 40 });
  try {
    const rng = new Rng(7);
    const users = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5'];
    const items = ['a', 'b', 'c', 'd', 'e'];
    const sent: EventInput[] = [];
    for (let step = 0; step < 600; step++) {
      const action = rng.nextInt(20);
      const user = users[rng.nextInt(users.length)]!;
      const item = items[rng.nextInt(items.length)]!;
      if (action < 9) {
        // New events, some with an old timestamp (out of order), some repeated (duplicates).
        const batch: EventInput[] = Array.from({ length: 1 + rng.nextInt(4) }, () => ({
          userId: users[rng.nextInt(users.length)]!,
          itemId: items[rng.nextInt(items.length)]!,
          type: 'view',
          timestampMs: rng.nextInt(3) === 0 ? rng.nextInt(50) : 50 + step,
        }));
        if (sent.length > 0 && rng.nextInt(4) === 0) batch.push(sent[rng.nextInt(sent.length)]!);
        sent.push(...batch);
        // A write by the other connection now and then: the cached store must notice.
        await (rng.nextInt(6) === 0 ? plain : cached).insertEvents(batch);
      } else if (action === 9) await cached.deleteEvents({ userId: user });
      else if (action === 10) await cached.deleteEvents({ itemId: item });
      else if (action === 11) await cached.deleteEvents({ userId: user, itemId: item });
      else if (action === 12) await cached.deleteUser(user);
      else if (action === 13) await cached.upsertItems([{ id: item, categories: [`c${step % 3}`], attributes: { step } }]);
      else if (action === 14) await plain.upsertItems([{ id: item, categories: [`d${step % 2}`], attributes: { other: step } }]);
      else if (action === 15) await cached.deleteItem(item);
      else {
        const limit = 1 + rng.nextInt(10);
        assert.deepEqual(await cached.userEvents(user, { limit }), await plain.userEvents(user, { limit }), `step ${step}: ${user}, limit ${limit}`);
        assert.deepEqual(await cached.getItem(item), await plain.getItem(item), `step ${step}: item ${item}`);
        assert.deepEqual(await cached.itemCategories(items), await plain.itemCategories(items), `step ${step}: categories`);
        assert.deepEqual(await cached.getItems(items), await plain.getItems(items), `step ${step}: items`);
      }
      const stats = cached.cacheStats().recentEvents!;
      assert.ok(stats.events <= 40, `step ${step}: the cache holds ${stats.events} events, over its bound of 40`);
    }
    for (const user of users) assert.deepEqual(await cached.userEvents(user, { limit: 8 }), await plain.userEvents(user, { limit: 8 }));
  } finally {
    await close();
  }
});

test('sqlite cache: a user with many events is held as their newest eventsPerUser only, and reads return the newest', async () => {
  const { cached, close } = pair({ eventsPerUser: 100, maxEvents: 1000 });
  try {
    const events = Array.from({ length: 5000 }, (_, i) => ({ userId: 'heavy', itemId: `i${i}`, type: 'view', timestampMs: i }));
    await cached.insertEvents(events);
    const newest = await cached.userEvents('heavy', { limit: 50 });
    assert.deepEqual(newest.map((e) => e.itemId), events.slice(-50).map((e) => e.itemId));
    assert.equal(cached.cacheStats().recentEvents!.heldFor('heavy'), 100);
    // Newer events push the oldest held ones out; the entry stays at the bound.
    await cached.insertEvents(Array.from({ length: 30 }, (_, i) => ({ userId: 'heavy', itemId: `n${i}`, type: 'view', timestampMs: 10_000 + i })));
    assert.equal(cached.cacheStats().recentEvents!.heldFor('heavy'), 100);
    assert.deepEqual((await cached.userEvents('heavy', { limit: 100 })).map((e) => e.itemId), [...events.slice(-70), ...Array.from({ length: 30 }, (_, i) => ({ itemId: `n${i}` }))].map((e) => e.itemId));
    // More than the cache holds per user: read from the database, still bounded by the limit.
    assert.equal((await cached.userEvents('heavy', { limit: 500 })).length, 500);
  } finally {
    await close();
  }
});

test('sqlite group commit: batches sent together are committed together, each counted as if alone, and writes keep call order', async () => {
  const { cached, plain, close } = pair({ eventsPerUser: 10, maxEvents: 100 });
  try {
    const e = (userId: string, itemId: string, timestampMs: number) => ({ userId, itemId, type: 'view', timestampMs });
    const results = await Promise.all([
      cached.insertEvents([e('u1', 'a', 1), e('u1', 'b', 2)]),
      cached.insertEvents([e('u1', 'b', 2), e('u2', 'a', 3)]),
      cached.insertEvents([e('u1', 'a', 1)]),
    ]);
    assert.deepEqual(results, [{ inserted: 2, duplicates: 0 }, { inserted: 1, duplicates: 1 }, { inserted: 0, duplicates: 1 }]);
    // A delete called before the insert's commit still comes after it.
    const pending = cached.insertEvents([e('u3', 'c', 4)]);
    const deleted = await cached.deleteEvents({ userId: 'u3' });
    assert.deepEqual(await pending, { inserted: 1, duplicates: 0 });
    assert.equal(deleted, 1);
    assert.deepEqual((await plain.userEvents('u3', { limit: 10 })).length, 0);
    // An invalid batch fails alone, at once; the others are stored.
    await assert.rejects(cached.insertEvents([{ userId: '', itemId: 'a', type: 'view', timestampMs: 1 }]), /userId/);
    assert.deepEqual((await plain.userEvents('u1', { limit: 10 })).map((x) => x.itemId), ['a', 'b']);
    assert.deepEqual(await plain.counts(), { users: 3, items: 3, events: 3 });
  } finally {
    await close();
  }
});
