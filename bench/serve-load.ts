/**
 * The service under a realistic load, from a separate process, and a model
 * swap under that load.
 *
 *   node dist/bench/serve-load.js [--dataset ml-1m] [--models ease,mult-vae] [--rate 2000]
 *     [--connections 32] [--seconds 15] [--n 10] [--work-dir DIR] [--server-args '...']
 *     [--cli PATH] [--profile-dir DIR] [--vae-epochs 3] [--no-swap] [--background-load N]
 *
 * Puts the dataset's interactions into a SQLite event store (every rated movie
 * a 'view' event; kept in --work-dir for the next run), trains each model on
 * the store (EASE λ and 2λ; Mult-VAE for --vae-epochs epochs: serving speed
 * does not depend on how well it is trained; versions are kept in --work-dir
 * and reused), and starts `recoder serve` (--cli, default this checkout's) in a
 * child process. The load generator (serve-load-client.ts: autocannon, in a
 * process of its own) then sends the mix of that file — 80 % known-user
 * recommendations, 10 % session recommendations, 10 % event batches — in
 * phases of --seconds each, after a warm-up (every training user asked for once, then
 * 10 s of the mix):
 *
 *   saturation  every connection sends its next request when the last is answered;
 *   rate        --rate requests per second offered open-loop at even intervals, each
 *               latency counted from when its request was due (serve-load-client.ts);
 *   swap        (EASE) the rate again, with CURRENT pointed at the second version and a
 *               reload asked for a third of the way in, and a rollback two thirds of the way in.
 *
 * Every response must be a 2xx. Prints JSON, then a table, with the CPU time
 * the server process and the load generator used per request (all threads;
 * from /proc and process.cpuUsage): unlike requests per second, it hardly
 * depends on what else the machine is running. The server and the load
 * generator share this machine's cores, so the rates are a floor for a server
 * on its own machine.
 */
import { spawn, execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeBackend } from '../src/engine/index.js';
import { prepareData } from '../src/experiment/prepare.js';
import { listVersions, writeCurrentPointer } from '../src/serve/model-versions.js';
import { trainFromStore } from '../src/serve/training.js';
import { SqliteEventStore } from '../src/store/sqlite-store.js';
import { backgroundLoadCount, startBackgroundLoad } from './background-load.js';
import type { LoadPhase, LoadPlan, PhaseFigures } from './serve-load-client.js';

const { values: args } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'ml-1m' },
    models: { type: 'string', default: 'ease,mult-vae' },
    lambda: { type: 'string', default: '500' },
    'vae-epochs': { type: 'string', default: '3' },
    rate: { type: 'string', default: '2000' },
    connections: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '15' },
    n: { type: 'string', default: '10' },
    'work-dir': { type: 'string' },
    // Extra `recoder serve` options, e.g. '--score-batch 1 --user-history-cache 0' (the fast path off).
    'server-args': { type: 'string', default: '' },
    // Another checkout's CLI (dist/src/cli/main.js), to measure it on the same store and models.
    cli: { type: 'string' },
    // Where the server writes a V8 CPU profile (node --cpu-prof); bench/cpu-profile-summary.ts tables it.
    'profile-dir': { type: 'string' },
    swap: { type: 'boolean', default: true },
    // N CPU-bound processes beside the server and the load generator for the whole run (issue 18).
    'background-load': { type: 'string', default: '0' },
  },
  allowNegative: true,
});
const backgroundLoad = startBackgroundLoad(backgroundLoadCount(args['background-load']));
const connections = Number(args.connections);
const seconds = Number(args.seconds);
const rate = Number(args.rate);
const lambda = Number(args.lambda);
const models = args.models!.split(',').map((m) => m.trim());
const benchDir = dirname(fileURLToPath(import.meta.url));
const cli = resolve(args.cli ?? join(benchDir, '..', 'src/cli/main.js'));
const workDir = args['work-dir'] ?? mkdtempSync(join(tmpdir(), 'recoder-serve-load-'));
mkdirSync(workDir, { recursive: true });
const READ_KEY = 'bench-read-key-000000';
const ADMIN_KEY = 'bench-admin-key-00000';
const log = (line: string) => process.stderr.write(`${line}\n`);

// 1. The store.
const prepared = await prepareData({ dataset: args.dataset!, implicit: true });
const { data, dataset } = prepared;
const storePath = join(workDir, 'events.sqlite');
const store = new SqliteEventStore(storePath);
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

// 2. The versions of each model, trained once and kept in the work directory.
interface Trained {
  readonly model: string;
  readonly modelDir: string;
  readonly first: string;
  readonly second: string | null;
  readonly settings: Record<string, unknown>;
}
const training = { filter: {}, minItemUsers: 1, keepVersions: 5 };
async function trained(model: string): Promise<Trained> {
  const modelDir = join(workDir, `models-${model}`);
  const settings: Record<string, unknown> = model === 'ease' ? { lambda } : model === 'mult-vae' ? { epochs: Number(args['vae-epochs']), patience: 0 } : {};
  const versions = existsSync(modelDir) ? await listVersions(modelDir) : [];
  const wanted = model === 'ease' ? 2 : 1;
  if (versions.length < wanted) {
    for (let v = versions.length; v < wanted; v++) {
      const hyperParameters = v === 0 ? settings : { ...settings, lambda: 2 * lambda };
      const result = await trainFromStore(store, { ...training, model, hyperParameters }, modelDir);
      log(`trained ${model} ${result.version} (${JSON.stringify(hyperParameters)}) in ${result.fitSeconds.toFixed(1)} s`);
      versions.push(result.version);
    }
  }
  await writeCurrentPointer(modelDir, versions[0]!);
  return { model, modelDir, first: versions[0]!, second: wanted === 2 ? versions[1]! : null, settings };
}
const versionsOf: Trained[] = [];
for (const model of models) versionsOf.push(await trained(model));

// Ids the load draws from: training users, the catalogue, some users' histories as sessions.
const sessions = Array.from({ length: 500 }, (_, k) => Array.from(data.matrix.rowIndices((k * 12) % data.matrix.nRows), (col) => data.itemIds[col]!));
await store.close();

// 3. One server per model, in its own process; the load generator in another.
/** CPU time a process has used (user + system, all threads), in µs, from /proc (Linux). */
const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString());
function processCpuUs(pid: number): number {
  // Fields after the command name (which is in parentheses and may hold spaces): utime is the 12th, stime the 13th.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond) * 1e6;
}

async function startServer(model: string, modelDir: string): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  // A fresh copy of the store for each server: the event batches of one run do not change the next one's data.
  const dataDir = join(workDir, `serve-${model}`);
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  copyFileSync(storePath, join(dataDir, 'events.sqlite'));
  const server = spawn(
    process.execPath,
    [
      ...(args['profile-dir'] !== undefined ? ['--cpu-prof', '--cpu-prof-dir', resolve(args['profile-dir'])] : []),
      cli, 'serve', '--data-dir', dataDir, '--model-dir', modelDir, '--port', '0', '--api-key', READ_KEY, '--admin-key', ADMIN_KEY,
      '--no-rate-limit', '--watch-interval', '0', '--log-level', 'warn', ...args['server-args']!.split(' ').filter((a) => a !== ''),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((done) => server.once('exit', () => done()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = '';
    server.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /recoder serving on (http:\/\/\S+)/.exec(out);
      if (match) resolveUrl(match[1]!);
    });
    server.once('exit', (code) => reject(new Error(`recoder serve exited with code ${code}`)));
  });
  return {
    url,
    pid: server.pid!,
    stop: async () => {
      server.kill('SIGTERM');
      await exited;
    },
  };
}

const run = promisify(execFile);
async function phase(planPath: string, spec: LoadPhase, serverPid: number): Promise<PhaseFigures> {
  const phasePath = join(workDir, 'load-phase.json');
  writeFileSync(phasePath, JSON.stringify(spec));
  const cpuBefore = processCpuUs(serverPid);
  const { stdout } = await run(process.execPath, [join(benchDir, 'serve-load-client.js'), planPath, phasePath], { maxBuffer: 1 << 20 });
  const figures = JSON.parse(stdout) as PhaseFigures;
  return { ...figures, serverCpuUsPerRequest: Math.round((processCpuUs(serverPid) - cpuBefore) / Math.max(1, figures.requests)) };
}

async function admin(url: string, path: string): Promise<{ status: number; body: any; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${url}${path}`, { method: path.endsWith('/models') ? 'GET' : 'POST', headers: { 'x-api-key': ADMIN_KEY } });
  return { status: response.status, body: await response.json(), ms: performance.now() - started };
}

const failed = (p: PhaseFigures) => p.non2xx + p.errors + p.timeouts;
const reports: object[] = [];
let allGood = true;
for (const version of versionsOf) {
  const server = await startServer(version.model, version.modelDir);
  try {
    const planPath = join(workDir, `load-plan-${version.model}.json`);
    const plan: LoadPlan = { url: server.url, readKey: READ_KEY, adminKey: ADMIN_KEY, n: Number(args.n), userIds: data.userIds, itemIds: data.itemIds, sessions, seed: 1 };
    writeFileSync(planPath, JSON.stringify(plan));
    // Warm-up: every training user once (a server that has been up a while has seen its users), then
    // the mix for a while, so that the hot paths are compiled.
    await phase(planPath, { title: 'warm-up: every user once', seconds, connections, mix: 'users' }, server.pid);
    await phase(planPath, { title: 'warm-up', seconds: Math.min(10, seconds), connections }, server.pid);
    const phases = [
      await phase(planPath, { title: 'saturation', seconds, connections }, server.pid),
      await phase(planPath, { title: `rate ${rate}/s`, seconds, connections, rate }, server.pid),
    ];
    let swap: object | undefined;
    if (version.second !== null && args.swap) {
      const swapRun = phase(planPath, { title: `swap + rollback at ${rate}/s`, seconds, connections, rate }, server.pid);
      await sleep((seconds * 1000) / 3);
      await writeCurrentPointer(version.modelDir, version.second);
      const reload = await admin(server.url, '/v1/admin/models/reload');
      await sleep((seconds * 1000) / 3);
      const rollback = await admin(server.url, '/v1/admin/models/rollback');
      const swapped = await swapRun;
      phases.push(swapped);
      const state = await admin(server.url, '/v1/admin/models');
      swap = {
        reload: { status: reload.status, ms: Math.round(reload.ms), version: reload.body.version },
        rollback: { status: rollback.status, ms: Math.round(rollback.ms), version: rollback.body.version },
        servedAtEnd: state.body.current?.version,
      };
      if (reload.status !== 200 || rollback.status !== 200) allGood = false;
      await writeCurrentPointer(version.modelDir, version.first);
    }
    if (phases.some((p) => failed(p) > 0)) allGood = false;
    reports.push({ model: version.model, settings: version.settings, version: version.first, phases, ...(swap !== undefined ? { swap } : {}) });
  } finally {
    await server.stop();
  }
}

backgroundLoad.stop();
const report = {
  benchmark: 'serve-load',
  dataset: args.dataset,
  store: { kind: 'sqlite', ...counts },
  engine: describeBackend(),
  mix: '80 % GET /v1/users/:id/recommendations (training users in turn), 10 % POST /v1/recommendations/session (5-20 items), 10 % POST /v1/events (1-10 events)',
  n: Number(args.n),
  connections,
  serverArgs: args['server-args'],
  cli,
  machine: { cpus: cpus().length, node: process.version },
  /** CPU-bound processes run beside the server and the load generator (--background-load). */
  backgroundLoad: backgroundLoad.processes,
  models: reports,
};
process.stdout.write(JSON.stringify(report, null, 2) + '\n');
const lines = [`\n${report.dataset}, ${report.engine}, ${connections} connections, ${seconds} s per phase, server args '${report.serverArgs}'`];
lines.push(`${'model'.padEnd(9)} ${'phase'.padEnd(26)} ${'req/s'.padStart(7)} ${'rec/s'.padStart(7)} ${'p50'.padStart(6)} ${'p99'.padStart(6)} ${'p99.9'.padStart(6)} ${'max'.padStart(6)} ${'failed'.padStart(6)} ${'server µs/req'.padStart(13)} ${'client µs/req'.padStart(13)}`);
for (const entry of reports as { model: string; phases: PhaseFigures[] }[]) {
  for (const p of entry.phases) {
    const ms = [p.latencyMs.p50, p.latencyMs.p99, p.latencyMs.p99_9, p.latencyMs.max].map((v) => v.toFixed(0).padStart(6));
    lines.push(
      `${entry.model.padEnd(9)} ${p.phase.padEnd(26)} ${String(p.requestsPerSecond).padStart(7)} ${String(p.recommendationsPerSecond).padStart(7)} ${ms.join(' ')} ${String(failed(p)).padStart(6)} ${String(p.serverCpuUsPerRequest).padStart(13)} ${String(p.clientCpuUsPerRequest).padStart(13)}`,
    );
  }
}
process.stdout.write(lines.join('\n') + '\n');
if (!allGood) process.exitCode = 1;
