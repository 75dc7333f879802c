import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceStatsSampler } from '../../../src/serve/dashboard/service-stats.js';
import { ServiceMetrics } from '../../../src/serve/metrics.js';

test('request statistics: counts, 5xx, routes, and percentiles interpolated within the histogram buckets', async () => {
  const metrics = new ServiceMetrics();
  const sampler = new ServiceStatsSampler(metrics.registry);
  assert.equal((await sampler.stats()).sinceStart.latencyMs.p50, null, 'no requests: no percentiles');
  // 90 requests of 2 ms (bucket 1-2.5 ms), 10 of 300 ms (bucket 250-500 ms), one of 9 s (beyond the last bound).
  for (let i = 0; i < 90; i++) metrics.observeRequest('GET', '/v1/a', 200, 0.002);
  for (let i = 0; i < 10; i++) metrics.observeRequest('POST', '/v1/b', 503, 0.3);
  metrics.observeRequest('GET', '/v1/a', 200, 9);
  metrics.countRecommendation('model', 'user');
  const { sinceStart, lastMinute, recommendations } = await sampler.stats();
  assert.equal(sinceStart.requests, 101);
  assert.equal(lastMinute.requests, 101, 'the window starts at the start while younger than a minute');
  assert.equal(sinceStart.serverErrors, 10);
  assert.deepEqual(sinceStart.topRoutes, [{ route: 'GET /v1/a', requests: 91 }, { route: 'POST /v1/b', requests: 10 }]);
  // Rank 50.5 of 90 in (1, 2.5] ms: 1 + 1.5 × 50.5 / 90.
  assert.ok(Math.abs(sinceStart.latencyMs.p50! - (1 + (1.5 * 50.5) / 90)) < 1e-9, String(sinceStart.latencyMs.p50));
  // Rank 95.95: the 6th of the 10 in (250, 500] ms.
  assert.ok(Math.abs(sinceStart.latencyMs.p95! - (250 + (250 * 5.95) / 10)) < 1e-9, String(sinceStart.latencyMs.p95));
  // Rank 99.99 is still among the ten in (250, 500] ms (the 9 s request is the 101st).
  assert.ok(Math.abs(sinceStart.latencyMs.p99! - (250 + (250 * 9.99) / 10)) < 1e-9, String(sinceStart.latencyMs.p99));
  assert.ok(Math.abs(sinceStart.latencyMs.mean! - ((90 * 2 + 10 * 300 + 9000) / 101)) < 1e-6);
  assert.deepEqual(recommendations, [{ source: 'model', endpoint: 'user', served: 1 }]);
});

test('a percentile beyond the last bucket bound reports that bound', async () => {
  const metrics = new ServiceMetrics();
  const sampler = new ServiceStatsSampler(metrics.registry);
  for (let i = 0; i < 3; i++) metrics.observeRequest('GET', '/v1/slow', 200, 9);
  const { sinceStart } = await sampler.stats();
  assert.equal(sinceStart.latencyMs.p50, 5000);
  assert.equal(sinceStart.latencyMs.p99, 5000);
});
