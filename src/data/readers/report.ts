import { DataFormatError, type ReadOptions, type ReadReport } from '../errors.js';

/** How many skipped lines a report quotes verbatim. */
const QUOTED_SKIPS = 5;

/**
 * Collects a ReadReport while readers run, and decides what happens to a bad
 * line: rethrow it (the default) or count it and carry on (skipInvalid).
 */
export class ReadReportBuilder {
  readonly skipInvalid: boolean;
  private readonly report: ReadReport = {
    files: [],
    linesRead: 0,
    interactions: 0,
    skipped: 0,
    skipReasons: {},
    firstSkipped: [],
    unmatchedAttributeRows: 0,
  };

  constructor(options: ReadOptions = {}) {
    this.skipInvalid = options.skipInvalid ?? false;
  }

  startFile(file: string): void {
    this.report.files.push(file);
  }

  countLines(lines: number): void {
    this.report.linesRead += lines;
  }

  countUnmatchedAttributeRows(rows: number): void {
    this.report.unmatchedAttributeRows += rows;
  }

  /**
   * Called with whatever a line's parser threw. Anything that is not a
   * DataFormatError (a bug, an I/O failure) always propagates; a DataFormatError
   * propagates unless skipInvalid is set, in which case it is counted.
   */
  lineFailed(error: unknown): void {
    if (!this.skipInvalid || !(error instanceof DataFormatError)) throw error;
    const report = this.report;
    report.skipped++;
    const key = error.field ? `${error.problem} (${error.field})` : error.problem;
    report.skipReasons[key] = (report.skipReasons[key] ?? 0) + 1;
    if (report.firstSkipped.length < QUOTED_SKIPS) report.firstSkipped.push(error.message);
  }

  get skipped(): number {
    return this.report.skipped;
  }

  finish(interactions: number): ReadReport {
    this.report.interactions = interactions;
    return this.report;
  }
}
