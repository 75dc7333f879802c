/**
 * The engine's thread count: RECODER_THREADS pins it (over OMP_NUM_THREADS and
 * OPENBLAS_NUM_THREADS), otherwise it follows the cores the process may use,
 * a cgroup CPU quota included.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { nativeAddonPath } from '../../src/engine/index.js';
import { cgroupCpuLimit, engineThreadCount, pinnedThreadCount } from '../../src/engine/thread-count.js';

const indexModule = fileURLToPath(new URL('../../src/engine/index.js', import.meta.url));
const nativeBuilt = existsSync(nativeAddonPath());

test('RECODER_THREADS accepts a whole number of threads and names the variable otherwise', () => {
  assert.equal(pinnedThreadCount(undefined), undefined);
  assert.equal(pinnedThreadCount(' '), undefined);
  assert.equal(pinnedThreadCount('3'), 3);
  for (const bad of ['0', '-1', '1.5', 'two', '100000']) {
    assert.throws(() => pinnedThreadCount(bad), { message: `RECODER_THREADS must be a whole number of threads from 1 to 1024, got ${JSON.stringify(bad)}` });
  }
});

test('a cgroup CPU quota limits the threads, rounded up; no quota means no limit', () => {
  const files = (entries: Record<string, string>) => (path: string) => entries[path];
  assert.equal(cgroupCpuLimit(files({ '/sys/fs/cgroup/cpu.max': 'max 100000\n' })), undefined);
  assert.equal(cgroupCpuLimit(files({ '/sys/fs/cgroup/cpu.max': '150000 100000\n' })), 2);
  assert.equal(cgroupCpuLimit(files({ '/sys/fs/cgroup/cpu.max': '50000 100000\n' })), 1);
  assert.equal(cgroupCpuLimit(files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1\n', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n' })), undefined);
  assert.equal(cgroupCpuLimit(files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '400000\n', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n' })), 4);
  assert.equal(cgroupCpuLimit(files({})), undefined);
  if (process.env['RECODER_THREADS'] === undefined) assert.ok(engineThreadCount() >= 1 && engineThreadCount() <= availableParallelism());
});

test('RECODER_THREADS sets both thread pools of a fresh process, and leaves its environment as it was', { skip: nativeBuilt ? false : 'native engine not built' }, () => {
  const script = `import(${JSON.stringify(indexModule)}).then((m) => { const b = m.getBackend(); console.log(b.name + '|' + b.threads + '|' + (process.env.OMP_NUM_THREADS ?? 'unset')); })`;
  const run = (env: Record<string, string>) => {
    const base = { ...process.env };
    delete base['RECODER_BACKEND'];
    delete base['RECODER_THREADS'];
    delete base['OMP_NUM_THREADS'];
    delete base['OPENBLAS_NUM_THREADS'];
    return spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...base, ...env } });
  };
  const one = run({ RECODER_THREADS: '1' });
  assert.equal(one.status, 0, one.stderr);
  assert.equal(one.stdout.trim(), 'native|1|unset');
  const three = run({ RECODER_THREADS: '3', OMP_NUM_THREADS: '2' });
  assert.equal(three.stdout.trim(), 'native|3|2', 'RECODER_THREADS wins over OMP_NUM_THREADS; the variable is put back afterwards');
  const bad = run({ RECODER_THREADS: 'many' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /RECODER_THREADS must be a whole number of threads from 1 to 1024, got "many"/);
});
