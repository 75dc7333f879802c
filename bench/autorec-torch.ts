/**
 * AutoRec in recoder vs AutoRec in PyTorch on the same saved splits.
 *
 *   npx tsc -p . && node dist/bench/autorec-torch.js [--dataset ml-100k] [--variant item] [--seeds 5] [--first-seed 1]
 *       [--epochs 80] [--hidden 500] [--lambda 100] [--learning-rate 0.01] [--batch-size 0] [--threads 2] [--background-load N]
 *
 * For each seed: a random 90/10 rating split (AutoRec's protocol, Sedhain et
 * al. 2015; no validation part: both sides train a fixed number of epochs, no
 * early stopping), saved to a file that both systems read. recoder's
 * autorec-<variant> and bench/peers/autorec_torch.py (Debian's /usr/bin/python3
 * with python3-torch, `torch.set_num_threads(threads)`) train with the same
 * hyper-parameters — the model's defaults unless given; batch size 0 is full
 * batch — and report the test RMSE (predictions clamped to the training rating
 * range, the default rating for users and items without training ratings) and
 * the time of each epoch's training pass.
 *
 * Both sides run on the same OpenBLAS, configured alike: the peer gets the
 * settings the native engine loads it with (engineEnvironment in
 * src/engine/native.ts: this CPU's kernel set, sleeping rather than spinning
 * idle threads) and OPENBLAS_NUM_THREADS = its thread count (Debian's torch
 * otherwise leaves OpenBLAS single-threaded), unless the caller set them, and
 * reports the kernel set it actually loaded.
 *
 * Epoch time per seed is the median over its epochs, and the speed ratio is
 * torch / recoder of the medians over seeds: on a shared machine another job
 * can slow one side for a whole seed (OpenMP teams suffer most when a core is
 * taken), and a median keeps that seed from deciding the ratio. Means ± sd
 * and the load average around each seed are reported beside it.
 * Prints one JSON object, then a table.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadSplit, saveSplit } from '../src/data/split-io.js';
import { makeSplit } from '../src/data/splits/index.js';
import { describeBackend, getBackend } from '../src/engine/index.js';
import { backgroundLoadCount, startBackgroundLoad } from './background-load.js';
import { peerEnvironment } from './peer-support.js';
import { evaluateRatings } from '../src/eval/evaluate.js';
import { prepareData } from '../src/experiment/prepare.js';
import { autoRecRecommender, itemAutoRecFactory, type AutoRecVariant } from '../src/models/autoencoders/autorec.js';
import { median } from './stats.js';

const defaults = itemAutoRecFactory.settings.defaults;
const { values: args } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'ml-100k' },
    variant: { type: 'string', default: 'item' },
    seeds: { type: 'string', default: '5' },
    'first-seed': { type: 'string', default: '1' },
    epochs: { type: 'string', default: String(defaults['epochs']) },
    hidden: { type: 'string', default: String(defaults['hidden']) },
    lambda: { type: 'string', default: String(defaults['lambda']) },
    'learning-rate': { type: 'string', default: String(defaults['learningRate']) },
    'batch-size': { type: 'string', default: String(defaults['batchSize']) },
    threads: { type: 'string', default: '2' },
    // N CPU-bound processes beside both sides for the whole run (issue 18): busy figures from the same command.
    'background-load': { type: 'string', default: '0' },
  },
});

function numberArgument(name: keyof typeof args): number {
  const value = Number(args[name]);
  if (!Number.isFinite(value)) throw new Error(`--${name} must be a number, got '${args[name]}'`);
  return value;
}

const variant = args.variant as AutoRecVariant;
if (variant !== 'item' && variant !== 'user') throw new Error(`--variant must be 'item' or 'user', got '${args.variant}'`);
const seeds = Array.from({ length: numberArgument('seeds') }, (_, i) => numberArgument('first-seed') + i);
const hyperParameters = {
  hidden: numberArgument('hidden'),
  lambda: numberArgument('lambda'),
  learningRate: numberArgument('learning-rate'),
  batchSize: numberArgument('batch-size'),
  epochs: numberArgument('epochs'),
  optimizer: 'adam',
};
const threads = numberArgument('threads');
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const environment = peerEnvironment(threads);

interface SeedResult {
  readonly seed: number;
  /** 1-minute load average before the seed's two runs and after them. */
  readonly loadAverage: readonly [number, number];
  readonly recoder: { readonly testRmse: number; readonly epochSeconds: number[]; readonly medianEpochSeconds: number };
  readonly torch: { readonly testRmse: number; readonly epochSeconds: number[]; readonly medianEpochSeconds: number };
}

interface PeerOutput {
  testRmse: number;
  testRatings: number;
  epochSeconds: number[];
  torchVersion: string;
  threads: number;
  openblasCoretypeEnv: string | null;
  openblasCore: string | null;
  openblasConfig: string | null;
}

function meanAndSd(values: readonly number[]): { mean: number; sd: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = values.length > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1)) : NaN;
  return { mean, sd };
}

function runPeer(splitFile: string, seed: number): PeerOutput {
  const peerArgs = [
    join(repoRoot, 'bench/peers/autorec_torch.py'),
    splitFile,
    '--variant', variant,
    '--hidden', String(hyperParameters.hidden),
    '--lambda', String(hyperParameters.lambda),
    '--learning-rate', String(hyperParameters.learningRate),
    '--batch-size', String(hyperParameters.batchSize),
    '--epochs', String(hyperParameters.epochs),
    '--seed', String(seed),
    '--threads', String(threads),
  ];
  const output = execFileSync('/usr/bin/python3', peerArgs, {
    cwd: join(repoRoot, 'bench/peers'),
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    env: { ...process.env, ...environment },
  });
  return JSON.parse(output) as PeerOutput;
}

const prepared = await prepareData({ dataset: args.dataset!, implicit: false });
const workDir = mkdtempSync(join(tmpdir(), 'recoder-autorec-bench-'));
const backgroundLoad = startBackgroundLoad(backgroundLoadCount(args['background-load']));
const loadAverageBefore = loadavg();
const results: SeedResult[] = [];
let peerInfo: PeerOutput | undefined;
let testRatings = 0;
try {
  for (const seed of seeds) {
    const splitFile = join(workDir, `${args.dataset}-seed${seed}.split.safetensors`);
    await saveSplit(splitFile, makeSplit(prepared.data, { kind: 'random-ratings', testFraction: 0.1, validationFraction: 0, seed }));
    // Both systems read the same file.
    const split = await loadSplit(splitFile);

    const loadBefore = loadavg()[0]!;
    const model = autoRecRecommender(variant, hyperParameters);
    await model.fit(split.train, { seed });
    const recoderEpochs = model.trainingReport!.epochs.map((e) => e.seconds);
    const evaluation = evaluateRatings(model, split.test);
    testRatings = evaluation.ratings;

    const peer = runPeer(splitFile, seed);
    if (peer.testRatings !== evaluation.ratings) {
      throw new Error(`seed ${seed}: PyTorch evaluated ${peer.testRatings} test ratings, recoder ${evaluation.ratings}`);
    }
    peerInfo = peer;
    results.push({
      seed,
      loadAverage: [loadBefore, loadavg()[0]!],
      recoder: { testRmse: evaluation.metrics.rmse.mean, epochSeconds: recoderEpochs, medianEpochSeconds: median(recoderEpochs) },
      torch: { testRmse: peer.testRmse, epochSeconds: peer.epochSeconds, medianEpochSeconds: median(peer.epochSeconds) },
    });
    process.stderr.write(
      `seed ${seed}: RMSE recoder ${evaluation.metrics.rmse.mean.toFixed(4)} torch ${peer.testRmse.toFixed(4)}; ` +
        `epoch ms recoder ${(1000 * median(recoderEpochs)).toFixed(1)} torch ${(1000 * median(peer.epochSeconds)).toFixed(1)}\n`,
    );
  }
} finally {
  backgroundLoad.stop();
  rmSync(workDir, { recursive: true, force: true });
}

const recoderRmse = meanAndSd(results.map((r) => r.recoder.testRmse));
const torchRmse = meanAndSd(results.map((r) => r.torch.testRmse));
const recoderEpochMedians = results.map((r) => r.recoder.medianEpochSeconds);
const torchEpochMedians = results.map((r) => r.torch.medianEpochSeconds);
const recoderEpoch = { median: median(recoderEpochMedians), ...meanAndSd(recoderEpochMedians) };
const torchEpoch = { median: median(torchEpochMedians), ...meanAndSd(torchEpochMedians) };
const speedRatio = torchEpoch.median / recoderEpoch.median;
const summary = {
  benchmark: 'autorec-vs-pytorch',
  dataset: args.dataset,
  variant,
  protocol: { kind: 'random-ratings', testFraction: 0.1, validationFraction: 0, seeds },
  users: prepared.data.userIds.length,
  items: prepared.data.itemIds.length,
  ratings: prepared.data.matrix.nnz,
  testRatings,
  hyperParameters: { ...hyperParameters, fullBatch: hyperParameters.batchSize === 0 },
  recoder: { engine: describeBackend(getBackend()), testRmse: recoderRmse, epochSeconds: recoderEpoch },
  torch: {
    version: peerInfo?.torchVersion,
    threads: peerInfo?.threads,
    openblasCoretypeEnv: peerInfo?.openblasCoretypeEnv ?? null,
    openblasCore: peerInfo?.openblasCore ?? null,
    openblasConfig: peerInfo?.openblasConfig ?? null,
    testRmse: torchRmse,
    epochSeconds: torchEpoch,
  },
  /** torch / recoder of the median over seeds of each seed's median epoch time. */
  epochSpeedRatioTorchOverRecoder: speedRatio,
  epochSpeedRatioOfMeans: torchEpoch.mean / recoderEpoch.mean,
  bar: { rmseNoWorse: recoderRmse.mean <= torchRmse.mean, epochAtLeast3xFaster: speedRatio >= 3 },
  /** CPU-bound processes run beside both sides (--background-load). */
  backgroundLoad: backgroundLoad.processes,
  loadAverage: { before: loadAverageBefore, after: loadavg() },
  perSeed: results.map((r) => ({
    seed: r.seed,
    loadAverage: r.loadAverage,
    recoderTestRmse: r.recoder.testRmse,
    torchTestRmse: r.torch.testRmse,
    recoderMedianEpochSeconds: r.recoder.medianEpochSeconds,
    torchMedianEpochSeconds: r.torch.medianEpochSeconds,
    recoderFastestEpochSeconds: Math.min(...r.recoder.epochSeconds),
    torchFastestEpochSeconds: Math.min(...r.torch.epochSeconds),
  })),
};
console.log(JSON.stringify(summary, null, 2));

const format = (value: number, digits: number) => value.toFixed(digits);
const rows: string[][] = [['seed', 'recoder RMSE', 'torch RMSE', 'recoder ms/epoch', 'torch ms/epoch', 'torch/recoder', 'load']];
for (const r of results) {
  rows.push([
    String(r.seed),
    format(r.recoder.testRmse, 4),
    format(r.torch.testRmse, 4),
    format(1000 * r.recoder.medianEpochSeconds, 1),
    format(1000 * r.torch.medianEpochSeconds, 1),
    format(r.torch.medianEpochSeconds / r.recoder.medianEpochSeconds, 2),
    `${format(r.loadAverage[0], 1)}→${format(r.loadAverage[1], 1)}`,
  ]);
}
rows.push([
  'mean±sd',
  `${format(recoderRmse.mean, 4)}±${format(recoderRmse.sd, 4)}`,
  `${format(torchRmse.mean, 4)}±${format(torchRmse.sd, 4)}`,
  `${format(1000 * recoderEpoch.mean, 1)}±${format(1000 * recoderEpoch.sd, 1)}`,
  `${format(1000 * torchEpoch.mean, 1)}±${format(1000 * torchEpoch.sd, 1)}`,
  format(torchEpoch.mean / recoderEpoch.mean, 2),
  '',
]);
rows.push(['median', '', '', format(1000 * recoderEpoch.median, 1), format(1000 * torchEpoch.median, 1), format(speedRatio, 2), '']);
for (const row of rows) console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(8) : cell.padStart(16))).join(' '));
