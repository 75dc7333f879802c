import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readDelimited } from '../../src/data/readers/delimited.js';
import { DataFormatError } from '../../src/data/errors.js';

const dir = mkdtempSync(path.join(tmpdir(), 'recoder-readers-delimited-'));
after(() => rmSync(dir, { recursive: true, force: true }));
function fixture(name: string, content: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

const RATINGS = { user: 'user', item: 'item', rating: 'rating', timestamp: 'ts' };

test('a CSV with a header is read exactly: ids as written, ratings, timestamps', async () => {
  const file = fixture('ok.csv', 'user,item,rating,ts\nu1,i1,4.5,100\nu2,i1,3,200\r\nu1,007,1,300\n\n');
  const { dataset, report } = await readDelimited(file, { header: true, columns: RATINGS });
  assert.equal(dataset.name, 'ok');
  assert.deepEqual(dataset.users.ids(), ['u1', 'u2']);
  assert.deepEqual(dataset.items.ids(), ['i1', '007'], 'ids are kept as text, leading zeros included');
  const log = dataset.interactions;
  assert.deepEqual([...log.users], [0, 1, 0]);
  assert.deepEqual([...log.items], [0, 0, 1]);
  assert.deepEqual([...log.values], [4.5, 3, 1]);
  assert.deepEqual([...log.timestamps], [100, 200, 300]);
  assert.equal(dataset.hasRatings, true);
  assert.equal(dataset.hasTimestamps, true);
  assert.deepEqual(report, {
    files: [file],
    linesRead: 3,
    interactions: 3,
    skipped: 0,
    skipReasons: {},
    firstSkipped: [],
    unmatchedAttributeRows: 0,
  });
});

test('columns by index without a header; weight without rating gives implicit values', async () => {
  const file = fixture('weights.tsv', 'click\t10\ta\t2\nbuy\t11\tb\t0.5\n');
  const { dataset } = await readDelimited(file, {
    delimiter: '\t',
    columns: { user: 2, item: 1, weight: 3, eventType: 0 },
  });
  assert.deepEqual(dataset.users.ids(), ['a', 'b']);
  assert.deepEqual(dataset.items.ids(), ['10', '11']);
  assert.deepEqual([...dataset.interactions.values], [2, 0.5]);
  assert.deepEqual([...dataset.interactions.eventTypeCodes], [0, 1]);
  assert.deepEqual(dataset.interactions.eventTypes, ['click', 'buy']);
  assert.ok(Number.isNaN(dataset.interactions.timestamps[0]!));
  assert.equal(dataset.hasRatings, false, 'a weight is not an explicit rating');
  assert.equal(dataset.hasTimestamps, false);
});

test('timestamp formats: unix-ms and ISO 8601 become Unix seconds', async () => {
  const ms = fixture('ms.csv', 'u,i,1500000000123\n');
  const iso = fixture('iso.csv', 'u,i,2020-01-02T03:04:05Z\n');
  const columns = { user: 0, item: 1, timestamp: 2 };
  const fromMs = await readDelimited(ms, { columns, timestampFormat: 'unix-ms' });
  assert.equal(fromMs.dataset.interactions.timestamps[0], 1500000000.123);
  const fromIso = await readDelimited(iso, { columns, timestampFormat: 'iso' });
  assert.equal(fromIso.dataset.interactions.timestamps[0], Date.UTC(2020, 0, 2, 3, 4, 5) / 1000);
  await assert.rejects(readDelimited(iso, { columns }), {
    name: 'DataFormatError',
    line: 1,
    field: 'timestamp',
    reason: /'2020-01-02T03:04:05Z' is not a finite number/,
  });
  const badIso = fixture('bad-iso.csv', 'u,i,yesterday\n');
  await assert.rejects(readDelimited(badIso, { columns, timestampFormat: 'iso' }), {
    line: 1,
    reason: /'yesterday' is not an ISO 8601 date-time/,
  });
});

test('quoted CSV: delimiters, newlines and doubled quotes inside fields', async () => {
  const file = fixture('quoted.csv', 'user,item,rating\n"Smith, J","The ""Best"" one",5\n"multi\nline",x,4\n');
  const { dataset } = await readDelimited(file, { header: true, quoted: true, columns: { user: 'user', item: 'item', rating: 'rating' } });
  assert.deepEqual(dataset.users.ids(), ['Smith, J', 'multi\nline']);
  assert.deepEqual(dataset.items.ids(), ['The "Best" one', 'x']);
  assert.deepEqual([...dataset.interactions.values], [5, 4]);
});

test('a truncated line names the file, line and the expected field count', async () => {
  const file = fixture('truncated.csv', 'user,item,rating,ts\nu1,i1,4,100\nu2,i2,5\n');
  await assert.rejects(readDelimited(file, { header: true, columns: RATINGS }), (error: unknown) => {
    assert.ok(error instanceof DataFormatError);
    assert.equal(error.file, file);
    assert.equal(error.line, 3);
    assert.match(error.reason, /expected 4 fields \(as in the header\) separated by ',' but found 3 in 'u2,i2,5'/);
    assert.equal(error.message, `${file}:3: ${error.reason}`);
    return true;
  });
});

test('without a header the first data line sets the field count', async () => {
  const file = fixture('no-header-truncated.csv', 'u1,i1,4,100\nu2,i2\n');
  await assert.rejects(readDelimited(file, { columns: { user: 0, item: 1 } }), {
    line: 2,
    reason: /expected 4 fields \(as on line 1, the first data line\)/,
  });
});

test('a non-numeric or non-finite rating is an error naming the field and the value', async () => {
  const file = fixture('bad-rating.csv', 'user,item,rating,ts\nu1,i1,4,100\nu1,i2,five,100\n');
  await assert.rejects(readDelimited(file, { header: true, columns: RATINGS }), {
    name: 'DataFormatError',
    file,
    line: 3,
    field: 'rating',
    reason: /'five' is not a finite number/,
    message: `${file}:3: field 'rating': 'five' is not a finite number`,
  });
  const infinite = fixture('infinite.csv', 'user,item,rating,ts\nu1,i1,Infinity,100\n');
  await assert.rejects(readDelimited(infinite, { header: true, columns: RATINGS }), { line: 2, field: 'rating' });
  const emptyTs = fixture('empty-ts.csv', 'user,item,rating,ts\nu1,i1,4,\n');
  await assert.rejects(readDelimited(emptyTs, { header: true, columns: RATINGS }), {
    line: 2,
    field: 'ts',
    reason: 'is empty, expected a number',
  });
});

test('an empty file is an error at line 0, and so is a header without data', async () => {
  const empty = fixture('empty.csv', '');
  await assert.rejects(readDelimited(empty, { header: true, columns: RATINGS }), {
    name: 'DataFormatError',
    file: empty,
    line: 0,
    reason: 'file is empty',
  });
  const blank = fixture('blank.csv', '\n  \n');
  await assert.rejects(readDelimited(blank, { columns: { user: 0, item: 1 } }), { line: 0, reason: 'file is empty' });
  const headerOnly = fixture('header-only.csv', 'user,item,rating,ts\n');
  await assert.rejects(readDelimited(headerOnly, { header: true, columns: RATINGS }), {
    line: 0,
    reason: /no interactions: the file has no data lines/,
  });
});

test('a wrong delimiter is reported as such, naming the expected one', async () => {
  const tabs = fixture('tabs.tsv', 'u1\ti1\t4\t100\n');
  await assert.rejects(readDelimited(tabs, { columns: { user: 0, item: 1, rating: 2 } }), {
    line: 1,
    reason: /found a single field 'u1\\ti1\\t4\\t100': the delimiter may be wrong \(expected ','\)/,
  });
  const tabsWithHeader = fixture('tabs-header.tsv', 'user\titem\trating\tts\nu1\ti1\t4\t100\n');
  await assert.rejects(readDelimited(tabsWithHeader, { header: true, columns: RATINGS }), {
    line: 1,
    field: 'user',
    reason: /the header is a single column, so the delimiter may be wrong \(expected ','\)/,
  });
  await assert.rejects(readDelimited(tabs, { delimiter: ';', columns: { user: 0, item: 1 } }), {
    reason: /expected ';'/,
  });
});

test('a missing header column and an empty id are errors naming the field', async () => {
  const file = fixture('named.csv', 'userId,movieId,rating\nu1,,4\n');
  await assert.rejects(readDelimited(file, { header: true, columns: { user: 'userId', item: 'itemId' } }), {
    line: 1,
    field: 'itemId',
    reason: "no such column in the header (columns: 'userId', 'movieId', 'rating')",
  });
  await assert.rejects(readDelimited(file, { header: true, columns: { user: 'userId', item: 'movieId' } }), {
    line: 2,
    field: 'movieId',
    reason: 'is empty, expected an id',
  });
});

test('skipInvalid skips bad lines, counts them by reason and quotes the first ones', async () => {
  const file = fixture(
    'mixed.csv',
    ['user,item,rating,ts', 'u1,i1,4,100', 'u2,i2', 'u3,i3,x,100', 'u4,i4,y,100', ',i5,3,100', 'u6,i6,5,600'].join('\n'),
  );
  const { dataset, report } = await readDelimited(file, { header: true, columns: RATINGS, skipInvalid: true });
  assert.deepEqual(dataset.users.ids(), ['u1', 'u6'], 'skipped lines add no ids');
  assert.deepEqual(dataset.items.ids(), ['i1', 'i6']);
  assert.equal(report.linesRead, 6);
  assert.equal(report.interactions, 2);
  assert.equal(report.skipped, 4);
  assert.deepEqual(report.skipReasons, {
    'wrong field count': 1,
    'not a finite number (rating)': 2,
    'empty id (user)': 1,
  });
  assert.equal(report.firstSkipped.length, 4);
  assert.match(report.firstSkipped[0]!, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: expected 4 fields`));
});

test('skipInvalid with every line bad still fails, saying all lines were skipped', async () => {
  const file = fixture('all-bad.csv', 'u1;i1\nu2;i2\n');
  await assert.rejects(readDelimited(file, { columns: { user: 0, item: 1 }, skipInvalid: true }), {
    line: 0,
    reason: /all 2 data lines were skipped/,
  });
});

test('option mistakes are TypeErrors raised before reading', async () => {
  const file = fixture('any.csv', 'u,i,1\n');
  await assert.rejects(readDelimited(file, { columns: { user: 'user', item: 1 } }), TypeError);
  await assert.rejects(readDelimited(file, { columns: { user: 0, item: 1, rating: 2, weight: 2 } }), /either a rating column or a weight column/);
});
