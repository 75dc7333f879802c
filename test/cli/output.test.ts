/** Output a person can read (issue 16, item 17). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatValues } from '../../src/cli/progress.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');

function recoder(args: string[], cwd: string) {
  const run = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

test('the training progress line shows the validation score first, marks the best epoch and says where a resume began', () => {
  // What Mult-VAE reports per epoch, in the order the training loop sends it.
  const values = { nll: 29.70431, penalty: 0.0123456, beta: 0.2, loss: 29.70702, validation: 0.4123456, bestEpoch: 7, seconds: 12.3456 };
  const best = formatValues(values, 7);
  assert.match(best, /^val=0\.4123 \*best\* loss=29\.71 /);
  assert.match(formatValues(values, 9), /^val=0\.4123 \(best ep 7\) /);
  assert.match(formatValues({ ...values, resumedFromEpoch: 5 }, 9), /\(resumed from epoch 5\)$/);
  // The bar line is '{phase} {done}/{total} [{12-column bar}] {values}': the score is inside 80 columns.
  const line = `epoch 100/100 [${'#'.repeat(12)}] ${best}`;
  assert.ok(line.indexOf('*best*') < 80, line);
});

test('train --json prints counts, not every user and item id; datasets lists the bundled dataset', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recoder-output-'));
  const lines = ['user,item'];
  for (let u = 0; u < 40; u++) for (let i = 0; i < 10; i++) if ((u + i) % 3 === 0) lines.push(`u${u},i${i}`);
  writeFileSync(join(dir, 'events.csv'), lines.join('\n') + '\n');
  const run = recoder(['train', '-d', 'events.csv', '--format', 'delimited', '--columns', 'user=user,item=item', '-m', 'ease', '-o', join(dir, 'model'), '--json', '-q'], dir);
  assert.equal(run.code, 0, run.stderr);
  const printed = JSON.parse(run.stdout) as Record<string, unknown>;
  assert.equal(printed['userIds'], undefined);
  assert.equal(printed['itemIds'], undefined);
  assert.deepEqual([printed['model'], printed['users'], printed['items']], ['ease', 40, 10]);
  const datasets = recoder(['datasets'], dir);
  assert.equal(datasets.code, 0, datasets.stderr);
  assert.match(datasets.stdout, /bundled: ml-latest-small +ml-latest +present at .*data\/ml-latest-small/);
});
