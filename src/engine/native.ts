/**
 * Loads the native addon (build/Release/recoder_engine.node, built from
 * native/ by scripts/build-native.mjs) and presents it as a Backend.
 *
 * The addon's functions take positional arguments only (a CSR operand is
 * passed as nRows, nCols, indptr, indices, values); this module unpacks the
 * Backend's arguments into that form after withArgumentChecks has checked
 * every size, which is what lets the C++ side trust array lengths.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Activation, Backend, CsrOperand } from './backend.js';
import { withArgumentChecks } from './checked-backend.js';
import { cpuFlags, openBlasCoreTypeFor } from './cpu-features.js';
import { engineThreadCount, pinnedThreadCount } from './thread-count.js';
import { referenceBackend } from './reference.js';
import { NotPositiveDefiniteError } from './linalg/cholesky.js';

/** The addon's exports (native/addon.cc). Not for use outside this module: it checks types, not sizes. */
interface NativeAddon {
  info(): { blasConfig: string; blasCore: string; blasThreads: number; kernelThreads: number; lapack: boolean };
  threadBudget(): { threads: number; adaptive: boolean; otherBusyCores: number };
  spdInverse(a: Float64Array, n: number): number;
  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number, a: Float32Array, lda: number, b: Float32Array, ldb: number, beta: number, c: Float32Array, ldc: number): void;
  csrMatmul(alpha: number, nRows: number, nCols: number, indptr: Int32Array, indices: Int32Array, values: Float32Array, b: Float32Array, n: number, beta: number, c: Float32Array): void;
  csrTransposeMatmul(alpha: number, nRows: number, nCols: number, indptr: Int32Array, indices: Int32Array, values: Float32Array, g: Float32Array, n: number, beta: number, c: Float32Array): void;
  sampledDot(nRows: number, nCols: number, indptr: Int32Array, indices: Int32Array, values: null, a: Float32Array, b: Float32Array, k: number, transB: boolean, out: Float32Array): void;
  addBias(x: Float32Array, rows: number, cols: number, bias: Float32Array): void;
  biasGradient(grad: Float32Array, rows: number, cols: number, beta: number, out: Float32Array): void;
  addBiasAtPattern(nRows: number, nCols: number, indptr: Int32Array, indices: Int32Array, values: null, bias: Float32Array, out: Float32Array): void;
  biasGradientAtPattern(nRows: number, nCols: number, indptr: Int32Array, indices: Int32Array, values: null, grad: Float32Array, beta: number, out: Float32Array): void;
  activationForward(code: number, x: Float32Array, out: Float32Array): void;
  activationBackward(code: number, output: Float32Array, gradOutput: Float32Array, gradInput: Float32Array): void;
  swishForward(x: Float32Array, out: Float32Array): void;
  swishBackward(x: Float32Array, gradOutput: Float32Array, gradInput: Float32Array): void;
  layerNormRows(x: Float32Array, rows: number, cols: number, scale: Float32Array, shift: Float32Array, epsilon: number, out: Float32Array, normalised: Float32Array, inverseDeviations: Float32Array): void;
  layerNormRowsBackward(gradOutput: Float32Array, normalised: Float32Array, inverseDeviations: Float32Array, rows: number, cols: number, scale: Float32Array, gradScale: Float32Array, gradShift: Float32Array, gradInput: Float32Array): void;
  scale(x: Float32Array, alpha: number): void;
  axpy(alpha: number, x: Float32Array, y: Float32Array): void;
  logSoftmaxRows(x: Float32Array, rows: number, cols: number, out: Float32Array): void;
  logSoftmaxRowsBackward(logProbs: Float32Array, gradOutput: Float32Array, rows: number, cols: number, gradInput: Float32Array): void;
  multinomialNll(logProbs: Float32Array, nRows: number, nCols: number, indptr: Int32Array, indices: Int32Array, values: Float32Array): number;
  multinomialNllGradient(nRows: number, nCols: number, indptr: Int32Array, indices: Int32Array, values: Float32Array, scale: number, grad: Float32Array): void;
  softmaxCrossEntropyRows(logits: Float32Array, nRows: number, nCols: number, indptr: Int32Array, indices: Int32Array, values: Float32Array, scale: number, gradLogits: Float32Array): number;
  squaredErrorAtPattern(targetValues: Float32Array, predicted: Float32Array, gradScale: number, gradPredicted: Float32Array): number;
  dropout(x: Float32Array, keepProb: number, seed: number, mask: Uint8Array, out: Float32Array): void;
  dropoutBackward(gradOutput: Float32Array, mask: Uint8Array, keepProb: number, gradInput: Float32Array): void;
  sgdUpdate(param: Float32Array, grad: Float32Array, learningRate: number, weightDecay: number): void;
  adamUpdate(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, learningRate: number, beta1: number, beta2: number, epsilon: number, weightDecay: number, step: number, decoupled: boolean): void;
  topKRows(scores: Float32Array, rows: number, cols: number, k: number, outIdx: Int32Array, outVals: Float32Array): void;
  // Sequence models: GRU
  gruForward(batch: number, steps: number, hidden: number, inputProjections: Float32Array, weightHh: Float32Array, biasHh: Float32Array, filled: Int32Array, states: Float32Array, gates: Float32Array): void;
  gruBackward(batch: number, steps: number, hidden: number, weightHh: Float32Array, filled: Int32Array, states: Float32Array, gates: Float32Array, gradStates: Float32Array, gradInputProjections: Float32Array, gradWeightHh: Float32Array, gradBiasHh: Float32Array): void;
  // Sequence models: attention
  causalAttentionForward(batch: number, length: number, heads: number, headSize: number, filled: Int32Array, q: Float32Array, k: Float32Array, v: Float32Array, keepProb: number, mask: Uint8Array, probs: Float32Array, out: Float32Array): void;
  causalAttentionBackward(batch: number, length: number, heads: number, headSize: number, filled: Int32Array, gradOut: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, probs: Float32Array, keepProb: number, mask: Uint8Array, gradQ: Float32Array, gradK: Float32Array, gradV: Float32Array): void;
}

// Sequence models: attention
const NO_MASK = new Uint8Array(0);

/** The codes native/kernels.h's `Activation` enum uses. */
const ACTIVATION_CODES: Record<Activation, number> = { identity: 0, sigmoid: 1, tanh: 2, relu: 3 };

export type NativeLoadResult =
  | { readonly status: 'loaded'; readonly backend: Backend; readonly blasConfig: string; readonly blasCore: string }
  /** No addon file: the build was skipped (no compiler or BLAS) or never run. */
  | { readonly status: 'not-built'; readonly addonPath: string }
  /** The file exists but could not be loaded or failed its self-check. */
  | { readonly status: 'failed'; readonly addonPath: string; readonly reason: string };

/** The package root: the nearest ancestor of this module's folder with recoder's package.json. */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'recoder') return dir;
      } catch {
        // An unreadable package.json above us is not ours; keep climbing.
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`recoder: cannot find recoder's package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

export function nativeAddonPath(): string {
  return path.join(packageRoot(), 'build', 'Release', 'recoder_engine.node');
}

let cachedResult: NativeLoadResult | undefined;

/** Loads the addon once per process; later calls return the same result. */
export function loadNativeBackend(): NativeLoadResult {
  cachedResult ??= loadUncached();
  return cachedResult;
}

function loadUncached(): NativeLoadResult {
  const addonPath = nativeAddonPath();
  if (!existsSync(addonPath)) return { status: 'not-built', addonPath };
  let addon: NativeAddon;
  const restoreEnvironment = setLoadEnvironment();
  try {
    addon = createRequire(import.meta.url)(addonPath) as NativeAddon;
  } catch (error) {
    return { status: 'failed', addonPath, reason: `cannot load ${addonPath}: ${(error as Error).message}` };
  } finally {
    restoreEnvironment();
  }
  const selfCheckProblem = selfCheck(addon);
  if (selfCheckProblem !== undefined) return { status: 'failed', addonPath, reason: selfCheckProblem };
  const info = addon.info();
  return { status: 'loaded', backend: wrapAddon(addon, info), blasConfig: info.blasConfig, blasCore: info.blasCore };
}

/**
 * Settings that OpenBLAS and libgomp read once, when they load, and that the engine wants:
 * - OPENBLAS_CORETYPE: the kernel set for CPUs this OpenBLAS does not know (cpu-features.ts).
 * - OMP_WAIT_POLICY=PASSIVE: idle OpenMP threads sleep instead of spinning. Spinning threads
 *   compete with OpenBLAS's for the cores; measured on 2 cores, a 17-GFLOP SGEMM right after an
 *   element-wise kernel took 64 ms with spinning and 59.5 ms (no slowdown) with passive waiting.
 * - OPENBLAS_THREAD_TIMEOUT=10: OpenBLAS's idle threads poll for 2^10 cycles, not its default
 *   2^28 (about 0.1 s), before they sleep. Polling threads took a core from the OpenMP kernels
 *   that follow a GEMM: on 2 cores, csrMatmul right after a 500 × 3,676 × 600 SGEMM took 7.8 ms
 *   with the default and 4.2 ms with this, and the GEMM itself was no slower (bench/blas-polling.ts).
 * - OMP_NUM_THREADS, OPENBLAS_NUM_THREADS: one count for both thread pools, RECODER_THREADS or the
 *   cores this process may use (thread-count.ts), so neither pool oversubscribes the other's cores.
 * Peers in benchmarks are given the same settings (the same library, configured alike).
 */
export function engineEnvironment(): Record<string, string> {
  const coreType = openBlasCoreTypeFor(cpuFlags());
  const threads = String(engineThreadCount());
  return {
    ...(coreType !== undefined ? { OPENBLAS_CORETYPE: coreType } : {}),
    OMP_WAIT_POLICY: 'PASSIVE',
    OPENBLAS_THREAD_TIMEOUT: '10',
    OMP_NUM_THREADS: threads,
    OPENBLAS_NUM_THREADS: threads,
  };
}

/**
 * Sets engineEnvironment()'s variables that the user has not set, for the addon's libraries to
 * read as they load (RECODER_THREADS overrides OMP_NUM_THREADS and OPENBLAS_NUM_THREADS even when
 * they are set); returns a function that puts the environment back as it was after loading, so
 * that child processes — peers in benchmarks among them — make their own choices.
 */
function setLoadEnvironment(): () => void {
  const wanted: Record<string, string | undefined> = engineEnvironment();
  const forced = pinnedThreadCount() !== undefined ? new Set(['OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS']) : new Set<string>();
  const before = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(wanted)) {
    if (value === undefined || (process.env[name] !== undefined && !forced.has(name))) continue;
    before.set(name, process.env[name]);
    process.env[name] = value;
  }
  return () => {
    for (const [name, value] of before) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/** A 2 × 2 product through BLAS: catches a BLAS library that loads but computes nonsense (e.g. an ABI mismatch). */
function selfCheck(addon: NativeAddon): string | undefined {
  const c = new Float32Array(4);
  try {
    addon.gemm(false, false, 2, 2, 2, 1, new Float32Array([1, 2, 3, 4]), 2, new Float32Array([5, 6, 7, 8]), 2, 0, c, 2);
  } catch (error) {
    return `self-check GEMM threw: ${(error as Error).message}`;
  }
  const expected = [19, 22, 43, 50];
  if (expected.some((value, i) => c[i] !== value)) return `self-check GEMM gave [${[...c].join(', ')}], expected [${expected.join(', ')}]`;
  return undefined;
}

/** "OpenBLAS 0.3.21 SkylakeX" (version and kernel set) from OpenBLAS's configuration; the string itself for another CBLAS. */
function blasLibraryName(blasConfig: string, blasCore: string): string {
  const version = /OpenBLAS\s+(\S+)/.exec(blasConfig);
  return version ? `OpenBLAS ${version[1]}${blasCore ? ` ${blasCore}` : ''}` : blasConfig;
}

function wrapAddon(addon: NativeAddon, info: ReturnType<NativeAddon['info']>): Backend {
  const csr = (x: CsrOperand) => [x.nRows, x.nCols, x.indptr, x.indices] as const;
  return withArgumentChecks({
    name: 'native',
    threads: Math.max(1, info.blasThreads, info.kernelThreads),
    library: blasLibraryName(info.blasConfig, info.blasCore),
    threadBudget: () => addon.threadBudget(),
    gemm: (transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) =>
      addon.gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc),
    csrMatmul: (alpha, x, b, n, beta, c) => addon.csrMatmul(alpha, ...csr(x), x.values, b, n, beta, c),
    csrTransposeMatmul: (alpha, x, g, n, beta, c) => addon.csrTransposeMatmul(alpha, ...csr(x), x.values, g, n, beta, c),
    sampledDot: (pattern, a, b, k, transB, out) => addon.sampledDot(...csr(pattern), null, a, b, k, transB, out),
    addBias: (x, rows, cols, bias) => addon.addBias(x, rows, cols, bias),
    biasGradient: (grad, rows, cols, beta, out) => addon.biasGradient(grad, rows, cols, beta, out),
    addBiasAtPattern: (pattern, bias, values) => addon.addBiasAtPattern(...csr(pattern), null, bias, values),
    biasGradientAtPattern: (pattern, grad, beta, out) => addon.biasGradientAtPattern(...csr(pattern), null, grad, beta, out),
    activationForward: (activation, x, out) => addon.activationForward(ACTIVATION_CODES[activation], x, out),
    activationBackward: (activation, output, gradOutput, gradInput) =>
      addon.activationBackward(ACTIVATION_CODES[activation], output, gradOutput, gradInput),
    swishForward: (x, out) => addon.swishForward(x, out),
    swishBackward: (x, gradOutput, gradInput) => addon.swishBackward(x, gradOutput, gradInput),
    layerNormRows: (x, rows, cols, scale, shift, epsilon, out, normalised, inverseDeviations) =>
      addon.layerNormRows(x, rows, cols, scale, shift, epsilon, out, normalised, inverseDeviations),
    layerNormRowsBackward: (gradOutput, normalised, inverseDeviations, rows, cols, scale, gradScale, gradShift, gradInput) =>
      addon.layerNormRowsBackward(gradOutput, normalised, inverseDeviations, rows, cols, scale, gradScale, gradShift, gradInput),
    scale: (x, alpha) => addon.scale(x, alpha),
    axpy: (alpha, x, y) => addon.axpy(alpha, x, y),
    logSoftmaxRows: (x, rows, cols, out) => addon.logSoftmaxRows(x, rows, cols, out),
    logSoftmaxRowsBackward: (logProbs, gradOutput, rows, cols, gradInput) =>
      addon.logSoftmaxRowsBackward(logProbs, gradOutput, rows, cols, gradInput),
    multinomialNll: (logProbs, targets) => addon.multinomialNll(logProbs, ...csr(targets), targets.values),
    multinomialNllGradient: (targets, scale, grad) => addon.multinomialNllGradient(...csr(targets), targets.values, scale, grad),
    softmaxCrossEntropyRows: (logits, targets, scale, gradLogits) =>
      addon.softmaxCrossEntropyRows(logits, ...csr(targets), targets.values, scale, gradLogits),
    squaredErrorAtPattern: (targets, predicted, gradScale, gradPredicted) =>
      addon.squaredErrorAtPattern(targets.values, predicted, gradScale, gradPredicted),
    dropout: (x, keepProb, seed, mask, out) => addon.dropout(x, keepProb, seed, mask, out),
    dropoutBackward: (gradOutput, mask, keepProb, gradInput) => addon.dropoutBackward(gradOutput, mask, keepProb, gradInput),
    sgdUpdate: (param, grad, learningRate, weightDecay) => addon.sgdUpdate(param, grad, learningRate, weightDecay),
    adamUpdate: (param, grad, m, v, s) =>
      addon.adamUpdate(param, grad, m, v, s.learningRate, s.beta1, s.beta2, s.epsilon, s.weightDecay, s.step, false),
    adamwUpdate: (param, grad, m, v, s) =>
      addon.adamUpdate(param, grad, m, v, s.learningRate, s.beta1, s.beta2, s.epsilon, s.weightDecay, s.step, true),
    topKRows: (scores, rows, cols, k, outIdx, outVals) => addon.topKRows(scores, rows, cols, k, outIdx, outVals),
    spdInverse: (a, n) => {
      // Without LAPACK in the linked BLAS the reference's blocked Cholesky does the job.
      if (!info.lapack) return referenceBackend.spdInverse(a, n);
      const failedMinor = addon.spdInverse(a, n);
      if (failedMinor !== 0) throw new NotPositiveDefiniteError(failedMinor - 1, Number.NaN, n);
    },
    // Sequence models: GRU
    gruForward: (batch, steps, hidden, inputProjections, weightHh, biasHh, filled, states, gates) =>
      addon.gruForward(batch, steps, hidden, inputProjections, weightHh, biasHh, filled, states, gates),
    gruBackward: (batch, steps, hidden, weightHh, filled, states, gates, gradStates, gradInputProjections, gradWeightHh, gradBiasHh) =>
      addon.gruBackward(batch, steps, hidden, weightHh, filled, states, gates, gradStates, gradInputProjections, gradWeightHh, gradBiasHh),
    // Sequence models: attention (an empty mask array stands for "no dropout")
    causalAttentionForward: (shape, q, k, v, keepProb, mask, probs, out) =>
      addon.causalAttentionForward(shape.batch, shape.length, shape.heads, shape.headSize, shape.filled, q, k, v, keepProb, mask ?? NO_MASK, probs, out),
    causalAttentionBackward: (shape, gradOut, q, k, v, probs, keepProb, mask, gradQ, gradK, gradV) =>
      addon.causalAttentionBackward(shape.batch, shape.length, shape.heads, shape.headSize, shape.filled, gradOut, q, k, v, probs, keepProb, mask ?? NO_MASK, gradQ, gradK, gradV),
  });
}
