/**
 * The load generator of bench/serve-load.ts, in a process of its own so that
 * its work is not counted in the server's event loop (it still shares the
 * machine's cores). Runs one autocannon phase and prints its figures as JSON:
 *
 *   node dist/bench/serve-load-client.js PLAN.json PHASE.json
 *
 * PLAN.json (written by serve-load.ts): the server's URL, the keys, and the ids
 * to draw from. PHASE.json: { title, seconds, connections, rate? } — with
 * `rate`, autocannon offers that many requests per second over all
 * connections; without, each connection sends its next request as soon as the
 * last is answered (saturation).
 *
 * The mix, drawn per request with a seeded generator:
 *   80 %  GET /v1/users/:id/recommendations?n=N   a user the model was trained on
 *   10 %  POST /v1/recommendations/session        5–20 items of a training user's history
 *   10 %  POST /v1/events                          a batch of 1–10 new events of training users
 */
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
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
  /** 'users': only user recommendations, each training user once, then stop (a warm-up that fills the caches). */
  readonly mix?: 'users';
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
const failures: { status: number; body: string }[] = [];

function nextRequest(): autocannon.Request {
  const draw = phase.mix === 'users' ? 9 : rng.nextInt(10);
  if (draw === 0) {
    issued.session++;
    const history = pick(plan.sessions);
    const start = rng.nextInt(Math.max(1, history.length - 5));
    const items = history.slice(start, start + 5 + rng.nextInt(16));
    return { method: 'POST', path: '/v1/recommendations/session', headers: { ...readHeaders }, body: JSON.stringify({ items, n: plan.n }) };
  }
  if (draw === 1) {
    issued.events++;
    const now = Date.now();
    const events = Array.from({ length: 1 + rng.nextInt(10) }, (_, k) => ({ userId: pick(plan.userIds), itemId: pick(plan.itemIds), type: 'view', timestampMs: now + k }));
    return { method: 'POST', path: '/v1/events', headers: { ...adminHeaders }, body: JSON.stringify({ events }) };
  }
  issued.user++;
  // Users in turn, from a random start: every user is asked for, none much more often than another.
  const user = plan.userIds[nextUser++ % plan.userIds.length]!;
  return { method: 'GET', path: `/v1/users/${encodeURIComponent(user)}/recommendations?n=${plan.n}`, headers: { 'x-api-key': plan.readKey } };
}

const cpuBefore = process.cpuUsage();
const result = await autocannon({
  title: phase.title,
  url: plan.url,
  connections: phase.connections,
  ...(phase.mix === 'users' ? { amount: plan.userIds.length } : { duration: phase.seconds }),
  ...(phase.rate !== undefined ? { overallRate: phase.rate } : {}),
  requests: [
    {
      setupRequest: nextRequest,
      onResponse: (status, body) => {
        // A few failed responses, to say what went wrong (a 5xx is a bug, a 4xx a bad request of this generator).
        if (status >= 300 && failures.length < 3) failures.push({ status, body: body.slice(0, 300) });
      },
    },
  ],
});
const cpu = process.cpuUsage(cpuBefore);
const total = issued.user + issued.session + issued.events;
const figures: PhaseFigures = {
  phase: phase.title,
  offeredPerSecond: phase.rate ?? null,
  seconds: result.duration,
  requests: result.requests.total,
  requestsPerSecond: Math.round(result.requests.total / result.duration),
  recommendationsPerSecond: Math.round((result.requests.total * (issued.user + issued.session)) / Math.max(1, total) / result.duration),
  mix: issued,
  latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, p99_9: result.latency.p99_9, max: result.latency.max },
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  clientCpuUsPerRequest: Math.round((cpu.user + cpu.system) / Math.max(1, result.requests.total)),
  failures,
  statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats as unknown as Record<string, { count: number }>).map(([code, stats]) => [code, stats.count])),
};
process.stdout.write(JSON.stringify(figures) + '\n');
