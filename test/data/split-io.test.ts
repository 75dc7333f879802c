import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { csrFromCoo, type CsrMatrix } from '../../src/data/csr.js';
import { Rng } from '../../src/data/random.js';
import { decodeSplit, encodeSplit, loadSplit, saveSplit } from '../../src/data/split-io.js';
import type { Split } from '../../src/data/split-types.js';
import { heldOutUsersSplit, itemColdStartSplit, leaveLastOutSplit, randomRatingSplit } from '../../src/data/splits/index.js';
import type { InteractionData } from '../../src/data/transforms.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.js';

const PYTHON = '/usr/bin/python3';
const PEER_READER = fileURLToPath(new URL('../../../bench/peers/split_io.py', import.meta.url));

/** 25 users × 12 items of 1..5 ratings with timestamps; user ids with quotes and unicode to test the JSON metadata. */
function sampleData(): InteractionData {
  const rng = new Rng(21);
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  for (let u = 0; u < 25; u++) {
    for (let i = 0; i < 12; i++) {
      if (rng.nextFloat() >= 0.5) continue;
      rows.push(u);
      cols.push(i);
      vals.push(1 + rng.nextInt(5));
    }
  }
  const matrix = csrFromCoo(25, 12, rows, cols, vals);
  return {
    name: 'sample',
    matrix,
    timestamps: Float64Array.from({ length: matrix.nnz }, (_, k) => (k * 7919) % 1009),
    userIds: Array.from({ length: 25 }, (_, u) => (u === 0 ? 'o"brien' : u === 1 ? 'zoë' : `user-${u}`)),
    itemIds: Array.from({ length: 12 }, (_, i) => `item ${i}`),
  };
}

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'recoder-split-io-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('saveSplit / loadSplit round-trip splits with and without validation, leaving no temporary file', async () => {
  const data = sampleData();
  const splits: Split[] = [
    heldOutUsersSplit(data, { validationUsers: 4, testUsers: 5, seed: 1 }),
    leaveLastOutSplit(data, { validation: false, seed: 0 }),
    itemColdStartSplit(data, { coldFraction: 0.4, seed: 2 }),
  ];
  await withTempDir(async (dir) => {
    for (const [n, split] of splits.entries()) {
      const path = join(dir, `split-${n}.safetensors`);
      await saveSplit(path, split);
      assert.deepEqual(await loadSplit(path), split);
    }
    assert.deepEqual((await readdir(dir)).sort(), ['split-0.safetensors', 'split-1.safetensors', 'split-2.safetensors']);
  });
});

test('loadSplit rejects other files with the file name and what is wrong', async () => {
  const split = randomRatingSplit(sampleData(), { testFraction: 0.2, seed: 3 });
  const good = encodeSplit(split);
  const { tensors, metadata } = decodeSafetensors(good);
  const variant = (change: (t: typeof tensors, m: typeof metadata) => void) => {
    const t = { ...tensors };
    const m = { ...metadata };
    change(t, m);
    return encodeSafetensors(t, m);
  };
  assert.throws(() => decodeSplit(variant((_, m) => (m['format'] = 'model')), 'a.safetensors'), /^Error: a\.safetensors: not a recoder split file \(metadata 'format' is "model"/);
  assert.throws(() => decodeSplit(variant((_, m) => (m['version'] = '9')), 'v.st'), /v\.st: split file version "9" is not supported/);
  assert.throws(() => decodeSplit(variant((_, m) => (m['userIds'] = '[1, 2')), 'u.st'), /u\.st: metadata 'userIds' is not valid JSON/);
  assert.throws(() => decodeSplit(variant((t) => delete t['test.targets.values']), 'm.st'), /m\.st: tensor 'test\.targets\.values' is missing/);
  const badColumn = variant((t) => {
    const indices = (t['train.indices']!.data as Int32Array).slice();
    indices[0] = 99;
    t['train.indices'] = { shape: [indices.length], data: indices };
  });
  assert.throws(() => decodeSplit(badColumn, 'c.st'), /c\.st: 'train' row 0 has column 99, outside 0\.\.11/);
  const wrongDtype = variant((t) => (t['test.users'] = { shape: [t['test.users']!.data.length], data: Float32Array.from(t['test.users']!.data) }));
  assert.throws(() => decodeSplit(wrongDtype, 'd.st'), /d\.st: tensor 'test\.users' has the wrong dtype \(expected I32\)/);
  await withTempDir(async (dir) => {
    const missing = join(dir, 'missing.safetensors');
    await assert.rejects(loadSplit(missing), new RegExp(`cannot read split file ${missing.replace(/[.\\/]/g, '\\$&')}`));
    const truncated = join(dir, 'truncated.safetensors');
    await writeFile(truncated, good.subarray(0, 100));
    await assert.rejects(loadSplit(truncated), /truncated\.safetensors/);
  });
});

/** What the Python reader's summary reports for one matrix, computed here. */
function summaryOf(m: CsrMatrix) {
  let indexSum = 0;
  let valueSum = 0;
  for (let k = 0; k < m.nnz; k++) {
    indexSum += m.indices[k]!;
    valueSum += m.values[k]!;
  }
  return { shape: [m.nRows, m.nCols], nnz: m.nnz, indexSum, valueSum, denseSum: valueSum };
}

test('the NumPy peer reader (bench/peers/split_io.py) reads the same split', async (t) => {
  const numpy = spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' });
  if (numpy.status !== 0) {
    t.skip(`${PYTHON} cannot import numpy (install python3-numpy): ${numpy.error?.message ?? numpy.stderr.trim()}`);
    return;
  }
  const split = heldOutUsersSplit(sampleData(), { validationUsers: 4, testUsers: 5, seed: 2 });
  await withTempDir(async (dir) => {
    const path = join(dir, 'peer.safetensors');
    await saveSplit(path, split);
    const run = spawnSync(PYTHON, [PEER_READER, path], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const summary = JSON.parse(run.stdout);
    assert.deepEqual(summary.protocol, split.protocol);
    assert.equal(summary.nUsers, split.userIds.length);
    assert.equal(summary.nItems, split.itemIds.length);
    assert.equal(summary.dataFingerprint, split.dataFingerprint);
    assert.deepEqual(summary.train, summaryOf(split.train.matrix));
    for (const phase of ['validation', 'test'] as const) {
      const set = split[phase]!;
      assert.equal(summary[phase].nUsers, set.users.length);
      assert.equal(summary[phase].userSum, set.users.reduce((a, b) => a + b, 0));
      for (const part of ['input', 'exclude', 'targets'] as const) assert.deepEqual(summary[phase][part], summaryOf(set[part]), `${phase}.${part}`);
    }
    // The reader refuses a file that is not a split, naming it.
    const notSplit = join(dir, 'not-split.safetensors');
    await writeFile(notSplit, encodeSafetensors({ w: { shape: [1], data: new Float32Array(1) } }, { format: 'model' }));
    const refused = spawnSync(PYTHON, [PEER_READER, notSplit], { encoding: 'utf8' });
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /not-split\.safetensors: not a recoder split file/);
  });
});
