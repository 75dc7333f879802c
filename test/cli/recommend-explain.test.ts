/** `recoder recommend --explain`: each recommendation with its reasons (titled history items, signed weights) and the method. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const recoder = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8' });

interface Explained {
  item: string;
  score: number;
  explanation: { method: string; reasons: { item: string; title?: string; weight: number }[] };
}

test('recommend --explain: item-kNN on ml-latest-small gives exact, titled reasons from the history', () => {
  const modelDir = join(mkdtempSync(join(tmpdir(), 'recoder-explain-')), 'model');
  const trained = recoder(['train', '-d', join(root, 'data', 'ml-latest-small'), '-m', 'itemknn', '-p', 'neighbours=50', '--min-item-interactions', '20', '-o', modelDir, '-q']);
  assert.equal(trained.status, 0, trained.stderr);

  const json = recoder(['recommend', '--model-dir', modelDir, '--user', '1', '-n', '5', '--explain', '--json']);
  assert.equal(json.status, 0, json.stderr);
  const recommendations = JSON.parse(json.stdout).recommendations as Explained[];
  assert.equal(recommendations.length, 5);
  for (const rec of recommendations) {
    assert.equal(rec.explanation.method, 'exact');
    assert.ok(rec.explanation.reasons.length > 0 && rec.explanation.reasons.length <= 3);
    for (const reason of rec.explanation.reasons) {
      assert.equal(typeof reason.title, 'string', `${reason.item} has its title`);
      assert.ok(reason.weight > 0, 'item-kNN similarities here are positive');
    }
    // The listed shares are the largest of a sum that makes the score.
    assert.ok(rec.explanation.reasons.reduce((sum, r) => sum + r.weight, 0) <= rec.score * (1 + 1e-5));
  }

  const text = recoder(['recommend', '--model-dir', modelDir, '--items', '1,3114', '-n', '3', '--explain']);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /exact: Toy Story/, text.stdout);

  const plain = recoder(['recommend', '--model-dir', modelDir, '--user', '1', '-n', '5', '--json']);
  for (const rec of JSON.parse(plain.stdout).recommendations) assert.equal(rec.explanation, undefined);
});
