/**
 * The split a command evaluates on: a saved one (--split), or one made from a
 * dataset and a protocol, optionally saved (--save-split) for a peer system.
 */
import { loadSplit, saveSplit } from '../data/split-io.js';
import type { Dataset } from '../data/interactions.js';
import type { Split } from '../data/split-types.js';
import { makeSplit } from '../data/splits/index.js';
import { fingerprintOf } from '../data/splits/parts.js';
import { prepareData, type Preprocessing } from '../experiment/prepare.js';
import { dataSpecFrom, protocolFrom, type DataOptions, type SplitOptions } from './data-options.js';

export interface SplitSource {
  readonly split: Split;
  readonly datasetName: string;
  /** Null for a loaded split: its preprocessing happened when it was made. */
  readonly preprocessing: Preprocessing | null;
  readonly nInteractions: number;
  readonly splitFile?: string;
  /** The dataset read (absent for a loaded split), for its attribute tables. */
  readonly dataset?: Dataset;
}

export async function obtainSplit(
  options: DataOptions & SplitOptions,
  implicit: boolean,
  log: (line: string) => void,
): Promise<SplitSource> {
  if (options.split) {
    const split = await loadSplit(options.split);
    if (options.dataset) {
      // Re-derive the source data to prove the split belongs to it.
      const prepared = await prepareData(dataSpecFrom(options, implicit));
      const fingerprint = fingerprintOf(prepared.data);
      if (fingerprint !== split.dataFingerprint) {
        throw new Error(
          `${options.split}: the split was made from data with fingerprint ${split.dataFingerprint}, ` +
            `but --dataset ${options.dataset} with these options gives ${fingerprint}`,
        );
      }
    }
    log(`loaded split ${options.split} (${split.protocol.kind}, seed ${split.protocol.seed})`);
    return {
      split,
      datasetName: options.dataset ?? options.split,
      preprocessing: null,
      nInteractions: split.train.matrix.nnz + split.test.targets.nnz + (split.validation?.targets.nnz ?? 0),
      splitFile: options.split,
    };
  }
  const started = performance.now();
  const prepared = await prepareData(dataSpecFrom(options, implicit));
  const { data, report } = prepared;
  log(
    `read ${prepared.dataset.name}: ${report.interactions} interactions from ${report.linesRead} lines` +
      (report.skipped > 0 ? `, skipped ${report.skipped} invalid lines (${JSON.stringify(report.skipReasons)})` : '') +
      `; after preprocessing ${data.userIds.length} users, ${data.itemIds.length} items, ${data.matrix.nnz} interactions` +
      ` (${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
  const split = makeSplit(data, protocolFrom(options));
  log(
    `split ${split.protocol.kind} seed ${split.protocol.seed}: train ${split.train.matrix.nnz} interactions, ` +
      (split.validation ? `validation ${split.validation.users.length} users, ` : '') +
      `test ${split.test.users.length} users / ${split.test.targets.nnz} targets`,
  );
  if (options.saveSplit) {
    await saveSplit(options.saveSplit, split);
    log(`saved split to ${options.saveSplit}`);
  }
  return {
    split,
    datasetName: prepared.dataset.name,
    preprocessing: prepared.preprocessing,
    nInteractions: data.matrix.nnz,
    dataset: prepared.dataset,
    ...(options.saveSplit ? { splitFile: options.saveSplit } : {}),
  };
}
