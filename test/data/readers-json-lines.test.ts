import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readJsonLines } from '../../src/data/readers/json-lines.js';

const dir = mkdtempSync(path.join(tmpdir(), 'recoder-readers-jsonl-'));
after(() => rmSync(dir, { recursive: true, force: true }));
function fixture(name: string, content: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

const FIELDS = { user: 'u', item: 'i', rating: 'r', timestamp: 't' };

test('JSON lines are read exactly; numeric ids become text and numeric strings are accepted', async () => {
  const file = fixture(
    'ok.jsonl',
    '{"u":"alice","i":42,"r":4,"t":100}\n\n{"u":"bob","i":"42","r":"2.5","t":200,"extra":true}\r\n',
  );
  const { dataset, report } = await readJsonLines(file, { fields: FIELDS });
  assert.equal(dataset.name, 'ok');
  assert.deepEqual(dataset.users.ids(), ['alice', 'bob']);
  assert.deepEqual(dataset.items.ids(), ['42']);
  assert.deepEqual([...dataset.interactions.values], [4, 2.5]);
  assert.deepEqual([...dataset.interactions.timestamps], [100, 200]);
  assert.equal(dataset.hasRatings, true);
  assert.equal(report.linesRead, 2);
});

test('event types, weights and ISO timestamps', async () => {
  const file = fixture('events.jsonl', '{"u":"a","i":"x","type":"view","w":3,"at":"2021-06-01T00:00:00Z"}\n');
  const { dataset } = await readJsonLines(file, {
    fields: { user: 'u', item: 'i', eventType: 'type', weight: 'w', timestamp: 'at' },
    timestampFormat: 'iso',
  });
  assert.deepEqual(dataset.interactions.eventTypes, ['view']);
  assert.equal(dataset.interactions.values[0], 3);
  assert.equal(dataset.interactions.timestamps[0], Date.UTC(2021, 5, 1) / 1000);
  assert.equal(dataset.hasRatings, false);
});

test('a truncated line is invalid JSON at its line number', async () => {
  const file = fixture('truncated.jsonl', '{"u":"a","i":"x","r":4,"t":1}\n{"u":"b","i":"y","r":\n');
  await assert.rejects(readJsonLines(file, { fields: FIELDS }), {
    name: 'DataFormatError',
    file,
    line: 2,
    reason: /^invalid JSON \(.*\) in '\{"u":"b","i":"y","r":'/,
  });
});

test('a non-numeric rating, a missing field and a non-object line name what is wrong', async () => {
  const badRating = fixture('bad-rating.jsonl', '{"u":"a","i":"x","r":"great","t":1}\n');
  await assert.rejects(readJsonLines(badRating, { fields: FIELDS }), { line: 1, field: 'r', reason: "'great' is not a finite number" });
  const missing = fixture('missing.jsonl', '{"u":"a","r":4,"t":1}\n');
  await assert.rejects(readJsonLines(missing, { fields: FIELDS }), { line: 1, field: 'i', reason: 'is missing' });
  const array = fixture('array.jsonl', '["a","x",4,1]\n');
  await assert.rejects(readJsonLines(array, { fields: FIELDS }), { line: 1, reason: /expected a JSON object per line/ });
  const emptyId = fixture('empty-id.jsonl', '{"u":"","i":"x","r":4,"t":1}\n');
  await assert.rejects(readJsonLines(emptyId, { fields: FIELDS }), { line: 1, field: 'u', reason: 'is empty, expected an id' });
});

test('an empty file is an error at line 0', async () => {
  const file = fixture('empty.jsonl', '');
  await assert.rejects(readJsonLines(file, { fields: FIELDS }), { name: 'DataFormatError', file, line: 0, reason: 'file is empty' });
});

test('a CSV line given to the JSON lines reader (wrong format) is reported as invalid JSON', async () => {
  const file = fixture('csv.jsonl', 'a,x,4,1\n');
  await assert.rejects(readJsonLines(file, { fields: FIELDS }), { line: 1, reason: /invalid JSON .* in 'a,x,4,1'/ });
});

test('skipInvalid counts skipped lines by reason', async () => {
  const file = fixture(
    'mixed.jsonl',
    ['{"u":"a","i":"x","r":4,"t":1}', '{"u":"b"', '{"u":"c","i":"y","r":"?","t":1}', '{"u":"d","r":1,"t":1}', '{"u":"e","i":"z","r":5,"t":2}'].join('\n'),
  );
  const { dataset, report } = await readJsonLines(file, { fields: FIELDS, skipInvalid: true });
  assert.deepEqual(dataset.users.ids(), ['a', 'e']);
  assert.equal(report.skipped, 3);
  assert.deepEqual(report.skipReasons, { 'invalid JSON': 1, 'not a finite number (r)': 1, 'missing field (i)': 1 });
  assert.equal(report.firstSkipped.length, 3);
  assert.ok(report.firstSkipped[0]!.startsWith(`${file}:2: invalid JSON`));
});
