/**
 * The load generator of bench/serve-load.ts, in a process of its own so that
 * its work is not counted in the server's event loop (it still shares the
 * machine's cores). Runs one autocannon phase and prints its figures as JSON:
 *
 *   node dist/bench/serve-load-client.js PLAN.json PHASE.json
 *
 * PLAN.json (written by serve-load.ts): the server's URL, the keys, and the ids
 * to draw from. PHASE.json: { title, seconds, connections, rate? } — without
 * `rate`, autocannon keeps every connection busy: each sends its next request
 * as soon as the last is answered (saturation). With `rate`, requests are
 * offered open-loop at even intervals (request k is due at k / rate seconds)
 * over at most `connections` keep-alive connections, and each latency counts
 * from the moment its request was due, so a stalled server shows up in every
 * request it delayed (no coordinated omission; wrk2's method). autocannon's own
 * rate limit is not used for this: it lets each connection send its share of
 * the second back to back at the start of every second, so its "fixed rate"
 * is a burst each second, and its p99 measures how long the burst queues.
 *
 * The mix, drawn per request with a seeded generator:
 *   80 %  GET /v1/users/:id/recommendations?n=N   a user the model was trained on
 *   10 %  POST /v1/recommendations/session        5–20 items of a training user's history
 *   10 %  POST /v1/events                          a batch of 1–10 new events of training users
 */
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Rng } from '../src/data/random.js';

export interface LoadPlan {
  readonly url: string;
  readonly readKey: string;
  readonly adminKey: string;
  readonly n: number;
  readonly userIds: readonly string[];
  readonly itemIds: readonly string[];
  /** Item ids of some users' histories, for sessions. */
  readonly sessions: readonly (readonly string[])[];
  readonly seed: number;
}

export interface LoadPhase {
  readonly title: string;
  readonly seconds: number;
  readonly connections: number;
  /** Requests per second offered over all connections; absent for saturation. */
  readonly rate?: number;
  /**
   * 'users': only user recommendations, each training user once, then stop (a warm-up that fills the caches).
   * 'reads': the mix without its event batches (user and session recommendations in 8:1), to tell the write path's delays apart.
   */
  readonly mix?: 'users' | 'reads';
}

export interface PhaseFigures {
  readonly phase: string;
  readonly offeredPerSecond: number | null;
  readonly seconds: number;
  readonly requests: number;
  readonly requestsPerSecond: number;
  /** Of them, recommendations (user and session) per second. */
  readonly recommendationsPerSecond: number;
  readonly mix: { readonly user: number; readonly session: number; readonly events: number };
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly p99_9: number; readonly max: number };
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  /** Open-loop phases: p99 latency of each kind of request, in ms. */
  readonly p99ByKindMs?: { readonly user: number; readonly session: number; readonly events: number };
  /** CPU time this load generator used per request (all its threads), in µs. */
  readonly clientCpuUsPerRequest: number;
  /** CPU time the server process used per request (all its threads), in µs; filled in by serve-load.ts. */
  readonly serverCpuUsPerRequest?: number;
  /** The first few failed responses. */
  readonly failures: readonly { readonly status: number; readonly body: string }[];
  /** Responses by status code. */
  readonly statusCodes: Readonly<Record<string, number>>;
}

const [planPath, phasePath] = process.argv.slice(2);
if (planPath === undefined || phasePath === undefined) throw new Error('usage: serve-load-client PLAN.json PHASE.json');
const plan = JSON.parse(readFileSync(planPath, 'utf8')) as LoadPlan;
const phase = JSON.parse(readFileSync(phasePath, 'utf8')) as LoadPhase;

const rng = new Rng(plan.seed);
const pick = <T>(values: readonly T[]): T => values[rng.nextInt(values.length)]!;
const issued = { user: 0, session: 0, events: 0 };
// Copied per request: autocannon writes the body's Content-Length into the headers object it is given.
const readHeaders = { 'x-api-key': plan.readKey, 'content-type': 'application/json' };
const adminHeaders = { 'x-api-key': plan.adminKey, 'content-type': 'application/json' };
let nextUser = rng.nextInt(plan.userIds.length);
type RequestKind = keyof typeof issued;
let lastKind: RequestKind = 'user';
const failures: { status: number; body: string }[] = [];

function nextRequest(): autocannon.Request {
  const draw = phase.mix === 'users' ? 9 : phase.mix === 'reads' ? [0, 2, 3, 4, 5, 6, 7, 8, 9][rng.nextInt(9)]! : rng.nextInt(10);
  if (draw === 0) {
    issued.session++;
    lastKind = 'session';
    const history = pick(plan.sessions);
    const start = rng.nextInt(Math.max(1, history.length - 5));
    const items = history.slice(start, start + 5 + rng.nextInt(16));
    return { method: 'POST', path: '/v1/recommendations/session', headers: { ...readHeaders }, body: JSON.stringify({ items, n: plan.n }) };
  }
  if (draw === 1) {
    issued.events++;
    lastKind = 'events';
    const now = Date.now();
    const events = Array.from({ length: 1 + rng.nextInt(10) }, (_, k) => ({ userId: pick(plan.userIds), itemId: pick(plan.itemIds), type: 'view', timestampMs: now + k }));
    return { method: 'POST', path: '/v1/events', headers: { ...adminHeaders }, body: JSON.stringify({ events }) };
  }
  issued.user++;
  lastKind = 'user';
  // Users in turn, from a random start: every user is asked for, none much more often than another.
  const user = plan.userIds[nextUser++ % plan.userIds.length]!;
  return { method: 'GET', path: `/v1/users/${encodeURIComponent(user)}/recommendations?n=${plan.n}`, headers: { 'x-api-key': plan.readKey } };
}

interface PhaseResult {
  readonly duration: number;
  readonly requests: number;
  readonly latencyMs: PhaseFigures['latencyMs'];
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly statusCodes: Record<string, number>;
  readonly p99ByKindMs?: PhaseFigures['p99ByKindMs'];
}

function recordFailure(status: number, body: string): void {
  // A few failed responses, to say what went wrong (a 5xx is a bug, a 4xx a bad request of this generator).
  if (status >= 300 && failures.length < 3) failures.push({ status, body: body.slice(0, 300) });
}

async function closedLoop(): Promise<PhaseResult> {
  const result = await autocannon({
    title: phase.title,
    url: plan.url,
    connections: phase.connections,
    ...(phase.mix === 'users' ? { amount: plan.userIds.length } : { duration: phase.seconds }),
    requests: [{ setupRequest: nextRequest, onResponse: recordFailure }],
  });
  return {
    duration: result.duration,
    requests: result.requests.total,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, p99_9: result.latency.p99_9, max: result.latency.max },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats as unknown as Record<string, { count: number }>).map(([code, stats]) => [code, stats.count])),
  };
}

/** The value at quantile q of sorted `values` (nearest rank). */
function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

async function openLoop(rate: number): Promise<PhaseResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: phase.connections });
  const target = new URL(plan.url);
  const total = Math.round(rate * phase.seconds);
  const latencies: number[] = [];
  const byKind: Record<RequestKind, number[]> = { user: [], session: [], events: [] };
  const statusCodes: Record<string, number> = {};
  let errors = 0;
  let timeouts = 0;
  let non2xx = 0;
  const pending = new Set<Promise<void>>();
  const send = (dueAt: number) => {
    const spec = nextRequest();
    const kind = lastKind;
    const done = new Promise<void>((resolve) => {
      const req = httpRequest(
        { agent, host: target.hostname, port: target.port, method: spec.method ?? 'GET', path: spec.path, headers: { ...(spec.headers ?? {}) }, timeout: 10_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            latencies.push(performance.now() - dueAt);
            byKind[kind].push(performance.now() - dueAt);
            const status = res.statusCode ?? 0;
            statusCodes[status] = (statusCodes[status] ?? 0) + 1;
            if (status < 200 || status >= 300) {
              non2xx++;
              recordFailure(status, Buffer.concat(chunks).toString('utf8'));
            }
            resolve();
          });
        },
      );
      let timedOut = false;
      req.on('timeout', () => {
        timedOut = true;
        timeouts++;
        req.destroy(new Error('timeout'));
      });
      req.on('error', () => {
        if (!timedOut) errors++;
        resolve();
      });
      if (spec.body !== undefined) req.end(spec.body);
      else req.end();
    });
    pending.add(done);
    void done.then(() => pending.delete(done));
  };
  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    const now = performance.now();
    // Every request due by now goes out; each is timed from when it was due, not from when it left.
    while (sent < total && start + (sent * 1000) / rate <= now) {
      send(start + (sent * 1000) / rate);
      sent++;
    }
    await sleep(Math.max(0, Math.min(5, start + (sent * 1000) / rate - performance.now())));
  }
  await Promise.all(pending);
  agent.destroy();
  const sorted = Float64Array.from(latencies).sort();
  const ms = (value: number) => Math.round(value * 10) / 10;
  return {
    duration: (performance.now() - start) / 1000,
    requests: latencies.length,
    latencyMs: { p50: ms(quantile(sorted, 0.5)), p90: ms(quantile(sorted, 0.9)), p99: ms(quantile(sorted, 0.99)), p99_9: ms(quantile(sorted, 0.999)), max: ms(sorted[sorted.length - 1] ?? 0) },
    non2xx,
    errors,
    timeouts,
    statusCodes,
    p99ByKindMs: {
      user: ms(quantile(Float64Array.from(byKind.user).sort(), 0.99)),
      session: ms(quantile(Float64Array.from(byKind.session).sort(), 0.99)),
      events: ms(quantile(Float64Array.from(byKind.events).sort(), 0.99)),
    },
  };
}

const cpuBefore = process.cpuUsage();
const result = phase.rate !== undefined ? await openLoop(phase.rate) : await closedLoop();
const cpu = process.cpuUsage(cpuBefore);
const total = issued.user + issued.session + issued.events;
const figures: PhaseFigures = {
  phase: phase.title,
  offeredPerSecond: phase.rate ?? null,
  seconds: result.duration,
  requests: result.requests,
  requestsPerSecond: Math.round(result.requests / result.duration),
  recommendationsPerSecond: Math.round((result.requests * (issued.user + issued.session)) / Math.max(1, total) / result.duration),
  mix: issued,
  latencyMs: result.latencyMs,
  ...(result.p99ByKindMs ? { p99ByKindMs: result.p99ByKindMs } : {}),
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  clientCpuUsPerRequest: Math.round((cpu.user + cpu.system) / Math.max(1, result.requests)),
  failures,
  statusCodes: result.statusCodes,
};
process.stdout.write(JSON.stringify(figures) + '\n');
