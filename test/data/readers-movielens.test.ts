import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readMovieLens100k } from '../../src/data/readers/movielens-100k.js';
import { readMovieLens1m, readMovieLensRatingsDat } from '../../src/data/readers/movielens-1m.js';
import { readMovieLensLatest } from '../../src/data/readers/movielens-latest.js';
import { dataDir } from '../../src/data/paths.js';

const root = mkdtempSync(path.join(tmpdir(), 'recoder-readers-movielens-'));
after(() => rmSync(root, { recursive: true, force: true }));
let folders = 0;
/** A fresh folder holding `files` (name → text; latin1 text is written as latin1 bytes). */
function folder(files: Record<string, string>, encoding: BufferEncoding = 'utf8'): string {
  const dir = path.join(root, `dataset-${folders++}`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), Buffer.from(text, encoding));
  }
  return dir;
}

// --- ml-100k ---------------------------------------------------------------

const ML100K = {
  'u.data': '196\t242\t3\t881250949\n186\t302\t3\t891717742\n196\t302\t5\t881250950\n',
  'u.genre': 'unknown|0\nAction|1\nComedy|2\n\n',
  'u.item': '242|Kolya (1996)|24-Jan-1997||http://imdb/kolya|0|0|1\n302|Misérables, Les (1995)|||http://imdb/mis|0|1|1\n999|Unrated (1999)|01-Jan-1999||u|1|0|0\n',
  'u.user': '196|49|M|writer|55105\n186|39|F|executive|T8H1N\n',
};

test('ml-100k: ratings, latin1 item titles, genre names from u.genre, user demographics', async () => {
  const { dataset, report } = await readMovieLens100k(folder(ML100K, 'latin1'));
  assert.equal(dataset.name, 'ml-100k');
  assert.deepEqual(dataset.users.ids(), ['196', '186']);
  assert.deepEqual(dataset.items.ids(), ['242', '302']);
  assert.deepEqual([...dataset.interactions.values], [3, 3, 5]);
  assert.deepEqual([...dataset.interactions.timestamps], [881250949, 891717742, 881250950]);
  assert.equal(dataset.hasRatings, true);
  assert.deepEqual(dataset.itemAttributes!.rows[0], {
    title: 'Kolya (1996)',
    releaseDate: '24-Jan-1997',
    url: 'http://imdb/kolya',
    genres: ['Comedy'],
  });
  assert.deepEqual(dataset.itemAttributes!.rows[1], { title: 'Misérables, Les (1995)', url: 'http://imdb/mis', genres: ['Action', 'Comedy'] });
  assert.deepEqual(dataset.userAttributes!.rows[1], { age: 39, gender: 'F', occupation: 'executive', zip: 'T8H1N' });
  assert.equal(report.unmatchedAttributeRows, 1, 'movie 999 has no ratings');
  assert.equal(report.files.length, 4);
});

test('ml-100k: truncated line, non-numeric rating, empty file, wrong delimiter', async () => {
  const truncated = folder({ 'u.data': '196\t242\t3\t881250949\n186\t302\t3\n' });
  await assert.rejects(readMovieLens100k(truncated), {
    name: 'DataFormatError',
    file: path.join(truncated, 'u.data'),
    line: 2,
    reason: /expected 4 fields separated by tab but found 3/,
  });
  const badRating = folder({ 'u.data': '196\t242\tthree\t881250949\n' });
  await assert.rejects(readMovieLens100k(badRating), { line: 1, field: 'rating', reason: "'three' is not a finite number" });
  const empty = folder({ 'u.data': '' });
  await assert.rejects(readMovieLens100k(empty), { line: 0, reason: 'file is empty' });
  const commas = folder({ 'u.data': '196,242,3,881250949\n' });
  await assert.rejects(readMovieLens100k(commas), { line: 1, reason: /single field .*the delimiter may be wrong \(expected tab\)/ });
  const badFlag = folder({ ...ML100K, 'u.item': '242|Kolya (1996)|24-Jan-1997||u|0|0|yes\n' });
  await assert.rejects(readMovieLens100k(badFlag), { line: 1, field: 'genre Comedy', reason: "'yes' is not a genre flag (expected 0 or 1)" });
});

test('ml-100k: skipInvalid counts skipped lines by reason; u.genre may be missing', async () => {
  const dir = folder({ 'u.data': '1\t10\t4\t100\n2\t20\n3\t30\tx\t300\n4\t40\t5\t400\n' });
  const { dataset, report } = await readMovieLens100k(dir, { skipInvalid: true });
  assert.deepEqual(dataset.users.ids(), ['1', '4']);
  assert.deepEqual(report.skipReasons, { 'wrong field count': 1, 'not a finite number (rating)': 1 });
  assert.equal(dataset.itemAttributes, undefined, 'no u.item, no item attributes');
  // Without u.genre the 19 documented genres are used.
  const flags = '0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0';
  const withItems = folder({ 'u.data': '1\t10\t4\t100\n', 'u.item': `10|Toy Story (1995)|01-Jan-1995||u|${flags}\n` });
  const read = await readMovieLens100k(withItems);
  assert.deepEqual(read.dataset.itemAttributes!.rows[0]!.genres, ['Animation', "Children's", 'Comedy']);
});

test('ml-100k: the real dataset', async () => {
  const { dataset, report } = await readMovieLens100k(path.join(dataDir(), 'ml-100k'));
  assert.equal(dataset.interactions.length, 100_000);
  assert.equal(dataset.users.size, 943);
  assert.equal(dataset.items.size, 1682);
  assert.equal(report.skipped, 0);
  const toyStory = dataset.itemAttributes!.rows[dataset.items.indexOf('1')]!;
  assert.equal(toyStory.title, 'Toy Story (1995)');
  assert.deepEqual(toyStory.genres, ['Animation', "Children's", 'Comedy']);
  const miserables = dataset.itemAttributes!.rows[dataset.items.indexOf('543')]!;
  assert.equal(miserables.title, 'Misérables, Les (1995)', 'u.item is latin1');
  assert.deepEqual(dataset.userAttributes!.rows[dataset.users.indexOf('1')], { age: 24, gender: 'M', occupation: 'technician', zip: '85711' });
});

// --- ml-1m -----------------------------------------------------------------

const ML1M_ATTRIBUTES = {
  'movies.dat': '1::Toy Story (1995)::Animation|Children\'s|Comedy\n73::Misérables, Les (1995)::Drama|Musical\n5::Unrated (1995)::Comedy\n',
  'users.dat': '1::F::1::10::48067\n2::M::56::16::70072\n',
};
const PAIRS = 'implicit_full_resn/all_pairs_original_ids.tsv';

test('ml-1m: ratings.dat with movies.dat (latin1) and users.dat', async () => {
  const dir = folder({ ...ML1M_ATTRIBUTES, 'ratings.dat': '1::1::5::978300760\n2::73::3::978302109\n1::73::4::978301968\n' }, 'latin1');
  const { dataset, report } = await readMovieLens1m(dir);
  assert.equal(dataset.name, 'ml-1m');
  assert.equal(dataset.hasRatings, true);
  assert.equal(dataset.hasTimestamps, true);
  assert.deepEqual(dataset.users.ids(), ['1', '2']);
  assert.deepEqual(dataset.items.ids(), ['1', '73']);
  assert.deepEqual([...dataset.interactions.values], [5, 3, 4]);
  assert.deepEqual([...dataset.interactions.timestamps], [978300760, 978302109, 978301968]);
  assert.deepEqual(dataset.itemAttributes!.rows[1], { title: 'Misérables, Les (1995)', genres: ['Drama', 'Musical'] });
  assert.deepEqual(dataset.userAttributes!.rows[0], { gender: 'F', age: 1, occupation: 10, zip: '48067' });
  assert.equal(report.unmatchedAttributeRows, 1);
});

test('ml-1m: without ratings.dat the implicit pairs are read; source ratings then fails clearly', async () => {
  const dir = folder({ ...ML1M_ATTRIBUTES, [PAIRS]: 'UserID\tMovieID\n1\t1\n1\t73\n2\t1\n' }, 'latin1');
  const { dataset } = await readMovieLens1m(dir);
  assert.equal(dataset.hasRatings, false);
  assert.equal(dataset.hasTimestamps, false);
  assert.deepEqual([...dataset.interactions.users], [0, 0, 1]);
  assert.deepEqual([...dataset.interactions.items], [0, 1, 0]);
  assert.ok(dataset.interactions.values.every(Number.isNaN));
  assert.deepEqual(dataset.itemAttributes!.rows[0], { title: 'Toy Story (1995)', genres: ['Animation', "Children's", 'Comedy'] });
  await assert.rejects(readMovieLens1m(dir, { source: 'ratings' }), /ratings\.dat does not exist; .*source 'implicit-pairs'/);
});

test('ml-1m: other UserID::MovieID::Rating::Timestamp files, alone or with the attributes', async () => {
  const dir = folder({ ...ML1M_ATTRIBUTES, 'split/ratings_val_original_ids.dat': '1875::1::4::975768738\n' }, 'latin1');
  const alone = await readMovieLensRatingsDat(path.join(dir, 'split/ratings_val_original_ids.dat'));
  assert.equal(alone.dataset.name, 'ratings_val_original_ids');
  assert.deepEqual([...alone.dataset.interactions.values], [4]);
  const withAttributes = await readMovieLens1m(dir, { ratingsFile: 'split/ratings_val_original_ids.dat' });
  assert.equal(withAttributes.dataset.name, 'ml-1m:ratings_val_original_ids');
  assert.equal(withAttributes.dataset.itemAttributes!.rows[0]!.title, 'Toy Story (1995)');
});

test('ml-1m: truncated line, non-numeric rating, empty file, wrong delimiter, skipInvalid', async () => {
  const truncated = folder({ 'ratings.dat': '1::1::5::978300760\n1::2::5\n' });
  await assert.rejects(readMovieLens1m(truncated), {
    line: 2,
    reason: "expected 4 fields separated by '::' but found 3 in '1::2::5' (truncated or malformed line?)",
  });
  const badRating = folder({ 'ratings.dat': '1::1::good::978300760\n' });
  await assert.rejects(readMovieLens1m(badRating), { line: 1, field: 'rating', reason: "'good' is not a finite number" });
  const empty = folder({ 'ratings.dat': '' });
  await assert.rejects(readMovieLens1m(empty), { file: path.join(empty, 'ratings.dat'), line: 0, reason: 'file is empty' });
  const tabs = folder({ 'ratings.dat': '1\t1\t5\t978300760\n' });
  await assert.rejects(readMovieLens1m(tabs), { line: 1, reason: /the delimiter may be wrong \(expected '::'\)/ });
  const pairsWithoutHeader = folder({ [PAIRS]: '1\t1\n' });
  await assert.rejects(readMovieLens1m(pairsWithoutHeader), { line: 1, field: 'UserID', reason: /no such column in the header/ });
  const mixed = folder({ 'ratings.dat': '1::1::5::1\n1::2\n2::3::5::x\n2::1::4::2\n' });
  const { dataset, report } = await readMovieLens1m(mixed, { skipInvalid: true });
  assert.equal(dataset.interactions.length, 2);
  assert.deepEqual(report.skipReasons, { 'wrong field count': 1, 'not a finite number (timestamp)': 1 });
});

// --- ml-latest ---------------------------------------------------------------

const ML_LATEST = {
  'ratings.csv': 'userId,movieId,rating,timestamp\r\n1,1,4.0,964982703\r\n1,11,0.5,964981247\r\n2,1,3.5,1445714835\r\n',
  'movies.csv':
    'movieId,title,genres\r\n1,Toy Story (1995),Adventure|Animation\r\n11,"American President, The (1995)",Comedy|Drama\r\n' +
    '7789,"11\'09""01 - September 11 (2002)",Drama\r\n',
  'tags.csv': 'userId,movieId,tag,timestamp\r\n2,1,pixar,1445714994\r\n3,1,"""fun"", really",1445714996\r\n2,1,pixar,1445714997\r\n',
  'links.csv': 'movieId,imdbId,tmdbId\r\n1,0114709,862\r\n11,0112346,\r\n',
};

test('ml-latest: ratings, quoted titles, genres, distinct tags and links', async () => {
  const dir = folder(ML_LATEST);
  const { dataset, report } = await readMovieLensLatest(dir);
  assert.equal(dataset.name, path.basename(dir));
  assert.deepEqual(dataset.users.ids(), ['1', '2']);
  assert.deepEqual(dataset.items.ids(), ['1', '11']);
  assert.deepEqual([...dataset.interactions.values], [4, 0.5, 3.5]);
  assert.deepEqual([...dataset.interactions.timestamps], [964982703, 964981247, 1445714835]);
  assert.deepEqual(dataset.itemAttributes!.rows[0], {
    title: 'Toy Story (1995)',
    genres: ['Adventure', 'Animation'],
    tags: ['pixar', '"fun", really'],
    imdbId: '0114709',
    tmdbId: '862',
  });
  assert.deepEqual(dataset.itemAttributes!.rows[1], { title: 'American President, The (1995)', genres: ['Comedy', 'Drama'], imdbId: '0112346' });
  assert.equal(report.unmatchedAttributeRows, 1, 'movie 7789 has no ratings');
});

test('ml-latest: truncated line, non-numeric rating, empty file, wrong delimiter, skipInvalid', async () => {
  const header = 'userId,movieId,rating,timestamp\n';
  const truncated = folder({ 'ratings.csv': `${header}1,1,4.0\n` });
  await assert.rejects(readMovieLensLatest(truncated), { line: 2, reason: /expected 4 fields \(as in the header\) separated by ','/ });
  const badRating = folder({ 'ratings.csv': `${header}1,1,NaN,964982703\n` });
  await assert.rejects(readMovieLensLatest(badRating), { line: 2, field: 'rating', reason: "'NaN' is not a finite number" });
  const empty = folder({ 'ratings.csv': '' });
  await assert.rejects(readMovieLensLatest(empty), { line: 0, reason: 'file is empty' });
  const semicolons = folder({ 'ratings.csv': 'userId;movieId;rating;timestamp\n1;1;4.0;964982703\n' });
  await assert.rejects(readMovieLensLatest(semicolons), { line: 1, field: 'userId', reason: /delimiter may be wrong \(expected ','\)/ });
  const brokenMovie = folder({ ...ML_LATEST, 'movies.csv': 'movieId,title,genres\n1,"Unclosed title,Drama\n' });
  await assert.rejects(readMovieLensLatest(brokenMovie), { reason: /CSV syntax error: Quote Not Closed/ });
  const mixed = folder({ ...ML_LATEST, 'ratings.csv': `${header}1,1,4.0,1\n1,2\n2,1,x,3\n` });
  const { dataset, report } = await readMovieLensLatest(mixed, { skipInvalid: true });
  assert.equal(dataset.interactions.length, 1);
  assert.deepEqual(report.skipReasons, { 'wrong field count': 1, 'not a finite number (rating)': 1 });
});

test('ml-latest: the real ml-latest-small', async () => {
  const { dataset, report } = await readMovieLensLatest(path.join(dataDir(), 'ml-latest-small'));
  assert.equal(dataset.name, 'ml-latest-small');
  assert.equal(dataset.interactions.length, 100_836);
  assert.equal(dataset.users.size, 610);
  assert.equal(dataset.items.size, 9724);
  assert.equal(report.skipped, 0);
  const rows = dataset.itemAttributes!.rows;
  assert.equal(rows[dataset.items.indexOf('11')]!.title, 'American President, The (1995)');
  assert.equal(rows[dataset.items.indexOf('7789')]!.title, '11\'09"01 - September 11 (2002)');
  assert.deepEqual(rows[dataset.items.indexOf('1')]!.genres, ['Adventure', 'Animation', 'Children', 'Comedy', 'Fantasy']);
});
