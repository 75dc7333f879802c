/**
 * One user with a huge history must not stall the service: the recommendation
 * request of a user with 200,000 stored events, and the latency of
 * `/health/live` while such requests keep coming.
 *
 *   node dist/bench/serve-heavy-user.js [--events 200000] [--seconds 10] [--concurrency 4] [--cli PATH] [--work-dir DIR]
 *
 * Builds a synthetic SQLite store (3,000 items; 2,000 ordinary users with 50
 * events each; user 'heavy' with --events events, the newest last), trains
 * EASE (λ = 500) on it without the heavy user (so their requests are folded in
 * from the store, the path that reads their events), and starts `recoder serve`
 * (--cli, default this checkout's) in a child process. Then, from this process:
 *
 *   1. the heavy user's first request (nothing of theirs in memory), then 50 more one after another;
 *   2. for --seconds, --concurrency loops asking for the heavy user's recommendations while one
 *      loop asks GET /health/live every 5 ms: the liveness latencies are the stall any other
 *      request would see.
 *
 * Prints JSON, then a table.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Rng } from '../src/data/random.js';
import { describeBackend } from '../src/engine/index.js';
import { trainFromStore } from '../src/serve/training.js';
import { SqliteEventStore } from '../src/store/sqlite-store.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '4' },
    cli: { type: 'string' },
    'work-dir': { type: 'string' },
  },
});
const heavyEvents = Number(args.events);
const benchDir = dirname(fileURLToPath(import.meta.url));
const cli = resolve(args.cli ?? join(benchDir, '..', 'src/cli/main.js'));
const workDir = args['work-dir'] ?? mkdtempSync(join(tmpdir(), 'recoder-heavy-user-'));
mkdirSync(workDir, { recursive: true });
const READ_KEY = 'bench-read-key-000000';
const ADMIN_KEY = 'bench-admin-key-00000';
const ITEMS = 3000;

// 1. The store and the model (trained before the heavy user's events are added).
const store = new SqliteEventStore(join(workDir, 'events.sqlite'));
const modelDir = join(workDir, 'models');
if ((await store.counts()).events === 0) {
  const rng = new Rng(15);
  // Zipf-like popularity: item i drawn with weight 1 / (i + 10).
  const cumulative: number[] = [];
  let total = 0;
  for (let i = 0; i < ITEMS; i++) cumulative.push((total += 1 / (i + 10)));
  const drawItem = () => {
    const x = rng.nextFloat() * total;
    let lo = 0;
    let hi = ITEMS - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return `item-${lo}`;
  };
  await store.upsertItems(Array.from({ length: ITEMS }, (_, i) => ({ id: `item-${i}`, categories: [`c${i % 10}`], attributes: { title: `Item ${i}` } })));
  const ordinary = Array.from({ length: 2000 * 50 }, (_, k) => ({ userId: `user-${Math.floor(k / 50)}`, itemId: drawItem(), type: 'view', timestampMs: k }));
  await store.insertEvents(ordinary);
  await trainFromStore(store, { model: 'ease', hyperParameters: { lambda: 500 }, filter: {}, minItemUsers: 1, keepVersions: 2 }, modelDir);
  for (let start = 0; start < heavyEvents; start += 10_000) {
    await store.insertEvents(Array.from({ length: Math.min(10_000, heavyEvents - start) }, (_, k) => ({ userId: 'heavy', itemId: drawItem(), type: 'view', timestampMs: 1_000_000 + start + k })));
  }
}
const counts = await store.counts();
await store.close();

// 2. The server.
const server = spawn(
  process.execPath,
  [cli, 'serve', '--data-dir', workDir, '--model-dir', modelDir, '--port', '0', '--api-key', READ_KEY, '--admin-key', ADMIN_KEY, '--no-rate-limit', '--watch-interval', '0', '--log-level', 'warn'],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const url = await new Promise<string>((resolveUrl, reject) => {
  let out = '';
  server.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    const match = /recoder serving on (http:\/\/\S+)/.exec(out);
    if (match) resolveUrl(match[1]!);
  });
  server.once('exit', (code) => reject(new Error(`recoder serve exited with code ${code}`)));
});

async function timed(path: string, key?: string): Promise<{ ms: number; status: number; body: any }> {
  const started = performance.now();
  const response = await fetch(`${url}${path}`, key !== undefined ? { headers: { 'x-api-key': key } } : {});
  const body = await response.json();
  return { ms: performance.now() - started, status: response.status, body };
}
const percentile = (values: number[], q: number) => {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};
const summary = (values: number[]) => ({ count: values.length, p50: round(percentile(values, 0.5)), p99: round(percentile(values, 0.99)), max: round(Math.max(...values)) });
const round = (ms: number) => Number(ms.toFixed(1));
const heavyPath = '/v1/users/heavy/recommendations?n=10';

try {
  // A request of an ordinary user first, so that the first heavy request does not pay for compiling the path.
  await timed('/v1/users/user-1/recommendations?n=10', READ_KEY);
  const first = await timed(heavyPath, READ_KEY);
  if (first.status !== 200) throw new Error(`the heavy user's request answered ${first.status}: ${JSON.stringify(first.body)}`);
  const sequential: number[] = [];
  for (let i = 0; i < 50; i++) sequential.push((await timed(heavyPath, READ_KEY)).ms);

  const stopAt = performance.now() + Number(args.seconds) * 1000;
  const heavyUnderLoad: number[] = [];
  const live: number[] = [];
  let failures = 0;
  const heavyLoop = async () => {
    while (performance.now() < stopAt) {
      const reply = await timed(heavyPath, READ_KEY);
      if (reply.status !== 200) failures++;
      heavyUnderLoad.push(reply.ms);
    }
  };
  const liveLoop = async () => {
    while (performance.now() < stopAt) {
      const reply = await timed('/health/live');
      if (reply.status !== 200) failures++;
      live.push(reply.ms);
      await sleep(5);
    }
  };
  await Promise.all([...Array.from({ length: Number(args.concurrency) }, heavyLoop), liveLoop()]);

  const report = {
    benchmark: 'serve-heavy-user',
    store: { kind: 'sqlite', ...counts },
    heavyUserEvents: heavyEvents,
    source: first.body.source,
    engine: describeBackend(),
    cli,
    firstRequestMs: round(first.ms),
    sequentialMs: summary(sequential),
    underLoad: { concurrency: Number(args.concurrency), seconds: Number(args.seconds), heavyRequestMs: summary(heavyUnderLoad), healthLiveMs: summary(live), failures },
  };
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(
    [
      `\nuser with ${heavyEvents} events (${report.source}), ${report.engine}`,
      `first request ${report.firstRequestMs} ms; next 50 one at a time: p50 ${report.sequentialMs.p50} ms, max ${report.sequentialMs.max} ms`,
      `${args.concurrency} loops of heavy requests for ${args.seconds} s: ${report.underLoad.heavyRequestMs.count} requests, p50 ${report.underLoad.heavyRequestMs.p50} ms, p99 ${report.underLoad.heavyRequestMs.p99} ms`,
      `/health/live meanwhile: ${report.underLoad.healthLiveMs.count} probes, p50 ${report.underLoad.healthLiveMs.p50} ms, p99 ${report.underLoad.healthLiveMs.p99} ms, max ${report.underLoad.healthLiveMs.max} ms; failed requests ${failures}`,
      '',
    ].join('\n'),
  );
  if (failures > 0) process.exitCode = 1;
} finally {
  server.kill('SIGTERM');
}
