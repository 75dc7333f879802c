/**
 * The behaviour every EventStore must have, as one suite that each backend's
 * test file runs against its own store.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventInput, EventStore } from '../../src/store/event-store.js';

export function eventStoreContract(label: string, open: () => Promise<EventStore>): void {
  const withStore = (name: string, body: (store: EventStore) => Promise<void>) =>
    test(`${label}: ${name}`, async () => {
      const store = await open();
      try {
        await body(store);
      } finally {
        await store.close();
      }
    });

  const event = (userId: string, itemId: string, timestampMs: number, type = 'view', value?: number): EventInput =>
    value === undefined ? { userId, itemId, type, timestampMs } : { userId, itemId, type, timestampMs, value };

  withStore('users: insert, update, read, page, delete', async (store) => {
    assert.deepEqual(await store.upsertUsers([{ id: 'u1', attributes: { age: 30 } }, { id: 'u2' }]), { inserted: 2, updated: 0 });
    assert.deepEqual(await store.upsertUsers([{ id: 'u1', attributes: { age: 31 } }, { id: 'u3' }]), { inserted: 1, updated: 1 });
    assert.deepEqual((await store.getUser('u1'))?.attributes, { age: 31 });
    assert.equal(await store.getUser('nobody'), null);
    const first = await store.listUsers({ limit: 2 });
    assert.deepEqual(first.records.map((u) => u.id), ['u1', 'u2']);
    const second = await store.listUsers({ limit: 2, after: first.next! });
    assert.deepEqual(second.records.map((u) => u.id), ['u3']);
    assert.equal(second.next, null);
    assert.equal(await store.deleteUser('u2'), true);
    assert.equal(await store.deleteUser('u2'), false);
    assert.deepEqual(await store.counts(), { users: 2, items: 0, events: 0 });
  });

  withStore('items: categories are stored, filtered and replaced on update', async (store) => {
    await store.upsertItems([
      { id: 'a', categories: ['books', 'sale'], attributes: { title: 'A' } },
      { id: 'b', categories: ['music'] },
      { id: 'c', categories: ['books'] },
    ]);
    assert.deepEqual((await store.listItems({ limit: 10, category: 'books' })).records.map((i) => i.id), ['a', 'c']);
    await store.upsertItems([{ id: 'a', categories: ['music'], attributes: { title: 'A2' } }]);
    assert.deepEqual((await store.listItems({ limit: 10, category: 'books' })).records.map((i) => i.id), ['c']);
    assert.deepEqual((await store.getItem('a'))?.categories, ['music']);
    assert.deepEqual((await store.getItem('a'))?.attributes, { title: 'A2' });
    const categories = await store.itemCategories(['a', 'c', 'zzz']);
    assert.deepEqual([...categories.entries()], [['a', ['music']], ['c', ['books']]]);
    const records = await store.getItems(['c', 'a', 'zzz', 'a']);
    assert.deepEqual([...records.keys()].sort(), ['a', 'c']);
    assert.deepEqual(records.get('a'), await store.getItem('a'));
    assert.deepEqual(records.get('c')?.categories, ['books']);
  });

  withStore('events: batches are idempotent and create unknown users and items', async (store) => {
    const batch = [event('u1', 'a', 1000), event('u1', 'b', 2000, 'rating', 4.5), { ...event('u2', 'a', 3000), id: 'client-7' }];
    assert.deepEqual(await store.insertEvents(batch), { inserted: 3, duplicates: 0 });
    // A retried batch (e.g. after a timeout) changes nothing.
    assert.deepEqual(await store.insertEvents(batch), { inserted: 0, duplicates: 3 });
    // Same client id with other content is still the same event.
    assert.deepEqual(await store.insertEvents([{ ...event('u2', 'b', 9999), id: 'client-7' }]), { inserted: 0, duplicates: 1 });
    assert.deepEqual(await store.counts(), { users: 2, items: 2, events: 3 });
    const history = await store.userEvents('u1');
    assert.deepEqual(history.map((e) => [e.itemId, e.type, e.value, e.timestampMs]), [['a', 'view', null, 1000], ['b', 'rating', 4.5, 2000]]);
    // A bounded read: the most recent events, still oldest first (issue 16, item 6).
    assert.deepEqual((await store.userEvents('u1', { limit: 1 })).map((e) => e.itemId), ['b']);
    assert.deepEqual((await store.userEvents('u1', { limit: 5 })).map((e) => e.itemId), ['a', 'b']);
    assert.equal((await store.listEvents({ limit: 10, userId: 'u2' })).records[0]!.id, 'client-7');
  });

  withStore('events: an invalid event rejects the whole batch and stores nothing', async (store) => {
    await store.insertEvents([event('u1', 'a', 1)]);
    await assert.rejects(store.insertEvents([event('u1', 'b', 2), { ...event('u1', 'c', 3), timestampMs: Number.NaN }]), /event 1: timestampMs/);
    await assert.rejects(store.insertEvents([event('u1', 'b', 2), { ...event('', 'c', 3) }]), /event 1: userId/);
    // NUL and unpaired surrogates: PostgreSQL cannot store them, so neither store takes them (issue 16, items 3 and 4).
    await assert.rejects(store.insertEvents([event('u1', 'b', 2), event('u\u0000', 'c', 3)]), /event 1: userId contains a NUL/);
    await assert.rejects(store.insertEvents([event('u1', 'b', 2), event('u1', '\ud800', 3)]), /event 1: itemId contains .*surrogate/);
    await assert.rejects(store.upsertUsers([{ id: 'x\udfff' }]), /user 0: id contains/);
    await assert.rejects(store.upsertItems([{ id: '\u0000' }]), /item 0: id contains/);
    assert.deepEqual(await store.counts(), { users: 1, items: 1, events: 1 });
  });

  withStore('events: paging by cursor, deletion by user or item, cascade on user delete', async (store) => {
    await store.insertEvents([event('u1', 'a', 1), event('u1', 'b', 2), event('u2', 'a', 3), event('u2', 'c', 4), event('u3', 'c', 5)]);
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = await store.listEvents({ limit: 2, ...(after ? { after } : {}) });
      seen.push(...page.records.map((e) => `${e.userId}:${e.itemId}`));
      after = page.next ?? undefined;
    } while (after);
    assert.deepEqual(seen, ['u1:a', 'u1:b', 'u2:a', 'u2:c', 'u3:c']);
    assert.equal(await store.deleteEvents({ itemId: 'a' }), 2);
    await assert.rejects(store.deleteEvents({}), /needs a userId or an itemId/);
    assert.equal(await store.deleteUser('u2'), true);
    assert.deepEqual((await store.listEvents({ limit: 10 })).records.map((e) => `${e.userId}:${e.itemId}`), ['u1:b', 'u3:c']);
    assert.equal(await store.deleteItem('c'), true);
    assert.deepEqual((await store.listEvents({ limit: 10 })).records.map((e) => `${e.userId}:${e.itemId}`), ['u1:b']);
  });

  withStore('export streams every event in insertion order', async (store) => {
    const many = Array.from({ length: 2500 }, (_, k) => event(`u${k % 97}`, `i${k % 31}`, k));
    await store.insertEvents(many);
    const exported: number[] = [];
    for await (const batch of store.exportEvents(1000)) {
      assert.ok(batch.length <= 1000);
      exported.push(...batch.map((e) => e.timestampMs));
    }
    assert.deepEqual(exported, many.map((e) => e.timestampMs));
  });

  withStore('popular items count distinct users, with recency, category and exclusions', async (store) => {
    await store.upsertItems([{ id: 'a', categories: ['x'] }, { id: 'b', categories: ['y'] }, { id: 'c', categories: ['x'] }]);
    await store.insertEvents([
      event('u1', 'a', 10), event('u1', 'a', 11), event('u2', 'a', 12), event('u3', 'a', 13),
      event('u1', 'b', 100), event('u2', 'b', 101),
      event('u1', 'c', 200),
    ]);
    assert.deepEqual(await store.popularItems({ limit: 3 }), [{ itemId: 'a', users: 3 }, { itemId: 'b', users: 2 }, { itemId: 'c', users: 1 }]);
    assert.deepEqual(await store.popularItems({ limit: 3, sinceMs: 100 }), [{ itemId: 'b', users: 2 }, { itemId: 'c', users: 1 }]);
    assert.deepEqual(await store.popularItems({ limit: 3, category: 'x' }), [{ itemId: 'a', users: 3 }, { itemId: 'c', users: 1 }]);
    assert.deepEqual(await store.popularItems({ limit: 3, excludeItemIds: ['a', 'c'] }), [{ itemId: 'b', users: 2 }]);
  });
}
