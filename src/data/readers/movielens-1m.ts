import path from 'node:path';
import { existsSync } from 'node:fs';
import type { Dataset } from '../interactions.js';
import type { ReadOptions, ReadReport } from '../errors.js';
import { AttributeTableBuilder, splitList } from './attributes.js';
import { readInteractionRecords, type InteractionFileSpec } from './delimited.js';
import { fieldCountError, parseFiniteNumber, requireId } from './fields.js';
import { InteractionSink } from './interaction-sink.js';
import { forEachRecord, type RecordSource } from './records.js';
import { ReadReportBuilder } from './report.js';

/**
 * Where ml-1m interactions come from: 'ratings' is the original ratings.dat
 * (explicit 1-5 ratings with timestamps); 'implicit-pairs' is
 * implicit_full_resn/all_pairs_original_ids.tsv, the same 1,000,209
 * (user, movie) pairs without ratings or timestamps, which is all the shared
 * copy has (see its README.txt).
 */
export type MovieLens1mSource = 'ratings' | 'implicit-pairs';

export interface MovieLens1mReadOptions extends ReadOptions {
  /** Default: 'ratings' when ratings.dat exists in the folder, else 'implicit-pairs'. */
  source?: MovieLens1mSource;
  /**
   * With source 'ratings': another UserID::MovieID::Rating::Timestamp file to read
   * instead of ratings.dat, relative to the folder, e.g.
   * 'explicit_last20pct_timesplit/ratings_test_original_ids.dat'.
   */
  ratingsFile?: string;
}

const RATINGS_DAT = 'ratings.dat';
const IMPLICIT_PAIRS = path.join('implicit_full_resn', 'all_pairs_original_ids.tsv');
/** ml-1m's .dat files separate fields with '::' and hold latin1 text. */
const DAT_SOURCE: RecordSource = { delimiter: '::', quoted: false, header: false, encoding: 'latin1' };
const RATINGS_DAT_SPEC: InteractionFileSpec = {
  source: DAT_SOURCE,
  columns: { user: 0, item: 1, rating: 2, timestamp: 3 },
  timestampFormat: 'unix-seconds',
  fieldCount: 4,
};

/**
 * MovieLens 1M (GroupLens, Harper & Konstan 2015) from its folder: the
 * interactions chosen by `options.source`, with movies.dat as item attributes
 * (title, genres) and users.dat as user attributes (gender, age group code,
 * occupation code, zip; codes as in the dataset README), each when present.
 */
export async function readMovieLens1m(
  dir: string,
  options: MovieLens1mReadOptions = {},
): Promise<{ dataset: Dataset; report: ReadReport }> {
  const ratingsFile = path.resolve(dir, options.ratingsFile ?? RATINGS_DAT);
  const source = options.source ?? (options.ratingsFile !== undefined || existsSync(ratingsFile) ? 'ratings' : 'implicit-pairs');
  if (source === 'ratings' && !existsSync(ratingsFile)) {
    throw new Error(
      `${ratingsFile} does not exist; without a ratings file read the implicit pairs ` +
        `(source 'implicit-pairs', ${path.join(dir, IMPLICIT_PAIRS)})`,
    );
  }
  const report = new ReadReportBuilder(options);
  const sink = new InteractionSink();
  const interactionsFile = source === 'ratings' ? ratingsFile : path.join(dir, IMPLICIT_PAIRS);
  const spec: InteractionFileSpec =
    source === 'ratings'
      ? RATINGS_DAT_SPEC
      : {
          source: { delimiter: '\t', quoted: false, header: true, encoding: 'utf8' },
          columns: { user: 'UserID', item: 'MovieID' },
          timestampFormat: 'unix-seconds',
        };
  await readInteractionRecords(interactionsFile, spec, sink, report);
  sink.requireInteractions(interactionsFile, report);

  const moviesFile = path.join(dir, 'movies.dat');
  const usersFile = path.join(dir, 'users.dat');
  const itemAttributes = existsSync(moviesFile) ? await readMovies(moviesFile, sink, report) : undefined;
  const userAttributes = existsSync(usersFile) ? await readUsers(usersFile, sink, report) : undefined;
  const customFile = options.ratingsFile !== undefined && source === 'ratings';
  return sink.finish(report, {
    name: customFile ? `ml-1m:${path.basename(ratingsFile, path.extname(ratingsFile))}` : 'ml-1m',
    hasRatings: source === 'ratings',
    hasTimestamps: source === 'ratings',
    ...(itemAttributes && { itemAttributes }),
    ...(userAttributes && { userAttributes }),
  });
}

/**
 * Any file in the ml-1m ratings.dat format, UserID::MovieID::Rating::Timestamp
 * (ratings.dat itself, or derived files such as
 * explicit_last20pct_timesplit/ratings_val_original_ids.dat), without attributes.
 */
export async function readMovieLensRatingsDat(
  file: string,
  options: ReadOptions & { name?: string } = {},
): Promise<{ dataset: Dataset; report: ReadReport }> {
  const report = new ReadReportBuilder(options);
  const sink = new InteractionSink();
  await readInteractionRecords(file, RATINGS_DAT_SPEC, sink, report);
  sink.requireInteractions(file, report);
  return sink.finish(report, {
    name: options.name ?? path.basename(file, path.extname(file)),
    hasRatings: true,
    hasTimestamps: true,
  });
}

/** movies.dat: MovieID::Title::Genres, genres separated by '|'. */
async function readMovies(file: string, sink: InteractionSink, report: ReadReportBuilder) {
  const table = new AttributeTableBuilder(sink.items);
  await forEachRecord(file, DAT_SOURCE, report, (fields, line) => {
    if (fields.length !== 3) throw fieldCountError(file, line, fields, '3 fields (MovieID::Title::Genres)', '::');
    const id = requireId(fields[0]!, 'MovieID', file, line);
    table.set(id, { title: fields[1]!, genres: splitList(fields[2]!, '|') });
  });
  report.countUnmatchedAttributeRows(table.unmatchedRows);
  return table.build();
}

/** users.dat: UserID::Gender::Age::Occupation::Zip-code; age and occupation are codes explained in the README. */
async function readUsers(file: string, sink: InteractionSink, report: ReadReportBuilder) {
  const table = new AttributeTableBuilder(sink.users);
  await forEachRecord(file, DAT_SOURCE, report, (fields, line) => {
    if (fields.length !== 5) {
      throw fieldCountError(file, line, fields, '5 fields (UserID::Gender::Age::Occupation::Zip-code)', '::');
    }
    const id = requireId(fields[0]!, 'UserID', file, line);
    const age = parseFiniteNumber(fields[2]!, 'Age', file, line);
    const occupation = parseFiniteNumber(fields[3]!, 'Occupation', file, line);
    table.set(id, { gender: fields[1]!, age, occupation, zip: fields[4]! });
  });
  report.countUnmatchedAttributeRows(table.unmatchedRows);
  return table.build();
}
