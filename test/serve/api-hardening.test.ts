/**
 * Regression tests for the attacks of issue 16 on the HTTP API, each run on
 * SQLite and, when RECODER_TEST_DATABASE_URL is set, on PostgreSQL: the same
 * request must get the same 4xx on both stores, never a 5xx.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { EventStore } from '../../src/store/event-store.js';
import { SqliteEventStore } from '../../src/store/sqlite-store.js';
import { openTestPostgresStore } from '../store/postgres-helpers.js';
import { asAdmin, asReader, call, openTestService, openTrainedService, tempDir } from './helpers.js';

const url = process.env.RECODER_TEST_DATABASE_URL;
const stores: [string, (() => Promise<EventStore>) | undefined][] = [
  ['sqlite', async () => new SqliteEventStore(join(tempDir(), 'events.sqlite'))],
  ['postgres', url === undefined ? undefined : () => openTestPostgresStore(url)],
];

function assertClientError(reply: { status: number; body: any }, status: number, pattern: RegExp): void {
  assert.equal(reply.status, status, JSON.stringify(reply.body).slice(0, 300));
  assert.match(reply.body.error.message, pattern);
}

for (const [label, openStore] of stores) {
  const maybe = (name: string, body: () => Promise<void>) =>
    openStore === undefined ? test(`${label}: ${name}`, (t) => t.skip('RECODER_TEST_DATABASE_URL is not set (CI sets it; see .ci/run)')) : test(`${label}: ${name}`, body);

  maybe('n and offset must be finite integers in range: Infinity, 1e309, -Infinity and -1e999 are 400 (item 2)', async () => {
    const { app, close } = await openTrainedService({ store: await openStore!() });
    try {
      for (const url of ['/v1/users/u1/recommendations', '/v1/items/i2/similar', '/v1/users']) {
        const parameter = url === '/v1/users' ? 'limit' : 'n';
        for (const bad of ['Infinity', '1e309', '-Infinity', '-1e999', 'NaN']) {
          const reply = await call(app, { method: 'GET', url: `${url}?${parameter}=${bad}`, headers: asReader });
          assertClientError(reply, 400, new RegExp(`query parameter '${parameter}'`));
        }
      }
      for (const bad of ['Infinity', '-1e999']) {
        assertClientError(await call(app, { method: 'GET', url: `/v1/users/u1/recommendations?offset=${bad}`, headers: asReader }), 400, /query parameter 'offset'/);
      }
      // JSON bodies: 1e309 parses to Infinity.
      const session = await call(app, {
        method: 'POST',
        url: '/v1/recommendations/session',
        headers: { ...asReader, 'content-type': 'application/json' },
        payload: '{"items": ["i1"], "n": 1e309}',
      });
      assertClientError(session, 400, /field 'n' in the request body/);
      const event = await call(app, {
        method: 'POST',
        url: '/v1/events',
        headers: { ...asAdmin, 'content-type': 'application/json' },
        payload: '{"userId": "u1", "itemId": "i1", "type": "view", "value": 1e309, "timestampMs": 1}',
      });
      assertClientError(event, 400, /field 'value' in the request body/);
    } finally {
      await close();
    }
  });

  maybe('a NUL byte or a lone surrogate in an id, a type, a category or an attribute is 400, and nothing is stored (items 3, 4)', async () => {
    const { app, store, close } = await openTestService({ store: await openStore!() });
    try {
      const raw = (method: 'POST' | 'PUT', url: string, text: string) =>
        call(app, { method, url, headers: { ...asAdmin, 'content-type': 'application/json' }, payload: text });
      for (const bad of ['a\\u0000', '\\ud800', 'x\\udc00y', '\\udbff']) {
        assertClientError(await raw('POST', '/v1/events', `{"events": [{"userId": "ok", "itemId": "i", "type": "view", "timestampMs": 1}, {"userId": "${bad}", "itemId": "i", "type": "view", "timestampMs": 1}]}`), 400, /'events\[1\]\.userId' .*NUL|'events\[1\]\.userId' .*surrogate/);
        assertClientError(await raw('POST', '/v1/events', `{"userId": "u", "itemId": "i", "type": "${bad}", "timestampMs": 1}`), 400, /field 'type'/);
        assertClientError(await raw('POST', '/v1/users', `{"id": "${bad}"}`), 400, /field 'id'/);
        assertClientError(await raw('POST', '/v1/items', `{"id": "i", "categories": ["${bad}"]}`), 400, /field 'categories\[0\]'/);
        assertClientError(await raw('POST', '/v1/users', `{"id": "u", "attributes": {"name": "${bad}"}}`), 400, /field 'attributes\.name'/);
        assertClientError(await raw('POST', '/v1/users', `{"id": "u", "attributes": {"deep": [{"k${bad}": 1}]}}`), 400, /field 'attributes\.deep\[0\]'.*key/);
        assertClientError(await raw('PUT', '/v1/items/i', `{"attributes": {"t": "${bad}"}}`), 400, /field 'attributes\.t'/);
      }
      for (const path of ['%00', 'a%00b', '%ED%A0%80']) {
        for (const url of [`/v1/users/${path}`, `/v1/items/${path}`, `/v1/users/${path}/recommendations`, `/v1/items/${path}/similar`]) {
          const reply = await call(app, { method: 'GET', url, headers: asReader });
          assert.equal(reply.status, 400, `${url}: ${JSON.stringify(reply.body)}`);
        }
        // (A query string decodes invalid UTF-8 such as %ED%A0%80 to U+FFFD, which is well-formed.)
        if (path.includes('%00')) {
          assert.equal((await call(app, { method: 'GET', url: `/v1/events?userId=${path}`, headers: asReader })).status, 400);
          assert.equal((await call(app, { method: 'GET', url: `/v1/users/u/recommendations?category=${path}`, headers: asReader })).status, 400);
        }
      }
      // A well-formed astral character (a surrogate pair) is an ordinary id.
      assert.equal((await raw('POST', '/v1/users', '{"id": "\\ud83d\\ude00", "attributes": {"emoji": "\\ud83d\\ude00"}}')).status, 200);
      assert.equal((await call(app, { method: 'GET', url: `/v1/users/${encodeURIComponent('\u{1F600}')}`, headers: asReader })).body.attributes.emoji, '\u{1F600}');
      assert.deepEqual(await store.counts(), { users: 1, items: 0, events: 0 });
    } finally {
      await close();
    }
  });

  maybe('attributes nested deeper than the limit are 400, not 500 (item 8)', async () => {
    const { app, store, close } = await openTestService({ store: await openStore!() });
    try {
      const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
      const post = (text: string) => call(app, { method: 'POST', url: '/v1/items', headers: { ...asAdmin, 'content-type': 'application/json' }, payload: text });
      assertClientError(await post(`{"id": "i", "attributes": ${nested(4000)}}`), 400, /field 'attributes' in the request body nests deeper than \d+ levels/);
      assertClientError(await post(`{"id": "i", "attributes": {"list": ${'['.repeat(100)}${']'.repeat(100)}}}`), 400, /nests deeper/);
      // Ordinary nesting is fine.
      assert.equal((await post(`{"id": "i", "attributes": ${nested(10)}}`)).status, 200);
      assert.equal((await store.counts()).items, 1);
    } finally {
      await close();
    }
  });

  maybe('popular fallback for a user who has seen more items than SQLite has parameters: 200 (item 5)', async () => {
    const { app, store, close } = await openTestService({ store: await openStore!() });
    try {
      const seen = 40_000;
      const events = Array.from({ length: seen }, (_, i) => ({ userId: 'heavy', itemId: `s${i}`, type: 'view', timestampMs: 1 + i }));
      for (let start = 0; start < events.length; start += 10_000) await store.insertEvents(events.slice(start, start + 10_000));
      await store.insertEvents([{ userId: 'other', itemId: 'fresh', type: 'view', timestampMs: 1 }, { userId: 'other', itemId: 's1', type: 'view', timestampMs: 1 }]);
      // The store's popular query, excluding every seen item (the request path reads at most
      // --max-user-events of them, item 6, but the store must not depend on that).
      const popular = await store.popularItems({ limit: 5, excludeItemIds: events.map((e) => e.itemId) });
      assert.deepEqual(popular.map((p) => p.itemId), ['fresh']);
      // No model: the request is the popular fallback.
      const reply = await call(app, { method: 'GET', url: '/v1/users/heavy/recommendations?n=5&attributes=false', headers: asReader });
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.ok(reply.body.items.some((i: { id: string }) => i.id === 'fresh'));
    } finally {
      await close();
    }
  });
}
