import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { backgroundLoadCount, startBackgroundLoad } from '../../bench/background-load.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('--background-load: a whole number of busy processes that stop() ends', async () => {
  assert.equal(backgroundLoadCount(undefined), 0);
  assert.equal(backgroundLoadCount('2'), 2);
  assert.throws(() => backgroundLoadCount('-1'), /--background-load must be a whole number of processes from 0 to 64, got "-1"/);
  assert.throws(() => backgroundLoadCount('one'), /got "one"/);
  const load = startBackgroundLoad(1);
  assert.equal(load.processes, 1);
  assert.equal(load.pids.length, 1);
  assert.ok(alive(load.pids[0]!), 'the busy process runs');
  load.stop();
  // Waits for the kill to take effect (no time is asserted).
  while (alive(load.pids[0]!)) await sleep(10);
  assert.equal(startBackgroundLoad(0).pids.length, 0);
});
