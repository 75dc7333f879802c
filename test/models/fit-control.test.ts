import { test } from 'node:test';
import { interactionsOnly } from '../../src/data/training-data.js';
import { getBackend } from '../../src/engine/index.js';
import assert from 'node:assert/strict';
import type { FitProgress } from '../../src/models/model.js';
import { getModelFactory } from '../../src/models/registry.js';
import { randomSparse, seededRandom } from '../engine/linalg/fixtures.js';

const train = randomSparse(80, 300, 0.05, seededRandom(4));

test('fit reports progress phases that reach their totals', async () => {
  for (const [name, lastPhase] of [['ease', 'weights'], ['itemknn', 'similarity'], ['popularity', 'count']] as const) {
    const seen: FitProgress[] = [];
    await getModelFactory(name).create({}).fit(interactionsOnly(train), { onProgress: (p) => seen.push(p) });
    assert.ok(seen.length > 0, name);
    const last = seen[seen.length - 1]!;
    assert.equal(last.phase, lastPhase, name);
    assert.equal(last.done, last.total, name);
  }
  const easePhases = new Set<string>();
  await getModelFactory('ease').create({}).fit(interactionsOnly(train), { onProgress: (p) => easePhases.add(p.phase) });
  // The native engine inverts in one LAPACK call; the reference reports its blocked phases.
  const expected = getBackend().name === 'native' ? ['gram', 'inverse', 'weights'] : ['gram', 'cholesky', 'inverse', 'product', 'weights'];
  assert.deepEqual([...easePhases], expected);
});

test('an aborted fit rejects with the signal reason and leaves the model as it was', async () => {
  for (const name of ['ease', 'itemknn']) {
    const model = getModelFactory(name).create({});
    const controller = new AbortController();
    let steps = 0;
    const fit = model.fit(interactionsOnly(train), {
      signal: controller.signal,
      onProgress: () => {
        if (++steps === 2) controller.abort(new Error('stop requested'));
      },
    });
    await assert.rejects(fit, /stop requested/, name);
    assert.equal(model.nItems, 0, name);
  }
  const already = AbortSignal.abort();
  await assert.rejects(getModelFactory('popularity').create({}).fit(interactionsOnly(train), { signal: already }), { name: 'AbortError' });
});

test('a signal fired on a later event-loop turn during a long fit is seen at the next yield', async () => {
  // Deterministic on any machine: the first progress report keeps the fit busy past its 50 ms
  // budget, so the driver must yield; the abort queued before that yield runs during it.
  const model = getModelFactory('ease').create({});
  const controller = new AbortController();
  let reports = 0;
  const fit = model.fit(interactionsOnly(train), {
    signal: controller.signal,
    onProgress: () => {
      if (++reports !== 1) return;
      setImmediate(() => controller.abort(new DOMException('the fit took too long', 'TimeoutError')));
      const until = performance.now() + 60;
      while (performance.now() < until);
    },
  });
  await assert.rejects(fit, { name: 'TimeoutError' });
  assert.equal(reports, 1, 'no step runs after the yield that saw the abort');
  assert.equal(model.nItems, 0);
});
