import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DATASET_FORMATS, datasetFormatFromName } from '../../data/readers/index.js';
import { dataDir } from '../../data/paths.js';
import { listModelFactories } from '../../models/registry.js';

const KNOWN_DATASET_NAMES = ['ml-100k', 'ml-1m', 'ml-latest-small', 'amazon-beauty-5core-openp5', 'amazon-video-games-sasrec'];

export function modelsCommand(): Command {
  return new Command('models').description('list the models and their default hyper-parameters').action(() => {
    for (const factory of listModelFactories()) {
      process.stdout.write(`${factory.name.padEnd(12)} ${factory.description}\n${' '.repeat(13)}defaults ${JSON.stringify(factory.defaults)}\n`);
    }
  });
}

export function datasetsCommand(): Command {
  return new Command('datasets')
    .description('list the known datasets and whether they are present in the data directory')
    .option('--data-dir <dir>', 'folder of the known datasets')
    .action((options: { dataDir?: string }) => {
      const directory = options.dataDir ?? dataDir();
      process.stdout.write(`data directory: ${directory}\n`);
      for (const name of KNOWN_DATASET_NAMES) {
        const named = datasetFormatFromName(name, directory);
        process.stdout.write(`${name.padEnd(28)} ${named.format.padEnd(16)} ${existsSync(named.location) ? 'present' : 'missing'}\n`);
      }
      // The copy of MovieLens latest-small that ships with recoder (the demo imports it).
      const bundled = fileURLToPath(new URL('../../../../data/ml-latest-small', import.meta.url));
      if (existsSync(bundled)) process.stdout.write(`${'bundled: ml-latest-small'.padEnd(28)} ${'ml-latest'.padEnd(16)} present at ${bundled} (--dataset ${bundled})\n`);
      process.stdout.write(`other files: --dataset PATH --format ${DATASET_FORMATS.filter((f) => !f.startsWith('ml-')).join('|')}\n`);
    });
}
