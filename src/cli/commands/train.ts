import { Command } from 'commander';
import { resolve } from 'node:path';
import { evaluationToJSON } from '../../eval/report.js';
import { prepareData } from '../../experiment/prepare.js';
import { evaluateOnSplit, fitOnSplit, type ModelChoice } from '../../experiment/run.js';
import { fingerprintOf } from '../../data/splits/parts.js';
import { trainingDataOf } from '../../data/transforms.js';
import { saveModel, type ModelManifest } from '../../models/model-file.js';
import { getModelFactory } from '../../models/registry.js';
import type { Dataset } from '../../data/interactions.js';
import { addDataOptions, addSplitOptions, dataSpecFrom, type DataOptions, type SplitOptions } from '../data-options.js';
import { collect, modelChoicesFrom, predictsRatings } from '../model-options.js';
import { createOutput, type Output } from '../output.js';
import { obtainSplit } from '../split-source.js';

interface TrainOptions extends DataOptions, SplitOptions {
  model: string;
  param: string[];
  out: string;
  checkpoint?: string;
  resume?: boolean;
  json?: boolean;
  quiet?: boolean;
}

export function trainCommand(): Command {
  const command = new Command('train')
    .description('fit a model and save it (manifest.json + weights.safetensors); with --protocol, fit on the split and record its test metrics')
    .requiredOption('-m, --model <name>', 'model name: popularity, itemknn, ease, ...')
    .option('-p, --param <name=value>', 'hyper-parameter; repeatable', collect, [])
    .requiredOption('-o, --out <dir>', 'model directory to write')
    .option('--checkpoint <file>', 'iterative models: write a checkpoint after every epoch (atomically)')
    .option('--resume', 'continue from --checkpoint when it exists (same model, data and seed)')
    .option('--json', 'print the manifest as JSON on stdout')
    .option('-q, --quiet', 'no progress or log lines on stderr');
  addDataOptions(command);
  addSplitOptions(command, { protocol: 'none' });
  return command.action(async (options: TrainOptions) => {
    const out = createOutput(options);
    const choices = modelChoicesFrom(options.model, options.param);
    if (choices.length !== 1) throw new Error('train fits one model; use evaluate to compare several');
    const choice = choices[0]!;
    if (options.resume && !options.checkpoint) throw new Error('--resume needs --checkpoint FILE');
    // Ctrl-C stops training between blocks; the model directory is only written after a finished fit.
    const controller = new AbortController();
    const onSignal = () => {
      out.log('cancelling: the model directory will not be written');
      controller.abort();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const manifest = options.protocol === 'none'
        ? await trainOnAllData(options, choice, out, controller.signal)
        : await trainOnSplit(options, choice, out, controller.signal);
      out.log(`saved ${manifest.model} to ${resolve(options.out)}`);
      if (out.json) out.resultJSON(manifestSummary(manifest, resolve(options.out)));
      else out.result(`model ${manifest.model} saved to ${resolve(options.out)}${manifest.metrics ? ` | test ${formatMetrics(manifest.metrics)}` : ''}`);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  });
}

/**
 * The manifest for --json, without its id lists (every user and item id, which
 * can be millions of lines; they stay in the saved manifest.json).
 */
function manifestSummary(manifest: ModelManifest, dir: string) {
  const { userIds, itemIds, ...rest } = manifest;
  return { ...rest, dir, users: userIds.length, items: itemIds.length };
}

/** The dataset's item attributes in the model's item order, or undefined when it has none. */
function itemAttributesFor(dataset: Dataset | undefined, itemIds: readonly string[]): Array<Record<string, unknown> | null> | undefined {
  const table = dataset?.itemAttributes;
  if (!dataset || !table) return undefined;
  return itemIds.map((id) => table.rows[dataset.items.indexOf(id)] ?? null);
}

const checkpointOf = (options: TrainOptions) =>
  options.checkpoint ? { checkpoint: { path: options.checkpoint, resume: options.resume ?? false } } : {};

const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };

function formatMetrics(metrics: Record<string, number>): string {
  return Object.entries(metrics).map(([k, v]) => `${k}=${v.toFixed(4)}`).join(' ');
}

async function trainOnAllData(options: TrainOptions, choice: ModelChoice, out: Output, signal: AbortSignal): Promise<ModelManifest> {
  const prepared = await prepareData(dataSpecFrom(options, !predictsRatings(choice)));
  const { data } = prepared;
  out.log(`read ${prepared.dataset.name}: ${data.userIds.length} users, ${data.itemIds.length} items, ${data.matrix.nnz} interactions`);
  const model = getModelFactory(choice.name).create({ ...choice.hyperParameters });
  const started = performance.now();
  await model.fit(trainingDataOf(data), { seed: options.seed, onProgress: out.onFitProgress, signal, ...checkpointOf(options) });
  out.progress.stop();
  const fitSeconds = (performance.now() - started) / 1000;
  out.log(`fit ${choice.name} in ${fitSeconds.toFixed(2)} s`);
  return saveModel(options.out, model, {
    data: {
      name: prepared.dataset.name,
      fingerprint: fingerprintOf(data),
      nUsers: data.userIds.length,
      nItems: data.itemIds.length,
      nInteractions: data.matrix.nnz,
    },
    userIds: data.userIds,
    itemIds: data.itemIds,
    history: data.matrix,
    ...optional('historySequences', data.events?.sequences),
    fitSeconds,
    ...optional('itemAttributes', itemAttributesFor(prepared.dataset, data.itemIds)),
  });
}

async function trainOnSplit(options: TrainOptions, choice: ModelChoice, out: Output, signal: AbortSignal): Promise<ModelManifest> {
  const source = await obtainSplit(options, !predictsRatings(choice), out.log);
  const { split } = source;
  const fitted = await fitOnSplit(choice, split, { seed: options.seed, onProgress: out.onFitProgress, signal, ...checkpointOf(options) });
  out.progress.stop();
  const test = evaluationToJSON(evaluateOnSplit(fitted.model, split, 'test', { onProgress: out.onFitProgress }));
  out.progress.stop();
  const metrics = Object.fromEntries(Object.entries(test.metrics).filter((e): e is [string, number] => e[1] !== null));
  return saveModel(options.out, fitted.model, {
    data: {
      name: source.datasetName,
      fingerprint: split.dataFingerprint,
      nUsers: split.userIds.length,
      nItems: split.itemIds.length,
      nInteractions: source.nInteractions,
    },
    userIds: split.userIds,
    itemIds: split.itemIds,
    history: split.train.matrix,
    ...optional('historySequences', split.train.sequences),
    protocol: split.protocol,
    metrics,
    fitSeconds: fitted.fitSeconds,
    ...optional('itemAttributes', itemAttributesFor(source.dataset, split.itemIds)),
  });
}
