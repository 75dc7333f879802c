/**
 * Where one training epoch of a neural model spends its time, kernel by kernel.
 *
 *   node dist/bench/profile-epoch.js --model mult-vae|mult-dae|recvae|cdae|gru4rec|sasrec|svae [--dataset ml-1m] [--epochs 2] [--seed 1] [--background-load N]
 *
 * (the sequence models train on the leave-last-out split's training sequences.)
 *
 * Wraps the active backend so that every kernel call is timed, trains the
 * model for a few epochs (no validation) on the held-out-users split's
 * training rows (the leave-last-out split's sequences for gru4rec and svae), and prints per-kernel milliseconds per epoch (the last
 * epoch) as JSON and a table; "outside kernels" is the rest of the epoch
 * (JavaScript: batching, normalisation, bookkeeping).
 */
import { backgroundLoadCount, startBackgroundLoad } from './background-load.js';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { makeSplit } from '../src/data/splits/index.js';
import type { Backend } from '../src/engine/backend.js';
import { getBackend, describeBackend } from '../src/engine/index.js';
import { prepareData } from '../src/experiment/prepare.js';
import { cdaeRecommender } from '../src/models/autoencoders/cdae.js';
import { multDaeVariant } from '../src/models/autoencoders/mult-dae.js';
import { multVaeVariant } from '../src/models/autoencoders/mult-vae.js';
import type { Recommender } from '../src/models/model.js';
import { multinomialAutoencoderRecommender } from '../src/models/autoencoders/multinomial-autoencoder.js';
import { recVaeRecommender } from '../src/models/autoencoders/recvae.js';
import { gru4recRecommender } from '../src/models/sequential/gru4rec.js';
import { svaeRecommender } from '../src/models/sequential/svae.js';
// Sequence models: attention
import { sasrecRecommender } from '../src/models/sequential/sasrec.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'mult-vae' },
    dataset: { type: 'string', default: 'ml-1m' },
    epochs: { type: 'string', default: '2' },
    seed: { type: 'string', default: '1' },
    // Without the per-kernel timers (their wrapper allocates per call): for node --cpu-prof runs.
    untimed: { type: 'boolean', default: false },
    // N CPU-bound processes beside the run (issue 18), to profile a busy machine with the same command.
    'background-load': { type: 'string', default: '0' },
  },
});

const totals = new Map<string, { ms: number; calls: number }>();
function timedBackend(inner: Backend): Backend {
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const name = String(property);
      return (...callArgs: unknown[]) => {
        const start = performance.now();
        const result = (value as (...a: unknown[]) => unknown).apply(target, callArgs);
        const entry = totals.get(name) ?? { ms: 0, calls: 0 };
        entry.ms += performance.now() - start;
        entry.calls++;
        totals.set(name, entry);
        return result;
      };
    },
  });
}

const backgroundLoad = startBackgroundLoad(backgroundLoadCount(args['background-load']));
const prepared = await prepareData({ dataset: args.dataset!, implicit: true });
// Sequence models train on the leave-last-out split's ordered sequences (the protocol they are evaluated on).
const SEQUENCE_MODELS = ['gru4rec', 'sasrec', 'svae'];
const split = SEQUENCE_MODELS.includes(args.model!)
  ? makeSplit(prepared.data, { kind: 'leave-last-out', validation: true, seed: Number(args.seed) })
  : makeSplit(prepared.data, { kind: 'held-out-users', validationUsers: 600, testUsers: 600, foldInFraction: 0.8, seed: Number(args.seed) });
const epochs = Number(args.epochs);
const backend = args.untimed ? getBackend() : timedBackend(getBackend());
const hyperParameters = { epochs, patience: 0 };
const constructors: Record<string, () => Recommender> = {
  'mult-vae': () => multinomialAutoencoderRecommender(multVaeVariant, hyperParameters, backend),
  'mult-dae': () => multinomialAutoencoderRecommender(multDaeVariant, hyperParameters, backend),
  recvae: () => recVaeRecommender(hyperParameters, backend),
  cdae: () => cdaeRecommender(hyperParameters, backend),
  // Sequence models: GRU
  gru4rec: () => gru4recRecommender(hyperParameters, backend),
  svae: () => svaeRecommender(hyperParameters, backend),
  // Sequence models: attention
  sasrec: () => sasrecRecommender(hyperParameters, backend),
};
const makeModel = constructors[args.model!];
if (makeModel === undefined) throw new Error(`--model must be one of ${Object.keys(constructors).join(', ')}, got '${args.model}'`);
const model = makeModel();
const epochStarts: number[] = [];
let lastEpochTotals = new Map<string, { ms: number; calls: number }>();
const start = performance.now();
await model.fit(split.train, {
  seed: Number(args.seed),
  onProgress: (progress) => {
    if (progress.phase === 'epoch') {
      epochStarts.push(performance.now());
      if (epochStarts.length === epochs - 1) lastEpochTotals = new Map([...totals].map(([k, v]) => [k, { ...v }]));
    }
  },
});
const end = performance.now();
backgroundLoad.stop();
const lastEpochMs = epochStarts.length >= 2 ? epochStarts.at(-1)! - epochStarts.at(-2)! : end - start;
const rows = [...totals].map(([kernel, t]) => {
  const before = lastEpochTotals.get(kernel) ?? { ms: 0, calls: 0 };
  return { kernel, ms: t.ms - before.ms, calls: t.calls - before.calls };
}).filter((r) => r.calls > 0).sort((a, b) => b.ms - a.ms);
const kernelMs = rows.reduce((s, r) => s + r.ms, 0);
console.log(JSON.stringify({ model: args.model, dataset: args.dataset, backend: describeBackend(), backgroundLoad: backgroundLoad.processes, epochMs: lastEpochMs, kernelMs, kernels: rows }));
console.log(`\n${args.model} on ${args.dataset}: last epoch ${lastEpochMs.toFixed(1)} ms, kernels ${kernelMs.toFixed(1)} ms`);
for (const r of rows) console.log(`${r.kernel.padEnd(26)} ${r.ms.toFixed(1).padStart(9)} ms ${String(r.calls).padStart(7)} calls`);
console.log(`${'outside kernels'.padEnd(26)} ${(lastEpochMs - kernelMs).toFixed(1).padStart(9)} ms`);
