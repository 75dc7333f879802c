/**
 * User cold start: users with attributes (demographics) and no history.
 *
 *   node dist/bench/user-cold-start.js [--dataset ml-1m] [--seed 1] [--users 600]
 *
 * A held-out-users split with no fold-in (foldInFraction 0): N validation and N test users
 * whose every interaction is a target and whose input is empty; the models get the test
 * users' attributes only (ml-1m: gender, age, occupation, zip). Full-catalogue ranking,
 * Recall@20 (hits over the number of targets), NDCG@20 and NDCG@100 with standard errors.
 * Popularity is the bar (a model without user attributes can do no better for a stranger);
 * "paired" is each model's NDCG@100 minus popularity's over the same users. The hybrid DAE
 * stops early on the validation users (NDCG@100, also history-free). Prints JSON, then a table.
 */
import { parseArgs } from 'node:util';
import { makeSplit } from '../src/data/splits/index.js';
import { evaluateRanking } from '../src/eval/evaluate.js';
import { meanWithStderr } from '../src/eval/metrics.js';
import { prepareData } from '../src/experiment/prepare.js';
import { getModelFactory } from '../src/models/registry.js';

const { values: args } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'ml-1m' },
    seed: { type: 'string', default: '1' },
    users: { type: 'string', default: '600' },
  },
});
const seed = Number(args.seed);
const METRICS = ['recall@20', 'ndcg@20', 'ndcg@100'];
const log = (line: string) => process.stderr.write(`${line}\n`);

const { data } = await prepareData({ dataset: args.dataset!, implicit: true });
if (!data.userFeatures) throw new Error(`dataset '${args.dataset}' has no user attributes`);
const users = Number(args.users);
const split = makeSplit(data, { kind: 'held-out-users', validationUsers: users, testUsers: users, foldInFraction: 0, seed });
if (split.test.input.nnz !== 0) throw new Error('user cold start: the test users must have no input');

const candidates = [
  { label: 'popularity', model: 'popularity', grid: [{}] },
  { label: 'hybrid-dae (user attributes)', model: 'hybrid-dae', grid: [0.25, 0.5, 0.75].map((userDropout) => ({ userDropout, itemDropout: 0 })) },
];
const rows: { label: string; settings: Record<string, unknown>; fitSeconds: number; metrics: Record<string, { mean: number; stderr: number }>; perUser: Float64Array }[] = [];
for (const candidate of candidates) {
  let best: { settings: Record<string, unknown>; score: number; model: ReturnType<ReturnType<typeof getModelFactory>['create']>; seconds: number } | undefined;
  for (const settings of candidate.grid) {
    const model = getModelFactory(candidate.model).create(settings);
    const started = performance.now();
    await model.fit(split.train, { seed, ...(split.validation ? { validation: split.validation } : {}) });
    const seconds = (performance.now() - started) / 1000;
    const score = evaluateRanking(model, split.validation!, { metrics: ['ndcg@100'] }).metrics['ndcg@100']!.mean;
    log(`${candidate.label} ${JSON.stringify(settings)}: validation NDCG@100 ${score.toFixed(4)} (fit ${seconds.toFixed(1)} s)`);
    if (!best || score > best.score) best = { settings, score, model, seconds };
  }
  const evaluation = evaluateRanking(best!.model, split.test, { metrics: METRICS, perUser: true });
  rows.push({
    label: candidate.label,
    settings: best!.settings,
    fitSeconds: best!.seconds,
    metrics: Object.fromEntries(METRICS.map((m) => [m, { mean: evaluation.metrics[m]!.mean, stderr: evaluation.metrics[m]!.stderr }])),
    perUser: evaluation.perUser!['ndcg@100']!,
  });
}
const popularity = rows[0]!;
const paired = (row: (typeof rows)[number]) => meanWithStderr(row.perUser.map((v, u) => v - popularity.perUser[u]!));
console.log(
  JSON.stringify(
    {
      benchmark: 'user-cold-start',
      dataset: args.dataset,
      protocol: split.protocol,
      testUsers: split.test.users.length,
      userFeatures: data.userFeatures.fields.map((f) => `${f.name} (${f.kind})`),
      rows: rows.map(({ perUser: _values, ...row }) => ({ ...row, pairedNdcg100VsPopularity: paired({ ...row, perUser: _values }) })),
    },
    null,
    2,
  ),
);
const cell = (m: { mean: number; stderr: number }) => `${m.mean.toFixed(4)} ± ${m.stderr.toFixed(4)}`;
console.log(`\n${args.dataset} user cold start (attributes only): ${split.test.users.length} test users`);
console.log(['model'.padEnd(30), ...METRICS.map((m) => m.padStart(17)), 'paired N@100'.padStart(19)].join(' '));
for (const row of rows) {
  const p = paired(row);
  console.log([row.label.padEnd(30), ...METRICS.map((m) => cell(row.metrics[m]!).padStart(17)), `${p.mean >= 0 ? '+' : ''}${p.mean.toFixed(4)} ± ${p.stderr.toFixed(4)}`.padStart(19)].join(' '));
}
