import path from 'node:path';
import { existsSync } from 'node:fs';
import type { Dataset } from '../interactions.js';
import type { ReadOptions, ReadReport } from '../errors.js';
import { AttributeTableBuilder, splitList } from './attributes.js';
import { readInteractionRecords } from './delimited.js';
import { fieldCountError, headerColumnIndex, requireId, requireText } from './fields.js';
import { InteractionSink } from './interaction-sink.js';
import { forEachRecord, type RecordSource } from './records.js';
import { ReadReportBuilder } from './report.js';

/** movies.csv, tags.csv and links.csv quote fields that contain commas or quotes. */
const QUOTED_CSV: RecordSource = { delimiter: ',', quoted: true, header: true, encoding: 'utf8' };
/** MovieLens' marker for a movie without genres; it becomes an empty list. */
const NO_GENRES = '(no genres listed)';

/**
 * The current MovieLens layout (ml-latest-small, ml-latest, ml-25m, ml-32m):
 * ratings.csv (userId,movieId,rating,timestamp; ratings 0.5-5 in half stars,
 * Unix seconds) as explicit ratings; movies.csv gives item attributes title and
 * genres, tags.csv a per-item `tags` list (distinct tags in file order), and
 * links.csv, when present, imdbId and tmdbId.
 */
export async function readMovieLensLatest(
  dir: string,
  options: ReadOptions = {},
): Promise<{ dataset: Dataset; report: ReadReport }> {
  const report = new ReadReportBuilder(options);
  const sink = new InteractionSink();
  const ratingsFile = path.join(dir, 'ratings.csv');
  // ratings.csv holds only numbers, never quotes: splitting lines is safe and
  // much faster than a CSV parser on ml-25m's 25 million lines.
  await readInteractionRecords(
    ratingsFile,
    {
      source: { delimiter: ',', quoted: false, header: true, encoding: 'utf8' },
      columns: { user: 'userId', item: 'movieId', rating: 'rating', timestamp: 'timestamp' },
      timestampFormat: 'unix-seconds',
    },
    sink,
    report,
  );
  sink.requireInteractions(ratingsFile, report);

  const items = new AttributeTableBuilder(sink.items);
  const optionalFiles = [
    { file: path.join(dir, 'movies.csv'), read: readMovies },
    { file: path.join(dir, 'tags.csv'), read: readTags },
    { file: path.join(dir, 'links.csv'), read: readLinks },
  ];
  let anyItemFile = false;
  for (const { file, read } of optionalFiles) {
    if (!existsSync(file)) continue;
    anyItemFile = true;
    await read(file, items, report);
  }
  report.countUnmatchedAttributeRows(items.unmatchedRows);
  return sink.finish(report, {
    name: path.basename(path.resolve(dir)),
    hasRatings: true,
    hasTimestamps: true,
    ...(anyItemFile && { itemAttributes: items.build() }),
  });
}

/** movies.csv: movieId,title,genres with '|' between genres. */
async function readMovies(file: string, items: AttributeTableBuilder, report: ReadReportBuilder): Promise<void> {
  const columns = { id: -1, title: -1, genres: -1, count: 0 };
  await forEachRecord(
    file,
    QUOTED_CSV,
    report,
    (fields, line) => {
      if (fields.length !== columns.count) throw fieldCountError(file, line, fields, `${columns.count} fields`, ',');
      const id = requireId(fields[columns.id]!, 'movieId', file, line);
      const genres = fields[columns.genres] === NO_GENRES ? [] : splitList(fields[columns.genres]!, '|');
      items.set(id, { title: fields[columns.title]!, genres });
    },
    (header, line) => {
      const [id, title, genres] = findColumns(file, line, header, ['movieId', 'title', 'genres']);
      Object.assign(columns, { id, title, genres, count: header.length });
    },
  );
}

/** tags.csv: userId,movieId,tag,timestamp; collected per movie, each distinct tag once. */
async function readTags(file: string, items: AttributeTableBuilder, report: ReadReportBuilder): Promise<void> {
  const columns = { item: -1, tag: -1, count: 0 };
  await forEachRecord(
    file,
    QUOTED_CSV,
    report,
    (fields, line) => {
      if (fields.length !== columns.count) throw fieldCountError(file, line, fields, `${columns.count} fields`, ',');
      const id = requireId(fields[columns.item]!, 'movieId', file, line);
      items.appendDistinct(id, 'tags', requireText(fields[columns.tag]!, 'tag', file, line));
    },
    (header, line) => {
      const [item, tag] = findColumns(file, line, header, ['movieId', 'tag']);
      Object.assign(columns, { item, tag, count: header.length });
    },
  );
}

/** links.csv: movieId,imdbId,tmdbId; ids kept as text (imdbId has leading zeros, tmdbId may be empty). */
async function readLinks(file: string, items: AttributeTableBuilder, report: ReadReportBuilder): Promise<void> {
  const columns = { id: -1, imdb: -1, tmdb: -1, count: 0 };
  await forEachRecord(
    file,
    QUOTED_CSV,
    report,
    (fields, line) => {
      if (fields.length !== columns.count) throw fieldCountError(file, line, fields, `${columns.count} fields`, ',');
      const id = requireId(fields[columns.id]!, 'movieId', file, line);
      const imdbId = fields[columns.imdb]!;
      const tmdbId = fields[columns.tmdb]!;
      items.set(id, { ...(imdbId !== '' && { imdbId }), ...(tmdbId !== '' && { tmdbId }) });
    },
    (header, line) => {
      const [id, imdb, tmdb] = findColumns(file, line, header, ['movieId', 'imdbId', 'tmdbId']);
      Object.assign(columns, { id, imdb, tmdb, count: header.length });
    },
  );
}

/** Positions of `names` in a header line of a comma-separated file. */
function findColumns(file: string, line: number, header: readonly string[], names: readonly string[]): number[] {
  return names.map((name) => headerColumnIndex(file, line, header, name, ','));
}
