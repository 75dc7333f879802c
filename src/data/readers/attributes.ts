import type { IdMap } from '../id-map.js';
import type { AttributeTable } from '../interactions.js';
import { DataFormatError, type ReadOptions, type ReadReport } from '../errors.js';
import { fieldCountError, headerColumnIndex, parseFiniteNumber, requireId } from './fields.js';
import { isBlank, type TextEncoding } from './lines.js';
import { forEachRecord } from './records.js';
import { ReadReportBuilder } from './report.js';

type AttributeValue = string | number | string[];
type AttributeRow = Record<string, AttributeValue>;

/**
 * Builds an AttributeTable whose rows line up with an IdMap. Rows for ids the
 * map does not know (e.g. movies nobody rated) are dropped and counted.
 */
export class AttributeTableBuilder {
  private readonly rows: (AttributeRow | undefined)[];
  private readonly columns: string[] = [];
  private unmatched = 0;

  constructor(private readonly ids: IdMap) {
    this.rows = new Array<AttributeRow | undefined>(ids.size).fill(undefined);
  }

  /** Merges `values` into the row of `id`; returns false (and counts it) when the id is not in the map. */
  set(id: string, values: AttributeRow): boolean {
    const index = this.ids.indexOf(id);
    if (index < 0) {
      this.unmatched++;
      return false;
    }
    const row = (this.rows[index] ??= {});
    for (const column in values) {
      if (!this.columns.includes(column)) this.columns.push(column);
      row[column] = values[column]!;
    }
    return true;
  }

  /** Appends `value` to the list column `column` of `id`, once per distinct value; false when the id is unknown. */
  appendDistinct(id: string, column: string, value: string): boolean {
    const index = this.ids.indexOf(id);
    if (index < 0) {
      this.unmatched++;
      return false;
    }
    if (!this.columns.includes(column)) this.columns.push(column);
    const row = (this.rows[index] ??= {});
    const list = (row[column] ??= []) as string[];
    if (!list.includes(value)) list.push(value);
    return true;
  }

  /** Rows whose id was not in the map. */
  get unmatchedRows(): number {
    return this.unmatched;
  }

  build(): AttributeTable {
    return { columns: this.columns.slice(), rows: this.rows };
  }
}

export interface AttributeTableReadOptions extends ReadOptions {
  /** The id column, by header name or 0-based index. */
  idColumn: string | number;
  /** Default ','. */
  delimiter?: string;
  /** The first line names the columns; default true. */
  header?: boolean;
  /** Column names when there is no header; default 'column0', 'column1', ... */
  columnNames?: readonly string[];
  /** List-valued columns and their separators, e.g. { genres: '|' }; an empty field becomes []. */
  listColumns?: Readonly<Record<string, string>>;
  /** Columns converted to numbers (an empty field is left out of the row). */
  numberColumns?: readonly string[];
  /** Fields may be double-quoted CSV; default false. */
  quoted?: boolean;
  /** Default 'utf8'. */
  encoding?: TextEncoding;
}

/**
 * Reads a table of attributes (one row per id) aligned to `ids`. Every column
 * but the id becomes an attribute; empty fields are left out of the row.
 */
export async function readAttributeTable(
  file: string,
  ids: IdMap,
  options: AttributeTableReadOptions,
): Promise<{ table: AttributeTable; report: ReadReport }> {
  const report = new ReadReportBuilder(options);
  const table = new AttributeTableBuilder(ids);
  const header = options.header ?? true;
  const delimiter = options.delimiter ?? ',';
  let names: readonly string[] | undefined = header ? undefined : options.columnNames;
  let idIndex = typeof options.idColumn === 'number' ? options.idColumn : -1;
  if (!header && idIndex < 0) {
    throw new TypeError(`idColumn ${options.idColumn} is a name but header is false; give a 0-based index`);
  }

  const onHeader = (fields: string[], line: number): void => {
    names = fields.map((name) => name.trim());
    if (typeof options.idColumn === 'string') idIndex = headerColumnIndex(file, line, fields, options.idColumn, delimiter);
    if (idIndex >= names.length) {
      const reason = `column index ${idIndex} is past the header's ${names.length} columns`;
      throw new DataFormatError({ file, line, field: 'idColumn', reason, problem: 'missing column' });
    }
  };

  const onRecord = (fields: string[], line: number): void => {
    names ??= fields.map((_, k) => `column${k}`);
    if (fields.length !== names.length || idIndex >= fields.length) {
      throw fieldCountError(file, line, fields, `${names.length} fields`, delimiter);
    }
    const id = requireId(fields[idIndex]!, names[idIndex]!, file, line);
    const row: AttributeRow = {};
    for (let k = 0; k < fields.length; k++) {
      if (k === idIndex) continue;
      const name = names[k]!;
      const separator = options.listColumns?.[name];
      if (separator !== undefined) row[name] = splitList(fields[k]!, separator);
      else if (isBlank(fields[k]!)) continue;
      else if (options.numberColumns?.includes(name)) row[name] = parseFiniteNumber(fields[k]!, name, file, line);
      else row[name] = fields[k]!;
    }
    table.set(id, row);
  };

  const source = { delimiter, header, quoted: options.quoted ?? false, encoding: options.encoding ?? 'utf8' } as const;
  await forEachRecord(file, source, report, onRecord, onHeader);
  report.countUnmatchedAttributeRows(table.unmatchedRows);
  return { table: table.build(), report: report.finish(0) };
}

/** A list field split on `separator`, without empty entries. */
export function splitList(text: string, separator: string): string[] {
  if (isBlank(text)) return [];
  return text.split(separator).filter((entry) => !isBlank(entry));
}
