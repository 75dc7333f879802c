/** The service end to end on PostgreSQL: needs RECODER_TEST_DATABASE_URL (CI sets it; see .ci/run). */
import { test } from 'node:test';
import { openTestPostgresStore } from '../store/postgres-helpers.js';
import { serviceEndToEnd } from './end-to-end.js';

const url = process.env.RECODER_TEST_DATABASE_URL;
if (url === undefined) {
  test('postgres: service end to end', (t) => {
    t.skip('RECODER_TEST_DATABASE_URL is not set (CI sets it; see .ci/run)');
  });
} else {
  serviceEndToEnd('postgres', () => openTestPostgresStore(url));
}
