import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { lineBatches, readLines } from '../../src/data/readers/lines.js';

const dir = mkdtempSync(path.join(tmpdir(), 'recoder-readers-lines-'));
after(() => rmSync(dir, { recursive: true, force: true }));
function fixture(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

async function allLines(file: string, options = {}): Promise<Array<[number, string]>> {
  const out: Array<[number, string]> = [];
  for await (const { line, lineNumber } of readLines(file, options)) out.push([lineNumber, line]);
  return out;
}

test('lines keep their 1-based numbers, lose \\r\\n, and keep blank lines and a last line without newline', async () => {
  const file = fixture('crlf.txt', 'a\r\nb\r\n\r\nc\nlast');
  assert.deepEqual(await allLines(file), [
    [1, 'a'],
    [2, 'b'],
    [3, ''],
    [4, 'c'],
    [5, 'last'],
  ]);
});

test('a UTF-8 byte order mark is dropped and an empty file yields no lines', async () => {
  assert.deepEqual(await allLines(fixture('bom.txt', '\uFEFFuser,item\n1,2\n')), [
    [1, 'user,item'],
    [2, '1,2'],
  ]);
  assert.deepEqual(await allLines(fixture('empty.txt', '')), []);
});

test('tiny chunks split lines, \\r\\n pairs and multi-byte characters without damage', async () => {
  const text = 'Misérables, Les\r\n東京物語\r\nplain\r\n';
  const file = fixture('utf8.txt', text);
  const lines: string[] = [];
  let batches = 0;
  let nextNumber = 1;
  for await (const batch of lineBatches(file, { chunkBytes: 3 })) {
    assert.equal(batch.firstLineNumber, nextNumber, 'batches are consecutive');
    nextNumber += batch.lines.length;
    lines.push(...batch.lines);
    batches++;
  }
  assert.deepEqual(lines, ['Misérables, Les', '東京物語', 'plain']);
  assert.ok(batches > 1, 'a 3-byte chunk size must produce several batches');
});

test('latin1 decoding reads MovieLens-style titles', async () => {
  const file = fixture('latin1.txt', Buffer.from('73::Mis\xe9rables, Les (1995)::Drama\n', 'latin1'));
  assert.deepEqual(await allLines(file, { encoding: 'latin1' }), [[1, '73::Misérables, Les (1995)::Drama']]);
  // The same bytes read as UTF-8 do not decode to the accent: the option matters.
  assert.notEqual((await allLines(file))[0]![1], '73::Misérables, Les (1995)::Drama');
});
