/** Opens the event store a command line names: a postgres:// URL, or a SQLite file path. */
import { existsSync } from 'node:fs';
import type { EventStore } from '../store/event-store.js';
import { SqliteEventStore, type SqliteStoreOptions } from '../store/sqlite-store.js';

export function isPostgresUrl(spec: string): boolean {
  return /^postgres(ql)?:\/\//i.test(spec);
}

/** A printable name of a store location, without the password of a URL. */
export function describeStoreLocation(spec: string): string {
  if (!isPostgresUrl(spec)) return `SQLite ${spec}`;
  try {
    const url = new URL(spec);
    if (url.password !== '') url.password = '***';
    return `PostgreSQL ${url.toString()}`;
  } catch {
    return 'PostgreSQL (unparsable URL)';
  }
}

/**
 * `sqlite` applies to a SQLite file only: a PostgreSQL store may be written by other replicas, which
 * an in-memory copy of its events would not see, so it reads the database every time.
 */
export async function openEventStore(spec: string, sqlite: Pick<SqliteStoreOptions, 'recentEvents' | 'synchronous'> = {}): Promise<EventStore> {
  if (!isPostgresUrl(spec)) return new SqliteEventStore(spec, Date.now, sqlite);
  // Loaded only when asked for, so SQLite users never load the PostgreSQL client.
  const { PostgresEventStore } = await import('../store/postgres-store.js');
  return PostgresEventStore.open({ connectionString: spec });
}

/**
 * Opens a store that must already exist (for commands that read it, like
 * train-store): a mistyped SQLite path is an error, not a new empty database.
 */
export async function openExistingEventStore(spec: string): Promise<EventStore> {
  if (!isPostgresUrl(spec) && !existsSync(spec)) {
    throw new Error(`no event store at ${spec}: check --store, or load events first (recoder import -d DATASET --store ${spec}, or POST /v1/events)`);
  }
  return openEventStore(spec);
}
