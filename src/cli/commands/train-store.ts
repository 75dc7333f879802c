import { Command } from 'commander';
import { resolve } from 'node:path';
import { checkModelDirectory } from '../../serve/model-versions.js';
import { describeStoreLocation, openExistingEventStore } from '../../serve/open-store.js';
import { checkTrainingConfig, trainFromStore, type TrainingConfig } from '../../serve/training.js';
import { parseInteger, parseNumber } from '../data-options.js';
import { collect, modelChoicesFrom } from '../model-options.js';
import { createOutput } from '../output.js';

/** The training settings `train-store` and `serve --train-*` share, as typed on a command line. */
export interface TrainingFlags {
  readonly model: string;
  readonly params: readonly string[];
  readonly minItemUsers: number;
  readonly eventTypes?: string;
  readonly minValue?: number;
  readonly keepVersions: number;
  readonly seed?: number;
}

export function trainingConfigFrom(flags: TrainingFlags): TrainingConfig {
  const choices = modelChoicesFrom(flags.model, flags.params);
  if (choices.length !== 1) throw new Error(`training fits one model, got ${choices.length} (${flags.model})`);
  const eventTypes = flags.eventTypes?.split(',').map((t) => t.trim()).filter((t) => t !== '');
  return checkTrainingConfig({
    model: choices[0]!.name,
    hyperParameters: choices[0]!.hyperParameters,
    filter: { ...(eventTypes !== undefined ? { eventTypes } : {}), ...(flags.minValue !== undefined ? { minValue: flags.minValue } : {}) },
    minItemUsers: flags.minItemUsers,
    keepVersions: flags.keepVersions,
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
  });
}

interface TrainStoreOptions {
  store: string;
  model: string;
  param: string[];
  out: string;
  minItemUsers: number;
  eventTypes?: string;
  minValue?: number;
  keepVersions: number;
  seed?: number;
  json?: boolean;
  quiet?: boolean;
}

export function trainStoreCommand(): Command {
  return new Command('train-store')
    .description('fit a model on the events in an event store (the one `recoder serve` uses) and publish it as a new version in a model directory; a running server swaps to it')
    .requiredOption('--store <path|url>', 'SQLite file (e.g. recoder-data/events.sqlite) or postgres://user:pass@host/db')
    .requiredOption('-m, --model <name>', 'model name: ease, itemknn, ...')
    .option('-p, --param <name=value>', 'hyper-parameter; repeatable', collect, [])
    .requiredOption('-o, --out <dir>', 'model directory: the version goes to DIR/<timestamp>/ and DIR/CURRENT points at it')
    .option('--min-item-users <n>', 'leave out items with fewer distinct users (keeps EASE small on long-tail catalogues)', parseInteger('--min-item-users'), 1)
    .option('--event-types <types>', 'comma-separated event types that count (default: all)')
    .option('--min-value <x>', 'leave out events whose value is below x (e.g. ratings under 4); events without a value count', parseNumber('--min-value'))
    .option('--keep-versions <n>', 'versions kept in the model directory, the new one included', parseInteger('--keep-versions'), 5)
    .option('--seed <n>', 'random seed for models that draw random numbers', parseInteger('--seed'))
    .option('--json', 'print the result as JSON on stdout')
    .option('-q, --quiet', 'no progress or log lines on stderr')
    .action(async (options: TrainStoreOptions) => {
      const out = createOutput(options);
      const config = trainingConfigFrom({ ...options, params: options.param });
      await checkModelDirectory(options.out);
      const store = await openExistingEventStore(options.store);
      const controller = new AbortController();
      const onSignal = () => {
        out.log('cancelling: no version will be published');
        controller.abort();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        out.log(`reading events from ${describeStoreLocation(options.store)}`);
        const result = await trainFromStore(store, config, options.out, { onProgress: out.onFitProgress, signal: controller.signal });
        out.progress.stop();
        const where = resolve(options.out, result.version);
        out.log(`published version ${result.version} of ${result.model} to ${where}`);
        if (out.json) out.resultJSON({ ...result, dir: where });
        else {
          out.result(
            `version ${result.version}: ${result.model} on ${result.users} users × ${result.items} items (${result.interactions} interactions from ${result.eventsRead} events), ` +
              `fit in ${result.fitSeconds.toFixed(2)} s, saved to ${where}`,
          );
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await store.close();
      }
    });
}
