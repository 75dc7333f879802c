/**
 * Which OpenBLAS kernel set suits this CPU, for CPUs newer than the installed
 * OpenBLAS. A DYNAMIC_ARCH OpenBLAS (Debian's, NumPy's) picks its kernels by
 * CPU model number; a model it does not know yet gets the generic SSE3
 * "Prescott" kernels, about 5× slower — measured here: OpenBLAS 0.3.21 on an
 * AVX-512 Xeon (family 6, model 207) ran SGEMM at 31 GFLOP/s as Prescott and
 * 141 GFLOP/s as SkylakeX. OpenBLAS reads the OPENBLAS_CORETYPE environment
 * variable when it is loaded; native.ts sets it from the CPU's feature flags
 * (unless the user already set it) just before loading the addon.
 */
import { readFileSync } from 'node:fs';

/** The instruction-set flags of the first CPU in /proc/cpuinfo; empty off Linux or when unreadable. */
export function cpuFlags(): Set<string> {
  if (process.platform !== 'linux') return new Set();
  try {
    const line = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return new Set(line ? line[1]!.trim().split(/\s+/) : []);
  } catch {
    return new Set();
  }
}

/**
 * 'SkylakeX' with the AVX-512 subsets its kernels use, 'Haswell' with AVX2 and FMA,
 * undefined otherwise (leave the choice to OpenBLAS). Only x86-64 Linux is inspected.
 */
export function openBlasCoreTypeFor(flags: Set<string>): string | undefined {
  if (process.arch !== 'x64') return undefined;
  if (['avx512f', 'avx512bw', 'avx512dq', 'avx512vl'].every((flag) => flags.has(flag))) return 'SkylakeX';
  if (flags.has('avx2') && flags.has('fma')) return 'Haswell';
  return undefined;
}
