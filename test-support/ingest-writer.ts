/**
 * Helper process for the crash test: writes batches of 500 events forever and
 * prints "acked N" after the N-th batch's transaction has committed.
 */
import { SqliteEventStore } from '../src/store/sqlite-store.js';

const store = new SqliteEventStore(process.argv[2]!);
let batch = 0;
for (;;) {
  const events = Array.from({ length: 500 }, (_, k) => ({
    userId: `u${(batch * 500 + k) % 1000}`,
    itemId: `i${k % 300}`,
    type: 'view',
    timestampMs: batch * 500 + k,
  }));
  await store.insertEvents(events);
  batch++;
  process.stdout.write(`acked ${batch}\n`);
}
