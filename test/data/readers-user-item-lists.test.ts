import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readUserItemLists, readUserItemPairs } from '../../src/data/readers/user-item-lists.js';

const dir = mkdtempSync(path.join(tmpdir(), 'recoder-readers-lists-'));
after(() => rmSync(dir, { recursive: true, force: true }));
function fixture(name: string, content: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

test('user item lists: items in line order, timestamps are positions within the user', async () => {
  const file = fixture('user_sequence.txt', 'A1 B7 B3 B7x\r\nA2\tB3  B9 \n\n');
  const { dataset, report } = await readUserItemLists(file);
  assert.equal(dataset.name, 'user_sequence');
  assert.deepEqual(dataset.users.ids(), ['A1', 'A2']);
  assert.deepEqual(dataset.items.ids(), ['B7', 'B3', 'B7x', 'B9']);
  const log = dataset.interactions;
  assert.deepEqual([...log.users], [0, 0, 0, 1, 1]);
  assert.deepEqual([...log.items], [0, 1, 2, 1, 3]);
  assert.deepEqual([...log.timestamps], [0, 1, 2, 0, 1]);
  assert.ok(log.values.every(Number.isNaN), 'no values in an implicit list');
  assert.equal(dataset.hasTimestamps, true);
  assert.equal(dataset.hasRatings, false);
  assert.equal(report.linesRead, 2);
});

test('user item lists: a user without items (or a comma-separated line) says the delimiter may be wrong', async () => {
  const file = fixture('commas.txt', 'A1 B1 B2\nA2,B1,B2\n');
  await assert.rejects(readUserItemLists(file), {
    name: 'DataFormatError',
    file,
    line: 2,
    reason: /expected a user id and at least one item id separated by whitespace but found a single field 'A2,B1,B2': the delimiter may be wrong \(expected whitespace\)/,
  });
});

test('user item lists: an empty file is an error at line 0', async () => {
  const file = fixture('empty-lists.txt', '');
  await assert.rejects(readUserItemLists(file), { file, line: 0, reason: 'file is empty' });
});

test('user item lists: skipInvalid skips the bad lines', async () => {
  const file = fixture('mixed-lists.txt', 'A1 B1\nA2\nA3 B2 B3\n');
  const { dataset, report } = await readUserItemLists(file, { skipInvalid: true });
  assert.deepEqual(dataset.users.ids(), ['A1', 'A3']);
  assert.deepEqual(report.skipReasons, { 'wrong field count': 1 });
  assert.equal(report.firstSkipped[0], `${file}:2: expected a user id and at least one item id separated by whitespace but found a single field 'A2': the delimiter may be wrong (expected whitespace)`);
});

test('user item pairs: one interaction per line in file order, no timestamps', async () => {
  const file = fixture('Video.txt', '1 6393\n1 13504\n2\t6393\n');
  const { dataset } = await readUserItemPairs(file);
  assert.equal(dataset.name, 'Video');
  assert.deepEqual(dataset.users.ids(), ['1', '2']);
  assert.deepEqual(dataset.items.ids(), ['6393', '13504']);
  assert.deepEqual([...dataset.interactions.users], [0, 0, 1]);
  assert.deepEqual([...dataset.interactions.items], [0, 1, 0]);
  assert.equal(dataset.hasTimestamps, false);
  assert.ok(Number.isNaN(dataset.interactions.timestamps[0]!));
});

test('user item pairs: truncated, extra-field, wrong-delimiter and empty files are errors', async () => {
  await assert.rejects(readUserItemPairs(fixture('truncated-pairs.txt', '1 2\n3\n')), {
    line: 2,
    reason: /expected 2 fields \(user item\) separated by whitespace but found a single field '3'/,
  });
  await assert.rejects(readUserItemPairs(fixture('three.txt', '1 2 3\n')), {
    line: 1,
    reason: "expected 2 fields (user item) separated by whitespace but found 3 in '1 2 3' (truncated or malformed line?)",
  });
  await assert.rejects(readUserItemPairs(fixture('comma-pairs.txt', '1,2\n')), { line: 1, reason: /the delimiter may be wrong/ });
  await assert.rejects(readUserItemPairs(fixture('empty-pairs.txt', '')), { line: 0, reason: 'file is empty' });
});

test('user item pairs: skipInvalid counts skipped lines', async () => {
  const file = fixture('mixed-pairs.txt', '1 2\n3\n4 5 6\n7 8\n');
  const { dataset, report } = await readUserItemPairs(file, { skipInvalid: true });
  assert.equal(dataset.interactions.length, 2);
  assert.equal(report.skipped, 2);
  assert.deepEqual(report.skipReasons, { 'wrong field count': 2 });
});
