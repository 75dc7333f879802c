import path from 'node:path';
import type { Dataset } from '../interactions.js';
import type { ReadOptions, ReadReport } from '../errors.js';
import { dataDir } from '../paths.js';
import { readDelimited, type DelimitedReadOptions } from './delimited.js';
import { readJsonLines, type JsonLinesReadOptions } from './json-lines.js';
import { readMovieLens100k } from './movielens-100k.js';
import { readMovieLens1m, type MovieLens1mReadOptions } from './movielens-1m.js';
import { readMovieLensLatest } from './movielens-latest.js';
import { readDigineticaViews, readSessionClicks } from './session-clicks.js';
import { readUserItemLists, readUserItemPairs } from './user-item-lists.js';

export { lineBatches, readLines, type LineBatch, type LineReadOptions, type TextEncoding } from './lines.js';
export type { TimestampFormat } from './fields.js';
export { readDelimited, type ColumnRef, type DelimitedReadOptions, type InteractionColumns } from './delimited.js';
export { readJsonLines, type JsonLinesFields, type JsonLinesReadOptions } from './json-lines.js';
export { readMovieLens100k } from './movielens-100k.js';
export { readMovieLens1m, readMovieLensRatingsDat, type MovieLens1mReadOptions, type MovieLens1mSource } from './movielens-1m.js';
export { readMovieLensLatest } from './movielens-latest.js';
export { readUserItemLists, readUserItemPairs } from './user-item-lists.js';
export { readDigineticaViews, readSessionClicks } from './session-clicks.js';
export { readAttributeTable, type AttributeTableReadOptions } from './attributes.js';

/** The on-disk layouts readDataset understands. */
export type DatasetFormat = 'ml-100k' | 'ml-1m' | 'ml-latest' | 'delimited' | 'jsonl' | 'user-item-lists' | 'user-item-pairs' | 'session-clicks' | 'diginetica-views';

export const DATASET_FORMATS: readonly DatasetFormat[] = [
  'ml-100k',
  'ml-1m',
  'ml-latest',
  'delimited',
  'jsonl',
  'user-item-lists',
  'user-item-pairs',
  'session-clicks',
  'diginetica-views',
];

export interface DatasetReadOptions extends ReadOptions {
  /** Overrides Dataset.name. */
  name?: string;
  /** For 'ml-1m': which interactions to read. */
  movieLens1m?: Omit<MovieLens1mReadOptions, keyof ReadOptions>;
  /** Required for 'delimited': the column layout. */
  delimited?: Omit<DelimitedReadOptions, keyof ReadOptions>;
  /** Required for 'jsonl': the field names. */
  jsonLines?: Omit<JsonLinesReadOptions, keyof ReadOptions>;
}

/**
 * Reads a dataset in `format` from `location`: a folder for the MovieLens
 * formats, a file for the others.
 */
export async function readDataset(
  format: DatasetFormat,
  location: string,
  options: DatasetReadOptions = {},
): Promise<{ dataset: Dataset; report: ReadReport }> {
  const read = await readByFormat(format, location, options);
  if (options.name === undefined) return read;
  return { dataset: { ...read.dataset, name: options.name }, report: read.report };
}

function readByFormat(
  format: DatasetFormat,
  location: string,
  options: DatasetReadOptions,
): Promise<{ dataset: Dataset; report: ReadReport }> {
  const readOptions: ReadOptions = { skipInvalid: options.skipInvalid ?? false };
  switch (format) {
    case 'ml-100k':
      return readMovieLens100k(location, readOptions);
    case 'ml-1m':
      return readMovieLens1m(location, { ...options.movieLens1m, ...readOptions });
    case 'ml-latest':
      return readMovieLensLatest(location, readOptions);
    case 'delimited':
      if (!options.delimited) throw new TypeError("format 'delimited' needs options.delimited (at least the columns)");
      return readDelimited(location, { ...options.delimited, ...readOptions });
    case 'jsonl':
      if (!options.jsonLines) throw new TypeError("format 'jsonl' needs options.jsonLines (at least the fields)");
      return readJsonLines(location, { ...options.jsonLines, ...readOptions });
    case 'user-item-lists':
      return readUserItemLists(location, readOptions);
    case 'user-item-pairs':
      return readUserItemPairs(location, readOptions);
    case 'session-clicks':
      return readSessionClicks(location, readOptions);
    case 'diginetica-views':
      return readDigineticaViews(location, readOptions);
    default:
      throw new TypeError(`unknown dataset format '${format as string}'; known formats: ${DATASET_FORMATS.join(', ')}`);
  }
}

/** Where a named dataset lives and how to read it. */
export interface NamedDataset {
  name: string;
  format: DatasetFormat;
  /** The folder (MovieLens formats) or file (the others) to pass to readDataset. */
  location: string;
}

/** Folder names of the datasets recoder knows, with their format and the file inside to read. */
const KNOWN_DATASETS: Readonly<Record<string, { format: DatasetFormat; file?: string }>> = {
  'ml-100k': { format: 'ml-100k' },
  'ml-1m': { format: 'ml-1m' },
  'ml-latest-small': { format: 'ml-latest' },
  'ml-latest': { format: 'ml-latest' },
  'ml-20m': { format: 'ml-latest' },
  'ml-25m': { format: 'ml-latest' },
  'ml-32m': { format: 'ml-latest' },
  'amazon-beauty-5core-openp5': { format: 'user-item-lists', file: 'user_sequence.txt' },
  'amazon-video-games-sasrec': { format: 'user-item-pairs', file: 'Video.txt' },
  // Anonymous sessions (users are sessions). YooChoose's test file sits beside this one
  // (yoochoose-clicks-100k_test.txt); src/experiment/session-data.ts reads both for the session protocol.
  'yoochoose-rsc15-clicks-100k-sample': { format: 'session-clicks', file: 'yoochoose-clicks-100k_train_full.txt' },
  'diginetica-views-sample': { format: 'diginetica-views', file: 'sample_train-item-views.csv' },
};

/**
 * Resolves a dataset folder name such as 'ml-1m' to its format and location
 * under `directory` (default dataDir(), i.e. RECODER_DATA_DIR or ../shared/datasets),
 * so a command line can say `--dataset ml-1m`.
 */
export function datasetFormatFromName(name: string, directory: string = dataDir()): NamedDataset {
  const known = KNOWN_DATASETS[name];
  if (!known || !Object.hasOwn(KNOWN_DATASETS, name)) {
    throw new Error(
      `unknown dataset '${name}'; known datasets: ${Object.keys(KNOWN_DATASETS).join(', ')}. ` +
        `Other files can be read with a format: ${DATASET_FORMATS.join(', ')}`,
    );
  }
  const folder = path.join(directory, name);
  return { name, format: known.format, location: known.file ? path.join(folder, known.file) : folder };
}

/** Reads a dataset by its folder name (see datasetFormatFromName); Dataset.name is that name. */
export async function readNamedDataset(
  name: string,
  options: DatasetReadOptions & { directory?: string } = {},
): Promise<{ dataset: Dataset; report: ReadReport }> {
  const named = datasetFormatFromName(name, options.directory);
  return readDataset(named.format, named.location, { ...options, name: options.name ?? named.name });
}
