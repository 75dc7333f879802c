import { IdMap } from '../id-map.js';
import { InteractionLogBuilder, type AttributeTable, type Dataset } from '../interactions.js';
import { DataFormatError, type ReadReport } from '../errors.js';
import type { ReadReportBuilder } from './report.js';

/**
 * Where readers put interactions: external ids go through the user and item
 * IdMaps, everything else straight into the typed arrays of an
 * InteractionLogBuilder, so no per-line object outlives its line.
 * Callers validate a whole line before calling `add`, so a bad line never
 * leaves a user or item without interactions in the maps.
 */
export class InteractionSink {
  readonly users = new IdMap();
  readonly items = new IdMap();
  private readonly log = new InteractionLogBuilder();

  add(userId: string, itemId: string, value = Number.NaN, timestamp = Number.NaN, eventType?: string): void {
    this.log.push(this.users.add(userId), this.items.add(itemId), value, timestamp, eventType);
  }

  get length(): number {
    return this.log.length;
  }

  /**
   * Throws when nothing was read from `file`: every line was bad, or the file
   * held only a header. Readers call it before reading attribute files.
   */
  requireInteractions(file: string, report: ReadReportBuilder): void {
    if (this.length > 0) return;
    const reason =
      report.skipped > 0
        ? `no valid interactions: all ${report.skipped} data lines were skipped as malformed`
        : 'no interactions: the file has no data lines';
    throw new DataFormatError({ file, line: 0, reason, problem: 'no interactions' });
  }

  /** The dataset, with `report` finished to match it. */
  finish(
    report: ReadReportBuilder,
    description: {
      name: string;
      hasRatings: boolean;
      hasTimestamps: boolean;
      itemAttributes?: AttributeTable;
      userAttributes?: AttributeTable;
    },
  ): { dataset: Dataset; report: ReadReport } {
    const dataset: Dataset = { ...description, users: this.users, items: this.items, interactions: this.log.build() };
    return { dataset, report: report.finish(dataset.interactions.length) };
  }
}
