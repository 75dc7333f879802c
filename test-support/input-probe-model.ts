/**
 * A test model that declares "interactions + sequences + item features" and records
 * what the contract hands it: the training sequences and item features at fit, and each
 * query's sequences at scoring. Loaded into a CLI process with RECODER_MODEL_MODULES;
 * with RECODER_PROBE_OUT set, every record is appended there as a JSON line.
 */
import { appendFileSync } from 'node:fs';
import { featureValues, type FeatureTable } from '../src/data/features.js';
import { sequenceOf, type UserSequences } from '../src/data/sequences.js';
import type { ModelFactory, ModelInput, Recommender, ScoreQuery, TrainingData } from '../src/models/model.js';
import { checkQuery, requireInputs } from '../src/models/model-support.js';
import { getModelFactory, registerModelFactory } from '../src/models/registry.js';
import { defineSettings } from '../src/models/settings.js';

export const PROBE_NAME = 'input-probe';
const INPUTS: readonly ModelInput[] = ['interactions', 'sequences', 'itemFeatures'];

export interface ProbeRecord {
  readonly phase: 'fit' | 'score';
  /** Per row: item indices in the order received. */
  readonly sequences: number[][];
  /** Per row: training-user index (score only). */
  readonly users?: number[];
  /** Per item: its 'genres' values (fit only). */
  readonly genres?: string[][];
}

export const probeRecords: ProbeRecord[] = [];

function rowsOf(sequences: UserSequences): number[][] {
  return Array.from({ length: sequences.nRows }, (_, r) => Array.from(sequenceOf(sequences, r).items));
}

function genresOf(features: FeatureTable): string[][] | undefined {
  const field = features.fields.find((f) => f.name === 'genres');
  if (field === undefined || field.kind === 'numeric') return undefined;
  return Array.from({ length: features.nRows }, (_, i) => featureValues(field, i));
}

function record(entry: ProbeRecord): void {
  probeRecords.push(entry);
  const out = process.env.RECODER_PROBE_OUT;
  if (out) appendFileSync(out, JSON.stringify(entry) + '\n');
}

/** Scores each item by how recently the user touched it (a real, if simple, sequence model). */
class InputProbe implements Recommender {
  readonly name = PROBE_NAME;
  readonly predictsRatings = false;
  readonly hyperParameters = {};
  nItems = 0;

  async fit(train: TrainingData): Promise<void> {
    requireInputs(PROBE_NAME, INPUTS, train);
    const genres = genresOf(train.itemFeatures!);
    record({ phase: 'fit', sequences: rowsOf(train.sequences!), ...(genres ? { genres } : {}) });
    this.nItems = train.matrix.nCols;
  }

  score(query: ScoreQuery): Float32Array {
    checkQuery(PROBE_NAME, this.nItems, INPUTS, query);
    const rows = rowsOf(query.sequences!);
    record({ phase: 'score', sequences: rows, ...(query.users ? { users: Array.from(query.users) } : {}) });
    const scores = new Float32Array(rows.length * this.nItems);
    rows.forEach((items, r) => items.forEach((item, position) => (scores[r * this.nItems + item] = position + 1)));
    return scores;
  }

  exportState() {
    return { tensors: {}, extra: { nItems: this.nItems } };
  }
}

export const inputProbeFactory: ModelFactory = {
  name: PROBE_NAME,
  description: 'test model: records the ordered sequences and item features the contract delivers',
  settings: defineSettings(PROBE_NAME, []),
  inputs: INPUTS,
  predictsRatings: false,
  create: () => new InputProbe(),
  restore: (_hp, state) => {
    const model = new InputProbe();
    model.nItems = Number(state.extra?.['nItems'] ?? 0);
    return model;
  },
};

let registered = false;
try {
  getModelFactory(PROBE_NAME);
  registered = true;
} catch {
  registered = false;
}
if (!registered) registerModelFactory(inputProbeFactory);
