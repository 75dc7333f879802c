/**
 * Helper process for the store test: asks a file store for its popular items
 * (answered by the read worker), prints them, and never closes the store; the
 * process must still exit once nothing else is pending.
 */
import { SqliteEventStore } from '../src/store/sqlite-store.js';

const store = new SqliteEventStore(process.argv[2]!);
process.stdout.write(JSON.stringify(await store.popularItems({ limit: 10 })));
