/**
 * The recommendation fast path changes no answer: concurrent requests scored
 * together (score-batcher.ts) get what each gets scored alone, and a store
 * answering from its in-memory caches (recent events, item records) gives the
 * same recommendations as one reading the database every time, through event
 * posts, deletes and item updates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { SqliteEventStore } from '../../src/store/sqlite-store.js';
import { asAdmin, asReader, call, EASE_TRAINING, fillStore, openTestService, publishModel, tempDir } from './helpers.js';

const USERS = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'p0', 'newcomer', 'nobody'];

/** Score calls and rows scored so far, from the metrics. */
async function scoring(app: FastifyInstance): Promise<{ calls: number; rows: number }> {
  const text = String((await call(app, { method: 'GET', url: '/metrics', headers: asReader })).body);
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
  return { calls: value('recoder_score_calls_total'), rows: value('recoder_scored_rows_total') };
}

/** Every kind of scored request, sent at once so that they wait for the same score call. */
function requestsAtOnce(app: FastifyInstance): Promise<unknown[]> {
  const replies = [
    ...USERS.map((user) => call(app, { method: 'GET', url: `/v1/users/${user}/recommendations?n=5`, headers: asReader })),
    call(app, { method: 'GET', url: '/v1/users/u3/recommendations?n=3&offset=2&category=music&exclude=i7', headers: asReader }),
    call(app, { method: 'POST', url: '/v1/recommendations/session', headers: asReader, payload: { items: ['i6', 'i8'], n: 4 } }),
    call(app, { method: 'POST', url: '/v1/recommendations/session', headers: asReader, payload: { events: [{ itemId: 'i1', type: 'view' }, { itemId: 'nope' }], n: 4 } }),
    call(app, { method: 'GET', url: '/v1/items/i2/similar?n=4', headers: asReader }),
  ];
  return Promise.all(replies.map((reply) => reply.then((r) => ({ status: r.status, body: r.body }))));
}

/** A reply with its scores taken out (replaced by 0), and the scores in order. */
function splitScores(value: unknown, scores: number[] = []): { shape: unknown; scores: number[] } {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(Object.entries(v).map(([key, x]) => [key, key === 'score' && typeof x === 'number' ? (scores.push(x), 0) : walk(x)]));
  };
  return { shape: walk(value), scores };
}

/**
 * Equal replies, scores within `relative` of each other: a neural model's matrix product over a
 * batch may round the last digits differently from its matrix-vector product (BLAS picks kernels
 * by shape), while EASE's sparse product is bit-identical (test/engine/agreement.test.ts).
 */
function assertSameReplies(actual: unknown, expected: unknown, relative: number): void {
  const [a, b] = [splitScores(actual), splitScores(expected)];
  assert.deepEqual(a.shape, b.shape);
  a.scores.forEach((score, i) => assert.ok(Math.abs(score - b.scores[i]!) <= relative * Math.max(Math.abs(b.scores[i]!), 1e-3), `score ${i}: ${score} vs ${b.scores[i]}`));
}

for (const [label, training, relative] of [
  ['EASE', EASE_TRAINING, 0],
  ['Mult-VAE', { ...EASE_TRAINING, model: 'mult-vae', hyperParameters: { hidden: [16], latent: 8, epochs: 3, batchSize: 8, patience: 0 } }, 1e-5],
  // A sequential model: a known user's query carries the timestamps of their stored events, a session's does not.
  ['SASRec', { ...EASE_TRAINING, model: 'sasrec', hyperParameters: { hidden: 8, blocks: 1, maxLength: 8, epochs: 2, batchSize: 4, patience: 0 } }, 1e-4],
] as const) {
  test(`${label}: concurrent requests scored in one call get the answers each gets scored alone`, async () => {
    const dir = tempDir();
    const store = new SqliteEventStore(join(dir, 'events.sqlite'));
    await fillStore(store);
    await store.insertEvents([{ userId: 'newcomer', itemId: 'i6', type: 'view', timestampMs: 3 }]);
    const modelDir = join(dir, 'models');
    await publishModel(store, modelDir, training);
    const batched = await openTestService({ store, modelDir, scoreBatching: { maxRows: 64, windowMs: 0 } });
    const alone = await openTestService({ store, modelDir, scoreBatching: { maxRows: 1, windowMs: 0 } });
    try {
      const together = await requestsAtOnce(batched.app);
      const stats = await scoring(batched.app);
      assert.ok(stats.calls < stats.rows, `requests were batched (${stats.calls} calls for ${stats.rows} rows)`);
      const separately = await requestsAtOnce(alone.app);
      const aloneStats = await scoring(alone.app);
      assert.equal(aloneStats.calls, aloneStats.rows);
      if (relative === 0) assert.deepEqual(together, separately);
      else assertSameReplies(together, separately, relative);
    } finally {
      await batched.app.close();
      await alone.close();
    }
  });
}

test('a store answering from its caches gives the recommendations of one reading the database, through writes and deletes', async () => {
  const dir = tempDir();
  const path = join(dir, 'events.sqlite');
  const cachedStore = new SqliteEventStore(path, Date.now, { recentEvents: { eventsPerUser: 3, maxEvents: 20 } });
  await fillStore(cachedStore);
  const modelDir = join(dir, 'models');
  await publishModel(cachedStore, modelDir);
  // maxUserEvents 3: the cache holds exactly what a request reads, so its truncation is exercised too.
  const cached = await openTestService({ store: cachedStore, modelDir, maxUserEvents: 3 });
  const plain = await openTestService({ store: new SqliteEventStore(path, Date.now, { recentEvents: false, cachedItems: 0 }), modelDir, maxUserEvents: 3 });
  const compare = async (step: string) => {
    for (const user of USERS) {
      const url = `/v1/users/${user}/recommendations?n=6`;
      const [a, b] = [await call(cached.app, { method: 'GET', url, headers: asReader }), await call(plain.app, { method: 'GET', url, headers: asReader })];
      assert.equal(a.status, 200, JSON.stringify(a.body));
      assert.deepEqual(a.body, b.body, `${step}: ${user}`);
    }
  };
  const post = (app: FastifyInstance, events: object[]) => call(app, { method: 'POST', url: '/v1/events', headers: asAdmin, payload: { events } });
  try {
    await compare('start');
    await post(cached.app, [{ userId: 'u0', itemId: 'i9', type: 'view', timestampMs: 9_000_000 }, { userId: 'newcomer', itemId: 'i7', type: 'view', timestampMs: 5 }]);
    await compare('after new events');
    // An old event (out of order), and a duplicate of one already stored.
    await post(cached.app, [{ userId: 'u1', itemId: 'i10', type: 'view', timestampMs: 1 }, { userId: 'u0', itemId: 'i9', type: 'view', timestampMs: 9_000_000 }]);
    await compare('after an old event and a duplicate');
    // Written through the other store (another process, to the cached one).
    await post(plain.app, [{ userId: 'u2', itemId: 'i11', type: 'view', timestampMs: 9_000_001 }]);
    await call(plain.app, { method: 'PUT', url: '/v1/items/i1', headers: asAdmin, payload: { categories: ['music'], attributes: { title: 'Renamed' } } });
    await compare('after writes by another connection');
    await call(cached.app, { method: 'DELETE', url: '/v1/events?userId=u0', headers: asAdmin });
    await call(cached.app, { method: 'DELETE', url: '/v1/events?itemId=i7', headers: asAdmin });
    await call(cached.app, { method: 'DELETE', url: '/v1/users/u3', headers: asAdmin });
    await call(cached.app, { method: 'DELETE', url: '/v1/items/i4', headers: asAdmin });
    await call(cached.app, { method: 'PUT', url: '/v1/items/i2', headers: asAdmin, payload: { categories: ['books'], attributes: { title: 'New title' } } });
    await compare('after deletes and an item update');
  } finally {
    await cached.close();
    await plain.close();
  }
});
