import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors, encodeSafetensors, readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';

test('safetensors round-trips every dtype and metadata', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'recoder-st-'));
  const path = join(dir, 'w.safetensors');
  const tensors = {
    B: { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6.5]) },
    idx: { shape: [3], data: Int32Array.from([-1, 0, 7]) },
    d: { shape: [1], data: Float64Array.from([Math.PI]) },
    h: { shape: [2], data: Int16Array.from([3, -3]) },
    u: { shape: [3], data: Uint8Array.from([1, 2, 255]) },
  };
  await writeSafetensors(path, tensors, { model: 'ease' });
  const back = await readSafetensors(path);
  assert.equal(back.metadata['model'], 'ease');
  for (const [name, t] of Object.entries(tensors)) {
    assert.deepEqual(back.tensors[name]!.shape, t.shape);
    assert.deepEqual([...back.tensors[name]!.data], [...t.data]);
    assert.equal(back.tensors[name]!.data.constructor, t.data.constructor);
  }
  // The header length field and 8-byte alignment of the data section follow the format.
  const bytes = await readFile(path);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  assert.equal((8 + headerLength) % 8, 0);
  assert.ok(JSON.parse(bytes.subarray(8, 8 + headerLength).toString()).B.data_offsets);
  // No temporary file is left behind by the atomic write.
  assert.deepEqual(await readdir(dir), ['w.safetensors']);
});

test('safetensors rejects corrupt input with the file name', async () => {
  const good = encodeSafetensors({ x: { shape: [4], data: new Float32Array(4) } });
  assert.throws(() => decodeSafetensors(good.subarray(0, 5), 'a.st'), /a\.st: file too short/);
  assert.throws(() => decodeSafetensors(good.subarray(0, good.length - 4), 'b.st'), /b\.st: tensor 'x' lies outside the file/);
  const dir = await mkdtemp(join(tmpdir(), 'recoder-st-'));
  const bad = Buffer.from(good);
  bad.write('{', 8);
  bad.write('!', 9);
  await writeFile(join(dir, 'c.st'), bad);
  await assert.rejects(readSafetensors(join(dir, 'c.st')), /c\.st: header is not valid JSON/);
});

test('encode refuses a shape that does not match the data', () => {
  assert.throws(() => encodeSafetensors({ x: { shape: [2, 2], data: new Float32Array(3) } }), /shape \[2, 2\]/);
});
