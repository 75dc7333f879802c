import path from 'node:path';
import type { Dataset } from '../interactions.js';
import { DataFormatError, type ReadOptions, type ReadReport } from '../errors.js';
import { parseFiniteNumber, parseTimestamp, quoteValue, requireId, requireText, type TimestampFormat } from './fields.js';
import { InteractionSink } from './interaction-sink.js';
import type { TextEncoding } from './lines.js';
import { forEachLine } from './records.js';
import { ReadReportBuilder } from './report.js';

/** Property names of each JSON object that hold what. Only user and item are required. */
export interface JsonLinesFields {
  user: string;
  item: string;
  /** Explicit rating: the dataset's values, with hasRatings true. */
  rating?: string;
  timestamp?: string;
  eventType?: string;
  /** Implicit strength: the dataset's values when there is no rating field. */
  weight?: string;
}

export interface JsonLinesReadOptions extends ReadOptions {
  fields: JsonLinesFields;
  /** How timestamps are written: numbers or numeric strings for unix-*, strings for 'iso'. Default 'unix-seconds'. */
  timestampFormat?: TimestampFormat;
  /** Default 'utf8'. */
  encoding?: TextEncoding;
  /** Dataset.name; default the file name without its extension. */
  name?: string;
}

/**
 * Reads interactions from JSON Lines: one JSON object per line, e.g.
 * {"user": "u1", "item": "i9", "rating": 4, "ts": 1700000000}.
 * Ids may be strings or numbers (numbers become their decimal text).
 */
export async function readJsonLines(
  file: string,
  options: JsonLinesReadOptions,
): Promise<{ dataset: Dataset; report: ReadReport }> {
  const { fields } = options;
  if (fields.rating !== undefined && fields.weight !== undefined) {
    throw new TypeError('give either a rating field or a weight field, not both: both would fill Dataset.interactions.values');
  }
  const timestampFormat = options.timestampFormat ?? 'unix-seconds';
  const report = new ReadReportBuilder(options);
  const sink = new InteractionSink();
  const valueField = fields.rating ?? fields.weight;

  await forEachLine(file, options.encoding ?? 'utf8', report, (text, line) => {
    const record = parseObject(text, file, line);
    const user = idValue(record, fields.user, file, line);
    const item = idValue(record, fields.item, file, line);
    const value = valueField === undefined ? Number.NaN : numberValue(record, valueField, file, line);
    const timestamp =
      fields.timestamp === undefined ? Number.NaN : timestampValue(record, fields.timestamp, timestampFormat, file, line);
    const eventType =
      fields.eventType === undefined
        ? undefined
        : requireText(textValue(record, fields.eventType, file, line), fields.eventType, file, line);
    sink.add(user, item, value, timestamp, eventType);
  });
  sink.requireInteractions(file, report);
  return sink.finish(report, {
    name: options.name ?? path.basename(file, path.extname(file)),
    hasRatings: fields.rating !== undefined,
    hasTimestamps: fields.timestamp !== undefined,
  });
}

type JsonObject = Record<string, unknown>;

function parseObject(text: string, file: string, line: number): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const reason = `invalid JSON (${(error as Error).message}) in ${quoteValue(text)}`;
    throw new DataFormatError({ file, line, reason, problem: 'invalid JSON' });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const reason = `expected a JSON object per line, found ${quoteValue(text)}`;
    throw new DataFormatError({ file, line, reason, problem: 'not a JSON object' });
  }
  return parsed as JsonObject;
}

function present(record: JsonObject, field: string, file: string, line: number): unknown {
  const value = record[field];
  if (value === undefined || value === null) {
    throw new DataFormatError({ file, line, field, reason: 'is missing', problem: 'missing field' });
  }
  return value;
}

function idValue(record: JsonObject, field: string, file: string, line: number): string {
  const value = present(record, field, file, line);
  if (typeof value === 'string') return requireId(value, field, file, line);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  const reason = `${quoteValue(JSON.stringify(value))} is not an id (expected a string or a number)`;
  throw new DataFormatError({ file, line, field, reason, problem: 'invalid id' });
}

function textValue(record: JsonObject, field: string, file: string, line: number): string {
  const value = present(record, field, file, line);
  if (typeof value === 'string') return value;
  const reason = `${quoteValue(JSON.stringify(value))} is not a string`;
  throw new DataFormatError({ file, line, field, reason, problem: 'not a string' });
}

/** A number, or a string holding one (some exports quote every value). */
function numberValue(record: JsonObject, field: string, file: string, line: number): number {
  const value = present(record, field, file, line);
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return parseFiniteNumber(value, field, file, line);
  const reason = `${quoteValue(JSON.stringify(value))} is not a finite number`;
  throw new DataFormatError({ file, line, field, reason, problem: 'not a finite number' });
}

function timestampValue(record: JsonObject, field: string, format: TimestampFormat, file: string, line: number): number {
  const value = present(record, field, file, line);
  if (typeof value === 'string') return parseTimestamp(value, format, field, file, line);
  if (typeof value === 'number' && format !== 'iso') return parseTimestamp(String(value), format, field, file, line);
  const expected = format === 'iso' ? 'an ISO 8601 date-time string' : `a number (${format})`;
  const reason = `${quoteValue(JSON.stringify(value))} is not ${expected}`;
  throw new DataFormatError({ file, line, field, reason, problem: 'invalid timestamp' });
}
