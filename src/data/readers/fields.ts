import { DataFormatError } from '../errors.js';
import { isBlank } from './lines.js';
import type { Delimiter } from './records.js';

/**
 * Field-level parsing shared by every reader. Each function either returns a
 * clean value or throws a DataFormatError that names the file, line, field and
 * the offending value, so a user can find and fix the input.
 */

export type TimestampFormat = 'unix-seconds' | 'unix-ms' | 'iso';

/** Longest stretch of a bad value or line quoted back in an error message. */
const QUOTED_VALUE_CHARS = 80;

/** A value as it appears in an error message: quoted, control characters escaped, long values cut. */
export function quoteValue(value: string): string {
  const cut = value.length > QUOTED_VALUE_CHARS ? `${value.slice(0, QUOTED_VALUE_CHARS)}...` : value;
  return `'${cut.replace(/\t/g, '\\t').replace(/\r/g, '\\r').replace(/\n/g, '\\n')}'`;
}

/** A delimiter spelled out for people: a tab is invisible in a message. */
export function describeDelimiter(delimiter: Delimiter): string {
  if (typeof delimiter !== 'string') return 'whitespace';
  if (delimiter === '\t') return 'tab';
  if (delimiter === ' ') return 'space';
  return quoteValue(delimiter);
}

/**
 * The error for a line with the wrong number of fields. A line that splits into
 * a single field almost always means the file uses another delimiter, so then
 * the reason says so and names the delimiter that was expected.
 */
export function fieldCountError(
  file: string,
  line: number,
  fields: readonly string[],
  expected: string,
  delimiter: Delimiter,
): DataFormatError {
  const shown = quoteValue(fields.join(typeof delimiter === 'string' ? delimiter : ' '));
  const separated = `separated by ${describeDelimiter(delimiter)}`;
  const reason =
    fields.length === 1
      ? `expected ${expected} ${separated} but found a single field ${shown}: the delimiter may be wrong ` +
        `(expected ${describeDelimiter(delimiter)})`
      : `expected ${expected} ${separated} but found ${fields.length} in ${shown} (truncated or malformed line?)`;
  return new DataFormatError({ file, line, reason, problem: 'wrong field count' });
}

/** `text` as a finite number; empty, non-numeric, NaN and ±Infinity are errors. */
export function parseFiniteNumber(text: string, field: string, file: string, line: number): number {
  const value = isBlank(text) ? Number.NaN : Number(text);
  if (!Number.isFinite(value)) {
    const reason = isBlank(text) ? 'is empty, expected a number' : `${quoteValue(text)} is not a finite number`;
    throw new DataFormatError({ file, line, field, reason, problem: 'not a finite number' });
  }
  return value;
}

/** `text` as an id, kept exactly as written; only an empty (or all-blank) id is an error. */
export function requireId(text: string, field: string, file: string, line: number): string {
  if (isBlank(text)) throw new DataFormatError({ file, line, field, reason: 'is empty, expected an id', problem: 'empty id' });
  return text;
}

/** A non-empty text field such as an event type. */
export function requireText(text: string, field: string, file: string, line: number): string {
  if (isBlank(text)) throw new DataFormatError({ file, line, field, reason: 'is empty', problem: 'empty value' });
  return text;
}

/** A timestamp in seconds since the Unix epoch (the unit of InteractionLog.timestamps). */
export function parseTimestamp(text: string, format: TimestampFormat, field: string, file: string, line: number): number {
  if (format === 'unix-seconds') return parseFiniteNumber(text, field, file, line);
  if (format === 'unix-ms') return parseFiniteNumber(text, field, file, line) / 1000;
  const ms = isBlank(text) ? Number.NaN : Date.parse(text);
  if (Number.isNaN(ms)) {
    const reason = `${quoteValue(text)} is not an ISO 8601 date-time (e.g. 2024-05-01T12:00:00Z)`;
    throw new DataFormatError({ file, line, field, reason, problem: 'invalid timestamp' });
  }
  return ms / 1000;
}

/**
 * Position of column `name` in a header line. A missing column is a
 * DataFormatError that lists the columns the header does have; a header that
 * is one single column hints that the delimiter is wrong.
 */
export function headerColumnIndex(
  file: string,
  line: number,
  header: readonly string[],
  name: string,
  delimiter: Delimiter,
): number {
  const names = header.map((column) => column.trim());
  const index = names.indexOf(name);
  if (index >= 0) return index;
  const hint =
    names.length === 1
      ? `; the header is a single column, so the delimiter may be wrong (expected ${describeDelimiter(delimiter)})`
      : '';
  const reason = `no such column in the header (columns: ${names.map(quoteValue).join(', ')})${hint}`;
  throw new DataFormatError({ file, line, field: name, reason, problem: 'missing column' });
}
