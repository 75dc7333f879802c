/**
 * What the peer benchmarks share: the environment a Python peer runs in, and
 * the held-out-users split both sides read from one saved file.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSplit, saveSplit } from '../src/data/split-io.js';
import { makeSplit } from '../src/data/splits/index.js';
import type { Split } from '../src/data/split-types.js';
import { engineEnvironment } from '../src/engine/index.js';
import { prepareData } from '../src/experiment/prepare.js';

/**
 * The OpenBLAS and OpenMP settings recoder's engine loads them with (engineEnvironment in
 * src/engine/native.ts: this CPU's kernel set, sleeping rather than spinning idle threads, short
 * BLAS thread polling), so that both sides run the same library configured alike; with
 * `blasThreads`, also OPENBLAS_NUM_THREADS (Debian's torch otherwise leaves OpenBLAS on one
 * thread, half the GEMM speed). A variable the caller set keeps the caller's value.
 */
export function peerEnvironment(blasThreads?: number): Record<string, string> {
  const wanted: Record<string, string> = { ...engineEnvironment(), ...(blasThreads !== undefined ? { OPENBLAS_NUM_THREADS: String(blasThreads) } : {}) };
  for (const name of Object.keys(wanted)) if (process.env[name] !== undefined) wanted[name] = process.env[name]!;
  return wanted;
}

/**
 * The held-out-users split of `dataset` (every interaction a positive; `users` validation and
 * `users` test users, 80/20 fold-in) saved to a temporary file and read back, so that recoder
 * evaluates exactly what the peer reads.
 */
export async function savedHeldOutUsersSplit(dataset: string, users: number, seed: number): Promise<{ splitFile: string; split: Split }> {
  const prepared = await prepareData({ dataset, implicit: true });
  const made = makeSplit(prepared.data, { kind: 'held-out-users', validationUsers: users, testUsers: users, foldInFraction: 0.8, seed });
  const splitFile = join(mkdtempSync(join(tmpdir(), 'recoder-bench-')), `${dataset}-seed${seed}.split.safetensors`);
  await saveSplit(splitFile, made);
  return { splitFile, split: await loadSplit(splitFile) };
}
