/**
 * Mult-VAE / Mult-DAE in recoder vs the same models in PyTorch on the same saved split.
 *
 *   node dist/bench/mult-vae-torch.js --model mult-vae|mult-dae [--dataset ml-1m] [--epochs 50] [--seed 1] [--users 600] [--background-load N]
 *
 * Makes a held-out-users split (every rated movie a positive; N validation and N
 * test users, 80/20 fold-in), saves it, trains the model in recoder (active
 * backend; RECODER_BACKEND=reference for the TypeScript one) and in PyTorch
 * (/usr/bin/python3 bench/peers/mult_vae_torch.py, 2 threads) with the same
 * hyper-parameters (the model's defaults), seed and number of epochs, no early
 * stopping, each keeping the epoch with the best validation NDCG@100. Prints
 * both sides' test metrics, seconds per training epoch (training pass only;
 * median and mean over the epochs) and the ratios as JSON, then a table.
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeBackend } from '../src/engine/index.js';
import { evaluateRanking } from '../src/eval/evaluate.js';
import { multDaeVariant } from '../src/models/autoencoders/mult-dae.js';
import { multVaeVariant } from '../src/models/autoencoders/mult-vae.js';
import { multinomialAutoencoderRecommender } from '../src/models/autoencoders/multinomial-autoencoder.js';
import { backgroundLoadCount, startBackgroundLoad } from './background-load.js';
import { peerEnvironment, savedHeldOutUsersSplit } from './peer-support.js';
import { mean, median } from './stats.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'mult-vae' },
    dataset: { type: 'string', default: 'ml-1m' },
    epochs: { type: 'string', default: '50' },
    seed: { type: 'string', default: '1' },
    users: { type: 'string', default: '600' },
    // N CPU-bound processes beside both sides for the whole run (issue 18): busy figures from the same command.
    'background-load': { type: 'string', default: '0' },
    // Mult-VAE's β schedule: the default derives it from the data; 200000 is the notebook's literal ML-20M value.
    'total-anneal-steps': { type: 'string' },
  },
});
const variants = { 'mult-vae': multVaeVariant, 'mult-dae': multDaeVariant } as const;
if (!(args.model! in variants)) throw new Error(`--model must be mult-vae or mult-dae, got '${args.model}'`);
const variant = variants[args.model as keyof typeof variants];
const epochs = Number(args.epochs);
const seed = Number(args.seed);
const heldOut = Number(args.users);
const PEER_THREADS = 2;
const TEST_METRICS = ['ndcg@100', 'recall@20', 'recall_capped@20', 'recall@50', 'recall_capped@50'];
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

// Both systems read the same file.
const { splitFile, split } = await savedHeldOutUsersSplit(args.dataset!, heldOut, seed);

const backgroundLoad = startBackgroundLoad(backgroundLoadCount(args['background-load']));
const loadBeforeRecoder = loadavg()[0]!;
// Fixed epochs on both sides (patience 0: no early stop), the best validated epoch kept.
const annealSteps = args['total-anneal-steps'] !== undefined ? { totalAnnealSteps: Number(args['total-anneal-steps']) } : {};
const model = multinomialAutoencoderRecommender(variant, { epochs, patience: 0, ...(variant === multVaeVariant ? annealSteps : {}) });
await model.fit(split.train, { seed, ...(split.validation ? { validation: split.validation } : {}) });
const report = model.trainingReport!;
const evaluation = evaluateRanking(model, split.test, { metrics: TEST_METRICS });
const recoderMetrics = Object.fromEntries(Object.entries(evaluation.metrics).map(([k, v]) => [k, v.mean]));
const recoderEpochSeconds = report.epochs.map((e) => e.seconds);

const loadBeforePeer = loadavg()[0]!;
// The same OpenBLAS settings as recoder's engine, and as many BLAS threads as torch's own.
const environment = peerEnvironment(PEER_THREADS);
// Settings recoder derived from the data (Mult-VAE's β schedule) go to the peer as the literal values they became.
const derived = (model.exportState().extra?.['derived'] ?? {}) as Record<string, number>;
const peerSettings = { ...model.hyperParameters, ...derived, model: variant.name, epochs, seed, threads: PEER_THREADS };
const peerOutput = execFileSync('/usr/bin/python3', [join(repoRoot, 'bench/peers/mult_vae_torch.py'), splitFile, JSON.stringify(peerSettings)], {
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
  validationNdcg100: number[];
  bestEpoch: number;
  metrics: Record<string, number>;
};

const loadAfterPeer = loadavg()[0]!;
backgroundLoad.stop();

const relativeDifference = (name: string) => (recoderMetrics[name]! - peer.metrics[name]!) / peer.metrics[name]!;

const recoderMedian = median(recoderEpochSeconds);
const peerMedian = median(peer.epochSeconds);
const result = {
  benchmark: `${variant.name}-train`,
  dataset: args.dataset,
  protocol: split.protocol,
  dataFingerprint: split.dataFingerprint,
  splitFile,
  hyperParameters: model.hyperParameters,
  epochs,
  items: split.itemIds.length,
  trainInteractions: split.train.matrix.nnz,
  testUsers: evaluation.users,
  /** One-minute load averages: the machine is shared, so say how busy it was around each side's run. */
  /** CPU-bound processes run beside both sides (--background-load). */
  backgroundLoad: backgroundLoad.processes,
  loadAverage: { beforeRecoder: loadBeforeRecoder, beforePytorch: loadBeforePeer, afterPytorch: loadAfterPeer },
  recoder: {
    engine: describeBackend(),
    epochSeconds: { median: recoderMedian, mean: mean(recoderEpochSeconds), all: recoderEpochSeconds },
    bestEpoch: report.bestEpoch,
    bestValidationNdcg100: report.bestScore,
    metrics: recoderMetrics,
  },
  pytorch: {
    version: peer.torchVersion,
    threads: peer.threads,
    environment,
    epochSeconds: { median: peerMedian, mean: mean(peer.epochSeconds), all: peer.epochSeconds },
    bestEpoch: peer.bestEpoch,
    bestValidationNdcg100: Math.max(...peer.validationNdcg100),
    metrics: peer.metrics,
  },
  /** PyTorch's median seconds per training epoch over recoder's: the speed-up (bar: ≥ 2). */
  epochSpeedup: peerMedian / recoderMedian,
  /** (recoder − PyTorch) / PyTorch on test (bar: |·| ≤ 0.02 for ndcg@100 and recall@20). */
  relativeDifference: Object.fromEntries(TEST_METRICS.map((name) => [name, relativeDifference(name)])),
};
console.log(JSON.stringify(result, null, 2));
const shown = ['ndcg@100', 'recall@20', 'recall_capped@20', 'recall@50'];
const rows = [
  ['system', 's/epoch', 'best ep', ...shown],
  ['recoder', recoderMedian.toFixed(3), String(report.bestEpoch), ...shown.map((k) => recoderMetrics[k]!.toFixed(4))],
  ['pytorch', peerMedian.toFixed(3), String(peer.bestEpoch), ...shown.map((k) => peer.metrics[k]!.toFixed(4))],
  ['rel diff', '', '', ...shown.map((k) => `${(100 * relativeDifference(k)).toFixed(2)}%`)],
];
for (const row of rows) console.log(row.map((c, i) => (i === 0 ? c.padEnd(9) : c.padStart(16))).join(' '));
console.log(`${variant.name}, ${epochs} epochs: recoder's training epoch is ${result.epochSpeedup.toFixed(2)}x faster than PyTorch's (median seconds per epoch)`);
