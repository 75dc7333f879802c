/**
 * GRU4Rec (full-softmax cross-entropy) in recoder vs the same model in PyTorch on the same split.
 *
 *   node dist/bench/gru4rec-torch.js [--dataset amazon-beauty-5core-openp5] [--epochs 30] [--seed 1]
 *
 * Makes the leave-last-out split (last event the test target, the one before it the validation
 * target) and writes it, as ordered sequences with each evaluated user's history, target and
 * excluded items, to one file that the PyTorch side reads (bench/peers/gru4rec_torch.py, 2
 * threads). Both train the model's defaults (hidden 64, maxLength 50, batch 128, Adam lr 1e-3,
 * the same dropout) for the same fixed number of epochs from the same seed, each keeping the
 * epoch with the best validation NDCG@100, and are tested on the full catalogue with the
 * user's earlier items excluded. Prints both sides' HR@10, NDCG@10, MRR@10, NDCG@100, the
 * seconds per training epoch (training pass only; median) and the ratios as JSON, then a table.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sequenceOf } from '../src/data/sequences.js';
import type { EvalSet } from '../src/data/split-types.js';
import { makeSplit } from '../src/data/splits/index.js';
import { describeBackend } from '../src/engine/index.js';
import { evaluateRanking } from '../src/eval/evaluate.js';
import { prepareData } from '../src/experiment/prepare.js';
import { gru4recRecommender } from '../src/models/sequential/gru4rec.js';
import { peerEnvironment } from './peer-support.js';
import { median } from './stats.js';

const { values: args } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'amazon-beauty-5core-openp5' },
    epochs: { type: 'string', default: '30' },
    seed: { type: 'string', default: '1' },
  },
});
const epochs = Number(args.epochs);
const seed = Number(args.seed);
const PEER_THREADS = 2;
const TEST_METRICS = ['hr@10', 'ndcg@10', 'mrr@10', 'ndcg@100'];
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const prepared = await prepareData({ dataset: args.dataset!, implicit: true });
const split = makeSplit(prepared.data, { kind: 'leave-last-out', validation: true, seed });
if (!split.train.sequences || !split.validation?.inputSequences || !split.test.inputSequences) throw new Error(`${args.dataset}: the split has no ordered sequences`);

/** An evaluation phase as the peer reads it: per evaluated user, the ordered history, the target, the exclusions. */
function phaseForPeer(evalSet: EvalSet) {
  const users = evalSet.users.length;
  const rows = Array.from({ length: users }, (_, r) => r);
  return {
    inputs: rows.map((r) => Array.from(sequenceOf(evalSet.inputSequences!, r).items)),
    targets: rows.map((r) => {
      const targets = evalSet.targets.rowIndices(r);
      if (targets.length !== 1) throw new Error(`leave-last-out user ${r} has ${targets.length} targets`);
      return targets[0]!;
    }),
    exclude: rows.map((r) => Array.from(evalSet.exclude.rowIndices(r))),
  };
}
const dataFile = join(mkdtempSync(join(tmpdir(), 'recoder-bench-')), `${args.dataset}-leave-last-out.json`);
const train = split.train.sequences;
writeFileSync(
  dataFile,
  JSON.stringify({
    nItems: split.itemIds.length,
    train: Array.from({ length: train.nRows }, (_, r) => Array.from(sequenceOf(train, r).items)),
    validation: phaseForPeer(split.validation),
    test: phaseForPeer(split.test),
  }),
);

const loadBeforeRecoder = loadavg()[0]!;
const model = gru4recRecommender({ epochs, patience: 0 });
await model.fit(split.train, { seed, validation: split.validation });
const report = model.trainingReport!;
const evaluation = evaluateRanking(model, split.test, { metrics: TEST_METRICS });
const recoderMetrics = Object.fromEntries(Object.entries(evaluation.metrics).map(([k, v]) => [k, v.mean]));
const recoderEpochSeconds = report.epochs.map((e) => e.seconds);

const loadBeforePeer = loadavg()[0]!;
const environment = peerEnvironment(PEER_THREADS);
const peerSettings = { ...model.hyperParameters, epochs, seed, threads: PEER_THREADS };
const peerOutput = execFileSync('/usr/bin/python3', [join(repoRoot, 'bench/peers/gru4rec_torch.py'), dataFile, JSON.stringify(peerSettings)], {
  cwd: join(repoRoot, 'bench/peers'),
  env: { ...process.env, ...environment },
  encoding: 'utf8',
  maxBuffer: 1 << 24,
  stdio: ['ignore', 'pipe', 'inherit'],
});
const peer = JSON.parse(peerOutput) as { torchVersion: string; threads: number; trainWindows: number; epochSeconds: number[]; validationNdcg100: number[]; bestEpoch: number; metrics: Record<string, number> };
const loadAfterPeer = loadavg()[0]!;

const relativeDifference = (name: string) => (recoderMetrics[name]! - peer.metrics[name]!) / peer.metrics[name]!;
const recoderMedian = median(recoderEpochSeconds);
const peerMedian = median(peer.epochSeconds);
const result = {
  benchmark: 'gru4rec-train',
  dataset: args.dataset,
  protocol: split.protocol,
  dataFingerprint: split.dataFingerprint,
  dataFile,
  hyperParameters: model.hyperParameters,
  epochs,
  items: split.itemIds.length,
  testUsers: evaluation.users,
  /** One-minute load averages: the machine is shared (loaded machine), so say how busy it was around each side's run. */
  loadAverage: { beforeRecoder: loadBeforeRecoder, beforePytorch: loadBeforePeer, afterPytorch: loadAfterPeer },
  recoder: {
    engine: describeBackend(),
    epochSeconds: { median: recoderMedian, all: recoderEpochSeconds },
    bestEpoch: report.bestEpoch,
    bestValidationNdcg100: report.bestScore,
    metrics: recoderMetrics,
  },
  pytorch: {
    version: peer.torchVersion,
    threads: peer.threads,
    environment,
    epochSeconds: { median: peerMedian, all: peer.epochSeconds },
    bestEpoch: peer.bestEpoch,
    bestValidationNdcg100: Math.max(...peer.validationNdcg100),
    metrics: peer.metrics,
  },
  /** PyTorch's median seconds per training epoch over recoder's: the speed-up (bar: ≥ 2). */
  epochSpeedup: peerMedian / recoderMedian,
  /** (recoder − PyTorch) / PyTorch on test (bar: |·| ≤ 0.02 for hr@10 and ndcg@10). */
  relativeDifference: Object.fromEntries(TEST_METRICS.map((name) => [name, relativeDifference(name)])),
};
console.log(JSON.stringify(result, null, 2));
const rows = [
  ['system', 's/epoch', 'best ep', ...TEST_METRICS],
  ['recoder', recoderMedian.toFixed(2), String(report.bestEpoch), ...TEST_METRICS.map((k) => recoderMetrics[k]!.toFixed(4))],
  ['pytorch', peerMedian.toFixed(2), String(peer.bestEpoch), ...TEST_METRICS.map((k) => peer.metrics[k]!.toFixed(4))],
  ['rel diff', '', '', ...TEST_METRICS.map((k) => `${(100 * relativeDifference(k)).toFixed(2)}%`)],
];
for (const row of rows) console.log(row.map((c, i) => (i === 0 ? c.padEnd(9) : c.padStart(10))).join(' '));
console.log(`gru4rec, ${epochs} epochs (loaded machine): recoder's training epoch is ${result.epochSpeedup.toFixed(2)}x faster than PyTorch's (median seconds per epoch)`);
