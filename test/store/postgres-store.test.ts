/**
 * The store contract on PostgreSQL. Needs RECODER_TEST_DATABASE_URL (CI starts a
 * local server and sets it: .ci/run); each store gets its own schema, dropped on close.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresEventStore } from '../../src/store/postgres-store.js';
import { eventStoreContract } from './contract.js';
import { openTestPostgresStore } from './postgres-helpers.js';

const url = process.env.RECODER_TEST_DATABASE_URL;

if (url === undefined) {
  test('postgres: store contract', (t) => {
    t.skip('RECODER_TEST_DATABASE_URL is not set (CI sets it; see .ci/run)');
  });
} else {
  eventStoreContract('postgres', () => openTestPostgresStore(url));

  test('postgres: two stores on one database see the same data; a bad URL fails clearly', async () => {
    const schema = `recoder_test_${randomBytes(6).toString('hex')}`;
    const a = await PostgresEventStore.open({ connectionString: url, schema });
    const b = await PostgresEventStore.open({ connectionString: url, schema });
    try {
      await a.insertEvents([{ userId: 'u', itemId: 'i', type: 'view', timestampMs: 1 }]);
      assert.deepEqual(await b.counts(), { users: 1, items: 1, events: 1 });
    } finally {
      await a.close();
      await b.close();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
    const badUrl = url.replace(/:\/\/([^:]+):[^@]*@/, '://$1:wrong-password@');
    await assert.rejects(PostgresEventStore.open({ connectionString: badUrl }), (error: Error) => {
      assert.match(error.message, /cannot open the PostgreSQL store/);
      assert.doesNotMatch(error.message, /wrong-password/);
      return true;
    });
  });
}
