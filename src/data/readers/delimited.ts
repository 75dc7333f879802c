import path from 'node:path';
import type { Dataset } from '../interactions.js';
import { DataFormatError, type ReadOptions, type ReadReport } from '../errors.js';
import { fieldCountError, headerColumnIndex, parseFiniteNumber, parseTimestamp, quoteValue } from './fields.js';
import { requireId, requireText, type TimestampFormat } from './fields.js';
import { InteractionSink } from './interaction-sink.js';
import type { TextEncoding } from './lines.js';
import { forEachRecord, type Delimiter, type RecordSource } from './records.js';
import { ReadReportBuilder } from './report.js';

/** A column given by its header name or by its 0-based position. */
export type ColumnRef = string | number;

/** Which columns hold what. Only user and item are required. */
export interface InteractionColumns {
  user: ColumnRef;
  item: ColumnRef;
  /** Explicit rating: the dataset's values, with hasRatings true. */
  rating?: ColumnRef;
  timestamp?: ColumnRef;
  eventType?: ColumnRef;
  /** Implicit strength (clicks, play counts): the dataset's values when there is no rating column. */
  weight?: ColumnRef;
}

export interface DelimitedReadOptions extends ReadOptions {
  columns: InteractionColumns;
  /** Field separator; default ','. */
  delimiter?: string;
  /** The first line names the columns; default false. Columns given by name need it. */
  header?: boolean;
  /** Default 'unix-seconds'. */
  timestampFormat?: TimestampFormat;
  /** Fields may be double-quoted CSV (parsed with csv-parse); default false, which splits lines and is faster. */
  quoted?: boolean;
  /** Default 'utf8'. */
  encoding?: TextEncoding;
  /** Dataset.name; default the file name without its extension. */
  name?: string;
}

/**
 * Reads interactions from a delimited text file (CSV, TSV, '::' files) whose
 * columns are named in `options.columns`. Every data line must have as many
 * fields as the header (or, without a header, as the first data line).
 */
export async function readDelimited(
  file: string,
  options: DelimitedReadOptions,
): Promise<{ dataset: Dataset; report: ReadReport }> {
  checkColumnOptions(options.columns, options.header ?? false);
  const report = new ReadReportBuilder(options);
  const sink = new InteractionSink();
  const spec: InteractionFileSpec = {
    source: {
      delimiter: options.delimiter ?? ',',
      quoted: options.quoted ?? false,
      header: options.header ?? false,
      encoding: options.encoding ?? 'utf8',
    },
    columns: options.columns,
    timestampFormat: options.timestampFormat ?? 'unix-seconds',
  };
  await readInteractionRecords(file, spec, sink, report);
  sink.requireInteractions(file, report);
  return sink.finish(report, {
    name: options.name ?? path.basename(file, path.extname(file)),
    hasRatings: options.columns.rating !== undefined,
    hasTimestamps: options.columns.timestamp !== undefined,
  });
}

/** How to read one interaction file; shared by readDelimited and the MovieLens readers. */
export interface InteractionFileSpec {
  source: RecordSource;
  columns: InteractionColumns;
  timestampFormat: TimestampFormat;
  /** Exact number of fields per data line; default: the header's, or else the first data line's. */
  fieldCount?: number;
}

/** Reads the interactions of one delimited file into `sink`. */
export async function readInteractionRecords(
  file: string,
  spec: InteractionFileSpec,
  sink: InteractionSink,
  report: ReadReportBuilder,
): Promise<void> {
  checkColumnOptions(spec.columns, spec.source.header);
  const { delimiter } = spec.source;
  let layout = spec.source.header ? undefined : resolveColumns(spec.columns, undefined, file, 0, delimiter);
  let expectedFields = spec.fieldCount ?? 0;
  let expectedText = `${expectedFields} fields`;

  const onHeader = (fields: string[], line: number): void => {
    layout = resolveColumns(spec.columns, fields, file, line, delimiter);
    if (spec.fieldCount === undefined) {
      expectedFields = fields.length;
      expectedText = `${expectedFields} fields (as in the header)`;
    }
  };

  const onRecord = (fields: string[], line: number): void => {
    const columns = layout!;
    if (expectedFields === 0) {
      if (fields.length < columns.minFields) {
        throw fieldCountError(file, line, fields, `at least ${columns.minFields} fields`, delimiter);
      }
      expectedFields = fields.length;
      expectedText = `${expectedFields} fields (as on line ${line}, the first data line)`;
    } else if (fields.length !== expectedFields) {
      throw fieldCountError(file, line, fields, expectedText, delimiter);
    }
    const user = requireId(fields[columns.user]!, columns.names.user, file, line);
    const item = requireId(fields[columns.item]!, columns.names.item, file, line);
    let value = Number.NaN;
    if (columns.rating >= 0) value = parseFiniteNumber(fields[columns.rating]!, columns.names.rating, file, line);
    else if (columns.weight >= 0) value = parseFiniteNumber(fields[columns.weight]!, columns.names.weight, file, line);
    const timestamp =
      columns.timestamp >= 0
        ? parseTimestamp(fields[columns.timestamp]!, spec.timestampFormat, columns.names.timestamp, file, line)
        : Number.NaN;
    const eventType =
      columns.eventType >= 0 ? requireText(fields[columns.eventType]!, columns.names.eventType, file, line) : undefined;
    sink.add(user, item, value, timestamp, eventType);
  };

  await forEachRecord(file, spec.source, report, onRecord, onHeader);
}

type Role = keyof InteractionColumns;
const ROLES: readonly Role[] = ['user', 'item', 'rating', 'timestamp', 'eventType', 'weight'];

/** Column positions (-1 when absent) and the names that errors use for them. */
interface ColumnLayout {
  user: number;
  item: number;
  rating: number;
  timestamp: number;
  eventType: number;
  weight: number;
  names: Record<Role, string>;
  /** Fewest fields a line needs to hold every configured column. */
  minFields: number;
}

/** Mistakes in the options themselves (not the file) are TypeErrors, raised before any reading. */
function checkColumnOptions(columns: InteractionColumns, header: boolean): void {
  if (columns.rating !== undefined && columns.weight !== undefined) {
    throw new TypeError('give either a rating column or a weight column, not both: both would fill Dataset.interactions.values');
  }
  for (const role of ROLES) {
    const ref = columns[role];
    if (typeof ref === 'string' && !header) {
      throw new TypeError(
        `column '${role}' is given by name (${quoteValue(ref)}) but header is false; give a 0-based index or set header: true`,
      );
    }
    if (typeof ref === 'number' && !(Number.isInteger(ref) && ref >= 0)) {
      throw new TypeError(`column '${role}' must be a 0-based index or a header name, got ${ref}`);
    }
  }
}

/** Maps the configured columns onto positions, checking names against the header when there is one. */
function resolveColumns(
  columns: InteractionColumns,
  header: readonly string[] | undefined,
  file: string,
  headerLine: number,
  delimiter: Delimiter,
): ColumnLayout {
  const layout: ColumnLayout = {
    user: -1,
    item: -1,
    rating: -1,
    timestamp: -1,
    eventType: -1,
    weight: -1,
    names: { user: 'user', item: 'item', rating: 'rating', timestamp: 'timestamp', eventType: 'eventType', weight: 'weight' },
    minFields: 0,
  };
  for (const role of ROLES) {
    const ref = columns[role];
    if (ref === undefined) continue;
    const index = typeof ref === 'number' ? ref : headerColumnIndex(file, headerLine, header!, ref, delimiter);
    if (header && index >= header.length) {
      const reason = `column index ${index} is past the header's ${header.length} columns (${header.map(quoteValue).join(', ')})`;
      throw new DataFormatError({ file, line: headerLine, field: role, reason, problem: 'missing column' });
    }
    layout[role] = index;
    if (header) layout.names[role] = header[index]!.trim();
    layout.minFields = Math.max(layout.minFields, index + 1);
  }
  return layout;
}
