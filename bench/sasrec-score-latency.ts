/**
 * How long SASRec takes to score one ordered history against the whole catalogue.
 *
 *   node dist/bench/sasrec-score-latency.js [--dataset amazon-beauty-5core-openp5] [--history 50] [--runs 200] [--seed 1]
 *
 * Builds SASRec at its default settings (2 blocks, 1 head, hidden 64, maxLength 50) over the
 * dataset's catalogue with SASRec+'s initial weights (the time does not depend on the weights'
 * values), then times `model.score` on one query row holding a random ordered history of
 * --history events: the window, the network's forward pass over it and the h·Eᵀ product over
 * every item, and the same followed by the top-10 selection. Prints the median, p90 and mean
 * milliseconds as JSON and a line.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { csrFromCoo } from '../src/data/csr.js';
import { Rng } from '../src/data/random.js';
import { sequencesFromLists } from '../src/data/sequences.js';
import { describeBackend, getBackend } from '../src/engine/index.js';
import { prepareData } from '../src/experiment/prepare.js';
import { sasrecFactory, sasrecRecommender } from '../src/models/sequential/sasrec.js';
import { SasrecNetwork } from '../src/models/sequential/sasrec-network.js';

const { values: args } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'amazon-beauty-5core-openp5' },
    history: { type: 'string', default: '50' },
    runs: { type: 'string', default: '200' },
    seed: { type: 'string', default: '1' },
  },
});
const prepared = await prepareData({ dataset: args.dataset!, implicit: true });
const items = prepared.data.matrix.nCols;
const historyLength = Number(args.history);
const runs = Number(args.runs);
const rng = new Rng(Number(args.seed));

// A saved model with SASRec+'s initial weights at the default settings, restored as a model file would be.
const s = sasrecRecommender({}).settings;
const net = new SasrecNetwork(getBackend(), { items, hidden: s.hidden, blocks: s.blocks, heads: s.heads, maxLength: s.maxLength }, rng.fork(0));
const tensors = Object.fromEntries(net.parameters.map((p) => [p.name, { shape: [...p.shape], data: p.value }]));
const model = sasrecFactory.restore({}, { tensors }, items);

const history = Array.from({ length: historyLength }, () => rng.nextInt(items));
const query = {
  histories: csrFromCoo(1, items, history.map(() => 0), history, history.map(() => 1), 'last'),
  sequences: sequencesFromLists([history], items),
};
const backend = getBackend();
const top = { idx: new Int32Array(10), vals: new Float32Array(10) };

function time(body: () => void): { median: number; p90: number; mean: number } {
  for (let i = 0; i < 20; i++) body();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    body();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[runs >> 1]!, p90: samples[Math.floor(runs * 0.9)]!, mean: samples.reduce((a, b) => a + b, 0) / runs };
}

const scoreOnly = time(() => void model.score(query));
const withTopK = time(() => backend.topKRows(model.score(query), 1, items, 10, top.idx, top.vals));
console.log(JSON.stringify({ benchmark: 'sasrec-score-one-history', dataset: args.dataset, items, historyLength, runs, engine: describeBackend(), scoreMs: scoreOnly, scoreAndTop10Ms: withTopK }));
console.log(`sasrec: one ${historyLength}-event history against ${items} items: median ${scoreOnly.median.toFixed(2)} ms (p90 ${scoreOnly.p90.toFixed(2)}), with top-10 ${withTopK.median.toFixed(2)} ms`);
