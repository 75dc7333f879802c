import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gridCombinations } from '../../src/experiment/tune.js';

test('gridCombinations enumerates every combination over the fixed base, last name fastest', () => {
  const combos = gridCombinations({ shrink: 0 }, { neighbours: [10, 20], lambda: [1, 2, 3] });
  assert.equal(combos.length, 6);
  assert.deepEqual(combos[0], { shrink: 0, neighbours: 10, lambda: 1 });
  assert.deepEqual(combos[1], { shrink: 0, neighbours: 10, lambda: 2 });
  assert.deepEqual(combos[5], { shrink: 0, neighbours: 20, lambda: 3 });
  assert.throws(() => gridCombinations({}, { lambda: [] }), /grid for 'lambda' has no values/);
});
