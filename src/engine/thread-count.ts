/**
 * How many threads the native engine runs its kernels and BLAS on. By default,
 * the cores this process may actually use: the CPUs in its affinity mask
 * (taskset, a container's cpuset) and, when a cgroup CPU quota is lower (a
 * container limited to "1.5 CPUs"), that quota rounded up. More threads than
 * that only wait at the end of each parallel region for a thread the OS has
 * descheduled. That count is the ceiling: while the engine runs, native/usable_threads.cc uses
 * fewer threads when other processes keep cores busy. RECODER_THREADS pins the count (and turns
 * that adaptation off), for operators who share the machine with other services.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** The RECODER_THREADS value, or undefined when unset or empty; throws on anything but a positive integer. */
export function pinnedThreadCount(value = process.env['RECODER_THREADS']): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const count = Number(value);
  if (!(Number.isInteger(count) && count >= 1 && count <= 1024)) {
    throw new RangeError(`RECODER_THREADS must be a whole number of threads from 1 to 1024, got ${JSON.stringify(value)}`);
  }
  return count;
}

/** CPUs allowed by a cgroup quota (v2 cpu.max, or v1 cfs quota/period), rounded up; undefined when there is no quota. */
export function cgroupCpuLimit(read: (path: string) => string | undefined = readIfPresent): number | undefined {
  const v2 = read('/sys/fs/cgroup/cpu.max');
  if (v2 !== undefined) {
    const [quota, period] = v2.trim().split(/\s+/);
    return quotaCpus(quota, period);
  }
  return quotaCpus(read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')?.trim(), read('/sys/fs/cgroup/cpu/cpu.cfs_period_us')?.trim());
}

function quotaCpus(quota: string | undefined, period: string | undefined): number | undefined {
  const q = Number(quota);
  const p = Number(period);
  if (quota === undefined || quota === 'max' || !(q > 0) || !(p > 0)) return undefined;
  return Math.max(1, Math.ceil(q / p));
}

function readIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The engine's thread count: RECODER_THREADS when set, else the usable cores (affinity, then cgroup quota). */
export function engineThreadCount(): number {
  const pinned = pinnedThreadCount();
  if (pinned !== undefined) return pinned;
  const quota = cgroupCpuLimit();
  const cores = availableParallelism();
  return quota === undefined ? cores : Math.min(cores, quota);
}
