/**
 * The sequential table (issue 11, REFERENCE.md §6): leave-one-out with validation — each user's
 * last item is the test target, the one before it the validation target, the rest history —
 * ranked against the full catalogue with the user's earlier items excluded; HR@10 (= Recall@10,
 * one target), NDCG@10 and MRR@10 over test users, with standard errors. Set-based models
 * (popularity, item-kNN, EASE, Mult-DAE) get the whole history as their input row, sequence
 * models (session-kNN and, when registered, GRU4Rec, SASRec, SVAE) the same history in order.
 * Every interaction is a positive (no rating threshold, no k-core beyond the dataset's own);
 * every model at its defaults (plus any --param); iterative models select their epoch on the
 * validation targets.
 *
 *   node dist/bench/sequential-table.js [--datasets amazon-beauty-5core-openp5,amazon-video-games-sasrec,ml-100k,ml-latest-small]
 *        [--models popularity,itemknn,ease,mult-dae,session-knn,gru4rec,sasrec,svae] [--seed 1] [--param mult-dae.epochs=30 ...]
 *
 * Prints one JSON document, then a table.
 */
import { parseArgs } from 'node:util';
import { leaveLastOutSplit } from '../src/data/splits/leave-last-out.js';
import { evaluateRanking, type RankingEvaluation } from '../src/eval/evaluate.js';
import { prepareData } from '../src/experiment/prepare.js';
import { getModelFactory } from '../src/models/registry.js';
import { formatTable, meanAndError, parseModelParams, registeredModels, SEQUENCE_MODELS } from './table-support.js';

const { values: args } = parseArgs({
  options: {
    datasets: { type: 'string', default: 'amazon-beauty-5core-openp5,amazon-video-games-sasrec,ml-100k,ml-latest-small' },
    models: { type: 'string', default: ['popularity', 'itemknn', 'ease', 'mult-dae', 'session-knn', ...SEQUENCE_MODELS].join(',') },
    seed: { type: 'string', default: '1' },
    param: { type: 'string', multiple: true, default: [] },
  },
});
const seed = Number(args.seed);
const params = parseModelParams(args.param!);
const models = registeredModels(args.models!.split(','));
const METRICS = ['hr@10', 'ndcg@10', 'mrr@10'];

interface Row {
  readonly dataset: string;
  readonly model: string;
  readonly hyperParameters?: Readonly<Record<string, unknown>>;
  readonly fitSeconds?: number;
  readonly test?: RankingEvaluation;
  readonly error?: string;
}

const datasets = [];
const rows: Row[] = [];
for (const name of args.datasets!.split(',')) {
  const { data } = await prepareData({ dataset: name, implicit: true });
  const split = leaveLastOutSplit(data, { validation: true, seed });
  const shape = { users: data.matrix.nRows, items: data.matrix.nCols, interactions: data.matrix.nnz, testUsers: split.test.users.length, validationUsers: split.validation!.users.length };
  datasets.push({ dataset: name, protocol: split.protocol, dataFingerprint: split.dataFingerprint, ...shape });
  process.stderr.write(`${name}: ${JSON.stringify(shape)}\n`);
  for (const model of models) {
    const recommender = getModelFactory(model).create({ ...params[model] });
    try {
      const started = performance.now();
      await recommender.fit(split.train, { seed, validation: split.validation! });
      const fitSeconds = (performance.now() - started) / 1000;
      const test = evaluateRanking(recommender, split.test, { metrics: METRICS });
      rows.push({ dataset: name, model, hyperParameters: recommender.hyperParameters, fitSeconds, test });
      process.stderr.write(`${name} ${model}: ${METRICS.map((m) => `${m} ${meanAndError(test.metrics[m])}`).join(', ')} (fit ${fitSeconds.toFixed(1)} s, evaluate ${test.seconds.toFixed(1)} s)\n`);
    } catch (error) {
      rows.push({ dataset: name, model, error: (error as Error).message });
      process.stderr.write(`${name} ${model}: failed: ${(error as Error).message}\n`);
    }
  }
}

console.log(JSON.stringify({ benchmark: 'sequential-table', seed, metrics: METRICS, datasets, rows }, null, 2));
console.log(
  formatTable(
    ['dataset', 'model', ...METRICS, 'test users', 'fit s', 'evaluate s'],
    rows.map((r) => [
      r.dataset,
      r.model,
      ...METRICS.map((m) => (r.error ? 'failed' : meanAndError(r.test!.metrics[m]))),
      r.test ? String(r.test.users) : '',
      r.fitSeconds !== undefined ? r.fitSeconds.toFixed(1) : '',
      r.test ? r.test.seconds.toFixed(1) : '',
    ]),
  ),
);
