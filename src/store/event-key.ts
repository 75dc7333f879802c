import { createHash } from 'node:crypto';
import { StoreInputError, type EventInput } from './event-store.js';

/** The idempotency key of an event: its own id, or a hash of what makes it the same event. */
export function eventKey(event: EventInput): string {
  if (event.id !== undefined) return `id:${event.id}`;
  const value = event.value ?? null;
  return (
    'h:' +
    createHash('sha256')
      .update(JSON.stringify([event.userId, event.itemId, event.type, event.timestampMs, value]))
      .digest('base64url')
      .slice(0, 32)
  );
}

/**
 * NUL characters and unpaired surrogates: PostgreSQL refuses the first in TEXT and both in JSONB, and
 * SQLite would store what PostgreSQL refuses, so both stores refuse them alike.
 */
const ILL_FORMED_TEXT = /[\u0000\ud800-\udfff]/u;

function checkText(where: string, field: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') throw new StoreInputError(`${where}: ${field} must be a non-empty string`);
  if (ILL_FORMED_TEXT.test(value)) throw new StoreInputError(`${where}: ${field} contains a NUL character or an unpaired UTF-16 surrogate`);
}

/** Checks what every store requires of an event (the HTTP schema checks shapes before this). */
export function checkEvent(event: EventInput, position: number): void {
  const where = `event ${position}`;
  checkText(where, 'userId', event.userId);
  checkText(where, 'itemId', event.itemId);
  checkText(where, 'type', event.type);
  if (!Number.isSafeInteger(event.timestampMs)) throw new StoreInputError(`${where}: timestampMs must be an integer number of milliseconds`);
  if (event.value !== undefined && event.value !== null && !Number.isFinite(event.value)) {
    throw new StoreInputError(`${where}: value must be a finite number or null`);
  }
}

export function checkId(kind: 'user' | 'item', id: unknown, position: number): void {
  checkText(`${kind} ${position}`, 'id', id);
}
