/**
 * How OpenBLAS's idle-thread polling after a GEMM slows the OpenMP kernels that
 * follow it: csrMatmul timed right after a 500 × 3,676 × 600 SGEMM (a Mult-VAE
 * output layer) in two fresh processes, one with OpenBLAS's default polling
 * (OPENBLAS_THREAD_TIMEOUT=28, about 2^28 cycles) and one with the engine's
 * setting (10, see engineEnvironment in src/engine/native.ts).
 *
 *   node dist/bench/blas-polling.js [--repeats 15]
 *
 * Prints JSON, then a table (medians over the repeats).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Rng } from '../src/data/random.js';
import { getBackend } from '../src/engine/index.js';

const { values: args } = parseArgs({ options: { repeats: { type: 'string', default: '15' }, child: { type: 'boolean', default: false } } });
const repeats = Number(args.repeats);

interface Timing {
  readonly timeout: string;
  readonly gemmMs: number;
  readonly csrMatmulAfterGemmMs: number;
}

const median = (values: number[]) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** One process's measurement; the polling setting is read by OpenBLAS when it loads, so it cannot change within one. */
function measure(): Timing {
  const backend = getBackend();
  const [rows, items, hidden, perRow] = [500, 3676, 600, 160];
  const rng = new Rng(1);
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(rows * perRow);
  for (let r = 0; r < rows; r++) {
    const chosen = new Set<number>();
    while (chosen.size < perRow) chosen.add(rng.nextInt(items));
    indices.set([...chosen].sort((a, b) => a - b), r * perRow);
    indptr[r + 1] = (r + 1) * perRow;
  }
  const x = { nRows: rows, nCols: items, indptr, indices, values: new Float32Array(rows * perRow).fill(1) };
  const random = (n: number) => Float32Array.from({ length: n }, () => rng.nextFloat() - 0.5);
  const [h, w, logits, out] = [random(rows * hidden), random(items * hidden), new Float32Array(rows * items), new Float32Array(rows * hidden)];
  const gemm = () => backend.gemm(false, true, rows, items, hidden, 1, h, hidden, w, hidden, 0, logits, items);
  const [gemmTimes, csrTimes] = [[] as number[], [] as number[]];
  for (let i = 0; i <= repeats; i++) {
    let t = performance.now();
    gemm();
    const gemmMs = performance.now() - t;
    t = performance.now();
    backend.csrMatmul(1, x, w, hidden, 0, out);
    const csrMs = performance.now() - t;
    if (i > 0) {
      gemmTimes.push(gemmMs);
      csrTimes.push(csrMs);
    }
  }
  return { timeout: process.env['OPENBLAS_THREAD_TIMEOUT'] ?? '', gemmMs: median(gemmTimes), csrMatmulAfterGemmMs: median(csrTimes) };
}

if (args.child) {
  process.stdout.write(JSON.stringify(measure()));
} else {
  const script = fileURLToPath(import.meta.url);
  const results = ['28', '10'].map(
    (timeout) =>
      JSON.parse(
        execFileSync(process.execPath, [script, '--child', '--repeats', String(repeats)], { env: { ...process.env, OPENBLAS_THREAD_TIMEOUT: timeout }, encoding: 'utf8' }),
      ) as Timing,
  );
  const [polling, engine] = results as [Timing, Timing];
  console.log(JSON.stringify({ backend: 'native', repeats, results, csrMatmulRatio: polling.csrMatmulAfterGemmMs / engine.csrMatmulAfterGemmMs }, null, 2));
  console.log(`\n${'OPENBLAS_THREAD_TIMEOUT'.padEnd(24)} ${'SGEMM ms'.padStart(9)} ${'csrMatmul after it, ms'.padStart(23)}`);
  for (const r of results) console.log(`${r.timeout.padEnd(24)} ${r.gemmMs.toFixed(2).padStart(9)} ${r.csrMatmulAfterGemmMs.toFixed(2).padStart(23)}`);
}
