import { test } from 'node:test';
import { interactionsOnly } from '../../src/data/training-data.js';
import assert from 'node:assert/strict';
import { csrFromCoo } from '../../src/data/csr.js';
import { listModelFactories } from '../../src/models/registry.js';
import { randomSparse, seededRandom } from '../engine/linalg/fixtures.js';

const BASELINES = ['ease', 'itemknn', 'popularity'];

test('a row never seen in training scores like the same row of a training user', async () => {
  const train = randomSparse(30, 12, 0.3, seededRandom(9));
  const user = 4;
  const row = train.rowIndices(user);
  const newcomer = csrFromCoo(1, train.nCols, new Array(row.length).fill(0), row, train.rowValues(user));
  const factories = listModelFactories().filter((f) => BASELINES.includes(f.name));
  assert.equal(factories.length, BASELINES.length);
  for (const factory of factories) {
    const model = factory.create({});
    await model.fit(interactionsOnly(train));
    const all = model.score({ histories: train });
    const asTrainingUser = all.subarray(user * train.nCols, (user + 1) * train.nCols);
    assert.deepEqual([...model.score({ histories: newcomer, users: Int32Array.of(-1) })], [...asTrainingUser], factory.name);
  }
});
