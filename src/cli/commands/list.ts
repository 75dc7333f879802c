import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DATASET_FORMATS, datasetFormatFromName } from '../../data/readers/index.js';
import { dataDir } from '../../data/paths.js';
import { listModelFactories } from '../../models/registry.js';
import { describeSetting } from '../../models/settings.js';

const KNOWN_DATASET_NAMES = ['ml-100k', 'ml-1m', 'ml-latest-small', 'amazon-beauty-5core-openp5', 'amazon-video-games-sasrec', 'yoochoose-rsc15-clicks-100k-sample', 'diginetica-views-sample'];

export function modelsCommand(): Command {
  return new Command('models').description('list the models and their default hyper-parameters').action(() => {
    for (const factory of listModelFactories()) {
      const inputs = factory.inputs.join(', ') + (factory.predictsRatings ? '; predicts ratings' : '');
      process.stdout.write(`${factory.name}  (${inputs})\n  ${factory.description}\n`);
      for (const spec of factory.settings.specs) {
        const range = describeSetting(spec);
        const search = spec.search === undefined ? '' : 'choices' in spec.search ? `; tune: ${spec.search.choices.join('|')}` : `; tune: ${spec.search.min}..${spec.search.max}${(spec.search.scale ?? ('scale' in spec ? spec.scale : undefined)) === 'log' ? ' log' : ''}`;
        process.stdout.write(`    ${spec.name.padEnd(17)} ${JSON.stringify(spec.default).padEnd(18)} ${spec.description} [${range}${search}]\n`);
      }
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
        process.stdout.write(`${name.padEnd(36)} ${named.format.padEnd(16)} ${existsSync(named.location) ? 'present' : 'missing'}\n`);
      }
      // The copy of MovieLens latest-small that ships with recoder (the demo imports it).
      const bundled = fileURLToPath(new URL('../../../../data/ml-latest-small', import.meta.url));
      if (existsSync(bundled)) process.stdout.write(`${'bundled: ml-latest-small'.padEnd(36)} ${'ml-latest'.padEnd(16)} present at ${bundled} (--dataset ${bundled})\n`);
      process.stdout.write(`other files: --dataset PATH --format ${DATASET_FORMATS.filter((f) => !f.startsWith('ml-')).join('|')}\n`);
    });
}
