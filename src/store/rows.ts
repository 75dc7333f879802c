/** Row shapes and conversions shared by the SQLite and PostgreSQL stores (same schema in both). */
import { StoreInputError, type EventRecord, type Page } from './event-store.js';

export interface EventRow {
  sequence: number;
  event_key: string;
  user_id: string;
  item_id: string;
  type: string;
  value: number | null;
  timestamp_ms: number;
}

export const toEvent = (row: EventRow): EventRecord => ({
  // A client's own id is stored as 'id:<id>'; a derived key is returned as it is.
  id: row.event_key.startsWith('id:') ? row.event_key.slice(3) : row.event_key,
  userId: row.user_id,
  itemId: row.item_id,
  type: row.type,
  value: row.value,
  timestampMs: row.timestamp_ms,
  sequence: row.sequence,
});

/** A page from `limit + 1` fetched rows: the extra row only tells that there is a next page. */
export function pageOf<T, R>(rows: R[], limit: number, convert: (row: R) => T, cursor: (row: R) => string): Page<T> {
  const hasMore = rows.length > limit;
  const kept = hasMore ? rows.slice(0, limit) : rows;
  return { records: kept.map(convert), next: hasMore ? cursor(kept[kept.length - 1]!) : null };
}

export function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new StoreInputError(`limit must be an integer in 1..10000, got ${limit}`);
}

/** The `after` cursor of an event listing: a sequence number from a previous page. */
export function eventCursor(after: string | undefined): number {
  const value = after === undefined ? 0 : Number(after);
  if (!Number.isSafeInteger(value) || value < 0) throw new StoreInputError(`after must be a cursor from a previous page, got '${after}'`);
  return value;
}
