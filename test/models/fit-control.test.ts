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

test('a signal fired by a timer during a long fit is seen between blocks', async () => {
  const model = getModelFactory('ease').create({});
  const wide = randomSparse(50, 700, 0.05, seededRandom(8));
  await assert.rejects(model.fit(interactionsOnly(wide), { signal: AbortSignal.timeout(1) }), { name: 'TimeoutError' });
});
