import { Command } from 'commander';
import { addDataOptions, addSplitOptions, type DataOptions, type SplitOptions } from '../data-options.js';
import { createOutput } from '../output.js';
import { obtainSplit } from '../split-source.js';

interface SplitCommandOptions extends DataOptions, SplitOptions {
  out: string;
  ratings?: boolean;
  json?: boolean;
  quiet?: boolean;
}

export function splitCommand(): Command {
  const command = new Command('split')
    .description('make a seeded split and save it (safetensors), so that recoder and a peer are evaluated on exactly the same one')
    .requiredOption('-o, --out <file>', 'split file to write')
    .option('--ratings', 'keep rating values (for rating prediction) instead of making every interaction a positive')
    .option('--json', 'print a summary as JSON')
    .option('-q, --quiet', 'no log lines on stderr');
  addDataOptions(command);
  addSplitOptions(command, { protocol: 'held-out-users' });
  return command.action(async (options: SplitCommandOptions) => {
    const out = createOutput(options);
    const source = await obtainSplit({ ...options, saveSplit: options.out, split: undefined }, !options.ratings, out.log);
    const { split } = source;
    const summary = {
      file: options.out,
      dataset: source.datasetName,
      dataFingerprint: split.dataFingerprint,
      protocol: split.protocol,
      preprocessing: source.preprocessing,
      users: split.userIds.length,
      items: split.itemIds.length,
      train: split.train.matrix.nnz,
      validation: split.validation ? { users: split.validation.users.length, targets: split.validation.targets.nnz } : null,
      test: { users: split.test.users.length, targets: split.test.targets.nnz },
    };
    if (out.json) out.resultJSON(summary);
    else out.result(`saved ${options.out}: ${summary.users} users, ${summary.items} items, train ${summary.train}, test ${summary.test.users} users / ${summary.test.targets} targets`);
  });
}
