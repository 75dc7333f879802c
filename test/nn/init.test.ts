import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/data/random.js';
import { normal, truncatedNormal, uniform, xavierNormal, xavierUniform, zeros } from '../../src/nn/init.js';
import { Parameter } from '../../src/nn/parameter.js';

function stats(values: Float32Array): { mean: number; std: number } {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) ** 2;
  return { mean, std: Math.sqrt(squares / values.length) };
}

test('Xavier uniform stays within ±√(6/(fan_in + fan_out)), fills it, and repeats for a seed', () => {
  const weight = new Parameter('w', [200, 100]);
  xavierUniform(weight, new Rng(1));
  const bound = Math.sqrt(6 / 300);
  assert.ok(weight.value.every((v) => Math.abs(v) <= bound));
  // A uniform on ±a has standard deviation a/√3.
  assert.ok(Math.abs(stats(weight.value).std - bound / Math.sqrt(3)) < 0.01 * bound);
  const again = new Parameter('w', [200, 100]);
  xavierUniform(again, new Rng(1));
  assert.deepEqual(again.value, weight.value);
  const other = new Parameter('w', [200, 100]);
  xavierUniform(other, new Rng(2));
  assert.notDeepEqual(other.value, weight.value);
});

test('Xavier normal has standard deviation √(2/(fan_in + fan_out)); truncated normal stays within two deviations', () => {
  const weight = new Parameter('w', [300, 100]);
  xavierNormal(weight, new Rng(3), 2);
  const { mean, std } = stats(weight.value);
  const expected = 2 * Math.sqrt(2 / 400);
  assert.ok(Math.abs(mean) < 0.02 * expected && Math.abs(std - expected) < 0.02 * expected, `mean ${mean}, std ${std}, expected ${expected}`);

  const bias = new Parameter('b', [5000]);
  truncatedNormal(bias, new Rng(4), 1, 0.001);
  assert.ok(bias.value.every((v) => Math.abs(v - 1) <= 0.002 + 1e-7));
  normal(bias, new Rng(4), 0, 1);
  assert.ok(bias.value.some((v) => Math.abs(v) > 2), 'an untruncated normal exceeds two deviations somewhere in 5000 draws');
  uniform(bias, new Rng(5), 3, 4);
  assert.ok(bias.value.every((v) => v >= 3 && v < 4));
  zeros(bias);
  assert.ok(bias.value.every((v) => v === 0));
});

test('initialisers reject what they cannot initialise', () => {
  assert.throws(() => xavierUniform(new Parameter('layer.bias', [4]), new Rng(1)), /Xavier uniform init needs a 2-D weight, but 'layer\.bias' has shape \[4\]/);
  assert.throws(() => normal(new Parameter('w', [2]), new Rng(1), 0, -1), /std must be non-negative, got -1/);
  assert.throws(() => new Parameter('w', [2, -1]), /parameter 'w': shape must be non-negative integers/);
});
