import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { StoreActivity } from '../../../src/serve/dashboard/store-activity.js';
import { SqliteEventStore } from '../../../src/store/sqlite-store.js';
import { tempDir } from '../helpers.js';

const DAY_MS = 24 * 3600 * 1000;
const day = (n: number) => Date.UTC(2024, 0, 1) + n * DAY_MS;

test('events per day: counted by UTC day and type, new events added on refresh, deleted ones gone after a recount', async () => {
  const store = new SqliteEventStore(join(tempDir('recoder-activity-'), 'events.sqlite'));
  try {
    // Pages of 10 000: 10 005 events on day 0 cross a page boundary.
    await store.insertEvents(Array.from({ length: 10_005 }, (_, i) => ({ userId: `u${i % 50}`, itemId: `i${i % 7}`, type: 'view', timestampMs: day(0) + i })));
    await store.insertEvents([{ userId: 'u1', itemId: 'i1', type: 'buy', timestampMs: day(2) + DAY_MS - 1 }]);
    const incremental = new StoreActivity(store, 0, 60 * 60 * 1000);
    let counted = await incremental.eventsPerDay();
    assert.deepEqual(counted.days, [{ day: '2024-01-01', events: 10_005 }, { day: '2024-01-03', events: 1 }]);
    assert.deepEqual(counted.types, { view: 10_005, buy: 1 });

    await store.insertEvents([{ userId: 'u9', itemId: 'i2', type: 'buy', timestampMs: day(2) }, { userId: 'late', itemId: 'i3', type: 'view', timestampMs: day(5) }]);
    counted = await incremental.eventsPerDay();
    assert.equal(counted.events, 10_008);
    assert.deepEqual(counted.days.slice(1), [{ day: '2024-01-03', events: 2 }, { day: '2024-01-06', events: 1 }]);

    await store.deleteUser('late');
    assert.equal((await incremental.eventsPerDay()).events, 10_008, 'until the next recount, deleted events still count');
    const recounting = new StoreActivity(store, 0, 0);
    await recounting.eventsPerDay();
    counted = await recounting.eventsPerDay();
    assert.equal(counted.events, 10_007);
    assert.equal(counted.days.length, 2);
  } finally {
    await store.close();
  }
});

test('item search: by title or id, case-insensitive, exact ids then title prefixes first', async () => {
  const store = new SqliteEventStore(join(tempDir('recoder-activity-'), 'events.sqlite'));
  try {
    await store.upsertItems([
      { id: 'a1', attributes: { title: 'The Matrix' } },
      { id: 'a2', attributes: { title: 'Matrix Reloaded' } },
      { id: 'matrix', attributes: { name: 'Zebra' } },
      { id: 'a4', attributes: { title: 42 } },
      { id: 'a5' },
    ]);
    const activity = new StoreActivity(store);
    assert.deepEqual((await activity.searchItems('MATRIX', 10)).map((i) => i.id), ['matrix', 'a2', 'a1']);
    assert.deepEqual(await activity.searchItems('zebra', 10), [{ id: 'matrix', title: 'Zebra', categories: [] }]);
    assert.deepEqual((await activity.searchItems('a', 2)).length, 2);
    assert.deepEqual(await activity.searchItems('   ', 10), []);
    assert.deepEqual((await activity.searchItems('a4', 10)).map((i) => [i.id, i.title]), [['a4', null]]);
  } finally {
    await store.close();
  }
});
