/**
 * The model contract end to end on real data: ml-100k, leave-last-out. A test model that
 * declares "sequences + item features" (test-support/input-probe-model.ts) must receive,
 * for a given user, exactly that user's history in time order (file order among equal
 * timestamps) and each item's genres from u.item — through the library, through
 * `recoder evaluate`, and through the service for a user whose events were posted over HTTP.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { dataDir } from '../../src/data/paths.js';
import { leaveLastOutSplit } from '../../src/data/splits/leave-last-out.js';
import { prepareData } from '../../src/experiment/prepare.js';
import { runOnSplit } from '../../src/experiment/run.js';
import { getModelFactory } from '../../src/models/registry.js';
import { PROBE_NAME, probeRecords, type ProbeRecord } from '../../test-support/input-probe-model.js';
import { asAdmin, asReader, call, openTestService } from '../serve/helpers.js';
import { trainFromStore } from '../../src/serve/training.js';

const ML100K = join(dataDir(), 'ml-100k');
const USER = '1';

/** User 1's item ids from u.data in time order (stable: file order among equal times), and u.item's genres by item id. */
function fromFiles(): { history: string[]; genres: Map<string, string[]> } {
  const events = readFileSync(join(ML100K, 'u.data'), 'utf8')
    .trim()
    .split('\n')
    .map((line, position) => {
      const [user, item, , time] = line.split('\t');
      return { user: user!, item: item!, time: Number(time), position };
    })
    .filter((e) => e.user === USER)
    .sort((a, b) => a.time - b.time || a.position - b.position);
  const genreNames = readFileSync(join(ML100K, 'u.genre'), 'latin1')
    .trim()
    .split('\n')
    .map((line) => line.split('|')[0]!);
  const genres = new Map<string, string[]>();
  for (const line of readFileSync(join(ML100K, 'u.item'), 'latin1').trim().split('\n')) {
    const fields = line.split('|');
    genres.set(fields[0]!, fields.slice(5).flatMap((flag, g) => (flag === '1' ? [genreNames[g]!] : [])));
  }
  return { history: events.map((e) => e.item), genres };
}

test('ml-100k leave-last-out: the library hands a sequence + item-feature model the ordered history and genres', { skip: !existsSync(ML100K) && 'ml-100k not in the data directory' }, async () => {
  const { history, genres } = fromFiles();
  const prepared = await prepareData({ dataset: 'ml-100k', implicit: true });
  const split = leaveLastOutSplit(prepared.data, { validation: true, seed: 1 });
  const row = split.userIds.indexOf(USER);
  const column = (id: string) => split.itemIds.indexOf(id);
  probeRecords.length = 0;
  await runOnSplit({ name: PROBE_NAME, hyperParameters: {} }, split, { seed: 1, metrics: ['hr@10'] });
  const fit = probeRecords.find((r) => r.phase === 'fit')!;
  assert.deepEqual(fit.sequences[row], history.slice(0, -2).map(column), 'training sequence: all but the last two, in time order');
  for (const id of history) assert.deepEqual(fit.genres![column(id)], genres.get(id), `genres of item ${id}`);
  const scored = probeRecords.filter((r) => r.phase === 'score');
  const inputOf = (record: ProbeRecord) => record.sequences[record.users!.indexOf(row)];
  const [testPhase, validationPhase] = scored.filter((r) => r.users!.includes(row));
  assert.deepEqual(inputOf(testPhase!), history.slice(0, -1).map(column), 'test input: everything before the test target');
  assert.deepEqual(inputOf(validationPhase!), history.slice(0, -2).map(column), 'validation input: everything before the validation target');
  // A model that needs sequences refuses data without them, naming what is missing.
  await assert.rejects(getModelFactory(PROBE_NAME).create({}).fit({ matrix: split.train.matrix }), /model 'input-probe' needs ordered event sequences .* and item features .*, but the training data has none/);
});

test('ml-100k leave-last-out through `recoder evaluate`: the same ordered history and genres', { skip: !existsSync(ML100K) && 'ml-100k not in the data directory' }, async () => {
  const { history, genres } = fromFiles();
  const dir = mkdtempSync(join(tmpdir(), 'recoder-contract-'));
  try {
    const out = join(dir, 'probe.jsonl');
    const cli = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.js');
    const probeModule = join(import.meta.dirname, '..', '..', 'test-support', 'input-probe-model.js');
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'evaluate', '-d', 'ml-100k', '-m', PROBE_NAME, '--protocol', 'leave-last-out', '--seed', '1', '--json'], {
      env: { ...process.env, RECODER_MODEL_MODULES: probeModule, RECODER_PROBE_OUT: out },
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.match(stdout, /"model": ?"input-probe"/);
    const records = readFileSync(out, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as ProbeRecord);
    // The CLI's split is the library's: find the user's row and columns the same way.
    const prepared = await prepareData({ dataset: 'ml-100k', implicit: true });
    const split = leaveLastOutSplit(prepared.data, { validation: true, seed: 1 });
    const row = split.userIds.indexOf(USER);
    const column = (id: string) => split.itemIds.indexOf(id);
    const fit = records.find((r) => r.phase === 'fit')!;
    assert.deepEqual(fit.sequences[row], history.slice(0, -2).map(column));
    assert.deepEqual(fit.genres![column(history[0]!)], genres.get(history[0]!));
    const testPhase = records.find((r) => r.phase === 'score' && r.users!.includes(row))!;
    assert.deepEqual(testPhase.sequences[testPhase.users!.indexOf(row)], history.slice(0, -1).map(column));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the service hands the model the order of events posted over HTTP, and the stored item genres', async () => {
  const service = await openTestService();
  try {
    const items = ['a', 'b', 'c', 'd', 'e'].map((id, i) => ({ id, attributes: { title: `Item ${id}`, genres: i % 2 ? ['Drama'] : ['Comedy', 'Action'] } }));
    assert.equal((await call(service.app, { method: 'POST', url: '/v1/items', headers: asAdmin, payload: { items } })).status < 300, true);
    // The new user's events arrive out of time order; the sequence must follow time: d, a, e, b.
    const events = [
      { userId: 'new', itemId: 'a', type: 'view', timestampMs: 2_000 },
      { userId: 'new', itemId: 'b', type: 'view', timestampMs: 4_000 },
      { userId: 'new', itemId: 'd', type: 'view', timestampMs: 1_000 },
      { userId: 'new', itemId: 'e', type: 'view', timestampMs: 3_000 },
      { userId: 'other', itemId: 'c', type: 'view', timestampMs: 1_500 },
      { userId: 'other', itemId: 'a', type: 'view', timestampMs: 1_600 },
    ];
    const posted = await call(service.app, { method: 'POST', url: '/v1/events', headers: asAdmin, payload: { events } });
    assert.ok(posted.status < 300, JSON.stringify(posted.body));
    probeRecords.length = 0;
    await trainFromStore(service.store, { model: PROBE_NAME, hyperParameters: {}, filter: {}, minItemUsers: 1, keepVersions: 2 }, service.modelDir);
    assert.equal((await call(service.app, { method: 'POST', url: '/v1/admin/models/reload', headers: asAdmin })).status, 200);
    const manifest = JSON.parse(readFileSync(join(service.modelDir, readFileSync(join(service.modelDir, 'CURRENT'), 'utf8').trim(), 'manifest.json'), 'utf8')) as { itemIds: string[]; userIds: string[] };
    const column = (id: string) => manifest.itemIds.indexOf(id);
    const fit = probeRecords.find((r) => r.phase === 'fit')!;
    assert.deepEqual(fit.sequences[manifest.userIds.indexOf('new')], ['d', 'a', 'e', 'b'].map(column), 'training sequence in time order');
    for (const item of items) assert.deepEqual(fit.genres![column(item.id)], item.attributes.genres, `genres of ${item.id}`);
    const answer = await call(service.app, { method: 'GET', url: '/v1/users/new/recommendations?n=3&excludeSeen=false', headers: asReader });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const scored = probeRecords.filter((r) => r.phase === 'score').at(-1)!;
    assert.deepEqual(scored.sequences[0], ['d', 'a', 'e', 'b'].map(column), 'query sequence in time order');
    // The probe ranks by recency in the sequence: the latest event first.
    assert.deepEqual(answer.body.items.map((i: { id: string }) => i.id), ['b', 'e', 'a']);
  } finally {
    await service.close();
  }
});
