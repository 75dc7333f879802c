import { test } from 'node:test';
import { interactionsOnly } from '../../src/data/training-data.js';
import assert from 'node:assert/strict';
import { csrFromCoo } from '../../src/data/csr.js';
import { popularityFactory } from '../../src/models/baselines/popularity.js';

test('popularity scores count training users per item, the same for every row', async () => {
  // Users: 0 → {0, 2}, 1 → {2, 3}, 2 → {2, 0}, 3 → {1}: counts 2, 1, 3, 1, 0.
  const train = csrFromCoo(4, 5, [0, 0, 1, 1, 2, 2, 3], [0, 2, 2, 3, 2, 0, 1], [5, 1, 2, 2, 4, 3, 1]);
  const model = popularityFactory.create({});
  await model.fit(interactionsOnly(train));
  const input = csrFromCoo(2, 5, [1], [4], null);
  const scores = model.score({ histories: input });
  assert.deepEqual([...scores], [2, 1, 3, 1, 0, 2, 1, 3, 1, 0]);
  // Ranking by score, ties to the lower index: 2, 0, 1, 3, 4.
  const order = [0, 1, 2, 3, 4].sort((a, b) => scores[b]! - scores[a]! || a - b);
  assert.deepEqual(order, [2, 0, 1, 3, 4]);
  assert.equal(model.predictsRatings, false);
});

test('an unfitted model and a wrong input width are reported', async () => {
  const model = popularityFactory.create({});
  assert.throws(() => model.score({ histories: csrFromCoo(1, 3, [], [], null) }), /model 'popularity' is not fitted/);
  await model.fit(interactionsOnly(csrFromCoo(1, 3, [0], [1], null)));
  assert.throws(() => model.score({ histories: csrFromCoo(1, 4, [], [], null) }), /scores 3 items but the input rows have 4 columns/);
});
