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
