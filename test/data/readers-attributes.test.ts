import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readAttributeTable } from '../../src/data/readers/attributes.js';
import { IdMap } from '../../src/data/id-map.js';

const dir = mkdtempSync(path.join(tmpdir(), 'recoder-readers-attributes-'));
after(() => rmSync(dir, { recursive: true, force: true }));
function fixture(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

const items = IdMap.fromIds(['m2', 'm1', 'm3']);

test('rows line up with the id map; lists are split, numbers converted, unknown ids counted', async () => {
  const file = fixture('items.csv', 'id,title,genres,year\nm1,One,A|B,1999\nm9,Unknown,A,2000\nm2,Two,,\n');
  const { table, report } = await readAttributeTable(file, items, {
    idColumn: 'id',
    listColumns: { genres: '|' },
    numberColumns: ['year'],
  });
  assert.deepEqual(table.columns, ['title', 'genres', 'year']);
  assert.deepEqual(table.rows[0], { title: 'Two', genres: [] }, 'an empty number field is left out, an empty list is []');
  assert.deepEqual(table.rows[1], { title: 'One', genres: ['A', 'B'], year: 1999 });
  assert.equal(table.rows[2], undefined, 'm3 has no row');
  assert.equal(report.unmatchedAttributeRows, 1);
  assert.equal(report.linesRead, 3);
});

test('no header: index id column, given column names, latin1, quoted fields', async () => {
  const latin1 = fixture('items.dat', Buffer.from('m3|Mis\xe9rables|x\n', 'latin1'));
  const { table } = await readAttributeTable(latin1, items, {
    idColumn: 0,
    header: false,
    delimiter: '|',
    columnNames: ['id', 'title', 'code'],
    encoding: 'latin1',
  });
  assert.deepEqual(table.rows[2], { title: 'Misérables', code: 'x' });
  const quoted = fixture('quoted.csv', 'id,title\nm1,"Cry, the Beloved Country"\n');
  const read = await readAttributeTable(quoted, items, { idColumn: 'id', quoted: true });
  assert.deepEqual(read.table.rows[1], { title: 'Cry, the Beloved Country' });
});

test('a truncated line, a non-numeric number column, an empty file and a wrong delimiter are errors', async () => {
  const truncated = fixture('truncated.csv', 'id,title,year\nm1,One\n');
  await assert.rejects(readAttributeTable(truncated, items, { idColumn: 'id' }), {
    name: 'DataFormatError',
    file: truncated,
    line: 2,
    reason: /expected 3 fields separated by ',' but found 2/,
  });
  const notNumber = fixture('year.csv', 'id,title,year\nm1,One,soon\n');
  await assert.rejects(readAttributeTable(notNumber, items, { idColumn: 'id', numberColumns: ['year'] }), {
    line: 2,
    field: 'year',
    reason: "'soon' is not a finite number",
  });
  const empty = fixture('empty.csv', '');
  await assert.rejects(readAttributeTable(empty, items, { idColumn: 'id' }), { line: 0, reason: 'file is empty' });
  const tabs = fixture('tabs.tsv', 'id\ttitle\nm1\tOne\n');
  await assert.rejects(readAttributeTable(tabs, items, { idColumn: 'id' }), {
    line: 1,
    field: 'id',
    reason: /the delimiter may be wrong \(expected ','\)/,
  });
});

test('skipInvalid skips bad attribute lines and counts them', async () => {
  const file = fixture('mixed.csv', 'id,title\nm1,One\nm2\n,Nobody\nm3,Three\n');
  const { table, report } = await readAttributeTable(file, items, { idColumn: 'id', skipInvalid: true });
  assert.deepEqual(table.rows[1], { title: 'One' });
  assert.deepEqual(table.rows[2], { title: 'Three' });
  assert.equal(table.rows[0], undefined);
  assert.deepEqual(report.skipReasons, { 'wrong field count': 1, 'empty id (id)': 1 });
});
