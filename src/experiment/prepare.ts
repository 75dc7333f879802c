/**
 * From a dataset name or path to the interaction data a protocol splits:
 * read, combine duplicates, then the positives filter and k-core that the
 * published protocols state (and that every reported number must state too).
 */
import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { DuplicatePolicy } from '../data/csr.js';
import type { ReadReport } from '../data/errors.js';
import type { Dataset } from '../data/interactions.js';
import { datasetFormatFromName, readDataset, type DatasetFormat, type DatasetReadOptions } from '../data/readers/index.js';
import { filterInteractions, interactionDataFromDataset, type InteractionData } from '../data/transforms.js';

export interface DataSpec {
  /** A known dataset name (looked up under the data directory) or a path to a folder or file. */
  readonly dataset: string;
  /** Required when `dataset` is a path; inferred for known names. */
  readonly format?: DatasetFormat;
  /** Folder holding the known datasets (default: RECODER_DATA_DIR or ../shared/datasets). */
  readonly dataDirectory?: string;
  readonly readOptions?: DatasetReadOptions;
  readonly duplicates?: DuplicatePolicy;
  /**
   * Keep only interactions rated at least this much (ratings ≥ minRating, e.g. 4 for
   * "rating > 3.5"); undefined keeps every interaction.
   */
  readonly minRating?: number;
  /**
   * Replace values by 1: every kept interaction is a positive. Ranking protocols
   * want this; rating prediction keeps the values.
   */
  readonly implicit: boolean;
  readonly minUserInteractions?: number;
  readonly minItemInteractions?: number;
}

/** The preprocessing applied, for manifests and reports. */
export interface Preprocessing {
  readonly duplicates: DuplicatePolicy;
  readonly minRating: number | null;
  readonly implicit: boolean;
  readonly minUserInteractions: number;
  readonly minItemInteractions: number;
}

export interface PreparedData {
  readonly dataset: Dataset;
  readonly data: InteractionData;
  readonly report: ReadReport;
  readonly preprocessing: Preprocessing;
}

/** Finds where a dataset is and how to read it. */
export function resolveDataset(spec: Pick<DataSpec, 'dataset' | 'format' | 'dataDirectory'>): {
  name: string;
  format: DatasetFormat;
  location: string;
} {
  if (existsSync(spec.dataset)) {
    const format = spec.format ?? guessFormat(spec.dataset);
    return { name: basename(spec.dataset.replace(/[\\/]+$/, '')), format, location: spec.dataset };
  }
  const named = datasetFormatFromName(spec.dataset, spec.dataDirectory);
  if (!existsSync(named.location)) {
    throw new Error(`dataset '${spec.dataset}' not found at ${named.location} (set RECODER_DATA_DIR or --data-dir)`);
  }
  return { name: named.name, format: spec.format ?? named.format, location: named.location };
}

/** MovieLens folders are recognised by their files; anything else needs an explicit format. */
function guessFormat(location: string): DatasetFormat {
  if (statSync(location).isDirectory()) {
    if (existsSync(`${location}/u.data`)) return 'ml-100k';
    if (existsSync(`${location}/movies.dat`)) return 'ml-1m';
    if (existsSync(`${location}/ratings.csv`)) return 'ml-latest';
    throw new Error(`${location}: not a MovieLens folder (no u.data, movies.dat or ratings.csv); give --format`);
  }
  throw new Error(`${location}: give --format for a single file (delimited, jsonl, user-item-lists, user-item-pairs)`);
}

export async function prepareData(spec: DataSpec): Promise<PreparedData> {
  if (!spec.implicit && spec.minRating !== undefined) {
    throw new Error('--min-rating makes interactions implicit positives; it cannot be combined with a rating-prediction protocol');
  }
  const where = resolveDataset(spec);
  const { dataset, report } = await readDataset(where.format, where.location, { name: where.name, ...spec.readOptions });
  const duplicates = spec.duplicates ?? 'last';
  const raw = interactionDataFromDataset(dataset, duplicates);
  if (spec.minRating !== undefined && !dataset.hasRatings) {
    throw new Error(`--min-rating ${spec.minRating}: dataset '${dataset.name}' has no ratings to filter on`);
  }
  const minUserInteractions = spec.minUserInteractions ?? 1;
  const minItemInteractions = spec.minItemInteractions ?? 1;
  const filtered = filterInteractions(raw, {
    ...(spec.minRating !== undefined ? { binarize: { threshold: spec.minRating, inclusive: true } } : {}),
    minUserInteractions,
    minItemInteractions,
  });
  // binarize() already sets kept values to 1; without a threshold, implicit data still needs it.
  const data = spec.implicit && spec.minRating === undefined ? { ...filtered, matrix: filtered.matrix.withConstantValues(1) } : filtered;
  return {
    dataset,
    data,
    report,
    preprocessing: {
      duplicates,
      minRating: spec.minRating ?? null,
      implicit: spec.implicit,
      minUserInteractions,
      minItemInteractions,
    },
  };
}
