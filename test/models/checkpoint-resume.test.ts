/**
 * A neural model fitted with a checkpoint, stopped, and resumed ends exactly
 * where an uninterrupted fit ends (the loop's per-epoch RNG streams make this
 * bit-identical), through the model-level FitContext.checkpoint option.
 */
import assert from 'node:assert/strict';
import { interactionsOnly } from '../../src/data/training-data.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { csrFromCoo } from '../../src/data/csr.js';
import { getModelFactory } from '../../src/models/registry.js';

// 40 users in two taste groups over 16 items, rated 1..5.
const rows: number[] = [];
const cols: number[] = [];
const ratings: number[] = [];
for (let u = 0; u < 40; u++) {
  for (let i = 0; i < 16; i++) if (i % 2 === u % 2 && (u * 5 + i * 3) % 7 !== 0) {
    rows.push(u);
    cols.push(i);
    ratings.push(1 + ((u + 2 * i) % 5));
  }
}
const train = csrFromCoo(40, 16, rows, cols, ratings);

for (const [name, hyperParameters] of [
  ['mult-dae', { batchSize: 16 }],
  ['autorec-user', { hidden: 8, batchSize: 16 }],
] as const) {
  test(`${name}: resuming from a checkpoint gives the same model as an uninterrupted fit`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'recoder-resume-'));
    try {
      const checkpoint = join(dir, 'fit.checkpoint');
      const straight = getModelFactory(name).create({ ...hyperParameters, epochs: 4 });
      await straight.fit(interactionsOnly(train), { seed: 3 });
      const firstHalf = getModelFactory(name).create({ ...hyperParameters, epochs: 2 });
      await firstHalf.fit(interactionsOnly(train), { seed: 3, checkpoint: { path: checkpoint, resume: false } });
      const resumed = getModelFactory(name).create({ ...hyperParameters, epochs: 4 });
      await resumed.fit(interactionsOnly(train), { seed: 3, checkpoint: { path: checkpoint, resume: true } });
      assert.deepEqual(resumed.score({ histories: train }), straight.score({ histories: train }));
      // The half-way model really is different: the test would notice a resume that restarted.
      assert.notDeepEqual(firstHalf.score({ histories: train }), straight.score({ histories: train }));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
