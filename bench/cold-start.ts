/**
 * Item cold start: models that must recommend items nobody interacted with in training.
 *
 *   node dist/bench/cold-start.js [--dataset ml-1m] [--seed 1] [--cold-fraction 0.2] [--only hybrid-dae,attribute-map]
 *
 * The item-cold-start split (src/data/splits/item-cold-start.ts): a seeded 20 % of the items
 * held out with all their interactions, half validation and half test items. Each model is
 * fitted on the warm interactions with every item's attributes (genres, year, title words and,
 * on ml-latest-small, tag words); its settings are picked on the validation cold items from a
 * small grid (NDCG@20), then it is evaluated once on the test cold items: Recall@20 (hits over
 * the user's number of targets, REFERENCE.md 7.2) and NDCG@20, ranking only the test cold items
 * ("cold"), and the same targets ranked against the whole catalogue minus the user's known items
 * ("all"). Random and popularity anchor the table. Every cold item has a popularity of 0, and
 * top-k gives ties to the lower item index — which on MovieLens follows first appearance in the
 * ratings file, itself correlated with popularity — so popularity's ties are broken at random
 * here (seeded noise below its count step), or it would look like a content model. "paired" is
 * each model's NDCG@20 minus attribute-knn's (text all) over the same users, with its standard
 * error. Prints JSON, then a table.
 */
import { parseArgs } from 'node:util';
import { itemColdStartSplit } from '../src/data/splits/index.js';
import type { EvalSet } from '../src/data/split-types.js';
import { Rng } from '../src/data/random.js';
import type { ScoreQuery } from '../src/data/training-data.js';
import { evaluateRanking, type Scorer } from '../src/eval/evaluate.js';
import { meanWithStderr } from '../src/eval/metrics.js';
import { prepareData } from '../src/experiment/prepare.js';
import type { Recommender } from '../src/models/model.js';
import { getModelFactory } from '../src/models/registry.js';

const { values: args } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'ml-1m' },
    seed: { type: 'string', default: '1' },
    'cold-fraction': { type: 'string', default: '0.2' },
    // Only the rows whose label starts with one of these (comma-separated), e.g. 'hybrid-dae'; attribute-knn (text all) always runs, as the paired reference.
    only: { type: 'string' },
  },
});
const seed = Number(args.seed);
const METRICS = ['recall@20', 'ndcg@20'];
const log = (line: string) => process.stderr.write(`${line}\n`);

const { data } = await prepareData({ dataset: args.dataset!, implicit: true });
if (!data.itemFeatures) throw new Error(`dataset '${args.dataset}' has no item attributes`);
const split = itemColdStartSplit(data, { coldFraction: Number(args['cold-fraction']), seed });
const validation = split.validation!;
const test = split.test;
const whole = (set: EvalSet): EvalSet => {
  const { candidates: _dropped, ...rest } = set;
  return rest;
};

/** Seeded uniform scores: the floor every model must clear. */
function randomScorer(nItems: number): Scorer {
  const rng = new Rng(seed);
  return { nItems, score: (query: ScoreQuery) => Float32Array.from({ length: query.histories.nRows * nItems }, () => rng.nextFloat()) };
}

/** The model's scores plus seeded noise in [0, 0.5): different counts keep their order, ties are shuffled. */
function withRandomTies(model: Recommender): Recommender {
  const rng = new Rng(seed + 1);
  return Object.assign(Object.create(model) as Recommender, {
    score: (query: ScoreQuery) => model.score(query).map((v) => v + 0.5 * rng.nextFloat()),
  });
}

interface Candidate {
  label: string;
  model: string;
  grid: Record<string, unknown>[];
}
const textChoices = data.itemFeatures.fields.some((f) => f.kind === 'text') ? (['all', 'none'] as const) : (['none'] as const);
const candidates: Candidate[] = [
  { label: 'popularity (random ties)', model: 'popularity', grid: [{}] },
  ...textChoices.map((text) => ({ label: `attribute-knn (text ${text})`, model: 'attribute-knn', grid: [0, 100].map((neighbours) => ({ text, neighbours })) })),
  ...textChoices.map((text) => ({ label: `attribute-map (text ${text})`, model: 'attribute-map', grid: [0.1, 1, 10].map((ridge) => ({ text, ridge, lambda: 500 })) })),
  ...textChoices.map((text) => ({ label: `hybrid-dae (text ${text})`, model: 'hybrid-dae', grid: [0.25, 0.5, 0.75].map((itemDropout) => ({ text, itemDropout })) })),
  // The text through the CNN instead of as TF-IDF words: what the convolutional encoder adds.
  ...(textChoices.length > 1 ? [{ label: 'hybrid-dae (text CNN)', model: 'hybrid-dae', grid: [0.25, 0.5, 0.75].map((itemDropout) => ({ text: 'none', textCnn: true, itemDropout })) }] : []),
];

interface Row {
  label: string;
  settings: Record<string, unknown>;
  validationNdcg20: number;
  fitSeconds: number;
  cold: Record<string, { mean: number; stderr: number }>;
  all: Record<string, { mean: number; stderr: number }>;
  perUserNdcg: Float64Array;
}
const rows: Row[] = [];
const summary = (evaluation: ReturnType<typeof evaluateRanking>) => Object.fromEntries(METRICS.map((m) => [m, { mean: evaluation.metrics[m]!.mean, stderr: evaluation.metrics[m]!.stderr }]));

const random = randomScorer(split.itemIds.length);
const randomCold = evaluateRanking(random, test, { metrics: METRICS, perUser: true });
rows.push({ label: 'random', settings: {}, validationNdcg20: Number.NaN, fitSeconds: 0, cold: summary(randomCold), all: summary(evaluateRanking(random, whole(test), { metrics: METRICS })), perUserNdcg: randomCold.perUser!['ndcg@20']! });

const only = args.only?.split(',').map((label) => label.trim());
const wanted = (label: string) => !only || label === 'attribute-knn (text all)' || only.some((prefix) => label.startsWith(prefix));
for (const candidate of candidates.filter((c) => wanted(c.label))) {
  let best: { settings: Record<string, unknown>; score: number; model: Recommender; seconds: number } | undefined;
  for (const settings of candidate.grid) {
    const fitted = getModelFactory(candidate.model).create(settings);
    const started = performance.now();
    // Neural models stop early on the validation cold items (NDCG@100 among them).
    await fitted.fit(split.train, { seed, validation });
    const seconds = (performance.now() - started) / 1000;
    const model = candidate.model === 'popularity' ? withRandomTies(fitted) : fitted;
    const score = evaluateRanking(model, validation, { metrics: ['ndcg@20'] }).metrics['ndcg@20']!.mean;
    log(`${candidate.label} ${JSON.stringify(settings)}: validation NDCG@20 ${score.toFixed(4)} (fit ${seconds.toFixed(1)} s)`);
    if (!best || score > best.score) best = { settings, score, model, seconds };
  }
  const cold = evaluateRanking(best!.model, test, { metrics: METRICS, perUser: true });
  rows.push({ label: candidate.label, settings: best!.settings, validationNdcg20: best!.score, fitSeconds: best!.seconds, cold: summary(cold), all: summary(evaluateRanking(best!.model, whole(test), { metrics: METRICS })), perUserNdcg: cold.perUser!['ndcg@20']! });
}

const reference = rows.find((r) => r.label.startsWith('attribute-knn'))!;
const paired = (row: Row) => meanWithStderr(row.perUserNdcg.map((v, u) => v - reference.perUserNdcg[u]!));
const result = {
  benchmark: 'item-cold-start',
  dataset: args.dataset,
  protocol: split.protocol,
  items: split.itemIds.length,
  coldTestItems: test.candidates!.length,
  testUsers: test.users.length,
  features: data.itemFeatures.fields.map((f) => `${f.name} (${f.kind})`),
  rows: rows.map(({ perUserNdcg: _values, ...row }) => ({ ...row, pairedNdcg20VsAttributeKnn: paired({ ...row, perUserNdcg: _values }) })),
};
console.log(JSON.stringify(result, null, 2));
const cell = (m: { mean: number; stderr: number }) => `${m.mean.toFixed(4)} ± ${m.stderr.toFixed(4)}`;
console.log(`\n${args.dataset} item cold start: ${result.coldTestItems} cold test items, ${result.testUsers} users`);
console.log(['model'.padEnd(28), 'R@20 cold'.padStart(17), 'N@20 cold'.padStart(17), 'paired N@20'.padStart(19), 'R@20 all'.padStart(17), 'N@20 all'.padStart(17)].join(' '));
for (const row of rows) {
  const p = paired(row);
  console.log([row.label.padEnd(28), cell(row.cold['recall@20']!).padStart(17), cell(row.cold['ndcg@20']!).padStart(17), `${p.mean >= 0 ? '+' : ''}${p.mean.toFixed(4)} ± ${p.stderr.toFixed(4)}`.padStart(19), cell(row.all['recall@20']!).padStart(17), cell(row.all['ndcg@20']!).padStart(17)].join(' '));
}
