/**
 * A problem in an input file, located precisely enough for a user to open the
 * file and fix it: the file, the 1-based line (0 when the problem is the file
 * as a whole, e.g. it is empty), the field when one is at fault, and why.
 */
export class DataFormatError extends Error {
  readonly file: string;
  /** 1-based line number; 0 when the problem is not tied to one line. */
  readonly line: number;
  readonly field?: string;
  readonly reason: string;
  /**
   * A short category of the problem without the offending value, e.g.
   * 'wrong field count' or 'not a finite number': the key under which a
   * skipped line is counted in ReadReport.skipReasons.
   */
  readonly problem: string;

  constructor(details: { file: string; line: number; field?: string; reason: string; problem?: string }) {
    const { file, line, field, reason } = details;
    super(`${file}:${line}: ${field ? `field '${field}': ` : ''}${reason}`);
    this.name = 'DataFormatError';
    this.file = file;
    this.line = line;
    if (field !== undefined) this.field = field;
    this.reason = reason;
    this.problem = details.problem ?? reason;
  }
}

export interface ReadOptions {
  /**
   * false (default): the first malformed line throws a DataFormatError.
   * true: malformed lines are skipped and counted in the ReadReport by reason.
   * Problems with a file as a whole (empty file, missing header column) always throw.
   */
  skipInvalid?: boolean;
}

/** What a reader did: which files it read, how many lines, and what it skipped and why. */
export interface ReadReport {
  /** Every file read, interactions first, then attribute files. */
  files: string[];
  /** Data lines (or CSV records) read across all files; header and blank lines are not counted. */
  linesRead: number;
  /** Interactions stored in the dataset. */
  interactions: number;
  /** Malformed lines skipped (only non-zero with skipInvalid). */
  skipped: number;
  /** Skipped lines per problem, e.g. { 'wrong field count': 3, 'not a finite number (rating)': 1 }. */
  skipReasons: Record<string, number>;
  /** The first few skipped lines as 'file:line: reason', to show the user. */
  firstSkipped: string[];
  /**
   * Attribute rows (titles, demographics, tags) whose id has no interaction in the
   * dataset and was therefore left out, e.g. movies nobody rated.
   */
  unmatchedAttributeRows: number;
}
