/**
 * The service end to end on the bundled MovieLens latest-small: ingest the
 * movies and ratings through the API in batches, train through the API (in
 * the worker), and ask for recommendations for a known user, an anonymous
 * session, a newcomer with a few events and a visitor with none, and explained recommendations
 * (titled history items with weights) for the known user, the session and similar items.
 *
 * Written against any EventStore factory, so the PostgreSQL tests run it too.
 * Not a test file itself (the runner also executes it): it only exports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import type { EventStore } from '../../src/store/event-store.js';
import { asAdmin, asReader, call, openTestService, tempDir } from './helpers.js';

const DATA = fileURLToPath(new URL('../../../data/ml-latest-small/', import.meta.url));
const BATCH = 5000;

interface Rating { userId: string; movieId: string; rating: string; timestamp: string }
interface Movie { movieId: string; title: string; genres: string }

function readCsv<T>(file: string): T[] {
  return parse(readFileSync(join(DATA, file)), { columns: true, skip_empty_lines: true }) as T[];
}

/**
 * Item-kNN: fast to fit on all 9,742 items with either engine (EASE would
 * invert a 9,742² matrix, minutes on the reference engine).
 */
const TRAINING = { model: 'itemknn', hyperParameters: { neighbours: 50 }, filter: {}, minItemUsers: 1, keepVersions: 3 };

export function serviceEndToEnd(label: string, openStore: () => Promise<EventStore>): void {
  test(`${label}: ingest ml-latest-small through the API, train, recommend for a known user, a session and a user with no events`, async () => {
    const store = await openStore();
    const { app, close } = await openTestService({ store, modelDir: join(tempDir(), 'models'), training: TRAINING, bodyLimitBytes: 8 * 1024 * 1024 });
    try {
      const movies = readCsv<Movie>('movies.csv');
      const ratings = readCsv<Rating>('ratings.csv');
      const items = movies.map((m) => {
        const genres = m.genres === '(no genres listed)' ? [] : m.genres.split('|');
        return { id: m.movieId, categories: genres, attributes: { title: m.title, genres } };
      });
      for (let start = 0; start < items.length; start += BATCH) {
        const reply = await call(app, { method: 'POST', url: '/v1/items', headers: asAdmin, payload: { items: items.slice(start, start + BATCH) } });
        assert.equal(reply.status, 200, JSON.stringify(reply.body));
      }
      const events = ratings.map((r) => ({ userId: r.userId, itemId: r.movieId, type: 'rating', value: Number(r.rating), timestampMs: Number(r.timestamp) * 1000 }));
      let inserted = 0;
      for (let start = 0; start < events.length; start += BATCH) {
        const reply = await call(app, { method: 'POST', url: '/v1/events', headers: asAdmin, payload: { events: events.slice(start, start + BATCH) } });
        assert.equal(reply.status, 200, JSON.stringify(reply.body));
        inserted += reply.body.inserted;
      }
      assert.equal(inserted, ratings.length);
      const retried = await call(app, { method: 'POST', url: '/v1/events', headers: asAdmin, payload: { events: events.slice(0, BATCH) } });
      assert.deepEqual(retried.body, { inserted: 0, duplicates: BATCH }, 'a retried batch is recognised');
      assert.deepEqual(await store.counts(), { users: 610, items: movies.length, events: ratings.length });

      const trained = await call(app, { method: 'POST', url: '/v1/admin/models/train?wait=true', headers: asAdmin });
      assert.equal(trained.status, 200, JSON.stringify(trained.body));
      assert.equal(trained.body.users, 610);
      assert.equal(trained.body.interactions, ratings.length);
      assert.equal((await call(app, { method: 'GET', url: '/health/ready' })).body.modelVersion, trained.body.version);

      const rated = new Set(ratings.filter((r) => r.userId === '1').map((r) => r.movieId));
      const known = await call(app, { method: 'GET', url: '/v1/users/1/recommendations?n=10', headers: asReader });
      assert.equal(known.body.source, 'model');
      assert.equal(known.body.items.length, 10);
      for (const item of known.body.items) {
        assert.ok(!rated.has(item.id), `user 1 already rated ${item.id}`);
        assert.equal(typeof item.attributes.title, 'string');
      }
      const animation = await call(app, { method: 'GET', url: '/v1/users/1/recommendations?n=10&category=Animation', headers: asReader });
      assert.equal(animation.body.items.length, 10);
      for (const item of animation.body.items) assert.ok(item.attributes.genres.includes('Animation'), `${item.attributes.title} is animation`);

      // Toy Story 1, 2 and 3: a visitor who liked them should see family films.
      const session = await call(app, { method: 'POST', url: '/v1/recommendations/session', headers: asReader, payload: { items: ['1', '3114', '78499'], n: 10 } });
      assert.equal(session.body.source, 'fold-in');
      assert.equal(session.body.items.length, 10);
      const family = session.body.items.filter((i: { attributes: { genres: string[] } }) => i.attributes.genres.some((g) => g === 'Animation' || g === 'Children'));
      assert.ok(family.length >= 5, `${family.length} of 10 are animation or children's films`);

      await call(app, { method: 'POST', url: '/v1/events', headers: asAdmin, payload: { events: ['1', '3114'].map((itemId, k) => ({ userId: 'newcomer', itemId, type: 'view', timestampMs: k })) } });
      const newcomer = await call(app, { method: 'GET', url: '/v1/users/newcomer/recommendations?n=5', headers: asReader });
      assert.equal(newcomer.body.source, 'fold-in');
      assert.equal(newcomer.body.items.length, 5);

      const usersPerMovie = new Map<string, Set<string>>();
      for (const r of ratings) (usersPerMovie.get(r.movieId) ?? usersPerMovie.set(r.movieId, new Set()).get(r.movieId)!).add(r.userId);
      const mostWatched = [...usersPerMovie.entries()].sort((a, b) => b[1].size - a[1].size || (a[0] < b[0] ? -1 : 1))[0]!;
      const nobody = await call(app, { method: 'GET', url: '/v1/users/no-events-yet/recommendations?n=5', headers: asReader });
      assert.equal(nobody.body.source, 'popular');
      assert.deepEqual([nobody.body.items[0].id, nobody.body.items[0].score], [mostWatched[0], mostWatched[1].size]);

      const similar = await call(app, { method: 'GET', url: '/v1/items/1/similar?n=5', headers: asReader });
      assert.equal(similar.body.items.length, 5);

      // explain=true: each item with the history items behind it (titled from the items' attributes)
      // and their weights, by the served item-kNN's exact shares.
      const toyStories = ['1', '3114', '78499'];
      const explained = {
        user: await call(app, { method: 'GET', url: '/v1/users/1/recommendations?n=5&explain=true', headers: asReader }),
        session: await call(app, { method: 'POST', url: '/v1/recommendations/session', headers: asReader, payload: { items: toyStories, n: 5, explain: true } }),
        similar: await call(app, { method: 'GET', url: '/v1/items/1/similar?n=5&explain=true', headers: asReader }),
      };
      const titles = new Map(movies.map((m) => [m.movieId, m.title]));
      for (const [kind, reply] of Object.entries(explained)) {
        assert.equal(reply.status, 200, JSON.stringify(reply.body));
        assert.equal(reply.body.items.length, 5);
        for (const { id, explanation } of reply.body.items as { id: string; explanation: { method: string; reasons: { itemId: string; title: string; weight: number }[] } }[]) {
          assert.equal(explanation.method, 'exact', `${kind} ${id}`);
          assert.ok(explanation.reasons.length >= 1, `${kind} ${id} has reasons`);
          for (const reason of explanation.reasons) {
            assert.equal(reason.title, titles.get(reason.itemId), `${kind} ${id}: reason ${reason.itemId} titled`);
            assert.ok(reason.weight > 0, `${kind} ${id}: cosine shares are positive`);
            if (kind === 'user') assert.ok(rated.has(reason.itemId), `user 1 rated ${reason.itemId}`);
            if (kind === 'session') assert.ok(toyStories.includes(reason.itemId));
            if (kind === 'similar') assert.equal(reason.itemId, '1');
          }
        }
      }
    } finally {
      await close();
    }
  });
}
