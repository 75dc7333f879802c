/**
 * SASRec (trained as SASRec+) in recoder vs the same model in PyTorch on the same saved split.
 *
 *   node dist/bench/sasrec-torch.js [--dataset amazon-beauty-5core-openp5] [--epochs 100] [--patience 10] [--seed 1] [--split FILE] [-p name=value ...]
 *
 * Makes (or reads, with --split) the leave-last-out split with validation (each user's last
 * event the test target, the one before it the validation target), saves it, and trains
 * SASRec in recoder (active backend) and in PyTorch (/usr/bin/python3 bench/peers/sasrec_torch.py,
 * 2 threads) with the same hyper-parameters (recoder's defaults unless -p says otherwise),
 * seed, epochs and patience on the validation NDCG@10 (SASRec+'s criterion), each keeping its best epoch. Both rank
 * the test users against the whole catalogue with their earlier items excluded. Prints both
 * sides' HR@10 / NDCG@10 / NDCG@100, seconds per training epoch (training pass only; median and
 * mean) and the ratios as JSON, then a table. The machine is shared: the JSON records the load.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadSplit, saveSplit } from '../src/data/split-io.js';
import { makeSplit } from '../src/data/splits/index.js';
import { describeBackend } from '../src/engine/index.js';
import { evaluateRanking } from '../src/eval/evaluate.js';
import { prepareData } from '../src/experiment/prepare.js';
import { parseHyperParameters } from '../src/models/registry.js';
import { sasrecFactory, sasrecRecommender } from '../src/models/sequential/sasrec.js';
import { peerEnvironment } from './peer-support.js';
import { mean, median } from './stats.js';

const { values: args } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'amazon-beauty-5core-openp5' },
    epochs: { type: 'string', default: '100' },
    patience: { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    split: { type: 'string' },
    param: { type: 'string', short: 'p', multiple: true, default: [] },
  },
});
const epochs = Number(args.epochs);
const patience = Number(args.patience);
const seed = Number(args.seed);
const PEER_THREADS = 2;
const TEST_METRICS = ['hr@10', 'ndcg@10', 'ndcg@100'];
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

// Both systems read the same file.
let splitFile = args.split;
if (splitFile === undefined) {
  const prepared = await prepareData({ dataset: args.dataset!, implicit: true });
  splitFile = join(mkdtempSync(join(tmpdir(), 'recoder-bench-')), `${args.dataset}-leave-last-out.split.safetensors`);
  await saveSplit(splitFile, makeSplit(prepared.data, { kind: 'leave-last-out', validation: true, seed }));
}
const split = await loadSplit(splitFile);

const given = Object.fromEntries(args.param!.map((p) => p.split('=') as [string, string]));
const model = sasrecRecommender({ ...parseHyperParameters(sasrecFactory, given), epochs, patience });
const loadBeforeRecoder = loadavg()[0]!;
await model.fit(split.train, { seed, ...(split.validation ? { validation: split.validation } : {}) });
const report = model.trainingReport!;
const evaluation = evaluateRanking(model, split.test, { metrics: TEST_METRICS });
const recoderMetrics = Object.fromEntries(Object.entries(evaluation.metrics).map(([k, v]) => [k, v.mean]));
const recoderEpochSeconds = report.epochs.map((e) => e.seconds);

const loadBeforePeer = loadavg()[0]!;
const environment = peerEnvironment(PEER_THREADS);
const peerSettings = { ...model.hyperParameters, seed, threads: PEER_THREADS };
const peerOutput = execFileSync('/usr/bin/python3', [join(repoRoot, 'bench/peers/sasrec_torch.py'), splitFile, JSON.stringify(peerSettings)], {
  cwd: join(repoRoot, 'bench/peers'),
  env: { ...process.env, ...environment },
  encoding: 'utf8',
  maxBuffer: 1 << 24,
});
const peer = JSON.parse(peerOutput) as {
  torchVersion: string;
  threads: number;
  trainUsers: number;
  epochSeconds: number[];
  validationNdcg10: number[];
  bestEpoch: number;
  metrics: Record<string, number>;
};
const loadAfterPeer = loadavg()[0]!;

const relativeDifference = (name: string) => (recoderMetrics[name]! - peer.metrics[name]!) / peer.metrics[name]!;
const recoderMedian = median(recoderEpochSeconds);
const peerMedian = median(peer.epochSeconds);
const result = {
  benchmark: 'sasrec-train',
  dataset: args.dataset,
  protocol: split.protocol,
  dataFingerprint: split.dataFingerprint,
  splitFile,
  hyperParameters: model.hyperParameters,
  items: split.itemIds.length,
  testUsers: evaluation.users,
  /** One-minute load averages: the machine is shared, so say how busy it was around each side's run. */
  loadAverage: { beforeRecoder: loadBeforeRecoder, beforePytorch: loadBeforePeer, afterPytorch: loadAfterPeer },
  recoder: {
    engine: describeBackend(),
    epochs: report.epochs.length,
    epochSeconds: { median: recoderMedian, mean: mean(recoderEpochSeconds), all: recoderEpochSeconds },
    bestEpoch: report.bestEpoch,
    bestValidationNdcg10: report.bestScore,
    metrics: recoderMetrics,
  },
  pytorch: {
    version: peer.torchVersion,
    threads: peer.threads,
    environment,
    epochs: peer.epochSeconds.length,
    epochSeconds: { median: peerMedian, mean: mean(peer.epochSeconds), all: peer.epochSeconds },
    bestEpoch: peer.bestEpoch,
    bestValidationNdcg10: Math.max(...peer.validationNdcg10),
    metrics: peer.metrics,
  },
  /** PyTorch's median seconds per training epoch over recoder's: the speed-up (bar: ≥ 2). */
  epochSpeedup: peerMedian / recoderMedian,
  /** (recoder − PyTorch) / PyTorch on test (bar: |·| ≤ 0.02 for hr@10 and ndcg@10). */
  relativeDifference: Object.fromEntries(TEST_METRICS.map((name) => [name, relativeDifference(name)])),
};
console.log(JSON.stringify(result, null, 2));
const rows = [
  ['system', 's/epoch', 'epochs', 'best ep', ...TEST_METRICS],
  ['recoder', recoderMedian.toFixed(2), String(report.epochs.length), String(report.bestEpoch), ...TEST_METRICS.map((k) => recoderMetrics[k]!.toFixed(4))],
  ['pytorch', peerMedian.toFixed(2), String(peer.epochSeconds.length), String(peer.bestEpoch), ...TEST_METRICS.map((k) => peer.metrics[k]!.toFixed(4))],
  ['rel diff', '', '', '', ...TEST_METRICS.map((k) => `${(100 * relativeDifference(k)).toFixed(2)}%`)],
];
for (const row of rows) console.log(row.map((c, i) => (i === 0 ? c.padEnd(9) : c.padStart(12))).join(' '));
console.log(`sasrec: recoder's training epoch is ${result.epochSpeedup.toFixed(2)}x faster than PyTorch's (median seconds per epoch)`);
