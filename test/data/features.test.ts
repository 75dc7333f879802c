import { test } from 'node:test';
import assert from 'node:assert/strict';
import { featureField, featureTableFromAttributes, featureValues, selectFeatureRows, tokenize, yearOf } from '../../src/data/features.js';

test('attribute tables become typed features: text tokenised, lists and labels categorical, numbers numeric, a year derived', () => {
  const table = featureTableFromAttributes(
    {
      columns: ['title', 'genres', 'occupation', 'age', 'releaseDate', 'url'],
      rows: [
        { title: 'Toy Story (1995)', genres: ['Animation', 'Comedy'], occupation: 10, age: 25, releaseDate: '01-Jan-1995', url: 'http://x' },
        undefined,
        { title: 'Heat (1995)', genres: ['Action'], occupation: 3, age: 35 },
      ],
    },
    3,
  );
  assert.deepEqual(table.fields.map((f) => `${f.name}:${f.kind}`), ['title:text', 'genres:categorical', 'occupation:categorical', 'age:numeric', 'year:numeric']);
  const title = featureField(table, 'title')!;
  assert.ok(title.kind === 'text');
  assert.deepEqual(featureValues(title, 0), ['toy', 'story', '1995']);
  assert.deepEqual(featureValues(title, 1), []);
  const genres = featureField(table, 'genres')!;
  assert.ok(genres.kind === 'categorical');
  assert.deepEqual(genres.vocabulary, ['Animation', 'Comedy', 'Action']);
  assert.deepEqual(featureValues(genres, 2), ['Action']);
  const occupation = featureField(table, 'occupation')!;
  assert.ok(occupation.kind === 'categorical' && featureValues(occupation, 0)[0] === '10', 'a code is a label, not a quantity');
  const age = featureField(table, 'age')!;
  assert.ok(age.kind === 'numeric' && age.values[0] === 25 && Number.isNaN(age.values[1]!));
  const year = featureField(table, 'year')!;
  assert.ok(year.kind === 'numeric' && year.values[0] === 1995 && Number.isNaN(year.values[1]!));
  // Rows are cut with every field, vocabularies kept.
  const cut = selectFeatureRows(table, [2, 0]);
  assert.equal(cut.nRows, 2);
  assert.deepEqual(featureValues(featureField(cut, 'genres') as typeof genres, 1), ['Animation', 'Comedy']);
  assert.throws(() => selectFeatureRows(table, [3]), /feature row 3 is outside 0..2/);
});

test('tokens and years', () => {
  assert.deepEqual(tokenize("Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)"), ['amélie', 'fabuleux', 'destin', 'd', 'amélie', 'poulain', 'le', '2001']);
  assert.equal(yearOf('Heat (1995)'), 1995);
  assert.equal(yearOf('01-Jan-1995'), 1995);
  assert.ok(Number.isNaN(yearOf('Untitled')));
});
