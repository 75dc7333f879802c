/**
 * Load on the recommend endpoint, and a model swap under that load.
 *
 *   node dist/bench/serve-load.js [--dataset ml-1m] [--lambda 500] [--connections 16] [--seconds 15] [--n 10] [--work-dir DIR]
 *
 * Puts the dataset's interactions into a SQLite event store (every rated movie
 * a 'view' event; kept in --work-dir for the next run), trains two EASE
 * versions on the store (λ and 2λ), and starts `recoder serve` in a child
 * process on the first. autocannon (in this process) then asks for the top n
 * of users in turn — the store read of each user's events, the model's
 * scoring over all items, top-n and the items' attributes — in two phases:
 *
 *   steady  constant load;
 *   swap    the same load, with CURRENT pointed at the second version and a
 *           reload asked for a third of the way in, and a rollback two thirds
 *           of the way in: every response must still be a 2xx.
 *
 * Prints JSON, then a table. The server and autocannon share this machine's
 * cores, so the figures are a floor for a server on its own machine.
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeBackend } from '../src/engine/index.js';
import { prepareData } from '../src/experiment/prepare.js';
import { writeCurrentPointer } from '../src/serve/model-versions.js';
import { trainFromStore } from '../src/serve/training.js';
import { SqliteEventStore } from '../src/store/sqlite-store.js';

const { values: args } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'ml-1m' },
    lambda: { type: 'string', default: '500' },
    connections: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '15' },
    n: { type: 'string', default: '10' },
    'work-dir': { type: 'string' },
    // Where the server writes a V8 CPU profile (node --cpu-prof), for finding what a request spends its time on.
    'profile-dir': { type: 'string' },
  },
});
const connections = Number(args.connections);
const seconds = Number(args.seconds);
const lambda = Number(args.lambda);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(repoRoot, 'dist/src/cli/main.js');
const workDir = args['work-dir'] ?? mkdtempSync(join(tmpdir(), 'recoder-serve-load-'));
mkdirSync(workDir, { recursive: true });
const READ_KEY = 'bench-read-key-000000';
const ADMIN_KEY = 'bench-admin-key-00000';
const log = (line: string) => process.stderr.write(`${line}\n`);

// 1. The store.
const prepared = await prepareData({ dataset: args.dataset!, implicit: true });
const { data, dataset } = prepared;
const store = new SqliteEventStore(join(workDir, 'events.sqlite'));
if ((await store.counts()).events === 0) {
  const started = performance.now();
  const attributes = dataset.itemAttributes;
  await store.upsertItems(
    data.itemIds.map((id) => {
      const row = attributes?.rows[dataset.items.indexOf(id)];
      const genres = Array.isArray(row?.['genres']) ? (row!['genres'] as string[]) : [];
      return { id, categories: genres, attributes: row ? { ...row } : {} };
    }),
  );
  let batch: { userId: string; itemId: string; type: string; timestampMs: number }[] = [];
  let sequence = 0;
  for (let u = 0; u < data.matrix.nRows; u++) {
    for (const col of data.matrix.rowIndices(u)) {
      batch.push({ userId: data.userIds[u]!, itemId: data.itemIds[col]!, type: 'view', timestampMs: sequence++ });
      if (batch.length === 50_000) {
        await store.insertEvents(batch);
        batch = [];
      }
    }
  }
  if (batch.length > 0) await store.insertEvents(batch);
  log(`stored ${sequence} events in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
const counts = await store.counts();

// 2. Two versions; CURRENT back on the first, so the swap has somewhere to go.
const modelDir = join(workDir, 'models');
const training = { model: 'ease', filter: {}, minItemUsers: 1, keepVersions: 5 };
const first = await trainFromStore(store, { ...training, hyperParameters: { lambda } }, modelDir);
const second = await trainFromStore(store, { ...training, hyperParameters: { lambda: 2 * lambda } }, modelDir);
await writeCurrentPointer(modelDir, first.version);
await store.close();
log(`trained ${first.version} (λ=${lambda}, fit ${first.fitSeconds.toFixed(1)} s) and ${second.version} (λ=${2 * lambda})`);

// 3. The server, in its own process.
const server = spawn(
  process.execPath,
  [...(args['profile-dir'] !== undefined ? ['--cpu-prof', '--cpu-prof-dir', resolve(args['profile-dir'])] : []), cli, 'serve', '--data-dir', workDir, '--model-dir', modelDir, '--port', '0', '--api-key', READ_KEY, '--admin-key', ADMIN_KEY, '--no-rate-limit', '--watch-interval', '0', '--log-level', 'warn'],
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

async function admin(path: string): Promise<{ status: number; body: any; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${url}${path}`, { method: path.endsWith('/models') ? 'GET' : 'POST', headers: { 'x-api-key': ADMIN_KEY } });
  return { status: response.status, body: await response.json(), ms: performance.now() - started };
}

let nextUser = 0;
function load(title: string, durationSeconds = seconds): Promise<autocannon.Result> {
  return autocannon({
    title,
    url,
    connections,
    duration: durationSeconds,
    headers: { 'x-api-key': READ_KEY },
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => ({ ...request, path: `/v1/users/${encodeURIComponent(data.userIds[nextUser++ % data.userIds.length]!)}/recommendations?n=${args.n}` }),
      },
    ],
  });
}

interface PhaseFigures {
  phase: string;
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
const figures = (phase: string, result: autocannon.Result): PhaseFigures => ({
  phase,
  seconds: result.duration,
  requests: result.requests.total,
  requestsPerSecond: Math.round(result.requests.total / result.duration),
  latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
});

try {
  // Warm-up: the first requests compile the hot paths.
  await load('warm-up', Math.min(5, seconds));
  const steady = await load('steady');
  const swapRun = load('swap');
  await sleep((seconds * 1000) / 3);
  await writeCurrentPointer(modelDir, second.version);
  const reload = await admin('/v1/admin/models/reload');
  await sleep((seconds * 1000) / 3);
  const rollback = await admin('/v1/admin/models/rollback');
  const swap = await swapRun;
  const state = await admin('/v1/admin/models');

  const report = {
    benchmark: 'serve-load',
    dataset: args.dataset,
    store: { kind: 'sqlite', ...counts },
    model: { name: 'ease', lambda, items: first.items, users: first.users, fitSeconds: Number(first.fitSeconds.toFixed(2)) },
    engine: describeBackend(),
    endpoint: `GET /v1/users/:id/recommendations?n=${args.n} (users in turn, seen items excluded, attributes included)`,
    connections,
    phases: [figures('steady', steady), figures('swap + rollback', swap)],
    swap: {
      reload: { status: reload.status, ms: Math.round(reload.ms), ...reload.body },
      rollback: { status: rollback.status, ms: Math.round(rollback.ms), ...rollback.body },
      servedAtEnd: state.body.current?.version,
      failedRequests: swap.non2xx + swap.errors + swap.timeouts,
    },
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
  };
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  const rows = report.phases.map((p) =>
    [p.phase.padEnd(16), String(p.requests).padStart(8), String(p.requestsPerSecond).padStart(8), ...[p.latencyMs.p50, p.latencyMs.p90, p.latencyMs.p99, p.latencyMs.max].map((v) => v.toFixed(1).padStart(8)), String(p.non2xx + p.errors + p.timeouts).padStart(7)].join(' '),
  );
  process.stdout.write(
    [
      `\n${report.dataset}: EASE λ=${lambda} on ${first.users} users × ${first.items} items, ${report.engine}, ${connections} connections, ${seconds} s per phase`,
      `${'phase'.padEnd(16)} ${'requests'.padStart(8)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p90 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)} ${'failed'.padStart(7)}`,
      ...rows,
      `swap: reload to ${reload.body.version} took ${Math.round(reload.ms)} ms, rollback to ${rollback.body.version} ${Math.round(rollback.ms)} ms; failed requests during the swap phase: ${report.swap.failedRequests}`,
      '',
    ].join('\n'),
  );
  if (report.swap.failedRequests > 0 || reload.status !== 200 || rollback.status !== 200) process.exitCode = 1;
} finally {
  server.kill('SIGTERM');
  if (!args['work-dir'] && existsSync(workDir)) log(`work files in ${workDir}`);
}
