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

/** Checks what every store requires of an event (the HTTP schema checks shapes before this). */
export function checkEvent(event: EventInput, position: number): void {
  const where = `event ${position}`;
  if (typeof event.userId !== 'string' || event.userId === '') throw new StoreInputError(`${where}: userId must be a non-empty string`);
  if (typeof event.itemId !== 'string' || event.itemId === '') throw new StoreInputError(`${where}: itemId must be a non-empty string`);
  if (typeof event.type !== 'string' || event.type === '') throw new StoreInputError(`${where}: type must be a non-empty string`);
  if (!Number.isSafeInteger(event.timestampMs)) throw new StoreInputError(`${where}: timestampMs must be an integer number of milliseconds`);
  if (event.value !== undefined && event.value !== null && !Number.isFinite(event.value)) {
    throw new StoreInputError(`${where}: value must be a finite number or null`);
  }
}

export function checkId(kind: 'user' | 'item', id: unknown, position: number): void {
  if (typeof id !== 'string' || id === '') throw new StoreInputError(`${kind} ${position}: id must be a non-empty string`);
}
