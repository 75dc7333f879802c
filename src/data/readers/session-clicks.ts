/**
 * Readers for anonymous click sessions, the inputs of the session-based protocol
 * (src/data/splits/sessions.ts). A Dataset's "users" are then sessions: each session id is
 * a row, its clicks that row's interactions, in time order.
 *
 * - session-rec's prepared YooChoose files (RecSys Challenge 2015 clicks; rn5l/session-rec
 *   data/rsc15/prepared/*_train_full.txt, *_test.txt): tab-separated with the header
 *   `SessionId ItemId Time`, Time in Unix seconds (with a millisecond fraction).
 * - DIGINETICA item views (CIKM Cup 2016; SR-GNN's datasets/sample_train-item-views.csv):
 *   ';'-separated with the header `session_id;user_id;item_id;timeframe;eventdate`, timeframe
 *   the milliseconds since the session began, eventdate the day (YYYY-MM-DD). An event's
 *   timestamp is that day's UTC midnight plus its timeframe, so clicks keep SR-GNN's
 *   within-session order (by timeframe) and the day is recovered as floor(time / 86400)
 *   when timeframe < 1 day (the sample's longest is 20 minutes). user_id is not read.
 */
import path from 'node:path';
import type { Dataset } from '../interactions.js';
import { DataFormatError, type ReadOptions, type ReadReport } from '../errors.js';
import { readDelimited } from './delimited.js';
import { fieldCountError, headerColumnIndex, parseFiniteNumber, quoteValue, requireId } from './fields.js';
import { InteractionSink } from './interaction-sink.js';
import { forEachRecord, type RecordSource } from './records.js';
import { ReadReportBuilder } from './report.js';

/** A session-rec click file: `SessionId<TAB>ItemId<TAB>Time` with that header. */
export async function readSessionClicks(file: string, options: ReadOptions & { name?: string } = {}): Promise<{ dataset: Dataset; report: ReadReport }> {
  return readDelimited(file, {
    ...options,
    columns: { user: 'SessionId', item: 'ItemId', timestamp: 'Time' },
    delimiter: '\t',
    header: true,
    timestampFormat: 'unix-seconds',
    name: options.name ?? path.basename(file, path.extname(file)),
  });
}

const DIGINETICA_SOURCE: RecordSource = { delimiter: ';', quoted: false, header: true, encoding: 'utf8' };
const DIGINETICA_COLUMNS = ['session_id', 'item_id', 'timeframe', 'eventdate'] as const;
const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** DIGINETICA views: `session_id;user_id;item_id;timeframe;eventdate` with that header. */
export async function readDigineticaViews(file: string, options: ReadOptions & { name?: string } = {}): Promise<{ dataset: Dataset; report: ReadReport }> {
  const report = new ReadReportBuilder(options);
  const sink = new InteractionSink();
  let columns: Record<(typeof DIGINETICA_COLUMNS)[number], number> | undefined;
  let fieldCount = 0;
  const onHeader = (fields: string[], line: number): void => {
    const at = (name: string) => headerColumnIndex(file, line, fields, name, ';');
    columns = { session_id: at('session_id'), item_id: at('item_id'), timeframe: at('timeframe'), eventdate: at('eventdate') };
    fieldCount = fields.length;
  };
  const onRecord = (fields: string[], line: number): void => {
    if (fields.length !== fieldCount) throw fieldCountError(file, line, fields, `${fieldCount} fields (as in the header)`, ';');
    const c = columns!;
    const session = requireId(fields[c.session_id]!, 'session_id', file, line);
    const item = requireId(fields[c.item_id]!, 'item_id', file, line);
    const timeframeMs = parseFiniteNumber(fields[c.timeframe]!, 'timeframe', file, line);
    if (!(Number.isInteger(timeframeMs) && timeframeMs >= 0)) {
      throw new DataFormatError({ file, line, field: 'timeframe', reason: `${quoteValue(fields[c.timeframe]!)} is not a non-negative integer (milliseconds)`, problem: 'invalid timeframe' });
    }
    const day = parseDay(fields[c.eventdate]!, file, line);
    sink.add(session, item, Number.NaN, day + timeframeMs / 1000);
  };
  await forEachRecord(file, DIGINETICA_SOURCE, report, onRecord, onHeader);
  sink.requireInteractions(file, report);
  return sink.finish(report, { name: options.name ?? path.basename(file, path.extname(file)), hasRatings: false, hasTimestamps: true });
}

/** A YYYY-MM-DD day as the Unix seconds of its UTC midnight. */
function parseDay(text: string, file: string, line: number): number {
  const match = DAY_PATTERN.exec(text.trim());
  const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  // Date.UTC rolls 2016-02-30 over into March: a real day must come back unchanged.
  if (!match || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text.trim()) {
    throw new DataFormatError({ file, line, field: 'eventdate', reason: `${quoteValue(text)} is not a day written YYYY-MM-DD`, problem: 'invalid eventdate' });
  }
  return ms / 1000;
}
