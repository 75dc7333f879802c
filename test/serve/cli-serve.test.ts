import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SqliteEventStore } from '../../src/store/sqlite-store.js';
import { ADMIN_KEY, READ_KEY, fillStore, tempDir } from './helpers.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const run = promisify(execFile);

async function storeWithEvents(dir: string): Promise<string> {
  const path = join(dir, 'events.sqlite');
  const store = new SqliteEventStore(path);
  await fillStore(store);
  await store.close();
  return path;
}

test('recoder train-store publishes a version from the stored events; a filter that keeps nothing is a clear error', async () => {
  const dir = tempDir();
  const storePath = await storeWithEvents(dir);
  const modelDir = join(dir, 'models');
  const { stdout } = await run(process.execPath, [CLI, 'train-store', '--store', storePath, '-m', 'ease', '-p', 'lambda=2', '-o', modelDir, '--json', '-q']);
  const result = JSON.parse(stdout);
  assert.deepEqual([result.model, result.users, result.items, result.eventsRead], ['ease', 29, 12, 101]);
  assert.equal(readFileSync(join(modelDir, 'CURRENT'), 'utf8').trim(), result.version);
  const manifest = JSON.parse(readFileSync(join(modelDir, result.version, 'manifest.json'), 'utf8'));
  assert.deepEqual(manifest.hyperParameters, { lambda: 2 });

  const filtered = await run(process.execPath, [CLI, 'train-store', '--store', storePath, '-m', 'ease', '-o', modelDir, '--min-item-users', '10', '--json', '-q']);
  assert.equal(JSON.parse(filtered.stdout).items, 1, 'only i3 has 10 or more users');

  const failed = await run(process.execPath, [CLI, 'train-store', '--store', storePath, '-m', 'ease', '-o', modelDir, '--event-types', 'purchase', '-q']).then(
    () => assert.fail('a filter that keeps no event must fail'),
    (e: { code: number; stderr: string }) => e,
  );
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /none of the 101 stored events passes the training filter/);
});

test('recoder serve prints its URL and an example request, answers over HTTP, and stops cleanly on SIGTERM', async () => {
  const dir = tempDir();
  await storeWithEvents(dir);
  await run(process.execPath, [CLI, 'train-store', '--store', join(dir, 'events.sqlite'), '-m', 'ease', '-o', join(dir, 'models'), '-q']);
  const server = spawn(process.execPath, [CLI, 'serve', '--data-dir', dir, '--port', '0', '--api-key', READ_KEY, '--admin-key', ADMIN_KEY, '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  server.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
  try {
    const banner = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      server.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('curl')) resolve(stdout);
      });
      void exited.then((code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
    });
    const url = /recoder serving on (http:\/\/\S+)/.exec(banner)?.[1];
    assert.ok(url, banner);
    assert.match(banner, new RegExp(`curl -H 'X-API-Key: ${READ_KEY}' '${url}/v1/users/p0/recommendations\\?n=10'`));
    const ready = await fetch(`${url}/health/ready`);
    assert.equal(ready.status, 200);
    const recommendations = await fetch(`${url}/v1/users/u0/recommendations?n=3`, { headers: { 'X-API-Key': READ_KEY } });
    const body = (await recommendations.json()) as { source: string; items: unknown[] };
    assert.deepEqual([body.source, body.items.length], ['model', 3]);
    assert.equal((await fetch(`${url}/v1/users/u0/recommendations`)).status, 401);
  } finally {
    server.kill('SIGTERM');
  }
  assert.equal(await exited, 0, stderr);
});

test('SIGKILL of the server during a bulk ingest over HTTP loses no acknowledged event', async () => {
  const dir = tempDir();
  const server = spawn(
    process.execPath,
    [CLI, 'serve', '--data-dir', dir, '--port', '0', '--api-key', READ_KEY, '--admin-key', ADMIN_KEY, '--log-level', 'warn', '--ready-without-model', '--no-rate-limit'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<NodeJS.Signals | null>((resolve) => server.on('exit', (_code, signal) => resolve(signal)));
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    server.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /recoder serving on (http:\/\/\S+)/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    void exited.then((signal) => reject(new Error(`serve exited early (${signal})`)));
  });
  // Batches of 200 events, sent one after another by 4 concurrent clients; the server is
  // killed while batches are in flight. Every batch answered 200 was acknowledged.
  const acknowledged: { user: string; count: number }[] = [];
  let killed = false;
  const client = async (clientId: number) => {
    for (let batch = 0; !killed; batch++) {
      const user = `c${clientId}-b${batch}`;
      const events = Array.from({ length: 200 }, (_, k) => ({ userId: user, itemId: `i${k}`, type: 'view', timestampMs: 1_700_000_000_000 + k }));
      try {
        const response = await fetch(`${url}/v1/events`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-API-Key': ADMIN_KEY },
          body: JSON.stringify({ events }),
        });
        if (response.status === 200 || response.status === 201) acknowledged.push({ user, count: 200 });
        else if (!killed) assert.fail(`batch answered ${response.status}: ${await response.text()}`);
      } catch {
        return; // the connection died with the server
      }
      if (acknowledged.length >= 40 && !killed) {
        killed = true;
        server.kill('SIGKILL');
      }
    }
  };
  await Promise.all([0, 1, 2, 3].map(client));
  if (!killed) server.kill('SIGKILL');
  assert.ok(acknowledged.length >= 40, `only ${acknowledged.length} batches were acknowledged before the clients stopped`);
  assert.equal(await exited, 'SIGKILL');
  const store = new SqliteEventStore(join(dir, 'events.sqlite'));
  try {
    for (const { user, count } of acknowledged) {
      assert.equal((await store.userEvents(user)).length, count, `acknowledged batch of ${user}`);
    }
    // Batches in flight at the kill are stored whole or not at all.
    const { events } = await store.counts();
    assert.equal(events % 200, 0, `${events} events: a partial batch was stored`);
    assert.ok(events >= acknowledged.length * 200);
  } finally {
    await store.close();
  }
});
