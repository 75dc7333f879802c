/**
 * Tuned EASE against tuned EDLAE (and DLAE) on one held-out-users split: each model's grid is
 * searched on the validation users, the best setting of each is evaluated once on the test
 * users, and the two are compared per user (a paired difference of NDCG@100 with its standard
 * error: the same users rank under both models, so the paired error is the one that says
 * whether one model beats the other).
 *
 *   node dist/bench/linear-autoencoders.js --dataset ml-1m --users 600 [--seed 1]
 *        [--ease-lambdas 250,500,1000,2000] [--dropouts 0.5,0.67,0.75] [--edlae-lambdas 10,100,300]
 *
 * Prints JSON, then a table.
 */
import { parseArgs } from 'node:util';
import { prepareData } from '../src/experiment/prepare.js';
import { makeSplit } from '../src/data/splits/make-split.js';
import { evaluateRanking, type RankingEvaluation } from '../src/eval/evaluate.js';
import { meanWithStderr } from '../src/eval/metrics.js';
import { getModelFactory } from '../src/models/registry.js';
import type { Split } from '../src/data/split-types.js';

const { values: args } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'ml-1m' },
    users: { type: 'string', default: '600' },
    seed: { type: 'string', default: '1' },
    'ease-lambdas': { type: 'string', default: '100,250,500,1000,2000' },
    dropouts: { type: 'string', default: '0.5,0.67,0.75,0.8' },
    'edlae-lambdas': { type: 'string', default: '10,100,300,1000' },
    dlae: { type: 'boolean', default: false },
  },
});
const numbers = (text: string) => text.split(',').map(Number);
const seed = Number(args.seed);
const users = Number(args.users);
const METRICS = ['ndcg@100', 'recall@20', 'recall@50'];

const prepared = await prepareData({ dataset: args.dataset!, implicit: true });
const split: Split = makeSplit(prepared.data, { kind: 'held-out-users', validationUsers: users, testUsers: users, foldInFraction: 0.8, seed });

interface Tuned {
  readonly model: string;
  readonly best: Record<string, unknown>;
  readonly grid: { hyperParameters: Record<string, unknown>; validation: number; fitSeconds: number }[];
  readonly test: RankingEvaluation;
}

async function tune(model: string, grid: Record<string, unknown>[]): Promise<Tuned> {
  const factory = getModelFactory(model);
  const points: Tuned['grid'] = [];
  let best: { score: number; hyperParameters: Record<string, unknown>; recommender: ReturnType<typeof factory.create> } | undefined;
  for (const hyperParameters of grid) {
    const recommender = factory.create(hyperParameters);
    const started = performance.now();
    await recommender.fit(split.train, { seed });
    const fitSeconds = (performance.now() - started) / 1000;
    const score = evaluateRanking(recommender, split.validation!, { metrics: ['ndcg@100'] }).metrics['ndcg@100']!.mean;
    points.push({ hyperParameters, validation: score, fitSeconds });
    process.stderr.write(`${model} ${JSON.stringify(hyperParameters)}: validation ndcg@100 ${score.toFixed(4)} (fit ${fitSeconds.toFixed(1)} s)\n`);
    if (!best || score > best.score) best = { score, hyperParameters, recommender };
  }
  const test = evaluateRanking(best!.recommender, split.test, { metrics: METRICS, perUser: true });
  return { model, best: best!.hyperParameters, grid: points, test };
}

const ease = await tune('ease', numbers(args['ease-lambdas']!).map((lambda) => ({ lambda })));
const edlaeGrid = numbers(args.dropouts!).flatMap((dropout) => numbers(args['edlae-lambdas']!).map((lambda) => ({ dropout, lambda })));
const edlae = await tune('edlae', edlaeGrid);
const dlae = args.dlae ? await tune('edlae', edlaeGrid.map((point) => ({ ...point, variant: 'dlae' }))) : undefined;

/** Per-user NDCG@100 of b minus a, over the same test users: mean ± standard error. */
function paired(a: Tuned, b: Tuned) {
  const x = a.test.perUser!['ndcg@100']!;
  const y = b.test.perUser!['ndcg@100']!;
  return meanWithStderr(Float64Array.from(x, (v, i) => y[i]! - v));
}

const summary = (t: Tuned) => ({
  model: t.model,
  best: t.best,
  test: Object.fromEntries(METRICS.map((m) => [m, t.test.metrics[m]])),
  fitSecondsOfBest: t.grid.find((p) => p.hyperParameters === t.best)!.fitSeconds,
  grid: t.grid,
});
const result = {
  benchmark: 'linear-autoencoders',
  dataset: args.dataset,
  protocol: split.protocol,
  dataFingerprint: split.dataFingerprint,
  testUsers: ease.test.users,
  ease: summary(ease),
  edlae: summary(edlae),
  ...(dlae ? { dlae: summary(dlae) } : {}),
  edlaeMinusEase: paired(ease, edlae),
  ...(dlae ? { dlaeMinusEase: paired(ease, dlae) } : {}),
};
console.log(JSON.stringify(result, null, 2));
const rows = [ease, edlae, ...(dlae ? [dlae] : [])].map((t) => [
  t === dlae ? 'dlae' : t.model,
  JSON.stringify(t.best).replace(/"/g, ''),
  ...METRICS.map((m) => `${t.test.metrics[m]!.mean.toFixed(4)} ± ${t.test.metrics[m]!.stderr.toFixed(4)}`),
]);
for (const row of [['model', 'best (validation)', ...METRICS], ...rows]) console.log(row.map((c, i) => (i < 2 ? c.padEnd(i === 0 ? 8 : 44) : c.padStart(18))).join(' '));
const d = result.edlaeMinusEase;
console.log(`EDLAE − EASE, NDCG@100 per test user (paired): ${d.mean.toFixed(4)} ± ${d.stderr.toFixed(4)} (${(d.mean / d.stderr).toFixed(1)} standard errors)`);
