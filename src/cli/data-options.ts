/**
 * Command-line options shared by every command that reads a dataset and
 * splits it, and their translation into a DataSpec and a SplitProtocol.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { DuplicatePolicy } from '../data/csr.js';
import { DATASET_FORMATS, type DatasetFormat, type DatasetReadOptions } from '../data/readers/index.js';
import type { SplitProtocol } from '../data/split-types.js';
import type { DataSpec } from '../experiment/prepare.js';

export const PROTOCOLS = ['held-out-users', 'user-ratio', 'random-ratings', 'leave-last-out', 'time', 'item-cold-start'] as const;
export type ProtocolName = (typeof PROTOCOLS)[number];

export interface DataOptions {
  dataset?: string;
  format?: DatasetFormat;
  dataDir?: string;
  skipInvalid?: boolean;
  delimiter?: string;
  header?: boolean;
  columns?: string;
  duplicates: DuplicatePolicy;
  minRating?: number;
  minUserInteractions?: number;
  minItemInteractions?: number;
}

export interface SplitOptions {
  protocol: ProtocolName | 'none' | 'sessions';
  seed: number;
  validationUsers: number;
  testUsers: number;
  foldIn: number;
  ratios: [number, number, number];
  testFraction: number;
  validationFraction: number;
  validation: boolean;
  coldFraction: number;
  split?: string;
  saveSplit?: string;
}

export const parseInteger = (name: string) => (text: string): number => {
  const value = Number(text);
  if (!Number.isInteger(value)) throw new InvalidArgumentError(`${name} must be an integer, got '${text}'`);
  return value;
};

export const parseNumber = (name: string) => (text: string): number => {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new InvalidArgumentError(`${name} must be a number, got '${text}'`);
  return value;
};

const parseRatios = (text: string): [number, number, number] => {
  const parts = text.split(/[,:]/).map(Number);
  if (parts.length !== 3 || parts.some((p) => !Number.isFinite(p) || p < 0)) {
    throw new InvalidArgumentError(`--ratios takes three non-negative numbers like 0.8,0.1,0.1 or 8:1:1, got '${text}'`);
  }
  const total = parts[0]! + parts[1]! + parts[2]!;
  return [parts[0]! / total, parts[1]! / total, parts[2]! / total];
};

/** The options that say where a dataset is and how to read it (every command that reads one, `import` included). */
export function addReadOptions(command: Command): Command {
  return command
    .option('-d, --dataset <name|path>', 'a known dataset (ml-100k, ml-1m, ml-latest-small, ...) or a path')
    .addOption(new Option('--format <format>', 'how to read a path').choices(DATASET_FORMATS))
    .option('--data-dir <dir>', 'folder of the known datasets (default: $RECODER_DATA_DIR or ../shared/datasets)')
    .option('--skip-invalid', 'skip malformed lines and report them instead of stopping at the first')
    .option('--delimiter <char>', "field delimiter for --format delimited (default ','; 'tab' for a tab)")
    .option('--no-header', 'for --format delimited: the file has no header line (columns are then 0-based indices)')
    .option('--columns <mapping>', 'for --format delimited/jsonl: user=COL,item=COL[,rating=COL][,timestamp=COL][,eventType=COL][,weight=COL]');
}

export function addDataOptions(command: Command): Command {
  return addReadOptions(command)
    .addOption(new Option('--duplicates <policy>', 'how repeated (user, item) pairs combine').choices(['last', 'sum', 'max']).default('last'))
    .option('--min-rating <r>', 'positives are ratings >= r (e.g. 4 for "> 3.5"); default: every interaction', parseNumber('--min-rating'))
    .option('--min-user-interactions <n>', 'iterative k-core: minimum interactions per user', parseInteger('--min-user-interactions'))
    .option('--min-item-interactions <n>', 'iterative k-core: minimum interactions per item', parseInteger('--min-item-interactions'));
}

export function addSplitOptions(command: Command, defaults: { protocol: ProtocolName | 'none'; sessions?: boolean }): Command {
  const choices = [...(defaults.protocol === 'none' ? ['none'] : []), ...PROTOCOLS, ...(defaults.sessions ? ['sessions'] : [])];
  const help =
    (defaults.protocol === 'none' ? "evaluation protocol ('none': fit on all data, no evaluation)" : 'evaluation protocol') +
    (defaults.sessions ? "; 'sessions': a session dataset's test sessions, every next click predicted from its prefix" : '');
  return command
    .addOption(new Option('--protocol <protocol>', help).choices(choices).default(defaults.protocol))
    .option('--seed <n>', 'seed for the split and the model', parseInteger('--seed'), 1)
    .option('--validation-users <n>', 'held-out-users: validation users', parseInteger('--validation-users'), 600)
    .option('--test-users <n>', 'held-out-users: test users', parseInteger('--test-users'), 600)
    .option('--fold-in <fraction>', "held-out-users: fraction of a held-out user's items given as input", parseNumber('--fold-in'), 0.8)
    .option('--ratios <r>', 'user-ratio: train,validation,test per user', parseRatios, [0.8, 0.1, 0.1])
    .option('--test-fraction <f>', 'random-ratings and time: test fraction', parseNumber('--test-fraction'), 0.1)
    .option('--validation-fraction <f>', 'random-ratings and time: validation fraction', parseNumber('--validation-fraction'), 0)
    .option('--no-validation', 'leave-last-out: no validation item')
    .option('--cold-fraction <f>', 'item-cold-start: share of the items held out with all their interactions (half validation, half test)', parseNumber('--cold-fraction'), 0.2)
    .option('--split <file>', 'evaluate on a saved split instead of making one (the dataset options must match its fingerprint)')
    .option('--save-split <file>', 'write the split used, so a peer system can be evaluated on exactly the same one');
}

function parseColumns(text: string | undefined, format: DatasetFormat): Record<string, string | number> {
  if (!text) throw new InvalidArgumentError(`--format ${format} needs --columns user=COL,item=COL[,rating=COL,...]`);
  const columns: Record<string, string | number> = {};
  for (const pair of text.split(',')) {
    const [key, value] = pair.split('=');
    if (!key || value === undefined || value === '') throw new InvalidArgumentError(`--columns: '${pair}' is not key=COLUMN`);
    columns[key.trim()] = /^\d+$/.test(value.trim()) ? Number(value.trim()) : value.trim();
  }
  return columns;
}

/** How to read the dataset the options name (the delimited/jsonl layout, --skip-invalid). */
export function readOptionsFor(options: Pick<DataOptions, 'format' | 'skipInvalid' | 'delimiter' | 'header' | 'columns'>): DatasetReadOptions {
  const read: DatasetReadOptions = { skipInvalid: options.skipInvalid ?? false };
  if (options.format === 'delimited') {
    const delimiter = options.delimiter === 'tab' ? '\t' : (options.delimiter ?? ',');
    return {
      ...read,
      delimited: { columns: parseColumns(options.columns, 'delimited') as never, delimiter, header: options.header ?? true },
    };
  }
  if (options.format === 'jsonl') return { ...read, jsonLines: { fields: parseColumns(options.columns, 'jsonl') as never } };
  return read;
}

/** The file each MovieLens folder format cannot do without. */
const FOLDER_FORMAT_FILES: Partial<Record<DatasetFormat, readonly string[]>> = {
  'ml-100k': ['u.data'],
  'ml-1m': ['ratings.dat', join('implicit_full_resn', 'all_pairs_original_ids.tsv')],
  'ml-latest': ['ratings.csv'],
};

/**
 * Checks what --dataset and --format name before any reader runs, so a
 * mistake gets a message about the user's own path and flags: a path that
 * does not exist (not "unknown dataset"), or a --format that does not fit
 * what is there (not an ENOENT on a file the user never named).
 */
export function checkDatasetLocation(dataset: string, format: DatasetFormat | undefined): void {
  if (!existsSync(dataset)) {
    const looksLikePath = /[\\/]/.test(dataset) || /\.[A-Za-z0-9]{1,5}$/.test(dataset) || dataset.startsWith('.');
    if (looksLikePath) throw new Error(`--dataset ${dataset}: no such file or folder`);
    return; // A known dataset's name: resolved (and reported when unknown) by the data directory.
  }
  if (format === undefined) return;
  const expected = FOLDER_FORMAT_FILES[format];
  const isFolder = statSync(dataset).isDirectory();
  if (expected !== undefined) {
    if (!isFolder) throw new Error(`--format ${format} reads a MovieLens folder, but ${dataset} is a file; give its folder, or another --format (${DATASET_FORMATS.join(', ')})`);
    if (!expected.some((file) => existsSync(join(dataset, file)))) {
      const present = readdirSync(dataset).slice(0, 8).join(', ');
      throw new Error(`--format ${format} expects ${expected.join(' or ')} in ${dataset}, which holds ${present || 'nothing'}; drop --format to detect a MovieLens folder, or give the right one`);
    }
  } else if (isFolder) {
    throw new Error(`--format ${format} reads one file, but ${dataset} is a folder; name the file inside it`);
  }
}

export function dataSpecFrom(options: DataOptions, implicit: boolean): DataSpec {
  if (!options.dataset) throw new InvalidArgumentError('--dataset is required');
  checkDatasetLocation(options.dataset, options.format);
  return {
    dataset: options.dataset,
    ...(options.format ? { format: options.format } : {}),
    ...(options.dataDir ? { dataDirectory: options.dataDir } : {}),
    readOptions: readOptionsFor(options),
    duplicates: options.duplicates,
    implicit,
    ...(options.minRating !== undefined ? { minRating: options.minRating } : {}),
    ...(options.minUserInteractions !== undefined ? { minUserInteractions: options.minUserInteractions } : {}),
    ...(options.minItemInteractions !== undefined ? { minItemInteractions: options.minItemInteractions } : {}),
  };
}

export function protocolFrom(options: SplitOptions): SplitProtocol {
  const seed = options.seed;
  switch (options.protocol) {
    case 'held-out-users':
      return { kind: 'held-out-users', validationUsers: options.validationUsers, testUsers: options.testUsers, foldInFraction: options.foldIn, seed };
    case 'user-ratio':
      return { kind: 'user-ratio', ratios: options.ratios, seed };
    case 'random-ratings':
      return { kind: 'random-ratings', testFraction: options.testFraction, validationFraction: options.validationFraction, seed };
    case 'leave-last-out':
      return { kind: 'leave-last-out', validation: options.validation, seed };
    case 'time':
      return { kind: 'time', validationFraction: options.validationFraction, testFraction: options.testFraction, seed };
    case 'item-cold-start':
      return { kind: 'item-cold-start', coldFraction: options.coldFraction, seed };
    case 'none':
      throw new InvalidArgumentError("protocol 'none' makes no split");
    case 'sessions':
      throw new InvalidArgumentError("protocol 'sessions' splits a session dataset by its own rule; `recoder evaluate` runs it");
  }
}

/** Rating prediction protocols keep rating values; ranking protocols make every kept interaction a positive. */
export const isRatingProtocol = (protocol: ProtocolName): boolean => protocol === 'random-ratings';
