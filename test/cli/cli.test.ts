import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');

function recoder(args: string[], cwd: string) {
  const run = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** 80 users × 30 items with a planted structure: users prefer items near their own group. */
function writeInteractions(dir: string): string {
  const lines = ['user,item,rating,timestamp'];
  let t = 1_000_000;
  for (let u = 0; u < 80; u++) {
    const group = u % 3;
    for (let i = 0; i < 30; i++) {
      if (i % 3 === group || (u * 7 + i * 13) % 11 === 0) lines.push(`u${u},i${i},${1 + ((u + i) % 5)},${t++}`);
    }
  }
  const file = join(dir, 'events.csv');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

const dataArgs = (file: string) => ['--dataset', file, '--format', 'delimited', '--columns', 'user=user,item=item,rating=rating,timestamp=timestamp'];

test('evaluate prints JSON with model, dataset, protocol, seed and flat metrics', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recoder-cli-'));
  const file = writeInteractions(dir);
  const run = recoder(
    ['evaluate', ...dataArgs(file), '-m', 'popularity,ease', '--param', 'ease.lambda=10', '--validation-users', '10', '--test-users', '10', '--seed', '3', '--json', '-q'],
    dir,
  );
  assert.equal(run.code, 0, run.stderr);
  const runs = JSON.parse(run.stdout) as Array<Record<string, any>>;
  assert.ok(Array.isArray(runs));
  assert.deepEqual(runs.map((r) => r.model), ['popularity', 'ease']);
  for (const r of runs) {
    assert.equal(r.dataset, 'events.csv');
    assert.equal(r.protocol.kind, 'held-out-users');
    assert.equal(r.seed, 3);
    assert.equal(typeof r.metrics['ndcg@100'], 'number');
    assert.equal(typeof r.metrics['recall@20'], 'number');
    assert.ok(r.metrics['ndcg@100'] > 0 && r.metrics['ndcg@100'] <= 1);
  }
  assert.equal(runs[1]!.hyperParameters.lambda, 10);
  // The planted group structure is learnable: EASE must beat popularity.
  assert.ok(runs[1]!.metrics['ndcg@10'] > runs[0]!.metrics['ndcg@10'], JSON.stringify(runs.map((r) => r.metrics['ndcg@10'])));
});

test('a saved split gives the same evaluation when reloaded', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recoder-cli-'));
  const file = writeInteractions(dir);
  const splitFile = join(dir, 'split.safetensors');
  const made = recoder(['split', ...dataArgs(file), '--protocol', 'user-ratio', '--seed', '5', '-o', splitFile, '-q', '--json'], dir);
  assert.equal(made.code, 0, made.stderr);
  assert.equal(JSON.parse(made.stdout).protocol.kind, 'user-ratio');
  const fresh = recoder(['evaluate', ...dataArgs(file), '--protocol', 'user-ratio', '--seed', '5', '-m', 'itemknn', '--json', '-q'], dir);
  const reloaded = recoder(['evaluate', '--split', splitFile, '-m', 'itemknn', '--seed', '5', '--json', '-q'], dir);
  const checked = recoder(['evaluate', ...dataArgs(file), '--split', splitFile, '-m', 'itemknn', '--seed', '5', '--json', '-q'], dir);
  assert.equal(fresh.code, 0, fresh.stderr);
  assert.equal(reloaded.code, 0, reloaded.stderr);
  assert.equal(checked.code, 0, checked.stderr);
  // One model's JSON is a list of one, as several models' is.
  assert.deepEqual(JSON.parse(reloaded.stdout)[0].metrics, JSON.parse(fresh.stdout)[0].metrics);
  // A split checked against different data is refused.
  const other = recoder(['evaluate', ...dataArgs(file), '--min-user-interactions', '12', '--split', splitFile, '-m', 'itemknn', '-q'], dir);
  assert.equal(other.code, 1);
  assert.match(other.stderr, /fingerprint/);
});

test('train saves a model; recommend serves a known user and an anonymous item list', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recoder-cli-'));
  const file = writeInteractions(dir);
  const modelDir = join(dir, 'model');
  const trained = recoder(['train', ...dataArgs(file), '-m', 'ease', '-p', 'lambda=5', '-o', modelDir, '-q', '--json'], dir);
  assert.equal(trained.code, 0, trained.stderr);
  const manifest = JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8'));
  assert.equal(manifest.model, 'ease');
  assert.equal(manifest.hyperParameters.lambda, 5);
  assert.equal(manifest.data.nUsers, 80);

  const forUser = recoder(['recommend', '--model-dir', modelDir, '--user', 'u0', '-n', '5', '--json'], dir);
  assert.equal(forUser.code, 0, forUser.stderr);
  const userRecs = JSON.parse(forUser.stdout).recommendations as Array<{ item: string; score: number }>;
  assert.equal(userRecs.length, 5);
  // u0 is in group 0 and has already seen every i ≡ 0 (mod 3) item of its group: none may come back.
  const seen = new Set(readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('u0,')).map((l) => l.split(',')[1]));
  for (const rec of userRecs) assert.ok(!seen.has(rec.item), `${rec.item} was already seen`);

  const forSession = recoder(['recommend', '--model-dir', modelDir, '--items', 'i1,i4,i7,unknown-item', '-n', '3', '--json'], dir);
  assert.equal(forSession.code, 0, forSession.stderr);
  const session = JSON.parse(forSession.stdout);
  assert.deepEqual(session.unknownItems, ['unknown-item']);
  // Items i1, i4, i7 are group 1: the best next items are other group-1 items.
  for (const rec of session.recommendations as Array<{ item: string }>) assert.equal(Number(rec.item.slice(1)) % 3, 1, rec.item);

  const unknownUser = recoder(['recommend', '--model-dir', modelDir, '--user', 'nobody'], dir);
  assert.equal(unknownUser.code, 1);
  assert.match(unknownUser.stderr, /user 'nobody' is not in the model's training data/);
});

test('bad input files give exit code 1 and name the file, line and problem, for every format', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recoder-cli-'));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  write('ml100k-truncated/u.data', '1\t10\t5\t881250949\n2\t10\t3\n');
  write('ml100k-rating/u.data', '1\t10\tfive\t881250949\n');
  write('ml100k-empty/u.data', '');
  write('ml100k-delimiter/u.data', '1,10,5,881250949\n');
  write('ml1m-truncated/ratings.dat', '1::10::5::978300760\n1::11\n');
  write('ml1m-rating/ratings.dat', '1::10::x::978300760\n');
  write('ml1m-empty/ratings.dat', '');
  write('ml1m-delimiter/ratings.dat', '1\t10\t5\t978300760\n');
  for (const name of ['ml1m-truncated', 'ml1m-rating', 'ml1m-empty', 'ml1m-delimiter']) write(`${name}/movies.dat`, '10::Film (2000)::Drama\n');
  write('latest-truncated/ratings.csv', 'userId,movieId,rating,timestamp\n1,2,3.5,4\n1,3\n');
  write('latest-rating/ratings.csv', 'userId,movieId,rating,timestamp\n1,2,high,4\n');
  write('latest-empty/ratings.csv', '');
  write('latest-delimiter/ratings.csv', 'userId,movieId,rating,timestamp\n1;2;3;4\n');
  write('events-truncated.csv', 'user,item,rating\na,b,1\na\n');
  write('events-rating.csv', 'user,item,rating\na,b,NaNish\n');
  write('events-empty.csv', '');
  write('events-delimiter.csv', 'user,item,rating\na;b;1\n');
  write('events-truncated.jsonl', '{"user":"a","item":"b","rating":1}\n{"user":"a","rat\n');
  write('events-rating.jsonl', '{"user":"a","item":"b","rating":"x"}\n');
  write('events-empty.jsonl', '');
  write('lists-empty.txt', '');
  write('pairs-truncated.txt', 'a b\nc\n');
  const cases: Array<{ args: string[]; error: RegExp }> = [
    { args: ['-d', 'ml100k-truncated'], error: /u\.data:2: .*expected 4 fields/ },
    { args: ['-d', 'ml100k-rating'], error: /u\.data:1: field 'rating': 'five' is not a finite number/ },
    { args: ['-d', 'ml100k-empty'], error: /u\.data:0: file is empty/ },
    { args: ['-d', 'ml100k-delimiter'], error: /u\.data:1: .*delimiter may be wrong/ },
    { args: ['-d', 'ml1m-truncated'], error: /ratings\.dat:2: .*expected 4 fields/ },
    { args: ['-d', 'ml1m-rating'], error: /ratings\.dat:1: field 'rating': 'x' is not a finite number/ },
    { args: ['-d', 'ml1m-empty'], error: /ratings\.dat:0: file is empty/ },
    { args: ['-d', 'ml1m-delimiter'], error: /ratings\.dat:1: .*delimiter may be wrong/ },
    { args: ['-d', 'latest-truncated'], error: /ratings\.csv:3: .*expected 4 fields/ },
    { args: ['-d', 'latest-rating'], error: /ratings\.csv:2: field 'rating': 'high' is not a finite number/ },
    { args: ['-d', 'latest-empty'], error: /ratings\.csv:0: file is empty/ },
    { args: ['-d', 'latest-delimiter'], error: /ratings\.csv:2: .*delimiter may be wrong/ },
    ...['truncated', 'rating', 'empty', 'delimiter'].map((kind) => ({
      args: ['-d', `events-${kind}.csv`, '--format', 'delimited', '--columns', 'user=user,item=item,rating=rating'],
      error: { truncated: /events-truncated\.csv:3: /, rating: /events-rating\.csv:2: field 'rating'/, empty: /events-empty\.csv:0: file is empty/, delimiter: /events-delimiter\.csv:2: .*delimiter may be wrong/ }[kind]!,
    })),
    { args: ['-d', 'events-truncated.jsonl', '--format', 'jsonl', '--columns', 'user=user,item=item,rating=rating'], error: /events-truncated\.jsonl:2: / },
    { args: ['-d', 'events-rating.jsonl', '--format', 'jsonl', '--columns', 'user=user,item=item,rating=rating'], error: /events-rating\.jsonl:1: field 'rating'/ },
    { args: ['-d', 'events-empty.jsonl', '--format', 'jsonl', '--columns', 'user=user,item=item'], error: /events-empty\.jsonl:0: file is empty/ },
    { args: ['-d', 'lists-empty.txt', '--format', 'user-item-lists'], error: /lists-empty\.txt:0: file is empty/ },
    { args: ['-d', 'pairs-truncated.txt', '--format', 'user-item-pairs'], error: /pairs-truncated\.txt:2: / },
  ];
  for (const { args, error } of cases) {
    const run = recoder(['evaluate', ...args, '-m', 'popularity', '-q'], dir);
    assert.equal(run.code, 1, `${args.join(' ')}: exit ${run.code}\n${run.stderr}`);
    assert.match(run.stderr, error, args.join(' '));
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
  }
});

test('--skip-invalid skips bad lines and reports them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recoder-cli-'));
  const file = writeInteractions(dir);
  writeFileSync(file, readFileSync(file, 'utf8') + 'u1,i2,oops,5\nu3\n');
  const strict = recoder(['evaluate', ...dataArgs(file), '-m', 'popularity', '-q'], dir);
  assert.equal(strict.code, 1);
  const lenient = recoder(['evaluate', ...dataArgs(file), '--skip-invalid', '-m', 'popularity', '--validation-users', '5', '--test-users', '5'], dir);
  assert.equal(lenient.code, 0, lenient.stderr);
  assert.match(lenient.stderr, /skipped 2 invalid lines/);
});

test('usage errors exit non-zero with a message', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recoder-cli-'));
  const unknownModel = recoder(['evaluate', '-d', 'ml-100k', '-m', 'nope'], dir);
  assert.equal(unknownModel.code, 1);
  assert.match(unknownModel.stderr, /unknown model 'nope'; known models: .*ease/);
  const badParam = recoder(['evaluate', '-d', 'x', '-m', 'ease', '-p', 'gamma=1'], dir);
  assert.equal(badParam.code, 1);
  assert.match(badParam.stderr, /unknown hyper-parameter 'gamma'/);
  const badProtocol = recoder(['evaluate', '-d', 'x', '-m', 'ease', '--protocol', 'magic'], dir);
  assert.notEqual(badProtocol.code, 0);
  assert.match(badProtocol.stderr, /Allowed choices/);
});

test('tune searches a grid on validation and reports the best setting on test', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recoder-cli-'));
  const file = writeInteractions(dir);
  const run = recoder(
    ['tune', ...dataArgs(file), '-m', 'ease', '-g', 'lambda=1,10,1000', '--validation-users', '10', '--test-users', '10', '--json', '-q'],
    dir,
  );
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.deepEqual(result.grid.map((g: any) => g.hyperParameters.lambda), [1, 10, 1000]);
  const best = result.grid.reduce((a: any, b: any) => (b.validation > a.validation ? b : a));
  assert.equal(result.hyperParameters.lambda, best.hyperParameters.lambda);
  assert.equal(result.selectBy, 'ndcg@100');
  assert.equal(typeof result.metrics['ndcg@100'], 'number');
  const noValidation = recoder(['tune', ...dataArgs(file), '-m', 'ease', '-g', 'lambda=1,10', '--validation-users', '0', '--test-users', '10', '-q'], dir);
  assert.equal(noValidation.code, 1);
  assert.match(noValidation.stderr, /needs a validation set/);
});

test('import loads items with categories and events into the store, idempotently', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recoder-cli-'));
  mkdirSync(join(dir, 'shop'));
  writeFileSync(join(dir, 'shop', 'ratings.csv'), 'userId,movieId,rating,timestamp\n1,10,4.5,1000\n1,20,3,1001\n2,10,5,1002\n');
  writeFileSync(join(dir, 'shop', 'movies.csv'), 'movieId,title,genres\n10,"Film, The (1999)",Drama|Comedy\n20,Other (2000),Horror\n');
  const store = join(dir, 'store', 'events.sqlite');
  const first = recoder(['import', '-d', join(dir, 'shop'), '--store', store, '--json', '-q'], dir);
  assert.equal(first.code, 0, first.stderr);
  const summary = JSON.parse(first.stdout);
  assert.deepEqual(summary.counts, { users: 2, items: 2, events: 3 });
  assert.equal(summary.events.inserted, 3);
  const again = JSON.parse(recoder(['import', '-d', join(dir, 'shop'), '--store', store, '--json', '-q'], dir).stdout);
  assert.deepEqual(again.events, { inserted: 0, duplicates: 3, total: 3 });
  assert.deepEqual(again.counts, { users: 2, items: 2, events: 3 });
  const bad = recoder(['import', '-d', join(dir, 'missing'), '--store', store, '-q'], dir);
  assert.equal(bad.code, 1);
});

test('evaluate --protocol sessions predicts each next click of the test sessions of a session dataset', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recoder-cli-sessions-'));
  const folder = join(dir, 'datasets', 'diginetica-views-sample');
  mkdirSync(folder, { recursive: true });
  // 400 sessions over 20 days; each walks a ring of 10 items (one of 3 groups) one step at a time, so
  // the next click follows from the last one and popularity cannot tell it.
  const lines = ['session_id;user_id;item_id;timeframe;eventdate'];
  for (let s = 1; s <= 400; s++) {
    const group = s % 3;
    const day = 1 + (s % 20);
    const length = 3 + (s % 4);
    for (let k = 0; k < length; k++) lines.push(`${s};NA;${100 + group * 10 + ((s + k) % 10)};${1000 * k};2016-05-${String(day).padStart(2, '0')}`);
  }
  writeFileSync(join(folder, 'sample_train-item-views.csv'), lines.join('\n') + '\n');
  const run = recoder(['evaluate', '-d', 'diginetica-views-sample', '--data-dir', join(dir, 'datasets'), '--protocol', 'sessions', '-m', 'popularity,session-knn', '--metrics', 'recall@5,mrr@5', '--json', '-q'], dir);
  assert.equal(run.code, 0, run.stderr);
  const results = JSON.parse(run.stdout) as { model: string; protocol: { kind: string }; predictions: number; metrics: Record<string, number>; stderr: Record<string, number> }[];
  assert.deepEqual(results.map((r) => r.model), ['popularity', 'session-knn']);
  for (const result of results) {
    assert.equal(result.protocol.kind, 'sessions');
    assert.ok(result.predictions > 0);
    assert.deepEqual(Object.keys(result.metrics).sort(), ['mrr@5', 'recall@5']);
    for (const value of Object.values(result.metrics)) assert.ok(value >= 0 && value <= 1);
  }
  assert.ok(results[1]!.metrics['recall@5']! > results[0]!.metrics['recall@5']! + 0.3, JSON.stringify(results.map((r) => r.metrics)));

  const wrong = recoder(['evaluate', '-d', 'ml-100k', '--protocol', 'sessions', '-m', 'popularity'], dir);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /--protocol sessions needs a session dataset/);
});
