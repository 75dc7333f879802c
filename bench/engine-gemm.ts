/**
 * SGEMM throughput of the engine's backends against NumPy, on the shape of
 * the table: C (512 × 4096) = A (512 × 4096) · B (4096 × 4096), about
 * 17.2 GFLOP per product.
 *
 *   npx tsc -p . && node dist/bench/engine-gemm.js
 *
 * The native backend and NumPy (/usr/bin/python3, run from here) time that
 * shape, median of 5 after a warm-up. NumPy runs with the OpenBLAS kernel set
 * the native backend chose (OPENBLAS_CORETYPE, see src/engine/cpu-features.ts)
 * and, when that was forced, once more with its own detection. The reference backend would need about
 * ten seconds per product, so it times 128 × 512 × 512 instead (GFLOP/s are
 * comparable across sizes only roughly; the reference is ~100× slower either
 * way). A fourth line times the native GEMM right after a multi-threaded
 * element-wise kernel, the pattern of a training step, to catch thread pools
 * that get in each other's way. Prints a table, then one JSON line.
 */
import { spawnSync } from 'node:child_process';
import type { Backend } from '../src/engine/backend.js';
import { cpuFlags, openBlasCoreTypeFor } from '../src/engine/cpu-features.js';
import { describeBackend, loadNativeBackend, referenceBackend } from '../src/engine/index.js';

interface Shape {
  readonly m: number;
  readonly n: number;
  readonly k: number;
}

interface Measurement {
  readonly engine: string;
  readonly shape: string;
  readonly medianMs: number;
  readonly gflops: number;
  readonly note?: string;
}

const FULL: Shape = { m: 512, n: 4096, k: 4096 };
const SMALL: Shape = { m: 128, n: 512, k: 512 };
const REPETITIONS = 5;

const shapeLabel = (s: Shape) => `${s.m}×${s.k}·${s.k}×${s.n}`;
const flops = (s: Shape) => 2 * s.m * s.n * s.k;

function filled(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0; // a small LCG: the values do not matter, only that they are not zeros
    out[i] = state / 4294967296 - 0.5;
  }
  return out;
}

function timeGemm(backend: Backend, shape: Shape, repetitions: number, between?: () => void): number {
  const a = filled(shape.m * shape.k, 1);
  const b = filled(shape.k * shape.n, 2);
  const c = new Float32Array(shape.m * shape.n);
  const run = () => backend.gemm(false, false, shape.m, shape.n, shape.k, 1, a, shape.k, b, shape.n, 0, c, shape.n);
  run(); // warm-up: page in the arrays, start BLAS threads
  const times: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    between?.();
    const start = process.hrtime.bigint();
    run();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
}

function measurement(engine: string, shape: Shape, medianMs: number, note?: string): Measurement {
  return { engine, shape: shapeLabel(shape), medianMs, gflops: flops(shape) / (medianMs * 1e6), ...(note ? { note } : {}) };
}

const NUMPY_SCRIPT = `
import json, sys, time
import numpy as np
m, n, k, reps = (int(v) for v in sys.argv[1:5])
rng = np.random.default_rng(0)
a = rng.standard_normal((m, k), dtype=np.float32)
b = rng.standard_normal((k, n), dtype=np.float32)
a @ b
times = []
for _ in range(reps):
    start = time.perf_counter()
    a @ b
    times.append((time.perf_counter() - start) * 1e3)
times.sort()
print(json.dumps({"medianMs": times[len(times) // 2], "numpy": np.__version__}))
`;
import { median } from './stats.js';

/** NumPy's `a @ b`; with `coreType`, its OpenBLAS is given the same kernel set as the native backend. */
function timeNumpy(shape: Shape, coreType: string | undefined): Measurement | { engine: string; error: string } {
  const env = { ...process.env };
  if (coreType === undefined) delete env.OPENBLAS_CORETYPE;
  else env.OPENBLAS_CORETYPE = coreType;
  const args = ['-c', NUMPY_SCRIPT, `${shape.m}`, `${shape.n}`, `${shape.k}`, `${REPETITIONS}`];
  const result = spawnSync('/usr/bin/python3', args, { encoding: 'utf8', env });
  if (result.status !== 0) return { engine: 'numpy', error: (result.stderr || result.error?.message || 'no output').trim().split('\n').at(-1)! };
  const parsed = JSON.parse(result.stdout) as { medianMs: number; numpy: string };
  const kernels = coreType === undefined ? 'its own CPU detection' : `OPENBLAS_CORETYPE=${coreType}`;
  return measurement(`numpy ${parsed.numpy} (${kernels})`, shape, parsed.medianMs);
}

function main(): void {
  const results: (Measurement | { engine: string; error: string })[] = [];
  const native = loadNativeBackend();
  if (native.status === 'loaded') {
    results.push(measurement(describeBackend(native.backend), FULL, timeGemm(native.backend, FULL, REPETITIONS)));
    // A sigmoid over 512 × 4096 between products: its OpenMP threads must not slow the BLAS threads that follow.
    const activations = filled(FULL.m * FULL.n, 3);
    const sigmoid = () => native.backend.activationForward('sigmoid', activations, activations);
    results.push(measurement('native, after an element-wise kernel', FULL, timeGemm(native.backend, FULL, REPETITIONS, sigmoid)));
  } else {
    results.push({ engine: 'native', error: native.status === 'failed' ? native.reason : 'not built' });
  }
  results.push(measurement(describeBackend(referenceBackend), SMALL, timeGemm(referenceBackend, SMALL, 3), 'smaller shape'));
  // The same kernels as the native backend (see src/engine/cpu-features.ts), and, when that differs, NumPy's own choice.
  const coreType = process.env.OPENBLAS_CORETYPE ?? openBlasCoreTypeFor(cpuFlags());
  results.push(timeNumpy(FULL, coreType));
  if (coreType !== undefined && process.env.OPENBLAS_CORETYPE === undefined) results.push(timeNumpy(FULL, undefined));

  console.log(`${'engine'.padEnd(56)} ${'shape'.padEnd(20)} median ms   GFLOP/s`);
  for (const r of results) {
    if ('error' in r) console.log(`${r.engine.padEnd(56)} ${r.error}`);
    else console.log(`${r.engine.padEnd(56)} ${r.shape.padEnd(20)} ${r.medianMs.toFixed(1).padStart(9)} ${r.gflops.toFixed(1).padStart(9)}`);
  }
  console.log(JSON.stringify({ benchmark: 'sgemm', repetitions: REPETITIONS, results }));
}

main();
