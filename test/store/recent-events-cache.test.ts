/**
 * The recent-events cache holds events column by column (event-columns.ts) and must give back
 * exactly the records it was given: ids derived from the event (held as bytes) and a client's
 * own, null and numeric values, store order through out-of-order appends, the bound per user,
 * and the entries an item's deletion touches.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventKey } from '../../src/store/event-key.js';
import type { EventRecord } from '../../src/store/event-store.js';
import { RecentEventsCache } from '../../src/store/recent-events-cache.js';

let sequence = 0;
function record(userId: string, itemId: string, timestampMs: number, extra: { id?: string; value?: number; type?: string } = {}): EventRecord {
  const input = { userId, itemId, type: extra.type ?? 'view', timestampMs, ...(extra.value !== undefined ? { value: extra.value } : {}), ...(extra.id !== undefined ? { id: extra.id } : {}) };
  const key = eventKey(input);
  return { id: key.startsWith('id:') ? key.slice(3) : key, userId, itemId, type: input.type, value: extra.value ?? null, timestampMs, sequence: ++sequence };
}

test('records come back as they went in: derived and client ids, values, types, in store order', () => {
  const cache = new RecentEventsCache({ eventsPerUser: 10, maxEvents: 100 });
  const held = [
    record('u1', 'i1', 100),
    record('u1', 'i2', 200, { id: 'client-7', value: 4.5, type: 'rate' }),
    // A client's id that looks like a derived one comes back as it was.
    record('u1', 'i3', 300, { id: 'h:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }),
  ];
  cache.fill('u1', held);
  assert.deepEqual(cache.get('u1', 10), held);
  // Appends: one newest, one between held events (an event with an older timestamp).
  const newest = record('u1', 'i4', 400, { value: 0 });
  const between = record('u1', 'i5', 150, { id: '' });
  cache.append(newest);
  cache.append(between);
  assert.deepEqual(cache.get('u1', 10), [held[0], between, held[1], held[2], newest]);
  assert.deepEqual(cache.get('u1', 2), [held[2], newest]);
  assert.equal(cache.get('nobody', 2), undefined);
  assert.equal(cache.get('u1', 11), undefined, 'more than eventsPerUser goes to the database');
});

test('a user past eventsPerUser keeps the newest; an older append to a truncated entry is not held; deletes by item drop entries', () => {
  const cache = new RecentEventsCache({ eventsPerUser: 3, maxEvents: 100 });
  const events = [1, 2, 3].map((t) => record('u2', `i${t}`, t * 10));
  cache.fill('u2', events);
  const fourth = record('u2', 'i9', 40);
  cache.append(fourth);
  assert.deepEqual(cache.get('u2', 3), [events[1], events[2], fourth]);
  cache.append(record('u2', 'i8', 5));
  assert.deepEqual(cache.get('u2', 3), [events[1], events[2], fourth], 'older than every held event of a truncated entry');
  cache.fill('u3', [record('u3', 'i7', 1)]);
  cache.dropItem('i9');
  assert.equal(cache.get('u2', 1), undefined);
  assert.equal(cache.get('u3', 1)?.length, 1);
  cache.dropItem('never-seen');
  assert.deepEqual(cache.stats, { users: 1, events: 1 });
});

test('past maxEvents the least recently asked-for users go first', () => {
  const cache = new RecentEventsCache({ eventsPerUser: 5, maxEvents: 4 });
  cache.fill('a', [record('a', 'i1', 1), record('a', 'i2', 2)]);
  cache.fill('b', [record('b', 'i1', 1), record('b', 'i2', 2)]);
  cache.get('a', 1);
  cache.fill('c', [record('c', 'i3', 1)]);
  assert.equal(cache.get('b', 1), undefined);
  assert.equal(cache.get('a', 2)?.length, 2);
  assert.equal(cache.get('c', 1)?.length, 1);
});
