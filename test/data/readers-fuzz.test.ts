/**
 * Property-based fuzzing of every dataset reader (issue 16, item 18), with
 * fast-check: files made of plausible lines with hostile fields (NUL, control
 * bytes, unpaired surrogates, huge, negative, fractional and non-finite
 * numbers, wrong field counts, quotes, long lines) and of arbitrary bytes.
 * The property: a reader either reads the file or rejects it with a
 * DataFormatError (which names the file and line), with or without
 * --skip-invalid; never another exception. Seeded and bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { DataFormatError } from '../../src/data/errors.js';
import { readDataset, type DatasetFormat, type DatasetReadOptions } from '../../src/data/readers/index.js';

const SEED = 1_616;
const RUNS_PER_READER = 40;

const field = fc.oneof(
  { weight: 6, arbitrary: fc.oneof(fc.integer({ min: 0, max: 50 }).map(String), fc.constantFrom('u1', 'i2', '4.5', '3', '978300760')) },
  {
    weight: 3,
    arbitrary: fc.constantFrom('', ' ', '-1', '1e309', 'Infinity', 'NaN', '0x1f', '1.5e-7', '99999999999999999999999', '"', '""', '"a,b"', '\u0000', '\u001b[2J', '\ud800', '\ufeff', '\r', 'x'.repeat(5000), '::', '|', '\t'),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
);
const line = (separator: string) => fc.array(field, { minLength: 0, maxLength: 6 }).map((fields) => fields.join(separator));
const text = (separator: string, header?: string) =>
  fc
    .tuple(fc.array(line(separator), { maxLength: 8 }), fc.constantFrom('\n', '\r\n'), fc.boolean())
    .map(([lines, newline, trailing]) => (header !== undefined ? [header, ...lines] : lines).join(newline) + (trailing ? newline : ''));
const bytes = fc.uint8Array({ maxLength: 200 }).map((array) => Buffer.from(array));
const contents = (separator: string, header?: string) => fc.oneof({ weight: 4, arbitrary: text(separator, header).map((t) => Buffer.from(t, 'utf8')) }, { weight: 1, arbitrary: bytes });

interface ReaderCase {
  readonly format: DatasetFormat;
  /** Files to write (relative to the location); the location is a folder when there are several. */
  readonly files: Record<string, fc.Arbitrary<Buffer>>;
  readonly folder: boolean;
  readonly options?: DatasetReadOptions;
}

const CASES: ReaderCase[] = [
  { format: 'ml-100k', folder: true, files: { 'u.data': contents('\t'), 'u.item': contents('|'), 'u.user': contents('|'), 'u.genre': contents('|') } },
  { format: 'ml-1m', folder: true, files: { 'ratings.dat': contents('::'), 'movies.dat': contents('::'), 'users.dat': contents('::') } },
  {
    format: 'ml-latest',
    folder: true,
    files: {
      'ratings.csv': contents(',', 'userId,movieId,rating,timestamp'),
      'movies.csv': contents(',', 'movieId,title,genres'),
      'tags.csv': contents(',', 'userId,movieId,tag,timestamp'),
    },
  },
  {
    format: 'delimited',
    folder: false,
    files: { 'data.csv': contents(',', 'user,item,rating,timestamp') },
    options: { delimited: { columns: { user: 'user', item: 'item', rating: 'rating', timestamp: 'timestamp' } as never, delimiter: ',', header: true } },
  },
  { format: 'user-item-pairs', folder: false, files: { 'pairs.txt': contents(' ') } },
  { format: 'user-item-lists', folder: false, files: { 'lists.txt': contents(' ') } },
  { format: 'session-clicks', folder: false, files: { 'clicks.txt': contents('\t', 'SessionId\tItemId\tTime') } },
  { format: 'diginetica-views', folder: false, files: { 'views.csv': contents(';', 'session_id;user_id;item_id;timeframe;eventdate') } },
];

const jsonLine = fc.oneof(
  fc.record({ user: field, item: field, rating: fc.oneof(field, fc.double(), fc.constant(null)), timestamp: fc.oneof(field, fc.integer()) }, { requiredKeys: [] }).map((r) => JSON.stringify(r)),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.constantFrom('{', '[]', 'null', '{"user": "u", "item": "i", "rating": 1e309}', '{"__proto__": {"user": 1}}', `${'['.repeat(3000)}${']'.repeat(3000)}`),
);
CASES.push({
  format: 'jsonl',
  folder: false,
  files: { 'data.jsonl': fc.oneof({ weight: 4, arbitrary: fc.array(jsonLine, { maxLength: 8 }).map((lines) => Buffer.from(lines.join('\n'), 'utf8')) }, { weight: 1, arbitrary: bytes }) },
  options: { jsonLines: { fields: { user: 'user', item: 'item', rating: 'rating', timestamp: 'timestamp' } as never } },
});

for (const [index, reader] of CASES.entries()) {
  test(`fuzz: the ${reader.format} reader reads a file or rejects it with a DataFormatError, never another exception`, async () => {
    const root = mkdtempSync(join(tmpdir(), 'recoder-reader-fuzz-'));
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.record(reader.files), fc.boolean(), async (files, skipInvalid) => {
          const dir = join(root, String(run++));
          mkdirSync(dir);
          for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
          const location = reader.folder ? dir : join(dir, Object.keys(files)[0]!);
          try {
            await readDataset(reader.format, location, { ...reader.options, skipInvalid });
          } catch (error) {
            assert.ok(error instanceof DataFormatError, `${reader.format}: ${(error as Error)?.stack ?? String(error)}`);
            assert.ok(error.message.includes(dir), `the message names the file: ${error.message}`);
          }
        }),
        { seed: SEED + index, numRuns: RUNS_PER_READER, endOnFailure: true },
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}
