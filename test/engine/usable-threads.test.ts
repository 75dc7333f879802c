/**
 * The native engine's thread count follows the free cores (native/usable_threads.cc): while other
 * processes keep every core busy it drops to one thread, and RECODER_THREADS pins it. Each case
 * runs in a fresh process on the native engine, given two threads, so the machine this runs on
 * only has to have two cores; only the direction that more load cannot break is asserted (a loaded test machine has
 * fewer free cores, never more).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { nativeAddonPath } from '../../src/engine/index.js';

const indexModule = fileURLToPath(new URL('../../src/engine/index.js', import.meta.url));
const skip = !existsSync(nativeAddonPath())
  ? 'native engine not built'
  : availableParallelism() < 2
    ? 'needs two cores'
    : false;

// Runs small products for `ms` milliseconds and prints every distinct budget seen, as JSON lines.
const probe = (ms: number) => `
import(${JSON.stringify(indexModule)}).then((m) => {
  const b = m.getBackend();
  const a = new Float32Array(256 * 256).fill(0.5), c = new Float32Array(256 * 256);
  const seen = new Map();
  const end = Date.now() + ${ms};
  while (Date.now() < end) {
    b.gemm(false, false, 256, 256, 256, 1, a, 256, a, 256, 0, c, 256);
    b.addBias(c, 256, 256, a.subarray(0, 256));
    const budget = b.threadBudget();
    seen.set(budget.threads + '|' + budget.adaptive, budget);
  }
  console.log(JSON.stringify({ ceiling: b.threads, budgets: [...seen.values()] }));
});`;

interface ProbeResult {
  ceiling: number;
  budgets: { threads: number; adaptive: boolean; otherBusyCores: number }[];
}

function runProbe(ms: number, env: Record<string, string>): ProbeResult {
  const base = { ...process.env };
  for (const name of ['RECODER_BACKEND', 'RECODER_THREADS', 'OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS']) delete base[name];
  const run = spawnSync(process.execPath, ['-e', probe(ms)], { encoding: 'utf8', env: { ...base, ...env } });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as ProbeResult;
}

test('with every core kept busy by other processes, the engine drops to one thread', { skip }, () => {
  const busy = Array.from({ length: availableParallelism() }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  try {
    const result = runProbe(1500, { OMP_NUM_THREADS: '2', OPENBLAS_NUM_THREADS: '2' });
    assert.equal(result.ceiling, 2);
    assert.ok(result.budgets.every((b) => b.adaptive), 'the count adapts unless pinned');
    const lowest = result.budgets.reduce((low, b) => (b.threads < low.threads ? b : low));
    assert.equal(lowest.threads, 1, `budgets seen: ${JSON.stringify(result.budgets)}`);
    assert.ok(lowest.otherBusyCores > 0.5, `other processes' busy cores measured: ${lowest.otherBusyCores}`);
  } finally {
    for (const child of busy) child.kill('SIGKILL');
  }
});

test('RECODER_THREADS pins the count: it does not adapt', { skip }, () => {
  const busy = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  try {
    const result = runProbe(700, { RECODER_THREADS: '2' });
    assert.equal(result.ceiling, 2);
    assert.deepEqual(
      result.budgets.map((b) => [b.threads, b.adaptive]),
      [[2, false]],
    );
  } finally {
    busy.kill('SIGKILL');
  }
});
