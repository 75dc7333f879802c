import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DATASET_FORMATS,
  datasetFormatFromName,
  readDataset,
  readNamedDataset,
} from '../../src/data/readers/index.js';
import { dataDir } from '../../src/data/paths.js';

const root = mkdtempSync(path.join(tmpdir(), 'recoder-readers-index-'));
after(() => rmSync(root, { recursive: true, force: true }));
function fixture(relative: string, content: string): string {
  const file = path.join(root, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
}

test('dataDir follows RECODER_DATA_DIR and otherwise sits beside the working directory', () => {
  const saved = process.env.RECODER_DATA_DIR;
  try {
    process.env.RECODER_DATA_DIR = '/data/sets';
    assert.equal(dataDir(), '/data/sets');
    delete process.env.RECODER_DATA_DIR;
    assert.equal(dataDir(), path.resolve(process.cwd(), '..', 'shared', 'datasets'));
  } finally {
    if (saved === undefined) delete process.env.RECODER_DATA_DIR;
    else process.env.RECODER_DATA_DIR = saved;
  }
});

test('shared folder names map to a format and the file or folder to read', () => {
  assert.deepEqual(datasetFormatFromName('ml-1m', '/d'), { name: 'ml-1m', format: 'ml-1m', location: path.join('/d', 'ml-1m') });
  assert.equal(datasetFormatFromName('ml-100k', '/d').format, 'ml-100k');
  assert.equal(datasetFormatFromName('ml-latest-small', '/d').format, 'ml-latest');
  assert.equal(datasetFormatFromName('ml-25m', '/d').format, 'ml-latest');
  assert.deepEqual(datasetFormatFromName('amazon-beauty-5core-openp5', '/d'), {
    name: 'amazon-beauty-5core-openp5',
    format: 'user-item-lists',
    location: path.join('/d', 'amazon-beauty-5core-openp5', 'user_sequence.txt'),
  });
  assert.deepEqual(datasetFormatFromName('amazon-video-games-sasrec', '/d'), {
    name: 'amazon-video-games-sasrec',
    format: 'user-item-pairs',
    location: path.join('/d', 'amazon-video-games-sasrec', 'Video.txt'),
  });
  assert.equal(datasetFormatFromName('ml-1m').location, path.join(dataDir(), 'ml-1m'));
  assert.throws(() => datasetFormatFromName('netflix'), /unknown dataset 'netflix'; known datasets: ml-100k, ml-1m/);
  assert.throws(() => datasetFormatFromName('toString'), /unknown dataset/);
});

test('readNamedDataset reads a named folder under a given directory and names the dataset after it', async () => {
  fixture('amazon-video-games-sasrec/Video.txt', '1 10\n1 11\n2 10\n');
  const { dataset } = await readNamedDataset('amazon-video-games-sasrec', { directory: root });
  assert.equal(dataset.name, 'amazon-video-games-sasrec');
  assert.equal(dataset.interactions.length, 3);
});

test('readDataset dispatches every format and passes skipInvalid and the name through', async () => {
  assert.deepEqual([...DATASET_FORMATS], ['ml-100k', 'ml-1m', 'ml-latest', 'delimited', 'jsonl', 'user-item-lists', 'user-item-pairs', 'session-clicks', 'diginetica-views']);
  const csv = fixture('events.csv', 'u,i,w\na,x,1\nb\nc,y,2\n');
  const delimited = await readDataset('delimited', csv, {
    name: 'events',
    skipInvalid: true,
    delimited: { header: true, columns: { user: 'u', item: 'i', weight: 'w' } },
  });
  assert.equal(delimited.dataset.name, 'events');
  assert.equal(delimited.report.skipped, 1);
  const jsonl = fixture('events.jsonl', '{"u":"a","i":"x"}\n');
  assert.equal((await readDataset('jsonl', jsonl, { jsonLines: { fields: { user: 'u', item: 'i' } } })).dataset.interactions.length, 1);
  const lists = fixture('lists.txt', 'a x y\n');
  assert.equal((await readDataset('user-item-lists', lists)).dataset.interactions.length, 2);
  const ml1m = path.dirname(fixture('ml-1m/ratings.dat', '1::1::5::1\n'));
  fixture('ml-1m/implicit_full_resn/all_pairs_original_ids.tsv', 'UserID\tMovieID\n1\t1\n1\t2\n');
  const pairs = await readDataset('ml-1m', ml1m, { movieLens1m: { source: 'implicit-pairs' } });
  assert.equal(pairs.dataset.interactions.length, 2);
  assert.equal((await readDataset('ml-1m', ml1m)).dataset.hasRatings, true, 'ratings.dat is preferred when present');
  await assert.rejects(readDataset('delimited', csv), /format 'delimited' needs options.delimited/);
  await assert.rejects(readDataset('parquet' as never, csv), /unknown dataset format 'parquet'/);
});
