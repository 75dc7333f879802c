/** The smaller defects of issue 16, item 9, each with its regression test. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkModelDirectory, removeAbandonedTemporaries } from '../../src/serve/model-versions.js';
import { ADMIN_KEY, asReader, call, openTestService, tempDir } from './helpers.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

test('unknown routes count against the rate limit', async () => {
  const { app, close } = await openTestService({ rateLimit: { max: 2, timeWindowMs: 60_000 } });
  try {
    const statuses: number[] = [];
    for (let k = 0; k < 3; k++) statuses.push((await call(app, { method: 'GET', url: `/no/such/route/${k}` })).status);
    assert.deepEqual(statuses, [404, 404, 429]);
  } finally {
    await close();
  }
});

test('public 503s name no server path: similar items without a model', async () => {
  const { app, modelDir, close } = await openTestService();
  try {
    const reply = await call(app, { method: 'GET', url: '/v1/items/i1/similar', headers: asReader });
    assert.equal(reply.status, 503);
    assert.ok(!reply.body.error.message.includes(modelDir), reply.body.error.message);
    const ready = await call(app, { method: 'GET', url: '/health/ready' });
    assert.ok(!ready.body.error.message.includes(modelDir), ready.body.error.message);
  } finally {
    await close();
  }
});

test('--model-dir must be a model directory: a file or a folder of other files is refused', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'notes.txt'), 'mine');
  await assert.rejects(checkModelDirectory(join(dir, 'notes.txt')), /is a file, not a folder/);
  await assert.rejects(checkModelDirectory(dir), /holds other files than model versions \(notes\.txt\)/);
  await assert.rejects(checkModelDirectory('/etc'), /holds other files than model versions/);
  await checkModelDirectory(join(dir, 'new-folder'));
  mkdirSync(join(dir, 'versions', '20250101T000000000Z'), { recursive: true });
  writeFileSync(join(dir, 'versions', 'CURRENT'), '20250101T000000000Z\n');
  await checkModelDirectory(join(dir, 'versions'));
  // (The timeout only ends a server that wrongly started.)
  const refused = spawnSync(process.execPath, [CLI, 'serve', '--data-dir', dir, '--model-dir', '/etc', '--port', '0'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /--model-dir \/etc holds other files/);
});

test('temporary versions and CURRENT files left by killed trainers are removed once abandoned', async () => {
  const dir = tempDir();
  const old = (Date.now() - 2 * 3600 * 1000) / 1000;
  mkdirSync(join(dir, '.tmp-abandoned'));
  mkdirSync(join(dir, '.tmp-in-progress'));
  writeFileSync(join(dir, '.CURRENT.1234.abcd1234.tmp'), '20250101T000000000Z\n');
  writeFileSync(join(dir, '.CURRENT.99.ffff0000.tmp'), '20250101T000000000Z\n');
  utimesSync(join(dir, '.tmp-abandoned'), old, old);
  utimesSync(join(dir, '.CURRENT.1234.abcd1234.tmp'), old, old);
  assert.deepEqual((await removeAbandonedTemporaries(dir)).sort(), ['.CURRENT.1234.abcd1234.tmp', '.tmp-abandoned']);
  assert.ok(existsSync(join(dir, '.tmp-in-progress')) && existsSync(join(dir, '.CURRENT.99.ffff0000.tmp')), 'recent ones may belong to a running trainer');
});

test('with only an admin key, the start-up banner does not print it', async () => {
  const dir = tempDir();
  const server = spawn(process.execPath, [CLI, 'serve', '--data-dir', dir, '--port', '0', '--admin-key', ADMIN_KEY, '--log-level', 'warn', '--ready-without-model'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => server.on('exit', resolve));
  try {
    const banner = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      server.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('curl')) resolve(stdout);
      });
      server.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
    });
    assert.ok(!banner.includes(ADMIN_KEY), banner);
    assert.match(banner, /X-API-Key: YOUR-READ-KEY/);
  } finally {
    server.kill('SIGTERM');
    await exited;
  }
});

test('CLI error messages show control bytes from input files escaped, not raw', () => {
  const dir = tempDir();
  const file = join(dir, 'evil.csv');
  writeFileSync(file, 'user,item,rating\nu1,i1,\u001b[2Jbad\n');
  const run = spawnSync(process.execPath, [CLI, 'evaluate', '-d', file, '--format', 'delimited', '--columns', 'user=user,item=item,rating=rating', '-m', 'popularity'], { encoding: 'utf8' });
  assert.equal(run.status, 1);
  assert.ok(!run.stderr.includes('\u001b'), JSON.stringify(run.stderr));
  assert.match(run.stderr, /'\\x1b\[2Jbad' is not a finite number/);
});

test('one recommendation request reads at most maxUserEvents of the user\'s events, the most recent (item 6)', async () => {
  const { app, store, close } = await openTestService({ maxUserEvents: 50 });
  try {
    const limits: (number | undefined)[] = [];
    const read = store.userEvents.bind(store);
    store.userEvents = (userId, options) => {
      limits.push(options?.limit);
      return read(userId, options);
    };
    // 300 old events on 'old-*' items, then 50 recent ones on 'new-*' items; with no model, the popular fallback excludes only what was read.
    const events = Array.from({ length: 300 }, (_, i) => ({ userId: 'heavy', itemId: `old-${i % 5}`, type: 'view', timestampMs: 1 + i }));
    events.push(...Array.from({ length: 50 }, (_, i) => ({ userId: 'heavy', itemId: `new-${i % 5}`, type: 'view', timestampMs: 10_000 + i })));
    await store.insertEvents(events);
    const reply = await call(app, { method: 'GET', url: '/v1/users/heavy/recommendations?n=20&attributes=false', headers: asReader });
    assert.equal(reply.status, 200);
    assert.deepEqual(limits, [50]);
    assert.deepEqual(reply.body.items.map((i: { id: string }) => i.id).sort(), ['old-0', 'old-1', 'old-2', 'old-3', 'old-4']);
  } finally {
    await close();
  }
});
