/**
 * Latency of explained recommendations: one ml-1m user with `--history` (200) items, the top
 * `--n` (10) items recommended and, with explanations, each attributed to the history (EASE:
 * exact shares; Mult-VAE: leave-one-out over all 200 items in one batched pass). Times the
 * library path a request takes — score, top-n, attribution and top reasons — `--repeats`
 * times after a warm-up, and prints the median and 90th percentile in ms, with and without
 * explanations, as JSON and a table.
 *
 *   node dist/bench/explain-latency.js [--models ease,mult-vae] [--history 200] [--n 10] [--repeats 50]
 *
 * The models are fitted on all ml-1m users (every rating a positive): EASE λ 1000, Mult-VAE
 * for 2 epochs (latency does not depend on how long it trained).
 */
import { parseArgs } from 'node:util';
import { describeBackend } from '../src/engine/index.js';
import { topKPerRow } from '../src/eval/top-k.js';
import { attributeScores, topReasons } from '../src/explain/attribution.js';
import { prepareData } from '../src/experiment/prepare.js';
import { interactionsOnly, type ScoreQuery } from '../src/data/training-data.js';
import { sequencesFromLists } from '../src/data/sequences.js';
import { getModelFactory } from '../src/models/registry.js';

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: 'ease,mult-vae' },
    history: { type: 'string', default: '200' },
    n: { type: 'string', default: '10' },
    repeats: { type: 'string', default: '50' },
  },
});
const wantedHistory = Number(args.history);
const n = Number(args.n);
const repeats = Number(args.repeats);
const SETTINGS: Record<string, Record<string, unknown>> = { ease: { lambda: 1000 }, 'mult-vae': { epochs: 2 }, 'mult-dae': { epochs: 2 }, recvae: { epochs: 1 } };

const { data } = await prepareData({ dataset: 'ml-1m', implicit: true });
const matrix = data.matrix;
// The user whose history length is closest to the wanted one (the lowest row among equals).
let user = 0;
for (let u = 0; u < matrix.nRows; u++) {
  if (Math.abs(matrix.rowLength(u) - wantedHistory) < Math.abs(matrix.rowLength(user) - wantedHistory)) user = u;
}
const query: ScoreQuery = {
  histories: matrix.selectRows([user]),
  sequences: sequencesFromLists([matrix.rowIndices(user)], matrix.nCols),
  users: Int32Array.of(user),
};

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

const results = [];
for (const name of args.models!.split(',')) {
  const model = getModelFactory(name).create(SETTINGS[name] ?? {});
  await model.fit(interactionsOnly(matrix), { seed: 1 });
  const recommend = (explain: boolean) => {
    const scores = model.score(query);
    const top = topKPerRow(scores, model.nItems, n, { exclude: query.histories, withScores: true });
    if (!explain) return top.items.length;
    const attribution = attributeScores(model, query, 0, top.items);
    return top.items.reduce((count, _, j) => count + topReasons(attribution, j, 3).length, 0);
  };
  const timings: Record<'plain' | 'explained', number[]> = { plain: [], explained: [] };
  for (let warm = 0; warm < 5; warm++) {
    recommend(false);
    recommend(true);
  }
  // Interleaved, so that a burst of load on the shared machine hits both alike.
  for (let r = 0; r < repeats; r++) {
    for (const kind of ['plain', 'explained'] as const) {
      const started = performance.now();
      recommend(kind === 'explained');
      timings[kind].push(performance.now() - started);
    }
  }
  const summary = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return { medianMs: percentile(sorted, 0.5), p90Ms: percentile(sorted, 0.9) };
  };
  results.push({ model: name, method: model.scoreContributions ? 'exact' : 'leave-one-out', plain: summary(timings.plain), explained: summary(timings.explained) });
}

console.log(JSON.stringify({ benchmark: 'explain-latency', dataset: 'ml-1m', user: data.userIds[user], historyItems: matrix.rowLength(user), items: matrix.nCols, explainedItems: n, repeats, engine: describeBackend(), results }, null, 2));
console.log('model | method | plain median ms | plain p90 | explained median ms | explained p90');
for (const r of results) {
  console.log([r.model, r.method, r.plain.medianMs.toFixed(2), r.plain.p90Ms.toFixed(2), r.explained.medianMs.toFixed(2), r.explained.p90Ms.toFixed(2)].join(' | '));
}
