import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { DashboardRouteOptions } from '../../../src/serve/dashboard/services.js';
import { errorHandler } from '../../../src/serve/errors.js';
import { dashboardPageRoutes } from '../../../src/serve/routes/dashboard-page.js';
import { asAdmin, asReader, call, tempDir } from '../helpers.js';
import { evaluationRuns, openDashboardService, type DashboardService } from './fixture.js';

let service: DashboardService;
before(async () => {
  service = await openDashboardService();
});
after(async () => service.close());

test('GET /v1/key tells a read key from an admin key, and needs a key', async () => {
  assert.deepEqual((await call(service.app, { url: '/v1/key', headers: asReader })).body, { access: 'read' });
  assert.deepEqual((await call(service.app, { url: '/v1/key', headers: asAdmin })).body, { access: 'admin' });
  const missing = await call(service.app, { url: '/v1/key' });
  assert.equal(missing.status, 401);
  assert.equal(missing.body.error.code, 'missing_api_key');
  assert.equal((await call(service.app, { url: '/v1/key', headers: { 'x-api-key': 'nope' } })).status, 401);
});

test('GET /v1/stats counts the store and names the served version', async () => {
  const { status, body } = await call(service.app, { url: '/v1/stats', headers: asReader });
  assert.equal(status, 200);
  assert.equal(body.store, 'sqlite');
  assert.equal(body.items, 48);
  assert.equal(body.users, 96);
  assert.ok(body.events > 400);
  assert.equal(body.servedVersion, service.daeVersion);
  assert.equal(body.servedModel, 'mult-dae');
});

test('GET /v1/stats/events-per-day counts every event once, by UTC day and type', async () => {
  const { status, body } = await call(service.app, { url: '/v1/stats/events-per-day', headers: asReader });
  assert.equal(status, 200);
  const stats = (await call(service.app, { url: '/v1/stats', headers: asReader })).body;
  assert.equal(body.events, stats.events);
  assert.equal(body.days.reduce((sum: number, d: { events: number }) => sum + d.events, 0), stats.events);
  assert.ok(body.days.length >= 10 && body.days.length <= 11, `${body.days.length} days`);
  assert.deepEqual([...body.days].map((d: { day: string }) => d.day).sort(), body.days.map((d: { day: string }) => d.day));
  assert.match(body.days[0].day, /^\d{4}-\d\d-\d\d$/);
  assert.equal(body.types.view + body.types.purchase, stats.events);
});

test('GET /v1/stats/service reports the requests served so far', async () => {
  for (let i = 0; i < 3; i++) await call(service.app, { url: '/v1/users/user1/recommendations?n=3', headers: asReader });
  const { status, body } = await call(service.app, { url: '/v1/stats/service', headers: asReader });
  assert.equal(status, 200);
  assert.ok(body.sinceStart.requests >= 3);
  assert.ok(body.lastMinute.requests >= 3);
  assert.ok(body.sinceStart.latencyMs.p50 !== null && body.sinceStart.latencyMs.p50 >= 0);
  assert.ok(body.sinceStart.latencyMs.p99 >= body.sinceStart.latencyMs.p50);
  assert.ok(body.sinceStart.topRoutes.some((r: { route: string }) => r.route === 'GET /v1/users/:id/recommendations'));
  const served = body.recommendations.find((r: { endpoint: string; source: string }) => r.endpoint === 'user' && r.source === 'model');
  assert.ok(served.served >= 3);
});

test('GET /v1/models/versions lists both versions with manifests, and the Mult-DAE training history', async () => {
  const { status, body } = await call(service.app, { url: '/v1/models/versions', headers: asReader });
  assert.equal(status, 200);
  assert.equal(body.single, false);
  assert.deepEqual(body.versions.map((v: { version: string }) => v.version), [service.daeVersion, service.easeVersion]);
  const [dae, ease] = body.versions;
  assert.equal(dae.model, 'mult-dae');
  assert.equal(dae.served, true);
  assert.equal(dae.current, true);
  assert.equal(ease.served, false);
  assert.equal(ease.model, 'ease');
  assert.equal(ease.hyperParameters.lambda, 5);
  assert.match(ease.data.fingerprint, /\S/);
  assert.equal(ease.serving.eventsRead, dae.serving.eventsRead);
  assert.equal(ease.training, undefined, 'EASE is closed-form: no epochs');
  assert.equal(dae.training.epochs.length, 12);
  assert.ok(dae.training.epochs.every((e: { loss: number; validation: { score: number } }) => Number.isFinite(e.loss) && Number.isFinite(e.validation.score)));
  assert.ok(dae.training.bestEpoch >= 1 && dae.training.bestEpoch <= 12);
  const best = Math.max(...dae.training.epochs.map((e: { validation: { score: number } }) => e.validation.score));
  assert.equal(dae.training.bestScore, best);
  assert.equal(body.training.configured, true);
});

test('evaluations: saved files are listed, broken ones named; admins upload, read keys may not', async () => {
  writeFileSync(join(service.evaluationsDir, 'broken.json'), '{"model": "ease", ');
  writeFileSync(join(service.evaluationsDir, 'not-a-run.json'), JSON.stringify({ model: 'ease' }));
  let { status, body } = await call(service.app, { url: '/v1/evaluations', headers: asReader });
  assert.equal(status, 200);
  assert.deepEqual(body.runs.filter((r: { file: string }) => r.file === 'baselines.json').map((r: { model: string }) => r.model), ['popularity', 'ease']);
  assert.equal(body.runs[1].metrics['ndcg@100'], 0.39);
  assert.equal(body.runs[1].stderr['ndcg@100'], 0.012);
  assert.equal(body.runs[1].id, 'baselines.json#1');
  assert.equal(body.runs[1].command, 'evaluate');
  assert.deepEqual(body.unreadable.map((u: { file: string }) => u.file).sort(), ['broken.json', 'not-a-run.json']);
  assert.match(body.unreadable.find((u: { file: string }) => u.file === 'not-a-run.json').reason, /metrics/);

  writeFileSync(join(service.evaluationsDir, 'tuned.json'), JSON.stringify({ ...evaluationRuns()[1], selectBy: 'ndcg@100', search: { kind: 'random' }, trials: [] }));
  const tuned = (await call(service.app, { url: '/v1/evaluations', headers: asReader })).body.runs.find((r: { file: string }) => r.file === 'tuned.json');
  assert.equal(tuned.command, 'tune');
  assert.equal(tuned.selectBy, 'ndcg@100');

  const upload = { name: 'mult-dae-run', runs: [{ ...evaluationRuns()[1], model: 'mult-dae' }] };
  assert.equal((await call(service.app, { method: 'POST', url: '/v1/evaluations', headers: asReader, payload: upload })).status, 403);
  ({ status, body } = await call(service.app, { method: 'POST', url: '/v1/evaluations', headers: asAdmin, payload: upload }));
  assert.equal(status, 201);
  assert.deepEqual(body, { file: 'mult-dae-run.json', runs: 1, replaced: false });
  ({ status, body } = await call(service.app, { method: 'POST', url: '/v1/evaluations', headers: asAdmin, payload: upload }));
  assert.equal(status, 409);
  assert.equal(body.error.code, 'evaluation_exists');
  assert.equal((await call(service.app, { method: 'POST', url: '/v1/evaluations', headers: asAdmin, payload: { ...upload, replace: true } })).status, 201);
  ({ status, body } = await call(service.app, { method: 'POST', url: '/v1/evaluations', headers: asAdmin, payload: { ...upload, name: '../escape' } }));
  assert.equal(status, 400);
  ({ status, body } = await call(service.app, { method: 'POST', url: '/v1/evaluations', headers: asAdmin, payload: { name: 'x', runs: [{ model: 'ease' }] } }));
  assert.equal(status, 400);
  assert.match(body.error.message, /metrics/);
  const listed = (await call(service.app, { url: '/v1/evaluations', headers: asReader })).body;
  assert.ok(listed.runs.some((r: { model: string; file: string }) => r.model === 'mult-dae' && r.file === 'mult-dae-run.json'));
});

test('GET /v1/search/items finds items by title or id, and looks up ids in order', async () => {
  let { status, body } = await call(service.app, { url: '/v1/search/items?q=horror%20story%201', headers: asReader });
  assert.equal(status, 200);
  assert.ok(body.items.length >= 1);
  assert.ok(body.items.every((i: { title: string }) => i.title.toLowerCase().includes('horror story 1')));
  assert.equal(body.items[0].title, 'Horror Story 1 (2014)');
  assert.deepEqual(body.items[0].categories, ['Horror']);
  ({ body } = await call(service.app, { url: '/v1/search/items?q=m7', headers: asReader }));
  assert.equal(body.items[0].id, 'm7', 'an exact id comes first');
  ({ body } = await call(service.app, { url: '/v1/search/items?q=Story&limit=5', headers: asReader }));
  assert.equal(body.items.length, 5);
  ({ status, body } = await call(service.app, { url: '/v1/search/items?ids=m3,nope,m1', headers: asReader }));
  assert.equal(status, 200);
  assert.deepEqual(body.items.map((i: { id: string }) => i.id), ['m3', 'm1']);
  for (const url of ['/v1/search/items', '/v1/search/items?q=a&ids=m1', '/v1/search/items?limit=0&q=a', `/v1/search/items?ids=${Array.from({ length: 101 }, (_, i) => `m${i}`).join(',')}`]) {
    ({ status, body } = await call(service.app, { url, headers: asReader }));
    assert.equal(status, 400, url);
    assert.equal(typeof body.error.message, 'string');
  }
});

test('the dashboard page is served under /dashboard/ without a key; unknown files are 404 JSON', async () => {
  const redirect = await call(service.app, { url: '/dashboard' });
  assert.equal(redirect.status, 301);
  assert.equal(redirect.response.headers.location, '/dashboard/');
  const missing = await call(service.app, { url: '/dashboard/../package.json' });
  assert.equal(missing.status, 404);
  const nope = await call(service.app, { url: '/dashboard/nothing-here.js' });
  assert.equal(nope.status, 404);
  assert.equal(nope.body.error.code, 'not_found');
});

test('without a built dashboard, /dashboard/ answers 503 saying how to build it', async () => {
  const app = Fastify();
  app.setErrorHandler(errorHandler(1024));
  await app.register(dashboardPageRoutes, { dashboardDir: tempDir('recoder-no-dashboard-') } as unknown as DashboardRouteOptions);
  try {
    const { status, body } = await call(app, { url: '/dashboard/' });
    assert.equal(status, 503);
    assert.equal(body.error.code, 'dashboard_not_built');
    assert.match(body.error.message, /npm run build:dashboard/);
  } finally {
    await app.close();
  }
});

test('every dashboard endpoint is in the OpenAPI document', async () => {
  const { body } = await call(service.app, { url: '/openapi.json' });
  for (const [path, method] of [
    ['/v1/key', 'get'],
    ['/v1/stats', 'get'],
    ['/v1/stats/events-per-day', 'get'],
    ['/v1/stats/service', 'get'],
    ['/v1/models/versions', 'get'],
    ['/v1/evaluations', 'get'],
    ['/v1/evaluations', 'post'],
    ['/v1/search/items', 'get'],
  ] as const) {
    assert.ok(body.paths[path]?.[method], `${method.toUpperCase()} ${path}`);
  }
  assert.equal(body.paths['/dashboard/*'], undefined, 'the static files are not API');
});
