import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { csrFromCoo } from '../../src/data/csr.js';
import { Rng } from '../../src/data/random.js';
import { heldOutUsersSplit } from '../../src/data/splits/held-out-users.js';
import type { InteractionData } from '../../src/data/transforms.js';
import { declaredSearchSpace, parseSearchRange, randomSearch, sampleConfiguration, type TrialRecord } from '../../src/experiment/search.js';
import { getModelFactory } from '../../src/models/registry.js';

/** 160 users in two tastes over 40 items: enough for a validation signal in a few epochs. */
function tasteData(): InteractionData {
  const rng = new Rng(21);
  const rows: number[] = [];
  const cols: number[] = [];
  for (let u = 0; u < 160; u++) {
    for (const i of rng.randomSample(20, 8)) {
      rows.push(u);
      cols.push((u % 2) * 20 + i);
    }
  }
  const matrix = csrFromCoo(160, 40, rows, cols, null);
  return { name: 'tastes', matrix, timestamps: null, userIds: Array.from({ length: 160 }, (_, u) => `u${u}`), itemIds: Array.from({ length: 40 }, (_, i) => `i${i}`) };
}

const split = heldOutUsersSplit(tasteData(), { validationUsers: 30, testUsers: 30, seed: 1 });
const choice = { name: 'mult-dae', hyperParameters: { latent: 8, batchSize: 32, epochs: 4 } };
const space = { learningRate: { kind: 'number', min: 1e-3, max: 3e-2, scale: 'log' }, keepProbability: { kind: 'number', min: 0.3, max: 0.9, scale: 'linear' } } as const;

test('random search draws from the declared space: log ranges, integers, choices, fixed settings kept', () => {
  const factory = getModelFactory('mult-dae');
  const declared = declaredSearchSpace(factory, { latent: 8 });
  assert.ok(!('latent' in declared) && 'learningRate' in declared && 'keepProbability' in declared);
  assert.deepEqual(declared['learningRate'], { kind: 'number', min: 1e-4, max: 1e-2, scale: 'log' });
  const draws = Array.from({ length: 200 }, (_, t) => sampleConfiguration(declared, { latent: 8 }, new Rng(5).fork(t)));
  assert.ok(draws.every((d) => d['latent'] === 8 && (d['learningRate'] as number) >= 1e-4 && (d['learningRate'] as number) <= 1e-2));
  // Log-uniform: about half the draws below the geometric mean 1e-3.
  const below = draws.filter((d) => (d['learningRate'] as number) < 1e-3).length;
  assert.ok(below > 70 && below < 130, `${below} of 200 below 1e-3`);
  assert.deepEqual(parseSearchRange(getModelFactory('cdae'), 'activation=relu|tanh'), ['activation', { kind: 'choice', choices: ['relu', 'tanh'] }]);
  assert.deepEqual(parseSearchRange(factory, 'latent=16..64:log'), ['latent', { kind: 'integer', min: 16, max: 64, scale: 'log' }]);
  assert.throws(() => parseSearchRange(factory, 'lattent=1..2'), /has no setting 'lattent'/);
  assert.throws(() => parseSearchRange(factory, 'keepProbability=0..2'), /'keepProbability' of model 'mult-dae' must be/);
});

test('successive halving trains the best 1/η of each rung for η times the epochs, continuing from their checkpoints', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recoder-search-'));
  try {
    const result = await randomSearch(choice, space, split, { seed: 3, selectBy: 'ndcg@10', metrics: ['ndcg@10'], trials: 4, eta: 2, minEpochs: 1, logFile: join(dir, 'log.jsonl') });
    const rungs = [0, 1, 2].map((rung) => result.trials.filter((t) => t.rung === rung));
    assert.deepEqual(rungs.map((r) => r.length), [4, 2, 1]);
    assert.deepEqual(rungs.map((r) => r[0]!.epochs), [1, 2, 4]);
    const bestOfRung0 = [...rungs[0]!].sort((a, b) => b.score - a.score).slice(0, 2).map((t) => t.trial).sort();
    assert.deepEqual(rungs[1]!.map((t) => t.trial).sort(), bestOfRung0);
    assert.equal(result.best.rung, 2);
    assert.ok(Number.isFinite((result.test.metrics as Record<string, { mean: number }>)['ndcg@10']?.mean));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a search killed mid-way continues where it stopped and ends exactly as an uninterrupted one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recoder-search-'));
  try {
    const options = { seed: 7, selectBy: 'ndcg@10', metrics: ['ndcg@10'], trials: 4, eta: 2, minEpochs: 1 };
    const straight = await randomSearch(choice, space, split, { ...options, logFile: join(dir, 'straight.jsonl') });

    const logFile = join(dir, 'killed.jsonl');
    const controller = new AbortController();
    let finished = 0;
    await assert.rejects(
      randomSearch(choice, space, split, {
        ...options,
        logFile,
        signal: controller.signal,
        onTrial: () => {
          if (++finished === 3) controller.abort(new Error('killed'));
        },
      }),
      /killed/,
    );
    assert.equal(readFileSync(logFile, 'utf8').trim().split('\n').length, 3);
    const seen: { trial: TrialRecord; resumed: boolean }[] = [];
    const continued = await randomSearch(choice, space, split, { ...options, logFile, onTrial: (trial, resumed) => seen.push({ trial, resumed }) });
    assert.equal(seen.filter((s) => s.resumed).length, 3, 'the three logged trials are read back, not refitted');
    assert.equal(seen.filter((s) => !s.resumed).length, straight.trials.length - 3);
    const withoutTimes = (trials: readonly TrialRecord[]) => trials.map(({ fitSeconds: _, ...rest }) => rest);
    assert.deepEqual(withoutTimes(continued.trials), withoutTimes(straight.trials));
    assert.deepEqual(withoutTimes([continued.best]), withoutTimes([straight.best]));
    assert.deepEqual(continued.test.metrics, straight.test.metrics);
    // A log from another search is refused rather than mixed in.
    await assert.rejects(randomSearch(choice, space, split, { ...options, seed: 8, logFile }), /written by another search/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('recoder tune runs a random search from the command line and writes the best configuration', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'recoder-search-cli-'));
  try {
    const cli = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.js');
    const data = join(import.meta.dirname, '..', '..', '..', 'data', 'ml-latest-small');
    const out = join(dir, 'best.json');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [cli, 'tune', '-d', data, '-m', 'ease', '--trials', '3', '--min-item-interactions', '20', '--validation-users', '50', '--test-users', '50', '--log', join(dir, 'log.jsonl'), '--out', out, '--json', '-q'],
      { maxBuffer: 1 << 24 },
    );
    const report = JSON.parse(stdout) as { search: { kind: string }; trials: TrialRecord[]; hyperParameters: { lambda: number } };
    assert.equal(report.search.kind, 'random');
    assert.equal(report.trials.length, 3);
    const best = JSON.parse(readFileSync(out, 'utf8')) as { model: string; hyperParameters: { lambda: number } };
    assert.equal(best.model, 'ease');
    assert.equal(best.hyperParameters.lambda, report.hyperParameters.lambda);
    assert.ok(best.hyperParameters.lambda >= 1 && best.hyperParameters.lambda <= 10_000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
