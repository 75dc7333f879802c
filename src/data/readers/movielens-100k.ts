import path from 'node:path';
import { existsSync } from 'node:fs';
import type { Dataset } from '../interactions.js';
import { DataFormatError, type ReadOptions, type ReadReport } from '../errors.js';
import { AttributeTableBuilder } from './attributes.js';
import { readInteractionRecords } from './delimited.js';
import { fieldCountError, parseFiniteNumber, quoteValue, requireId } from './fields.js';
import { InteractionSink } from './interaction-sink.js';
import { isBlank } from './lines.js';
import { forEachRecord } from './records.js';
import { ReadReportBuilder } from './report.js';

/** The 19 genres of u.genre, in flag order; used only when u.genre itself is missing. */
const ML100K_GENRES = [
  'unknown', 'Action', 'Adventure', 'Animation', "Children's", 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy',
  'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western',
];

/** u.item fields before the genre flags: id, title, release date, video release date, IMDb URL. */
const ITEM_FIELDS_BEFORE_GENRES = 5;

/**
 * MovieLens 100K (GroupLens, Harper & Konstan 2015) from its original folder:
 * u.data (user, item, rating 1-5, Unix seconds; tab-separated) as explicit
 * ratings, with u.item (latin1) as item attributes title, releaseDate, url,
 * genres, and u.user as user attributes age, gender, occupation, zip.
 * u.item, u.genre and u.user are read when present.
 */
export async function readMovieLens100k(
  dir: string,
  options: ReadOptions = {},
): Promise<{ dataset: Dataset; report: ReadReport }> {
  const report = new ReadReportBuilder(options);
  const sink = new InteractionSink();
  const ratingsFile = path.join(dir, 'u.data');
  await readInteractionRecords(
    ratingsFile,
    {
      source: { delimiter: '\t', quoted: false, header: false, encoding: 'utf8' },
      columns: { user: 0, item: 1, rating: 2, timestamp: 3 },
      timestampFormat: 'unix-seconds',
      fieldCount: 4,
    },
    sink,
    report,
  );
  sink.requireInteractions(ratingsFile, report);

  const itemFile = path.join(dir, 'u.item');
  const genreFile = path.join(dir, 'u.genre');
  const userFile = path.join(dir, 'u.user');
  const genres = existsSync(genreFile) ? await readGenreNames(genreFile, report) : ML100K_GENRES;
  const itemAttributes = existsSync(itemFile) ? await readItems(itemFile, sink, genres, report) : undefined;
  const userAttributes = existsSync(userFile) ? await readUsers(userFile, sink, report) : undefined;
  return sink.finish(report, {
    name: 'ml-100k',
    hasRatings: true,
    hasTimestamps: true,
    ...(itemAttributes && { itemAttributes }),
    ...(userAttributes && { userAttributes }),
  });
}

/** u.genre: 'name|index' lines; the index is the genre's flag position in u.item. */
async function readGenreNames(file: string, report: ReadReportBuilder): Promise<string[]> {
  const names: string[] = [];
  await forEachRecord(file, { delimiter: '|', quoted: false, header: false, encoding: 'latin1' }, report, (fields, line) => {
    if (fields.length !== 2) throw fieldCountError(file, line, fields, '2 fields (name|index)', '|');
    const index = parseFiniteNumber(fields[1]!, 'index', file, line);
    if (!Number.isInteger(index) || index < 0 || names[index] !== undefined) {
      const reason = `${quoteValue(fields[1]!)} is not a new 0-based genre index`;
      throw new DataFormatError({ file, line, field: 'index', reason, problem: 'invalid genre index' });
    }
    names[index] = requireId(fields[0]!, 'name', file, line);
  });
  // A gap (a skipped or missing line) would shift every later genre flag onto the wrong name.
  for (let index = 0; index < names.length; index++) {
    if (names[index] === undefined) {
      throw new DataFormatError({ file, line: 0, reason: `no genre has index ${index}`, problem: 'missing genre index' });
    }
  }
  return names;
}

/** u.item: id|title|release date|video release date|IMDb URL|one 0/1 flag per genre. */
async function readItems(file: string, sink: InteractionSink, genres: readonly string[], report: ReadReportBuilder) {
  const table = new AttributeTableBuilder(sink.items);
  const fieldCount = ITEM_FIELDS_BEFORE_GENRES + genres.length;
  await forEachRecord(file, { delimiter: '|', quoted: false, header: false, encoding: 'latin1' }, report, (fields, line) => {
    if (fields.length !== fieldCount) {
      throw fieldCountError(file, line, fields, `${fieldCount} fields (5 + ${genres.length} genre flags)`, '|');
    }
    const id = requireId(fields[0]!, 'movie id', file, line);
    const itemGenres: string[] = [];
    for (let g = 0; g < genres.length; g++) {
      const flag = fields[ITEM_FIELDS_BEFORE_GENRES + g]!;
      if (flag === '1') itemGenres.push(genres[g]!);
      else if (flag !== '0') {
        const reason = `${quoteValue(flag)} is not a genre flag (expected 0 or 1)`;
        throw new DataFormatError({ file, line, field: `genre ${genres[g]}`, reason, problem: 'invalid genre flag' });
      }
    }
    table.set(id, {
      title: fields[1]!,
      ...(!isBlank(fields[2]!) && { releaseDate: fields[2]! }),
      ...(!isBlank(fields[4]!) && { url: fields[4]! }),
      genres: itemGenres,
    });
  });
  report.countUnmatchedAttributeRows(table.unmatchedRows);
  return table.build();
}

/** u.user: id|age|gender|occupation|zip code (zip codes are kept as text: some are Canadian). */
async function readUsers(file: string, sink: InteractionSink, report: ReadReportBuilder) {
  const table = new AttributeTableBuilder(sink.users);
  await forEachRecord(file, { delimiter: '|', quoted: false, header: false, encoding: 'latin1' }, report, (fields, line) => {
    if (fields.length !== 5) throw fieldCountError(file, line, fields, '5 fields (id|age|gender|occupation|zip)', '|');
    const id = requireId(fields[0]!, 'user id', file, line);
    const age = parseFiniteNumber(fields[1]!, 'age', file, line);
    table.set(id, { age, gender: fields[2]!, occupation: fields[3]!, zip: fields[4]! });
  });
  report.countUnmatchedAttributeRows(table.unmatchedRows);
  return table.build();
}
