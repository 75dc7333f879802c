/** A PostgreSQL store in a throwaway schema, for tests (no tests here: the runner executes this file too). */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { EventStore } from '../../src/store/event-store.js';
import { PostgresEventStore } from '../../src/store/postgres-store.js';

/** A store in a fresh schema that is dropped when the store is closed. */
export async function openTestPostgresStore(connectionString: string): Promise<EventStore> {
  const schema = `recoder_test_${randomBytes(6).toString('hex')}`;
  const store = await PostgresEventStore.open({ connectionString, schema });
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    const client = new pg.Client({ connectionString });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  };
  return store;
}
