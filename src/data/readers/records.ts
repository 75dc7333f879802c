import { createReadStream } from 'node:fs';
import { parse, CsvError } from 'csv-parse';
import { DataFormatError } from '../errors.js';
import { isBlank, lineBatches, type TextEncoding } from './lines.js';
import type { ReadReportBuilder } from './report.js';

/** How the fields of a line are separated: a literal string, or WHITESPACE (any run of spaces and tabs). */
export type Delimiter = string | RegExp;
export const WHITESPACE = /\s+/;

export interface RecordSource {
  delimiter: Delimiter;
  /**
   * true: fields may be double-quoted (RFC 4180: embedded delimiters, newlines,
   * "" for a quote) and csv-parse reads the file; false: each line is split on
   * the delimiter, which is several times faster and right for MovieLens rating files.
   */
  quoted: boolean;
  /** The first non-blank line names the columns. */
  header: boolean;
  encoding: TextEncoding;
}

/** Receives one data record; `line` is its 1-based line (for a quoted record spanning lines, the last). */
export type RecordHandler = (fields: string[], line: number) => void;

/**
 * Reads a delimited file and hands every data record to `onRecord`. The header
 * record, when there is one, goes to `onHeader`; a bad header always throws,
 * while what `onRecord` throws goes through `report.lineFailed` (rethrown, or
 * counted under skipInvalid). Blank lines are ignored. A file without any
 * non-blank line is an error ('file is empty', line 0).
 */
export async function forEachRecord(
  file: string,
  source: RecordSource,
  report: ReadReportBuilder,
  onRecord: RecordHandler,
  onHeader?: RecordHandler,
): Promise<void> {
  const produce = source.quoted
    ? (accept: RecordHandler) => readQuotedRecords(file, source, report, accept)
    : (accept: RecordHandler) => readSplitRecords(file, source, accept);
  await driveRecords(file, source.header, report, produce, onRecord, onHeader);
}

/**
 * Like forEachRecord for formats with one record per line that are not
 * delimited (JSON Lines): `onLine` gets each non-blank line's text.
 */
export async function forEachLine(
  file: string,
  encoding: TextEncoding,
  report: ReadReportBuilder,
  onLine: (text: string, line: number) => void,
): Promise<void> {
  const produce = async (accept: (text: string, line: number) => void): Promise<void> => {
    for await (const batch of lineBatches(file, { encoding })) {
      const lines = batch.lines;
      for (let k = 0; k < lines.length; k++) if (!isBlank(lines[k]!)) accept(lines[k]!, batch.firstLineNumber + k);
    }
  };
  await driveRecords(file, false, report, produce, onLine);
}

/** The bookkeeping both share: header, skip-or-throw, counting, and the empty-file check. */
async function driveRecords<T>(
  file: string,
  header: boolean,
  report: ReadReportBuilder,
  produce: (accept: (record: T, line: number) => void) => Promise<void>,
  onRecord: (record: T, line: number) => void,
  onHeader?: (record: T, line: number) => void,
): Promise<void> {
  report.startFile(file);
  let headerPending = header;
  let records = 0;
  await produce((record, line) => {
    records++;
    if (headerPending) {
      headerPending = false;
      onHeader?.(record, line);
      return;
    }
    try {
      onRecord(record, line);
    } catch (error) {
      report.lineFailed(error);
    }
  });
  if (records === 0) throw new DataFormatError({ file, line: 0, reason: 'file is empty', problem: 'empty file' });
  report.countLines(header ? records - 1 : records);
}

async function readSplitRecords(file: string, source: RecordSource, accept: RecordHandler): Promise<void> {
  const { delimiter } = source;
  for await (const batch of lineBatches(file, { encoding: source.encoding })) {
    const lines = batch.lines;
    for (let k = 0; k < lines.length; k++) {
      const text = lines[k]!;
      if (isBlank(text)) continue;
      const fields = typeof delimiter === 'string' ? text.split(delimiter) : text.trim().split(delimiter);
      accept(fields, batch.firstLineNumber + k);
    }
  }
}

async function readQuotedRecords(
  file: string,
  source: RecordSource,
  report: ReadReportBuilder,
  accept: RecordHandler,
): Promise<void> {
  const delimiter = source.delimiter;
  if (typeof delimiter !== 'string') throw new TypeError('quoted records need a literal delimiter, not whitespace');
  const parser = parse({
    delimiter,
    encoding: source.encoding,
    bom: true,
    // Field counts are checked by the readers, which know what to expect and say so.
    relax_column_count: true,
    skip_empty_lines: true,
    info: true,
    skip_records_with_error: report.skipInvalid,
    on_skip: (error) => {
      if (error) report.lineFailed(csvSyntaxError(file, error));
    },
  });
  const input = createReadStream(file);
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      // skip_empty_lines drops only truly empty lines; whitespace-only ones are blank here too, as in split mode.
      if (record.length === 1 && isBlank(record[0]!)) continue;
      accept(record, info.lines);
    }
  } catch (error) {
    throw error instanceof CsvError ? csvSyntaxError(file, error) : error;
  } finally {
    input.destroy();
  }
}

function csvSyntaxError(file: string, error: CsvError): DataFormatError {
  const line = typeof error.lines === 'number' ? error.lines : 0;
  return new DataFormatError({ file, line, reason: `CSV syntax error: ${error.message}`, problem: 'CSV syntax error' });
}
