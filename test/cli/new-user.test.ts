/**
 * Mistakes a new user makes, each answered with a message about their own
 * input and the flag to change (issue 16, item 15).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const bundled = join(root, 'data', 'ml-latest-small');

function recoder(args: string[], cwd: string) {
  const run = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function oneErrorLine(run: { code: number | null; stderr: string }, pattern: RegExp, what: string): void {
  assert.notEqual(run.code, 0, what);
  const lines = run.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('read '));
  assert.equal(lines.length, 1, `${what}: ${run.stderr}`);
  assert.match(lines[0]!, pattern, what);
}

function smallCsv(dir: string, users: number): string {
  const lines = ['user,item'];
  for (let u = 0; u < users; u++) for (let i = 0; i < 12; i++) if ((u + i) % 3 === 0) lines.push(`u${u},i${i}`);
  const file = join(dir, 'events.csv');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

test('a mistyped path is "no such file or folder", not an unknown dataset; a --format that does not fit says so', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recoder-new-user-'));
  const csv = smallCsv(dir, 30);
  oneErrorLine(recoder(['evaluate', '-d', 'data/ml-latst-small', '-m', 'popularity'], dir), /--dataset data\/ml-latst-small: no such file or folder/, 'mistyped folder');
  oneErrorLine(recoder(['import', '-d', './evnets.csv', '--format', 'delimited', '--columns', 'user=user,item=item', '--store', join(dir, 's.sqlite')], dir), /no such file or folder/, 'mistyped file');
  const wrongFormat = recoder(['evaluate', '-d', bundled, '--format', 'ml-100k', '-m', 'popularity'], dir);
  oneErrorLine(wrongFormat, /--format ml-100k expects u\.data in .*ml-latest-small, which holds .*ratings\.csv.*drop --format/, 'wrong folder format');
  assert.doesNotMatch(wrongFormat.stderr, /ENOENT/);
  oneErrorLine(recoder(['evaluate', '-d', csv, '--format', 'ml-1m', '-m', 'popularity'], dir), /--format ml-1m reads a MovieLens folder, but .*events\.csv is a file/, 'folder format on a file');
  oneErrorLine(recoder(['evaluate', '-d', dir, '--format', 'delimited', '--columns', 'user=user,item=item', '-m', 'popularity'], dir), /--format delimited reads one file, but .* is a folder/, 'file format on a folder');
});

test('the default held-out split on a small dataset says which flags to change, with values that fit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recoder-new-user-'));
  const csv = smallCsv(dir, 50);
  const run = recoder(['evaluate', '-d', csv, '--format', 'delimited', '--columns', 'user=user,item=item', '-m', 'popularity', '-q'], dir);
  oneErrorLine(run, /has 50 users .*--validation-users 5 --test-users 5/, 'small dataset');
  const fixed = recoder(['evaluate', '-d', csv, '--format', 'delimited', '--columns', 'user=user,item=item', '-m', 'popularity', '-q', '--validation-users', '5', '--test-users', '5'], dir);
  assert.equal(fixed.code, 0, fixed.stderr);
});

test('train-store on a mistyped store path is an error and creates no database; recommend reads the versioned folder serve reads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recoder-new-user-'));
  const csv = smallCsv(dir, 30);
  const missing = join(dir, 'evnets.sqlite');
  oneErrorLine(recoder(['train-store', '--store', missing, '-m', 'ease', '-o', join(dir, 'models')], dir), /no event store at .*evnets\.sqlite: check --store/, 'mistyped store');
  assert.equal(existsSync(missing), false, 'no empty database was created');

  const store = join(dir, 'events.sqlite');
  const imported = recoder(['import', '-d', csv, '--format', 'delimited', '--columns', 'user=user,item=item', '--store', store, '-q'], dir);
  assert.equal(imported.code, 0, imported.stderr);
  const trained = recoder(['train-store', '--store', store, '-m', 'ease', '-p', 'lambda=1', '-o', join(dir, 'models'), '-q'], dir);
  assert.equal(trained.code, 0, trained.stderr);
  const recommended = recoder(['recommend', '--model-dir', join(dir, 'models'), '--user', 'u0', '-n', '3', '--json'], dir);
  assert.equal(recommended.code, 0, recommended.stderr);
  assert.equal(JSON.parse(recommended.stdout).recommendations.length, 3);
});

test('the demo server trains with the settings of the demo\'s own training step', () => {
  const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const demo = scripts['demo']!;
  const trainStore = / train-store (.*?)(&&|$)/.exec(demo)![1]!;
  const serve = / serve (.*)$/.exec(demo)![1]!;
  const flag = (text: string, name: string) => new RegExp(`${name} (\\S+)`).exec(text)?.[1];
  assert.equal(flag(serve, '--train-model'), flag(trainStore, '-m'));
  assert.equal(flag(serve, '--train-param'), flag(trainStore, '-p'));
  assert.equal(flag(serve, '--train-min-item-users'), flag(trainStore, '--min-item-users'));
});
