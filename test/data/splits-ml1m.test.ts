import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { csrFromCoo } from '../../src/data/csr.js';
import { IdMap } from '../../src/data/id-map.js';
import { dataDir } from '../../src/data/paths.js';
import { heldOutUsersSplit, heldOutTargetCount } from '../../src/data/splits/index.js';
import type { InteractionData } from '../../src/data/transforms.js';

/** All 1,000,209 ml-1m (user, movie) pairs as implicit data, parsed in a few lines (no reader needed). */
function ml1mImplicit(): InteractionData {
  const file = join(dataDir(), 'ml-1m', 'implicit_full_resn', 'all_pairs_original_ids.tsv');
  const lines = readFileSync(file, 'utf8').split('\n');
  assert.equal(lines[0], 'UserID\tMovieID', `${file}: unexpected header`);
  const users = new IdMap();
  const items = new IdMap();
  const rows: number[] = [];
  const cols: number[] = [];
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n]!;
    if (line === '') continue;
    const tab = line.indexOf('\t');
    rows.push(users.add(line.slice(0, tab)));
    cols.push(items.add(line.slice(tab + 1)));
  }
  const matrix = csrFromCoo(users.size, items.size, rows, cols, null, 'error');
  return { name: 'ml-1m implicit', matrix, timestamps: null, userIds: users.ids(), itemIds: items.ids() };
}

test('ml-1m implicit: Mult-VAE style 600/600 held-out users, plausible counts, reproducible', () => {
  const data = ml1mImplicit();
  assert.equal(data.matrix.nnz, 1_000_209);
  assert.equal(data.userIds.length, 6040);
  assert.equal(data.itemIds.length, 3706);

  const options = { validationUsers: 600, testUsers: 600, seed: 98765 };
  const split = heldOutUsersSplit(data, options);
  // Every ml-1m user has >= 20 ratings, so every held-out user keeps >= 5 items and is evaluated.
  assert.equal(split.validation!.users.length, 600);
  assert.equal(split.test.users.length, 600);
  // 4,840 training users see nearly all movies; the few only held-out users watched are dropped.
  assert.ok(split.itemIds.length > 3600 && split.itemIds.length <= 3706, `${split.itemIds.length} kept items`);
  const heldOut = new Set([...split.validation!.users, ...split.test.users]);
  let heldOutNnz = 0;
  for (const u of heldOut) heldOutNnz += data.matrix.rowLength(u);
  let inHeldOutParts = 0;
  for (const set of [split.validation!, split.test]) {
    inHeldOutParts += set.input.nnz + set.targets.nnz;
    for (let r = 0; r < set.users.length; r++) {
      assert.equal(split.train.matrix.rowLength(set.users[r]!), 0);
      const n = set.input.rowLength(r) + set.targets.rowLength(r);
      assert.equal(set.targets.rowLength(r), heldOutTargetCount(n, 0.8));
    }
  }
  assert.equal(split.train.matrix.nnz, data.matrix.nnz - heldOutNnz, 'training users keep all their interactions');
  const dropped = heldOutNnz - inHeldOutParts;
  assert.ok(dropped >= 0 && dropped < 200, `${dropped} held-out interactions with untrained items`);
  const targetShare = (split.test.targets.nnz + split.validation!.targets.nnz) / inHeldOutParts;
  assert.ok(targetShare > 0.19 && targetShare <= 0.2, `target share ${targetShare}`);

  const again = heldOutUsersSplit(data, options);
  assert.deepEqual(again.test.users, split.test.users);
  assert.deepEqual(again.test.targets, split.test.targets);
  assert.deepEqual(again.validation!.input, split.validation!.input);
  assert.deepEqual(again.train, split.train);
  assert.equal(again.dataFingerprint, split.dataFingerprint);
  const otherSeed = heldOutUsersSplit(data, { ...options, seed: 1 });
  assert.notDeepEqual(otherSeed.test.users, split.test.users);
});
