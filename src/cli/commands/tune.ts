import { Command, InvalidArgumentError } from 'commander';
import { evaluationToJSON, formatMetricTable } from '../../eval/report.js';
import { gridSearch } from '../../experiment/tune.js';
import { libraryVersion } from '../../models/model-file.js';
import { getModelFactory, parseHyperParameters } from '../../models/registry.js';
import { addDataOptions, addSplitOptions, type DataOptions, type SplitOptions } from '../data-options.js';
import { collect, modelChoicesFrom, predictsRatings } from '../model-options.js';
import { createOutput } from '../output.js';
import { obtainSplit } from '../split-source.js';

interface TuneOptions extends DataOptions, SplitOptions {
  model: string;
  param: string[];
  grid: string[];
  select: string;
  metrics?: string;
  json?: boolean;
  quiet?: boolean;
}

/** `--grid lambda=100,250,500` into typed value lists, one per hyper-parameter. */
function parseGrid(modelName: string, grid: readonly string[]): Record<string, unknown[]> {
  const factory = getModelFactory(modelName);
  const parsed: Record<string, unknown[]> = {};
  for (const entry of grid) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`--grid '${entry}' is not name=v1,v2,...`);
    const name = entry.slice(0, eq).trim();
    // Lists of lists use ';' between values, e.g. hidden=600,200;300,100.
    const separator = entry.includes(';') ? ';' : ',';
    parsed[name] = entry.slice(eq + 1).split(separator).map((value) => parseHyperParameters(factory, { [name]: value.trim() })[name]);
  }
  if (Object.keys(parsed).length === 0) throw new InvalidArgumentError('give at least one --grid name=v1,v2,...');
  return parsed;
}

export function tuneCommand(): Command {
  const command = new Command('tune')
    .description('grid search on the validation users, then the best setting evaluated once on the test users')
    .requiredOption('-m, --model <name>', 'model name')
    .option('-p, --param <name=value>', 'fixed hyper-parameter; repeatable', collect, [])
    .option('-g, --grid <name=v1,v2,...>', 'values to try for one hyper-parameter; repeatable (all combinations)', collect, [])
    .option('--select <metric>', 'validation metric that picks the best setting', 'ndcg@100')
    .option('--metrics <list>', 'metrics reported on test (default: a standard set)')
    .option('--json', 'print the results as JSON on stdout')
    .option('-q, --quiet', 'no progress or log lines on stderr');
  addDataOptions(command);
  addSplitOptions(command, { protocol: 'held-out-users' });
  return command.action(async (options: TuneOptions) => {
    if (!options.dataset && !options.split) throw new Error('give --dataset (and a protocol) or --split FILE');
    const out = createOutput(options);
    const [choice] = modelChoicesFrom(options.model, options.param);
    if (!choice || options.model.includes(',')) throw new Error('tune searches one model at a time');
    const grid = parseGrid(choice.name, options.grid);
    const source = await obtainSplit(options, !predictsRatings(choice), out.log);
    const metrics = options.metrics?.split(',').map((m) => m.trim()).filter((m) => m !== '');
    const result = await gridSearch(choice, grid, source.split, {
      seed: options.seed,
      selectBy: options.select,
      ...(metrics ? { metrics } : {}),
      onProgress: out.onFitProgress,
      onPoint: (point, index, total) => {
        out.progress.stop();
        out.log(`[${index + 1}/${total}] ${JSON.stringify(point.hyperParameters)}: validation ${options.select} = ${point.score.toFixed(4)} (fit ${point.fitSeconds.toFixed(2)} s)`);
      },
    });
    out.progress.stop();
    const testReport = evaluationToJSON(result.test);
    if (out.json) {
      out.resultJSON({
        recoderVersion: libraryVersion(),
        model: choice.name,
        dataset: source.datasetName,
        dataFingerprint: source.split.dataFingerprint,
        preprocessing: source.preprocessing,
        protocol: source.split.protocol,
        seed: options.seed,
        selectBy: result.selectBy,
        grid: result.points.map((p) => ({ hyperParameters: p.hyperParameters, validation: p.score, fitSeconds: p.fitSeconds })),
        hyperParameters: result.best.hyperParameters,
        fitSeconds: result.best.fitSeconds,
        ...testReport,
      });
      return;
    }
    out.result(`validation ${result.selectBy} over the grid (${source.datasetName}, ${source.split.protocol.kind}, seed ${options.seed}):`);
    for (const p of result.points) {
      const mark = p === result.best ? '  <- best' : '';
      out.result(`  ${JSON.stringify(p.hyperParameters)}  ${p.score.toFixed(4)}  fit ${p.fitSeconds.toFixed(2)} s${mark}`);
    }
    out.result(`test metrics of the best setting:`);
    out.result(formatMetricTable([{ label: choice.name, metrics: result.test.metrics }]));
  });
}
