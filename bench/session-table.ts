/**
 * The session table (issue 11): popularity, session-kNN and, when registered, GRU4Rec, SASRec
 * and the sequential VAE on the shared YooChoose and DIGINETICA samples under the SR-GNN
 * protocol (src/data/splits/sessions.ts): every next click of a test session predicted from
 * its prefix against the full catalogue, recall@20 (= SR-GNN's P@20) and MRR@20 over
 * predictions, with standard errors. Every model at its defaults (plus any --param).
 *
 *   node dist/bench/session-table.js [--datasets yoochoose-rsc15-clicks-100k-sample,diginetica-views-sample]
 *        [--models popularity,session-knn,gru4rec,sasrec,svae] [--seed 1] [--param gru4rec.epochs=10 ...]
 *
 * Prints one JSON document, then a table.
 */
import { parseArgs } from 'node:util';
import { evaluateSessions, type SessionEvaluation } from '../src/eval/sessions.js';
import { prepareSessionSplit, SESSION_DATASETS, type SessionDatasetName } from '../src/experiment/session-data.js';
import { getModelFactory } from '../src/models/registry.js';
import { formatTable, meanAndError, parseModelParams, registeredModels, SEQUENCE_MODELS } from './table-support.js';

const { values: args } = parseArgs({
  options: {
    datasets: { type: 'string', default: SESSION_DATASETS.join(',') },
    models: { type: 'string', default: ['popularity', 'session-knn', ...SEQUENCE_MODELS].join(',') },
    seed: { type: 'string', default: '1' },
    param: { type: 'string', multiple: true, default: [] },
  },
});
const seed = Number(args.seed);
const params = parseModelParams(args.param!);
const models = registeredModels(args.models!.split(','));
const METRICS = ['recall@20', 'mrr@20'];

interface Row {
  readonly dataset: string;
  readonly model: string;
  readonly hyperParameters?: Readonly<Record<string, unknown>>;
  readonly fitSeconds?: number;
  readonly evaluation?: SessionEvaluation;
  readonly error?: string;
}

const datasets = [];
const rows: Row[] = [];
for (const name of args.datasets!.split(',')) {
  if (!(SESSION_DATASETS as readonly string[]).includes(name)) throw new Error(`--datasets: '${name}' is not a session dataset (${SESSION_DATASETS.join(', ')})`);
  const split = await prepareSessionSplit(name as SessionDatasetName);
  datasets.push({ dataset: name, protocol: split.protocol, counts: split.counts });
  process.stderr.write(`${name}: ${JSON.stringify(split.counts)}\n`);
  for (const model of models) {
    const recommender = getModelFactory(model).create({ ...params[model] });
    try {
      const started = performance.now();
      await recommender.fit(split.train, { seed });
      const fitSeconds = (performance.now() - started) / 1000;
      const evaluation = evaluateSessions(recommender, split.test.sessions, { metrics: METRICS });
      rows.push({ dataset: name, model, hyperParameters: recommender.hyperParameters, fitSeconds, evaluation });
      process.stderr.write(`${name} ${model}: ${METRICS.map((m) => `${m} ${meanAndError(evaluation.metrics[m])}`).join(', ')} (fit ${fitSeconds.toFixed(1)} s, evaluate ${evaluation.seconds.toFixed(1)} s)\n`);
    } catch (error) {
      rows.push({ dataset: name, model, error: (error as Error).message });
      process.stderr.write(`${name} ${model}: failed: ${(error as Error).message}\n`);
    }
  }
}

console.log(JSON.stringify({ benchmark: 'session-table', seed, metrics: METRICS, datasets, rows }, null, 2));
console.log(
  formatTable(
    ['dataset', 'model', ...METRICS, 'predictions', 'fit s', 'evaluate s'],
    rows.map((r) => [
      r.dataset,
      r.model,
      ...METRICS.map((m) => (r.error ? 'failed' : meanAndError(r.evaluation!.metrics[m]))),
      r.evaluation ? String(r.evaluation.predictions) : '',
      r.fitSeconds !== undefined ? r.fitSeconds.toFixed(1) : '',
      r.evaluation ? r.evaluation.seconds.toFixed(1) : '',
    ]),
  ),
);
