/** `recoder import` (issue 16, items 10 and 14): the user's own files, and re-runs that add nothing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteEventStore } from '../../src/store/sqlite-store.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');

function recoder(args: string[], cwd: string) {
  const run = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

async function countsOf(file: string) {
  const store = new SqliteEventStore(file);
  try {
    return await store.counts();
  } finally {
    await store.close();
  }
}

test('import of data without timestamps is idempotent: a re-run adds nothing, repeated lines stay two events', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recoder-import-'));
  const pairs = join(dir, 'pairs.txt');
  // user-item-pairs: 'user item' per line, no time; u1 i1 twice on purpose.
  writeFileSync(pairs, ['u1 i1', 'u1 i2', 'u2 i1', 'u1 i1', 'u3 i3'].join('\n') + '\n');
  const store = join(dir, 'events.sqlite');
  const first = recoder(['import', '-d', pairs, '--format', 'user-item-pairs', '--store', store, '-q', '--json'], dir);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(JSON.parse(first.stdout).events.inserted, 5);
  const again = recoder(['import', '-d', pairs, '--format', 'user-item-pairs', '--store', store, '-q', '--json'], dir);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(JSON.parse(again.stdout).events, { inserted: 0, duplicates: 5, total: 5 });
  assert.deepEqual(await countsOf(store), { users: 3, items: 3, events: 5 });
});

test('import reads the user\'s own CSV with --format delimited --columns --delimiter, as train and evaluate do', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recoder-import-'));
  const csv = join(dir, 'clicks.csv');
  writeFileSync(csv, ['who;what;when', 'alice;book-1;1700000000', 'alice;book-2;1700000100', 'bob;book-1;1700000200'].join('\n') + '\n');
  const store = join(dir, 'events.sqlite');
  const run = recoder(['import', '-d', csv, '--format', 'delimited', '--delimiter', ';', '--columns', 'user=who,item=what,timestamp=when', '--store', store, '-q', '--json'], dir);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(await countsOf(store), { users: 2, items: 2, events: 3 });
  const events = await (async () => {
    const s = new SqliteEventStore(store);
    try {
      return await s.userEvents('alice');
    } finally {
      await s.close();
    }
  })();
  assert.deepEqual(events.map((e) => [e.itemId, e.timestampMs]), [['book-1', 1_700_000_000_000], ['book-2', 1_700_000_100_000]]);
  // Without --columns: one line saying what to add.
  const missing = recoder(['import', '-d', csv, '--format', 'delimited', '--store', store], dir);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /--format delimited needs --columns/);
});
