import path from 'node:path';
import type { Dataset } from '../interactions.js';
import type { ReadOptions, ReadReport } from '../errors.js';
import { fieldCountError, requireId } from './fields.js';
import { InteractionSink } from './interaction-sink.js';
import { forEachRecord, WHITESPACE, type RecordSource } from './records.js';
import { ReadReportBuilder } from './report.js';

const WHITESPACE_LINES: RecordSource = { delimiter: WHITESPACE, quoted: false, header: false, encoding: 'utf8' };

/**
 * Reads one line per user, `user item item item ...`, separated by any
 * whitespace (OpenP5's user_sequence.txt, LightGCN-style train.txt).
 *
 * These files keep each user's items in time order but carry no times, so the
 * timestamp of an interaction is its 0-based position among the user's items.
 * Time order within a user is therefore preserved (leave-last-out and
 * sequential models work), but positions of different users are not
 * comparable: do not split such a dataset on a global time cut-off.
 * A line with a user but no items is an error (most likely a wrong delimiter).
 */
export async function readUserItemLists(
  file: string,
  options: ReadOptions & { name?: string } = {},
): Promise<{ dataset: Dataset; report: ReadReport }> {
  const report = new ReadReportBuilder(options);
  const sink = new InteractionSink();
  await forEachRecord(file, WHITESPACE_LINES, report, (fields, line) => {
    if (fields.length < 2) throw fieldCountError(file, line, fields, 'a user id and at least one item id', WHITESPACE);
    const user = requireId(fields[0]!, 'user', file, line);
    for (let k = 1; k < fields.length; k++) sink.add(user, fields[k]!, Number.NaN, k - 1);
  });
  sink.requireInteractions(file, report);
  return sink.finish(report, { name: options.name ?? datasetNameOf(file), hasRatings: false, hasTimestamps: true });
}

/**
 * Reads `user item` lines separated by whitespace (SASRec's Video.txt). The
 * files list each user's interactions in time order without times: the log
 * keeps file order and timestamps are absent (NaN), so order-aware code should
 * rely on log order for these datasets.
 */
export async function readUserItemPairs(
  file: string,
  options: ReadOptions & { name?: string } = {},
): Promise<{ dataset: Dataset; report: ReadReport }> {
  const report = new ReadReportBuilder(options);
  const sink = new InteractionSink();
  await forEachRecord(file, WHITESPACE_LINES, report, (fields, line) => {
    if (fields.length !== 2) throw fieldCountError(file, line, fields, '2 fields (user item)', WHITESPACE);
    sink.add(requireId(fields[0]!, 'user', file, line), requireId(fields[1]!, 'item', file, line));
  });
  sink.requireInteractions(file, report);
  return sink.finish(report, { name: options.name ?? datasetNameOf(file), hasRatings: false, hasTimestamps: false });
}

/** The file name without its extension, e.g. 'Video' for Video.txt. */
function datasetNameOf(file: string): string {
  return path.basename(file, path.extname(file));
}
