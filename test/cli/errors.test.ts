/**
 * Every CLI failure prints one line saying what to do, and exits non-zero
 * (issue 16, item 11: about ten mistakes (-p without '=', no --dataset, ...) used to exit 1 with no message,
 * because errors thrown as commander's InvalidArgumentError inside an action
 * were taken for ones commander had already printed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');

function recoder(args: string[], cwd: string) {
  const run = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', env: { ...process.env, RECODER_DEBUG: '' } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

test('CLI mistakes: each exits non-zero with one clear line on stderr', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recoder-cli-errors-'));
  const csv = join(dir, 'events.csv');
  writeFileSync(csv, 'user,item\nu1,i1\nu2,i1\n');
  const cases: [string[], RegExp][] = [
    [['train', '-d', csv, '--format', 'delimited', '--columns', 'user=user,item=item', '-m', 'ease', '-p', 'lambda', '-o', join(dir, 'm')], /--param 'lambda' is not name=value/],
    [['evaluate', '-m', 'ease'], /give --dataset/],
    [['evaluate', '-d', csv, '--format', 'delimited', '--columns', 'user=user,item=item', '-m', 'ease,popularity', '-p', 'lambda=3'], /with several models, write model\.lambda=3/],
    [['recommend', '--model-dir', dir], /give exactly one of --user ID or --items/],
    [['train', '-d', csv, '--format', 'delimited', '-m', 'ease', '-o', join(dir, 'm')], /--format delimited needs --columns/],
    [['import', '--store', join(dir, 's.sqlite')], /--dataset is required/],
    [['import', '-d', csv, '--format', 'jsonl', '--store', join(dir, 's.sqlite')], /--format jsonl needs --columns/],
    [['train', '-m', 'ease', '-o', join(dir, 'm'), '--bogus'], /unknown option '--bogus'/],
    [['evaluate', '--seed', 'x'], /--seed must be an integer/],
  ];
  for (const [args, message] of cases) {
    const run = recoder(args, dir);
    const what = `recoder ${args.join(' ')}`;
    assert.notEqual(run.code, 0, `${what}: exit code`);
    const lines = run.stderr.split('\n').filter((line) => line.trim() !== '');
    assert.equal(lines.length, 1, `${what}: one line on stderr, got ${JSON.stringify(run.stderr)}`);
    assert.match(lines[0]!, message, what);
    assert.match(lines[0]!, /^(recoder: )?error: /, what);
  }
});
