/**
 * Item and user features in the form models consume: each field is categorical
 * (one or several values from a vocabulary: genres, category, occupation), numeric
 * (year, age; NaN when missing) or text (titles, tags, tokenised, tokens in order).
 * Each categorical and text field has its own vocabulary, so `codes`/`tokens` index it.
 *
 * Readers keep attributes as loose tables (AttributeTable, one record per id); this
 * module types them once, so that every model sees the same fields the same way.
 */
import type { AttributeTable } from './interactions.js';

export interface CategoricalField {
  readonly kind: 'categorical';
  readonly name: string;
  readonly vocabulary: readonly string[];
  /** Row r's values are codes[indptr[r] .. indptr[r + 1]) (none when the row lacks the field). */
  readonly indptr: Int32Array;
  readonly codes: Int32Array;
}

export interface NumericField {
  readonly kind: 'numeric';
  readonly name: string;
  /** One value per row; NaN when missing. */
  readonly values: Float32Array;
}

export interface TextField {
  readonly kind: 'text';
  readonly name: string;
  readonly vocabulary: readonly string[];
  /** Row r's tokens, in text order, are tokens[indptr[r] .. indptr[r + 1]). */
  readonly indptr: Int32Array;
  readonly tokens: Int32Array;
}

export type FeatureField = CategoricalField | NumericField | TextField;

/** Features of nRows entities (items or users), rows aligned with a matrix's columns or rows. */
export interface FeatureTable {
  readonly nRows: number;
  readonly fields: readonly FeatureField[];
}

/** Columns that are free text: tokenised into words. */
const TEXT_COLUMNS = new Set(['title', 'tags', 'description', 'name', 'summary', 'text']);
/** Columns that hold codes or labels even when they look numeric (ml-1m's occupation is 0..20). */
const CATEGORICAL_COLUMNS = new Set(['occupation', 'gender', 'category', 'categories', 'genre', 'genres', 'zip']);
/** Columns that identify rather than describe (links, foreign ids), or dates only their year is taken from: not features. */
const IGNORED_COLUMNS = new Set(['url', 'imdbId', 'tmdbId', 'id', 'releaseDate', 'videoReleaseDate']);

/** Lower-case words and numbers: "Toy Story (1995)" → toy, story, 1995. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** The year a MovieLens title ends with ("Heat (1995)") or a date ends with ("01-Jan-1995"); NaN when none. */
export function yearOf(titleOrDate: string): number {
  const match = /\((\d{4})\)\s*$/.exec(titleOrDate) ?? /(?:^|\D)(\d{4})\s*$/.exec(titleOrDate);
  return match ? Number(match[1]) : Number.NaN;
}

type Value = string | number | string[];

/**
 * The typed features of an attribute table with `nRows` rows: text columns tokenised,
 * list-valued and label columns categorical, other numeric columns numeric. A `year`
 * field is derived from `title` or `releaseDate` when the table has none (MovieLens).
 */
export function featureTableFromAttributes(table: AttributeTable, nRows: number): FeatureTable {
  const fields: FeatureField[] = [];
  const valuesOf = (column: string) => Array.from({ length: nRows }, (_, r) => table.rows[r]?.[column]);
  for (const column of table.columns) {
    if (IGNORED_COLUMNS.has(column)) continue;
    const values = valuesOf(column);
    const present = values.filter((v): v is Value => v !== undefined);
    if (present.length === 0) continue;
    if (TEXT_COLUMNS.has(column)) fields.push(textField(column, values));
    else if (!CATEGORICAL_COLUMNS.has(column) && present.every((v) => typeof v === 'number')) fields.push(numericField(column, values as Array<number | undefined>));
    else fields.push(categoricalField(column, values));
  }
  if (!table.columns.includes('year')) {
    const source = table.columns.includes('releaseDate') ? 'releaseDate' : table.columns.includes('title') ? 'title' : undefined;
    if (source !== undefined) {
      const years = valuesOf(source).map((v) => (typeof v === 'string' ? yearOf(v) : Number.NaN));
      if (years.some((y) => !Number.isNaN(y))) fields.push({ kind: 'numeric', name: 'year', values: Float32Array.from(years) });
    }
  }
  return { nRows, fields };
}

function numericField(name: string, values: ReadonlyArray<number | undefined>): NumericField {
  return { kind: 'numeric', name, values: Float32Array.from(values, (v) => (v === undefined ? Number.NaN : v)) };
}

function listOf(value: Value | undefined): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  return [String(value)];
}

function categoricalField(name: string, values: ReadonlyArray<Value | undefined>): CategoricalField {
  const { vocabulary, indptr, codes } = encodeLists(values.map((v) => listOf(v).filter((s) => s !== '')));
  return { kind: 'categorical', name, vocabulary, indptr, codes };
}

function textField(name: string, values: ReadonlyArray<Value | undefined>): TextField {
  const { vocabulary, indptr, codes } = encodeLists(values.map((v) => listOf(v).flatMap(tokenize)));
  return { kind: 'text', name, vocabulary, indptr, tokens: codes };
}

/** Codes in order of first appearance, so that the same table always gives the same vocabulary. */
function encodeLists(lists: readonly string[][]): { vocabulary: string[]; indptr: Int32Array; codes: Int32Array } {
  const index = new Map<string, number>();
  const vocabulary: string[] = [];
  const indptr = new Int32Array(lists.length + 1);
  const codes: number[] = [];
  lists.forEach((list, r) => {
    for (const word of list) {
      let code = index.get(word);
      if (code === undefined) {
        code = vocabulary.length;
        index.set(word, code);
        vocabulary.push(word);
      }
      codes.push(code);
    }
    indptr[r + 1] = codes.length;
  });
  return { vocabulary, indptr, codes: Int32Array.from(codes) };
}

/** The features of `rows` (in that order), vocabularies unchanged. */
export function selectFeatureRows(table: FeatureTable, rows: ArrayLike<number>): FeatureTable {
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (!(Number.isInteger(r) && r >= 0 && r < table.nRows)) throw new RangeError(`feature row ${r} is outside 0..${table.nRows - 1}`);
  }
  const fields = table.fields.map((field): FeatureField => {
    if (field.kind === 'numeric') return { ...field, values: Float32Array.from({ length: rows.length }, (_, i) => field.values[rows[i]!]!) };
    const source = field.kind === 'text' ? field.tokens : field.codes;
    const indptr = new Int32Array(rows.length + 1);
    const taken: number[] = [];
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      for (let p = field.indptr[r]!; p < field.indptr[r + 1]!; p++) taken.push(source[p]!);
      indptr[i + 1] = taken.length;
    }
    return field.kind === 'text' ? { ...field, indptr, tokens: Int32Array.from(taken) } : { ...field, indptr, codes: Int32Array.from(taken) };
  });
  return { nRows: rows.length, fields };
}

export function featureField(table: FeatureTable, name: string): FeatureField | undefined {
  return table.fields.find((field) => field.name === name);
}

/** Row r's values of a categorical field, or tokens of a text field, as strings. */
export function featureValues(field: CategoricalField | TextField, row: number): string[] {
  const source = field.kind === 'text' ? field.tokens : field.codes;
  return Array.from(source.subarray(field.indptr[row]!, field.indptr[row + 1]!), (code) => field.vocabulary[code]!);
}
