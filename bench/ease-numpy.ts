/**
 * EASE (or EDLAE / DLAE) in recoder vs the same model in NumPy on the same saved split.
 *
 *   node dist/bench/ease-numpy.js [--dataset ml-1m] [--lambda 500] [--seed 1] [--users 600]
 *                                 [--model ease|edlae|dlae] [--dropout 0.75]
 *
 * Makes a held-out-users split (every rated movie a positive; N validation and N
 * test users, 80/20 fold-in), saves it, fits EASE in recoder and in NumPy
 * (/usr/bin/python3 bench/peers/ease_numpy.py) on that file, and prints both
 * sides' metrics, fit times and the ratio as JSON, then a table. recoder runs on
 * the active backend (RECODER_BACKEND=reference for the TypeScript one).
 */
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { evaluateRanking } from '../src/eval/evaluate.js';
import { edlaeFactory } from '../src/models/autoencoders/edlae.js';
import { easeFactory } from '../src/models/baselines/ease.js';
import { describeBackend } from '../src/engine/index.js';
import { peerEnvironment, savedHeldOutUsersSplit } from './peer-support.js';

const { values: args } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'ml-1m' },
    lambda: { type: 'string', default: '500' },
    seed: { type: 'string', default: '1' },
    users: { type: 'string', default: '600' },
    model: { type: 'string', default: 'ease' },
    dropout: { type: 'string', default: '0.75' },
  },
});
const lambda = Number(args.lambda);
const seed = Number(args.seed);
const heldOut = Number(args.users);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

// Both systems read the same file.
const { splitFile, split } = await savedHeldOutUsersSplit(args.dataset!, heldOut, seed);

const modelName = args.model!;
if (!['ease', 'edlae', 'dlae'].includes(modelName)) throw new Error(`--model must be ease, edlae or dlae, got ${modelName}`);
const dropout = Number(args.dropout);
const model = modelName === 'ease' ? easeFactory.create({ lambda }) : edlaeFactory.create({ lambda, dropout, variant: modelName });
const started = performance.now();
await model.fit(split.train, { seed });
const recoderFitSeconds = (performance.now() - started) / 1000;
const evaluation = evaluateRanking(model, split.test, { metrics: ['ndcg@100', 'recall@20', 'recall@50', 'recall_capped@20', 'recall_capped@50'] });
const recoderMetrics = Object.fromEntries(Object.entries(evaluation.metrics).map(([k, v]) => [k, v.mean]));

// The peer's OpenBLAS gets the engine's settings; above all the kernel set: OpenBLAS 0.3.21 does not
// recognise every current CPU and falls back to slow generic kernels, which would flatter recoder.
const environment = peerEnvironment();
const coreType = environment['OPENBLAS_CORETYPE'];
const peerOutput = execFileSync('/usr/bin/python3', [join(repoRoot, 'bench/peers/ease_numpy.py'), splitFile, String(lambda), modelName, String(dropout)], {
  cwd: join(repoRoot, 'bench/peers'),
  env: { ...process.env, ...environment },
  encoding: 'utf8',
  maxBuffer: 1 << 24,
});
const peer = JSON.parse(peerOutput) as { fitSeconds: number; metrics: Record<string, number>; numpyVersion: string; blas: string };

const result = {
  benchmark: `${modelName}-fit`,
  model: modelName,
  ...(modelName === 'ease' ? {} : { dropout }),
  dataset: args.dataset,
  protocol: split.protocol,
  dataFingerprint: split.dataFingerprint,
  splitFile,
  lambda,
  items: split.itemIds.length,
  trainInteractions: split.train.matrix.nnz,
  testUsers: evaluation.users,
  recoder: { fitSeconds: recoderFitSeconds, metrics: recoderMetrics, engine: describeBackend() },
  numpy: { fitSeconds: peer.fitSeconds, metrics: peer.metrics, version: peer.numpyVersion, blas: peer.blas, openblasCoretype: coreType ?? null },
  fitTimeRatioRecoderOverNumpy: recoderFitSeconds / peer.fitSeconds,
  ndcg100AbsoluteDifference: Math.abs(recoderMetrics['ndcg@100']! - peer.metrics['ndcg@100']!),
};
console.log(JSON.stringify(result, null, 2));
const rows = [
  ['system', 'fit s', 'ndcg@100', 'recall@20', 'recall@50'],
  ['recoder', recoderFitSeconds.toFixed(2), ...['ndcg@100', 'recall@20', 'recall@50'].map((k) => recoderMetrics[k]!.toFixed(4))],
  ['numpy', peer.fitSeconds.toFixed(2), ...['ndcg@100', 'recall@20', 'recall@50'].map((k) => peer.metrics[k]!.toFixed(4))],
];
for (const row of rows) console.log(row.map((c, i) => (i === 0 ? c.padEnd(8) : c.padStart(10))).join(' '));
console.log(`fit time ratio recoder/numpy: ${result.fitTimeRatioRecoderOverNumpy.toFixed(2)}`);
