import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteEventStore } from '../../src/store/sqlite-store.js';
import { eventStoreContract } from './contract.js';

const freshPath = () => join(mkdtempSync(join(tmpdir(), 'recoder-store-')), 'events.sqlite');

eventStoreContract('sqlite', async () => new SqliteEventStore(freshPath()));

test('sqlite: data survives closing and reopening the file', async () => {
  const path = freshPath();
  const store = new SqliteEventStore(path);
  await store.insertEvents([{ userId: 'u', itemId: 'i', type: 'view', timestampMs: 5 }]);
  await store.close();
  const reopened = new SqliteEventStore(path);
  assert.deepEqual(await reopened.counts(), { users: 1, items: 1, events: 1 });
  await reopened.close();
});

test('sqlite: SIGKILL during a bulk ingest loses no acknowledged batch', async () => {
  const path = freshPath();
  // Outside test/: the test runner runs every .js file under a 'test' folder.
  const writer = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-support', 'ingest-writer.js');
  const child = spawn(process.execPath, [writer, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  let acknowledged = 0;
  let buffer = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        const match = /^acked (\d+)$/.exec(line);
        if (match) acknowledged = Number(match[1]);
      }
      // Kill mid-stream, while batches are still being written.
      if (acknowledged >= 20) child.kill('SIGKILL');
    });
    child.on('exit', () => resolve());
    child.on('error', reject);
  });
  assert.ok(acknowledged >= 20, `writer acknowledged ${acknowledged} batches before being killed`);
  const store = new SqliteEventStore(path);
  const { events } = await store.counts();
  // Every acknowledged batch (500 events each) is there; a batch in flight is all or nothing.
  assert.ok(events >= acknowledged * 500, `${events} events stored, ${acknowledged * 500} acknowledged`);
  assert.equal(events % 500, 0, 'no partial batch');
  await store.close();
});

test('sqlite: popular items read on the worker connection equal the in-thread query, see new writes, and stop with the store', async () => {
  const path = freshPath();
  const store = new SqliteEventStore(path);
  await store.upsertItems([
    { id: 'a', categories: ['x'] },
    { id: 'b', categories: ['x', 'y'] },
    { id: 'c', categories: ['y'] },
  ]);
  const events = [
    ['u1', 'a', 10], ['u2', 'a', 20], ['u3', 'a', 30], ['u1', 'b', 40], ['u2', 'b', 50], ['u1', 'c', 60], ['u1', 'a', 70],
  ] as const;
  await store.insertEvents(events.map(([userId, itemId, timestampMs]) => ({ userId, itemId, type: 'view', timestampMs })));
  const inThread = new SqliteEventStore(path, Date.now, { readOnWorker: false });
  const queries = [{ limit: 10 }, { limit: 2 }, { limit: 10, sinceMs: 35 }, { limit: 10, category: 'y' }, { limit: 10, excludeItemIds: ['a'] }];
  for (const query of queries) {
    assert.deepEqual(await store.popularItems(query), await inThread.popularItems(query), JSON.stringify(query));
  }
  assert.deepEqual(await store.popularItems({ limit: 1 }), [{ itemId: 'a', users: 3 }]);
  // A write committed on the main connection is visible to the worker's next read.
  await store.insertEvents(['u4', 'u5', 'u6', 'u7'].map((userId) => ({ userId, itemId: 'c', type: 'view', timestampMs: 80 })));
  assert.deepEqual(await store.popularItems({ limit: 1 }), [{ itemId: 'c', users: 5 }]);
  await inThread.close();
  await store.close();
  await assert.rejects(store.popularItems({ limit: 1 }), /the store is closed/);
});

test('sqlite: a store left open does not keep the process alive after its read worker answered', async () => {
  const path = freshPath();
  const seeded = new SqliteEventStore(path);
  await seeded.insertEvents([{ userId: 'u', itemId: 'i', type: 'view', timestampMs: 5 }]);
  await seeded.close();
  // Outside test/: the test runner runs every .js file under a 'test' folder.
  const script = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-support', 'popular-without-close.js');
  const child = spawn(process.execPath, [script, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(killer);
  assert.equal(code, 0, 'the process exited by itself');
  assert.deepEqual(JSON.parse(output), [{ itemId: 'i', users: 1 }]);
});
