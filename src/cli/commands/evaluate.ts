import { Command } from 'commander';
import { evaluationToJSON, formatMetricTable, type MetricTableRow } from '../../eval/report.js';
import { runOnSplit, type ModelChoice } from '../../experiment/run.js';
import { runOnSessionSplit } from '../../experiment/run-sessions.js';
import { prepareSessionSplit, SESSION_DATASETS, type SessionDatasetName } from '../../experiment/session-data.js';
import { libraryVersion } from '../../models/model-file.js';
import { listModelFactories } from '../../models/registry.js';
import { addDataOptions, addSplitOptions, type DataOptions, type SplitOptions } from '../data-options.js';
import { collect, modelChoicesFrom, predictsRatings } from '../model-options.js';
import { createOutput } from '../output.js';
import { obtainSplit } from '../split-source.js';

interface EvaluateOptions extends DataOptions, SplitOptions {
  model: string;
  param: string[];
  metrics?: string;
  json?: boolean;
  quiet?: boolean;
}

export function evaluateCommand(): Command {
  const command = new Command('evaluate')
    .description('fit one or more models on a split and report metrics on its test users (full-catalogue ranking)')
    .requiredOption('-m, --model <names>', `model name(s), comma-separated (see \`recoder models\`): ${listModelFactories().map((factory) => factory.name).join(',')}`)
    .option('-p, --param <name=value>', 'hyper-parameter (model.name=value when several models); repeatable', collect, [])
    .option('--metrics <list>', 'ranking metrics, e.g. ndcg@100,recall@20,recall_capped@20 (default: a standard set)')
    .option('--json', 'print the results as JSON on stdout')
    .option('-q, --quiet', 'no progress or log lines on stderr');
  addDataOptions(command);
  addSplitOptions(command, { protocol: 'held-out-users', sessions: true });
  return command.action(async (options: EvaluateOptions) => {
    if (!options.dataset && !options.split) throw new Error('give --dataset (and a protocol) or --split FILE');
    const out = createOutput(options);
    const choices = modelChoicesFrom(options.model, options.param);
    if (options.protocol === 'sessions') {
      await evaluateSessionProtocol(options, choices, out);
      return;
    }
    const ratingModels = choices.filter(predictsRatings);
    if (ratingModels.length > 0 && ratingModels.length < choices.length) {
      throw new Error('rating predictors and top-N models are evaluated differently; evaluate them in separate runs');
    }
    const source = await obtainSplit(options, ratingModels.length === 0, out.log);
    const metrics = options.metrics?.split(',').map((m) => m.trim()).filter((m) => m !== '');
    const runs = [];
    const rows: MetricTableRow[] = [];
    for (const choice of choices) {
      const result = await runOnSplit(choice, source.split, {
        seed: options.seed,
        ...(metrics ? { metrics } : {}),
        onProgress: out.onFitProgress,
      });
      out.progress.stop();
      out.log(`${choice.name}: fit ${result.fitSeconds.toFixed(2)} s, evaluated ${result.test.users} test users in ${result.test.seconds.toFixed(2)} s`);
      const report = evaluationToJSON(result.test);
      runs.push({
        recoderVersion: libraryVersion(),
        model: choice.name,
        hyperParameters: result.model.hyperParameters,
        dataset: source.datasetName,
        dataFingerprint: source.split.dataFingerprint,
        preprocessing: source.preprocessing,
        protocol: source.split.protocol,
        seed: options.seed,
        ...(source.splitFile ? { splitFile: source.splitFile } : {}),
        fitSeconds: result.fitSeconds,
        ...report,
        ...(result.validation ? { validation: evaluationToJSON(result.validation).metrics } : {}),
      });
      rows.push({ label: choice.name, metrics: result.test.metrics });
    }
    if (out.json) {
      // Always a list, one entry per model, so a script reads one model and several alike.
      out.resultJSON(runs);
      return;
    }
    const p = source.split.protocol;
    out.result(`dataset ${source.datasetName} | protocol ${p.kind} | seed ${p.seed} | ${source.split.test.users.length} test users`);
    out.result(formatMetricTable(rows, { maxWidth: process.stdout.columns ?? 100 }));
    out.result(`fit seconds: ${runs.map((r) => `${r.model} ${r.fitSeconds.toFixed(2)}`).join(', ')}`);
  });
}

/** `--protocol sessions`: one of the shared session datasets under the SR-GNN protocol. */
async function evaluateSessionProtocol(options: EvaluateOptions, choices: readonly ModelChoice[], out: ReturnType<typeof createOutput>): Promise<void> {
  const name = options.dataset;
  if (options.split !== undefined) throw new Error('--protocol sessions makes its split from the dataset; --split is not supported with it');
  if (name === undefined || !(SESSION_DATASETS as readonly string[]).includes(name)) {
    throw new Error(`--protocol sessions needs a session dataset (-d ${SESSION_DATASETS.join(' or -d ')}), got ${name === undefined ? 'none' : `'${name}'`}`);
  }
  const split = await prepareSessionSplit(name as SessionDatasetName, ...(options.dataDir !== undefined ? [options.dataDir] : []));
  out.log(`${name}: ${split.counts.trainSessions} training sessions, ${split.counts.testSessions} test sessions, ${split.counts.testClicks - split.counts.testSessions} predictions`);
  const metrics = options.metrics?.split(',').map((m) => m.trim()).filter((m) => m !== '');
  const runs = [];
  const rows: MetricTableRow[] = [];
  for (const choice of choices) {
    const result = await runOnSessionSplit(choice, split, { seed: options.seed, ...(metrics ? { metrics } : {}), onProgress: out.onFitProgress });
    out.progress.stop();
    out.log(`${choice.name}: fit ${result.fitSeconds.toFixed(2)} s, predicted ${result.test.predictions} next clicks in ${result.test.seconds.toFixed(2)} s`);
    runs.push({
      recoderVersion: libraryVersion(),
      model: choice.name,
      hyperParameters: result.model.hyperParameters,
      dataset: name,
      protocol: split.protocol,
      counts: split.counts,
      seed: options.seed,
      fitSeconds: result.fitSeconds,
      kind: result.test.kind,
      sessions: result.test.sessions,
      predictions: result.test.predictions,
      metrics: Object.fromEntries(Object.entries(result.test.metrics).map(([metric, summary]) => [metric, summary.mean])),
      stderr: Object.fromEntries(Object.entries(result.test.metrics).map(([metric, summary]) => [metric, summary.stderr])),
    });
    rows.push({ label: choice.name, metrics: result.test.metrics });
  }
  if (out.json) {
    out.resultJSON(runs);
    return;
  }
  out.result(`dataset ${name} | protocol sessions | seed ${options.seed} | ${split.counts.testSessions} test sessions`);
  out.result(formatMetricTable(rows, { maxWidth: process.stdout.columns ?? 100 }));
  out.result(`fit seconds: ${runs.map((r) => `${r.model} ${r.fitSeconds.toFixed(2)}`).join(', ')}`);
}
