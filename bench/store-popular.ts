/**
 * The SQLite store's popular-items scans, run on the caller's thread and on the
 * store's read worker: query time and the longest stall of the event loop
 * while the query runs (what every other request to the service waits for).
 *
 *   node dist/bench/store-popular.js [--dataset ml-1m] [--store FILE] [--repeats 3]
 *
 * Without --store, imports the dataset into a temporary store first (`recoder
 * import`, about 40 s for ml-1m). Prints JSON, then a table.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { PopularItemsQuery } from '../src/store/event-store.js';
import { SqliteEventStore } from '../src/store/sqlite-store.js';

const { values: args } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'ml-1m' },
    store: { type: 'string' },
    repeats: { type: 'string', default: '3' },
  },
});
const repeats = Number(args.repeats);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

let storePath = args.store;
if (storePath === undefined) {
  storePath = join(mkdtempSync(join(tmpdir(), 'recoder-bench-store-')), 'events.sqlite');
  execFileSync(process.execPath, [join(repoRoot, 'dist/src/cli/main.js'), 'import', '-d', args.dataset!, '--store', storePath, '--quiet'], { stdio: 'inherit' });
}

/** Wall time of one query and the longest gap between 2-ms timer ticks while it ran. */
async function timeQuery(store: SqliteEventStore, query: PopularItemsQuery): Promise<{ ms: number; stallMs: number }> {
  let last = performance.now();
  let stallMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 2);
  await new Promise((done) => setTimeout(done, 20));
  stallMs = 0;
  last = performance.now();
  const started = performance.now();
  await store.popularItems(query);
  const ms = performance.now() - started;
  await new Promise((done) => setTimeout(done, 10));
  clearInterval(ticker);
  return { ms, stallMs };
}

const queries: Record<string, PopularItemsQuery> = {
  'window covering every event': { sinceMs: 0, limit: 2000 },
  'all time': { limit: 2000 },
  'one category, all time': { category: 'Drama', limit: 2000 },
};
const median = (values: number[]) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const results: { query: string; thread: string; medianMs: number; medianStallMs: number }[] = [];
for (const readOnWorker of [false, true]) {
  const store = new SqliteEventStore(storePath, Date.now, { readOnWorker });
  await store.popularItems({ limit: 1 }); // starts the worker and warms the page cache
  for (const [name, query] of Object.entries(queries)) {
    const runs = [];
    for (let i = 0; i < repeats; i++) runs.push(await timeQuery(store, query));
    results.push({ query: name, thread: readOnWorker ? 'read worker' : 'caller', medianMs: median(runs.map((r) => r.ms)), medianStallMs: median(runs.map((r) => r.stallMs)) });
  }
  await store.close();
}
console.log(JSON.stringify({ dataset: args.dataset, store: storePath, repeats, results }, null, 2));
console.log(`\n${'query'.padEnd(30)} ${'thread'.padEnd(12)} ${'query ms'.padStart(9)} ${'stall ms'.padStart(9)}`);
for (const r of results) console.log(`${r.query.padEnd(30)} ${r.thread.padEnd(12)} ${r.medianMs.toFixed(0).padStart(9)} ${r.medianStallMs.toFixed(0).padStart(9)}`);
