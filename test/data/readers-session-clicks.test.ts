import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readDataset } from '../../src/data/readers/index.js';

const root = mkdtempSync(path.join(tmpdir(), 'recoder-session-readers-'));
after(() => rmSync(root, { recursive: true, force: true }));
function fixture(name: string, content: string): string {
  const file = path.join(root, name);
  writeFileSync(file, content);
  return file;
}

test('session-clicks: sessions are the rows, Time is Unix seconds with a millisecond fraction', async () => {
  const file = fixture('clicks.txt', 'SessionId\tItemId\tTime\n1\t214536502\t1396860669.277\n1\t214536506\t1396860886.998\n2\t214536502\t1396861000\n');
  const { dataset, report } = await readDataset('session-clicks', file);
  assert.equal(dataset.name, 'clicks');
  assert.deepEqual(dataset.users.ids(), ['1', '2']);
  assert.deepEqual(dataset.items.ids(), ['214536502', '214536506']);
  assert.deepEqual(Array.from(dataset.interactions.timestamps), [1396860669.277, 1396860886.998, 1396861000]);
  assert.equal(dataset.hasTimestamps, true);
  assert.equal(report.interactions, 3);
});

test('session-clicks: a bad time names the file, line and field', async () => {
  const file = fixture('bad-clicks.txt', 'SessionId\tItemId\tTime\n1\t5\t1396860669\n1\t6\tsoon\n');
  await assert.rejects(readDataset('session-clicks', file), new RegExp(`${file.replace(/[.]/g, '[.]')}:3: field 'Time': 'soon' is not a finite number`));
  const commas = fixture('comma-clicks.txt', 'SessionId,ItemId,Time\n1,5,1\n');
  await assert.rejects(readDataset('session-clicks', commas), /:1: field 'SessionId': no such column in the header .*the delimiter may be wrong \(expected tab\)/);
});

test('diginetica-views: time = the day (UTC midnight) + timeframe ms; user_id is not read', async () => {
  const file = fixture('views.csv', 'session_id;user_id;item_id;timeframe;eventdate\n1;NA;81766;526309;2016-05-09\n1;NA;31331;1031;2016-05-09\n2;7;81766;0;2016-01-03\n');
  const { dataset } = await readDataset('diginetica-views', file);
  assert.deepEqual(dataset.users.ids(), ['1', '2']);
  assert.deepEqual(dataset.items.ids(), ['81766', '31331']);
  const may9 = Date.UTC(2016, 4, 9) / 1000;
  assert.deepEqual(Array.from(dataset.interactions.timestamps), [may9 + 526.309, may9 + 1.031, Date.UTC(2016, 0, 3) / 1000]);
});

test('diginetica-views: bad days and timeframes name the file, line and field', async () => {
  const header = 'session_id;user_id;item_id;timeframe;eventdate\n';
  const badDay = fixture('bad-day.csv', `${header}1;NA;5;10;2016-02-30\n`);
  await assert.rejects(readDataset('diginetica-views', badDay), /bad-day[.]csv:2: field 'eventdate': '2016-02-30' is not a day written YYYY-MM-DD/);
  const badFrame = fixture('bad-frame.csv', `${header}1;NA;5;10;2016-02-01\n1;NA;6;-3;2016-02-01\n`);
  await assert.rejects(readDataset('diginetica-views', badFrame), /bad-frame[.]csv:3: field 'timeframe': '-3' is not a non-negative integer/);
  const short = fixture('short.csv', `${header}1;NA;5;10\n`);
  await assert.rejects(readDataset('diginetica-views', short), /short[.]csv:2: expected 5 fields \(as in the header\)/);
  const noColumn = fixture('no-column.csv', 'session_id;item_id;eventdate\n1;5;2016-02-01\n');
  await assert.rejects(readDataset('diginetica-views', noColumn), /no-column[.]csv:1: field 'timeframe': no such column/);
  const skipped = await readDataset('diginetica-views', badFrame, { skipInvalid: true });
  assert.equal(skipped.report.skipped, 1);
  assert.equal(skipped.dataset.interactions.length, 1);
});
