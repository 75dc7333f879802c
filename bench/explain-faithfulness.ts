/**
 * Faithfulness of the explanations, by deletion (the counterfactual test of the explanation
 * literature): for each held-out test user and each of their top-10 recommendations, remove
 * from the user's history (a) the item's top reason (largest weight), (b) a random history
 * item, (c) the least-weighted reason, re-score, and see how far the item falls. A faithful
 * explanation names the item whose removal hurts most: (a) must move items down more than (b)
 * for every model, and the script exits 1 otherwise.
 *
 *   node dist/bench/explain-faithfulness.js [--dataset ml-1m] [--models ease,itemknn,mult-dae,mult-vae,recvae]
 *       [--test-users 200] [--seed 1] [-p model.setting=value ...]
 *
 * Held-out users protocol (every interaction a positive; --test-users validation and test
 * users, 80/20 fold-in, seed --seed); the explained history is the fold-in input and the
 * ranking excludes it (a removed item stays excluded: it is still known to the user). Models
 * are fitted on the training users with the settings below (neural models for a fixed number
 * of epochs, no early stopping) unless -p overrides them. Prints JSON, then a table.
 */
import { parseArgs } from 'node:util';
import { CsrMatrix } from '../src/data/csr.js';
import { Rng } from '../src/data/random.js';
import { makeSplit } from '../src/data/splits/index.js';
import type { ScoreQuery } from '../src/data/training-data.js';
import { describeBackend } from '../src/engine/index.js';
import { evalSetQuery, evaluateRanking } from '../src/eval/evaluate.js';
import { topKPerRow } from '../src/eval/top-k.js';
import { attributeScores, rankedReasons } from '../src/explain/attribution.js';
import { leaveOneOutQuery } from '../src/explain/leave-one-out.js';
import { prepareData } from '../src/experiment/prepare.js';
import { getModelFactory } from '../src/models/registry.js';

const { values: args } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'ml-1m' },
    models: { type: 'string', default: 'ease,itemknn,mult-dae,mult-vae,recvae' },
    'test-users': { type: 'string', default: '200' },
    seed: { type: 'string', default: '1' },
    k: { type: 'string', default: '10' },
    p: { type: 'string', short: 'p', multiple: true, default: [] },
  },
});
const dataset = args.dataset!;
const seed = Number(args.seed);
const testUsers = Number(args['test-users']);
const k = Number(args.k);

/** Tuned baselines (BENCHMARKS.md) and short neural runs: enough to rank well, short enough for a bench. */
const SETTINGS: Record<string, Record<string, Record<string, unknown>>> = {
  'ml-1m': {
    ease: { lambda: 1000 },
    itemknn: { neighbours: 200, shrink: 10 },
    'mult-dae': { epochs: 30 },
    'mult-vae': { epochs: 30 },
    recvae: { epochs: 10 },
  },
  'amazon-beauty-5core-openp5': {
    ease: { lambda: 100 },
    itemknn: { neighbours: 100, shrink: 100 },
    'mult-dae': { epochs: 10 },
    'mult-vae': { epochs: 10 },
    recvae: { epochs: 5 },
  },
};
const overrides: Record<string, Record<string, string>> = {};
for (const setting of args.p!) {
  const match = /^([^.=]+)\.([^=]+)=(.*)$/.exec(setting);
  if (!match) throw new Error(`-p ${setting}: expected model.setting=value`);
  (overrides[match[1]!] ??= {})[match[2]!] = match[3]!;
}

const prepared = await prepareData({ dataset, implicit: true });
const split = makeSplit(prepared.data, { kind: 'held-out-users', validationUsers: testUsers, testUsers, foldInFraction: 0.8, seed });
const test = split.test;

/** 1-based rank of `target` in row `row` of `scores` among the items not excluded (ties: lower index first). */
function rankOf(scores: Float32Array, row: number, nItems: number, target: number, excluded: Uint8Array): number {
  const offset = row * nItems;
  const own = scores[offset + target]!;
  let rank = 1;
  for (let i = 0; i < nItems; i++) {
    if (i === target || excluded[i]) continue;
    const s = scores[offset + i]!;
    if (s > own || (s === own && i < target)) rank++;
  }
  return rank;
}

type Deletion = 'top' | 'random' | 'bottom';
const DELETIONS: readonly Deletion[] = ['top', 'random', 'bottom'];

interface ModelResult {
  model: string;
  settings: Record<string, unknown>;
  method: string;
  fitSeconds: number;
  /** Test NDCG@100 of the fitted model, to show what quality of model is being explained. */
  ndcg100: number;
  users: number;
  items: number;
  meanRankDrop: Record<Deletion, number>;
  medianRankDrop: Record<Deletion, number>;
  leftTopK: Record<Deletion, number>;
  topBeatsRandom: boolean;
  topBeatsBottom: boolean;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const results: ModelResult[] = [];
for (const name of args.models!.split(',').map((m) => m.trim())) {
  const factory = getModelFactory(name);
  const settings = { ...SETTINGS[dataset]?.[name], ...(overrides[name] ? factory.settings.parse(overrides[name]) : {}) };
  const model = factory.create(settings);
  const started = performance.now();
  await model.fit(split.train, { seed });
  const fitSeconds = (performance.now() - started) / 1000;
  const nItems = model.nItems;
  const rng = new Rng(seed).fork(7);
  const drops: Record<Deletion, number[]> = { top: [], random: [], bottom: [] };
  const left: Record<Deletion, number> = { top: 0, random: 0, bottom: 0 };
  let method = '';
  let explainedUsers = 0;
  for (let r = 0; r < test.users.length; r++) {
    const query: ScoreQuery = evalSetQuery(test, [r]);
    const history = query.histories.rowIndices(0);
    if (history.length < 2) continue;
    const excluded = new Uint8Array(nItems);
    for (const i of test.exclude.rowIndices(r)) excluded[i] = 1;
    const exclude = test.exclude.selectRows([r]);
    const scores = model.score(query);
    const top = topKPerRow(scores, nItems, k, { exclude });
    const targets = Array.from(top.items).filter((i) => i >= 0);
    const attribution = attributeScores(model, query, 0, targets);
    method = attribution.method;
    // The positions (in the history row) to remove: per target, its top, a random and its bottom reason.
    const removed: number[] = [];
    const position = new Map(Array.from(history, (item, p) => [item, p]));
    targets.forEach((_, j) => {
      const ranked = rankedReasons(attribution, j);
      // Items with weight 0 are not reasons; when none has a weight, the first and last history items stand in.
      const topItem = ranked[0]?.item ?? history[0]!;
      const bottomItem = ranked.length === history.length ? ranked[ranked.length - 1]!.item : bottomWithZeros(ranked, history);
      removed.push(position.get(topItem)!, rng.nextInt(history.length), position.get(bottomItem)!);
    });
    const rescored = model.score(leaveOneOutQuery(query, 0, removed));
    targets.forEach((target, j) => {
      const before = rankOf(rescored, 0, nItems, target, excluded);
      DELETIONS.forEach((deletion, d) => {
        const after = rankOf(rescored, 1 + 3 * j + d, nItems, target, excluded);
        drops[deletion].push(after - before);
        if (after > k) left[deletion]++;
      });
    });
    explainedUsers++;
  }
  const count = drops.top.length;
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);
  const meanRankDrop = { top: mean(drops.top), random: mean(drops.random), bottom: mean(drops.bottom) };
  results.push({
    model: name,
    settings: model.hyperParameters as Record<string, unknown>,
    method,
    fitSeconds,
    ndcg100: evaluateRanking(model, test, { metrics: ['ndcg@100'] }).metrics['ndcg@100']!.mean,
    users: explainedUsers,
    items: count,
    meanRankDrop,
    medianRankDrop: { top: median(drops.top), random: median(drops.random), bottom: median(drops.bottom) },
    leftTopK: { top: left.top / count, random: left.random / count, bottom: left.bottom / count },
    topBeatsRandom: meanRankDrop.top > meanRankDrop.random,
    topBeatsBottom: meanRankDrop.top > meanRankDrop.bottom,
  });
  process.stderr.write(`${name}: done (${fitSeconds.toFixed(1)} s fit)\n`);
}

/**
 * The least-weighted reason when some history items have weight 0: a zero-weight item when
 * every reason is positive (removing it moves nothing), else the most negative reason.
 */
function bottomWithZeros(ranked: { item: number; weight: number }[], history: Int32Array): number {
  const last = ranked[ranked.length - 1];
  if (last !== undefined && last.weight < 0) return last.item;
  const weighted = new Set(ranked.map((reason) => reason.item));
  return history.find((item) => !weighted.has(item)) ?? history[history.length - 1]!;
}

const output = {
  benchmark: 'explain-faithfulness',
  dataset,
  protocol: split.protocol,
  k,
  engine: describeBackend(),
  results,
};
console.log(JSON.stringify(output, null, 2));
const header = ['model', 'method', 'ndcg@100', 'users', 'items', `drop top`, 'drop random', 'drop bottom', `left top-${k}: top`, 'random', 'bottom'];
console.log(header.join(' | '));
for (const r of results) {
  console.log(
    [
      r.model,
      r.method,
      r.ndcg100.toFixed(4),
      r.users,
      r.items,
      r.meanRankDrop.top.toFixed(2),
      r.meanRankDrop.random.toFixed(2),
      r.meanRankDrop.bottom.toFixed(2),
      (100 * r.leftTopK.top).toFixed(1) + ' %',
      (100 * r.leftTopK.random).toFixed(1) + ' %',
      (100 * r.leftTopK.bottom).toFixed(1) + ' %',
    ].join(' | '),
  );
}
const failing = results.filter((r) => !r.topBeatsRandom);
if (failing.length > 0) {
  process.stderr.write(`removing the top reason did not move items down more than removing a random history item for: ${failing.map((r) => r.model).join(', ')}\n`);
  process.exitCode = 1;
}
