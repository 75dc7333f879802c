import { Command, InvalidArgumentError } from 'commander';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../../io/atomic-write.js';
import type { ModelChoice } from '../../experiment/run.js';
import { evaluationToJSON, formatMetricTable } from '../../eval/report.js';
import { declaredSearchSpace, parseSearchRange, randomSearch, type SearchSpace } from '../../experiment/search.js';
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
  trials: number;
  minutes?: number;
  eta: number;
  minEpochs?: number;
  space: string[];
  log?: string;
  out?: string;
}

const positiveInteger = (flag: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} takes a positive integer, got '${value}'`);
  return n;
};
const positiveNumber = (flag: string) => (value: string) => {
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError(`${flag} takes a positive number, got '${value}'`);
  return n;
};

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
    .description(
      'search hyper-parameters on the validation users (random search with successive halving over the model\'s declared space, ' +
        'or a grid with --grid), then evaluate the best setting once on the test users; re-run with the same --log to continue a killed search',
    )
    .requiredOption('-m, --model <name>', 'model name')
    .option('-p, --param <name=value>', 'fixed hyper-parameter; repeatable', collect, [])
    .option('-g, --grid <name=v1,v2,...>', 'values to try for one hyper-parameter; repeatable (all combinations)', collect, [])
    .option('--select <metric>', 'validation metric that picks the best setting', 'ndcg@100')
    .option('--trials <n>', 'random search: configurations to try', positiveInteger('--trials'), 20)
    .option('--minutes <m>', 'random search: start no new configuration after this many minutes', positiveNumber('--minutes'))
    .option('--eta <n>', 'successive halving: keep the best 1/eta at each rung (1: no halving)', positiveInteger('--eta'), 3)
    .option('--min-epochs <n>', 'successive halving: epochs of the first rung', positiveInteger('--min-epochs'))
    .option('--space <name=lo..hi[:log]|name=a|b>', 'search range of a setting, over the declared one; repeatable', collect, [])
    .option('--log <file>', 'random search: JSON lines of finished trials (default .recoder/tune/<dataset>-<model>-seed<seed>.jsonl); a re-run continues from it')
    .option('--out <file>', 'write the best configuration as JSON')
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
    // Bad grids and ranges fail before the data is read.
    const grid = options.grid.length > 0 ? parseGrid(choice.name, options.grid) : undefined;
    const factory = getModelFactory(choice.name);
    const space = { ...declaredSearchSpace(factory, choice.hyperParameters), ...Object.fromEntries(options.space.map((entry) => parseSearchRange(factory, entry))) };
    const source = await obtainSplit(options, !predictsRatings(choice), out.log);
    const metrics = options.metrics?.split(',').map((m) => m.trim()).filter((m) => m !== '');
    if (grid === undefined) {
      await runRandomSearch(options, choice, space, source, metrics, out);
      return;
    }
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
        ...reportHeader(choice, source, options.seed, result.selectBy),
        grid: result.points.map((p) => ({ hyperParameters: p.hyperParameters, validation: p.score, fitSeconds: p.fitSeconds })),
        hyperParameters: result.best.hyperParameters,
        fitSeconds: result.best.fitSeconds,
        ...testReport,
      });
      await writeBest(options.out, choice.name, result.best.hyperParameters);
      return;
    }
    await writeBest(options.out, choice.name, result.best.hyperParameters);
    out.result(`validation ${result.selectBy} over the grid (${source.datasetName}, ${source.split.protocol.kind}, seed ${options.seed}):`);
    for (const p of result.points) {
      const mark = p === result.best ? '  <- best' : '';
      out.result(`  ${JSON.stringify(p.hyperParameters)}  ${p.score.toFixed(4)}  fit ${p.fitSeconds.toFixed(2)} s${mark}`);
    }
    out.result(`test metrics of the best setting:`);
    out.result(formatMetricTable([{ label: choice.name, metrics: result.test.metrics }]));
  });
}

async function runRandomSearch(
  options: TuneOptions,
  choice: ModelChoice,
  space: SearchSpace,
  source: Awaited<ReturnType<typeof obtainSplit>>,
  metrics: string[] | undefined,
  out: ReturnType<typeof createOutput>,
): Promise<void> {
  const logFile = options.log ?? join('.recoder', 'tune', `${basename(source.datasetName)}-${choice.name}-seed${options.seed}.jsonl`);
  out.log(`random search over ${Object.keys(space).join(', ')}: ${options.trials} trials, eta ${options.eta}; trials logged to ${logFile}`);
  const controller = new AbortController();
  const stop = () => controller.abort(new Error('interrupted: re-run the same command to continue the search'));
  process.once('SIGINT', stop);
  let result;
  try {
    result = await randomSearch(choice, space, source.split, {
      seed: options.seed,
      selectBy: options.select,
      trials: options.trials,
      eta: options.eta,
      logFile,
      signal: controller.signal,
      ...(options.minutes !== undefined ? { minutes: options.minutes } : {}),
      ...(options.minEpochs !== undefined ? { minEpochs: options.minEpochs } : {}),
      ...(metrics ? { metrics } : {}),
      onProgress: out.onFitProgress,
      onTrial: (trial, resumed) => {
        out.progress.stop();
        const epochs = trial.epochs !== null ? ` ${trial.epochs} epochs` : '';
        out.log(`[trial ${trial.trial + 1}/${options.trials} rung ${trial.rung}${epochs}] ${resumed ? '(from the log) ' : ''}${JSON.stringify(trial.hyperParameters)}: validation ${options.select} = ${trial.score.toFixed(4)}`);
      },
    });
  } finally {
    process.removeListener('SIGINT', stop);
  }
  out.progress.stop();
  await writeBest(options.out, choice.name, result.best.hyperParameters);
  const testReport = evaluationToJSON(result.test);
  if (out.json) {
    out.resultJSON({
      ...reportHeader(choice, source, options.seed, result.selectBy),
      search: { kind: 'random', trials: options.trials, eta: options.eta, space, logFile },
      trials: result.trials,
      hyperParameters: result.best.hyperParameters,
      fitSeconds: result.trials.filter((t) => t.trial === result.best.trial).reduce((sum, t) => sum + t.fitSeconds, 0),
      ...testReport,
    });
    return;
  }
  out.result(`best of ${new Set(result.trials.map((t) => t.trial)).size} configurations by validation ${result.selectBy}: ${JSON.stringify(result.best.hyperParameters)} (${result.best.score.toFixed(4)})`);
  out.result(`test metrics of the best setting:`);
  out.result(formatMetricTable([{ label: choice.name, metrics: result.test.metrics }]));
}

/** The best configuration as `{ model, hyperParameters }` JSON, for `--out`. */
async function writeBest(file: string | undefined, model: string, hyperParameters: Readonly<Record<string, unknown>>): Promise<void> {
  if (file !== undefined) await writeFileAtomic(file, JSON.stringify({ model, hyperParameters }, null, 2) + '\n');
}

/** What every tune report starts with: the model, the data and split it was tuned on, the seed and the selection metric. */
function reportHeader(choice: ModelChoice, source: Awaited<ReturnType<typeof obtainSplit>>, seed: number, selectBy: string) {
  return {
    recoderVersion: libraryVersion(),
    model: choice.name,
    dataset: source.datasetName,
    dataFingerprint: source.split.dataFingerprint,
    preprocessing: source.preprocessing,
    protocol: source.split.protocol,
    seed,
    selectBy,
  };
}
