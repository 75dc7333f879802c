/**
 * The event store on PostgreSQL, for when one machine is not enough: the same
 * schema and behaviour as the SQLite store (test/store/contract.ts runs on
 * both). Batches are single statements over unnest()ed arrays inside one
 * transaction; ids compare with COLLATE "C" so paging cursors order exactly
 * as in SQLite.
 */
import pg from 'pg';
import { checkEvent, checkId, eventKey } from './event-key.js';
import { checkLimit, eventCursor, pageOf, toEvent, type EventRow } from './rows.js';
import {
  StoreInputError,
  StoreUnavailableError,
  type EventInput,
  type EventQuery,
  type EventRecord,
  type EventStore,
  type ItemInput,
  type ItemRecord,
  type ListOptions,
  type Page,
  type PopularItemsQuery,
  type StoreCounts,
  type UserInput,
  type UserRecord,
} from './event-store.js';

const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS users (
  id TEXT COLLATE "C" PRIMARY KEY,
  attributes JSONB NOT NULL DEFAULT '{}',
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
  id TEXT COLLATE "C" PRIMARY KEY,
  categories JSONB NOT NULL DEFAULT '[]',
  attributes JSONB NOT NULL DEFAULT '{}',
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS item_categories (
  item_id TEXT COLLATE "C" NOT NULL REFERENCES items(id) ON DELETE CASCADE,
  category TEXT NOT NULL,
  PRIMARY KEY (category, item_id)
);
CREATE TABLE IF NOT EXISTS events (
  sequence BIGSERIAL PRIMARY KEY,
  event_key TEXT NOT NULL UNIQUE,
  user_id TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  item_id TEXT COLLATE "C" NOT NULL REFERENCES items(id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  value DOUBLE PRECISION,
  timestamp_ms BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_user ON events(user_id, timestamp_ms);
-- (item_id, user_id) covers popularity counts (distinct users per item) without touching rows.
CREATE INDEX IF NOT EXISTS events_by_item_user ON events(item_id, user_id);
CREATE INDEX IF NOT EXISTS events_by_time ON events(timestamp_ms);
-- Upserting an item replaces its categories: find them by item, not by scanning.
CREATE INDEX IF NOT EXISTS item_categories_by_item ON item_categories(item_id);
`;

// BIGINT columns come back as strings by default; every one here (times, counts, sequences) fits a double exactly.
const numericTypes = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === pg.types.builtins.INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

interface UserRow { id: string; attributes: Record<string, unknown>; created_at_ms: number; updated_at_ms: number }
interface ItemRow { id: string; categories: string[]; attributes: Record<string, unknown>; created_at_ms: number; updated_at_ms: number }

const toUser = (row: UserRow): UserRecord => ({ id: row.id, attributes: row.attributes, createdAtMs: row.created_at_ms, updatedAtMs: row.updated_at_ms });
const toItem = (row: ItemRow): ItemRecord => ({
  id: row.id,
  categories: row.categories,
  attributes: row.attributes,
  createdAtMs: row.created_at_ms,
  updatedAtMs: row.updated_at_ms,
});



export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database */
  readonly connectionString: string;
  /** Schema holding the tables (created if missing); default 'public'. */
  readonly schema?: string;
  readonly maxConnections?: number;
  readonly now?: () => number;
  /** How long to wait for a new connection before a query fails as unavailable. Default 5 s. */
  readonly connectTimeoutMs?: number;
  /** application_name of the connections (shown in pg_stat_activity). Default 'recoder'. */
  readonly applicationName?: string;
  /**
   * Called when the database drops an idle pooled connection (a restart,
   * pg_terminate_backend, an idle timeout, a proxy cut). The pool discards
   * that connection and opens a new one on the next query. Default: one line
   * on stderr.
   */
  readonly onConnectionError?: (error: Error) => void;
}

/** SQLSTATE classes and codes, and socket errors, that mean the database is away rather than that the query is wrong. */
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0[1-4]$)/;
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN']);

function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_ERRNO.has(code))) return true;
  // node-postgres' own messages for a connection that ended or timed out.
  return /Connection terminated|connection timeout|Client has encountered a connection error|Connection is closed/i.test(error.message);
}

/** A database error as StoreUnavailableError when the database is away; other errors unchanged. */
function classify(error: unknown): unknown {
  return isUnavailable(error) ? new StoreUnavailableError(`PostgreSQL is unavailable: ${(error as Error).message}`, { cause: error }) : error;
}

export class PostgresEventStore implements EventStore {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly now: () => number;

  private constructor(pool: pg.Pool, now: () => number) {
    this.pool = pool;
    this.now = now;
  }

  /** Connects and creates the schema and tables when missing. */
  static async open(options: PostgresStoreOptions): Promise<PostgresEventStore> {
    const schema = options.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`PostgreSQL schema name '${schema}' must be lower-case letters, digits and '_'`);
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 8,
      types: numericTypes,
      options: `-c search_path=${schema}`,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      application_name: options.applicationName ?? 'recoder',
    });
    // Without a listener, an idle connection that the database drops is an unhandled 'error' event,
    // which ends the process. The pool has already discarded that connection; the next query opens another.
    const onConnectionError =
      options.onConnectionError ?? ((error: Error) => process.stderr.write(`recoder: PostgreSQL dropped an idle connection (${error.message}); reconnecting on the next query\n`));
    pool.on('error', (error) => onConnectionError(error));
    try {
      const client = await pool.connect();
      try {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await client.query('BEGIN');
        // Serialise concurrent first starts of several servers on one database.
        await client.query("SELECT pg_advisory_xact_lock(hashtext('recoder-schema'))");
        await client.query(SCHEMA_SQL);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end();
      throw new Error(`cannot open the PostgreSQL store (${redact(options.connectionString)}): ${(error as Error).message}`);
    }
    return new PostgresEventStore(pool, options.now ?? Date.now);
  }

  /** pool.query, with a lost database reported as StoreUnavailableError. */
  private async query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(text, values);
    } catch (error) {
      throw classify(error);
    }
  }

  private async transaction<T>(body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    try {
      return await this.transactionOnce(body);
    } catch (error) {
      throw classify(error);
    }
  }

  private async transactionOnce<T>(body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let failure: unknown;
    try {
      await client.query('BEGIN');
      const result = await body(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      failure = error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      // A connection that failed is destroyed, not given back to the pool for reuse.
      client.release(isUnavailable(failure) ? (failure as Error) : undefined);
    }
  }


  async upsertUsers(users: readonly UserInput[]): Promise<{ inserted: number; updated: number }> {
    users.forEach((u, i) => checkId('user', u.id, i));
    if (users.length === 0) return { inserted: 0, updated: 0 };
    const now = this.now();
    // Later entries for the same id win, as in a loop of single upserts.
    const last = new Map(users.map((u) => [u.id, u]));
    const result = await this.query<{ inserted: boolean }>(
      `INSERT INTO users (id, attributes, created_at_ms, updated_at_ms)
       SELECT id, attributes::jsonb, $3, $3 FROM unnest($1::text[], $2::text[]) AS t(id, attributes)
       ON CONFLICT (id) DO UPDATE SET attributes = excluded.attributes, updated_at_ms = excluded.updated_at_ms
       RETURNING (xmax = 0) AS inserted`,
      [[...last.keys()], [...last.values()].map((u) => JSON.stringify(u.attributes ?? {})), now],
    );
    const inserted = result.rows.filter((r) => r.inserted).length;
    return { inserted, updated: users.length - inserted };
  }

  async getUser(id: string): Promise<UserRecord | null> {
    const { rows } = await this.query<UserRow>('SELECT * FROM users WHERE id = $1', [id]);
    return rows[0] ? toUser(rows[0]) : null;
  }

  async listUsers(options: ListOptions): Promise<Page<UserRecord>> {
    checkLimit(options.limit);
    const { rows } = await this.query<UserRow>('SELECT * FROM users WHERE id > $1 ORDER BY id LIMIT $2', [options.after ?? '', options.limit + 1]);
    return pageOf(rows, options.limit, toUser, (r) => r.id);
  }

  async deleteUser(id: string): Promise<boolean> {
    return ((await this.query('DELETE FROM users WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }

  async upsertItems(items: readonly ItemInput[]): Promise<{ inserted: number; updated: number }> {
    items.forEach((item, i) => {
      checkId('item', item.id, i);
      if (item.categories && !item.categories.every((c) => typeof c === 'string' && c !== '')) {
        throw new StoreInputError(`item ${i}: categories must be non-empty strings`);
      }
    });
    if (items.length === 0) return { inserted: 0, updated: 0 };
    const now = this.now();
    const last = new Map(items.map((item) => [item.id, { ...item, categories: [...new Set(item.categories ?? [])] }]));
    const ids = [...last.keys()];
    return this.transaction(async (client) => {
      const result = await client.query<{ inserted: boolean }>(
        `INSERT INTO items (id, categories, attributes, created_at_ms, updated_at_ms)
         SELECT id, categories::jsonb, attributes::jsonb, $4, $4 FROM unnest($1::text[], $2::text[], $3::text[]) AS t(id, categories, attributes)
         ON CONFLICT (id) DO UPDATE SET categories = excluded.categories, attributes = excluded.attributes, updated_at_ms = excluded.updated_at_ms
         RETURNING (xmax = 0) AS inserted`,
        [ids, [...last.values()].map((i) => JSON.stringify(i.categories)), [...last.values()].map((i) => JSON.stringify(i.attributes ?? {})), now],
      );
      await client.query('DELETE FROM item_categories WHERE item_id = ANY($1::text[])', [ids]);
      const pairs = [...last.values()].flatMap((i) => i.categories.map((c) => [i.id, c] as const));
      if (pairs.length > 0) {
        await client.query('INSERT INTO item_categories (item_id, category) SELECT * FROM unnest($1::text[], $2::text[])', [
          pairs.map((p) => p[0]),
          pairs.map((p) => p[1]),
        ]);
      }
      const inserted = result.rows.filter((r) => r.inserted).length;
      return { inserted, updated: items.length - inserted };
    });
  }

  async getItem(id: string): Promise<ItemRecord | null> {
    const { rows } = await this.query<ItemRow>('SELECT * FROM items WHERE id = $1', [id]);
    return rows[0] ? toItem(rows[0]) : null;
  }

  async getItems(ids: readonly string[]): Promise<Map<string, ItemRecord>> {
    const { rows } = await this.query<ItemRow>('SELECT * FROM items WHERE id = ANY($1::text[])', [[...new Set(ids)]]);
    return new Map(rows.map((row) => [row.id, toItem(row)]));
  }

  async listItems(options: ListOptions & { readonly category?: string }): Promise<Page<ItemRecord>> {
    checkLimit(options.limit);
    const after = options.after ?? '';
    const { rows } =
      options.category === undefined
        ? await this.query<ItemRow>('SELECT * FROM items WHERE id > $1 ORDER BY id LIMIT $2', [after, options.limit + 1])
        : await this.query<ItemRow>(
            `SELECT items.* FROM items JOIN item_categories c ON c.item_id = items.id
             WHERE c.category = $1 AND items.id > $2 ORDER BY items.id LIMIT $3`,
            [options.category, after, options.limit + 1],
          );
    return pageOf(rows, options.limit, toItem, (r) => r.id);
  }

  async deleteItem(id: string): Promise<boolean> {
    return ((await this.query('DELETE FROM items WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }

  async itemCategories(ids: readonly string[]): Promise<Map<string, readonly string[]>> {
    const { rows } = await this.query<{ id: string; categories: string[] }>(
      'SELECT id, categories FROM items WHERE id = ANY($1::text[]) ORDER BY id',
      [[...new Set(ids)]],
    );
    return new Map(rows.map((r) => [r.id, r.categories]));
  }

  async insertEvents(events: readonly EventInput[]): Promise<{ inserted: number; duplicates: number }> {
    events.forEach(checkEvent);
    if (events.length === 0) return { inserted: 0, duplicates: 0 };
    const now = this.now();
    return this.transaction(async (client) => {
      await client.query(
        'INSERT INTO users (id, created_at_ms, updated_at_ms) SELECT DISTINCT id, $2::bigint, $2::bigint FROM unnest($1::text[]) AS t(id) ON CONFLICT DO NOTHING',
        [events.map((e) => e.userId), now],
      );
      await client.query(
        'INSERT INTO items (id, created_at_ms, updated_at_ms) SELECT DISTINCT id, $2::bigint, $2::bigint FROM unnest($1::text[]) AS t(id) ON CONFLICT DO NOTHING',
        [events.map((e) => e.itemId), now],
      );
      // WITH ORDINALITY keeps the batch order in the sequence numbers.
      const result = await client.query(
        `INSERT INTO events (event_key, user_id, item_id, type, value, timestamp_ms)
         SELECT k, u, i, t, v, ts FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::bigint[])
           WITH ORDINALITY AS b(k, u, i, t, v, ts, n) ORDER BY n
         ON CONFLICT (event_key) DO NOTHING`,
        [
          events.map(eventKey),
          events.map((e) => e.userId),
          events.map((e) => e.itemId),
          events.map((e) => e.type),
          events.map((e) => e.value ?? null),
          events.map((e) => e.timestampMs),
        ],
      );
      const inserted = result.rowCount ?? 0;
      return { inserted, duplicates: events.length - inserted };
    });
  }

  async listEvents(query: EventQuery): Promise<Page<EventRecord>> {
    checkLimit(query.limit);
    const after = eventCursor(query.after);
    const conditions = ['sequence > $1'];
    const params: (string | number)[] = [after];
    if (query.userId !== undefined) {
      params.push(query.userId);
      conditions.push(`user_id = $${params.length}`);
    }
    if (query.itemId !== undefined) {
      params.push(query.itemId);
      conditions.push(`item_id = $${params.length}`);
    }
    params.push(query.limit + 1);
    const { rows } = await this.query<EventRow>(
      `SELECT * FROM events WHERE ${conditions.join(' AND ')} ORDER BY sequence LIMIT $${params.length}`,
      params,
    );
    return pageOf(rows, query.limit, toEvent, (r) => String(r.sequence));
  }

  async deleteEvents(query: { readonly userId?: string; readonly itemId?: string }): Promise<number> {
    if (query.userId === undefined && query.itemId === undefined) throw new StoreInputError('deleteEvents needs a userId or an itemId');
    const conditions: string[] = [];
    const params: string[] = [];
    if (query.userId !== undefined) {
      params.push(query.userId);
      conditions.push(`user_id = $${params.length}`);
    }
    if (query.itemId !== undefined) {
      params.push(query.itemId);
      conditions.push(`item_id = $${params.length}`);
    }
    return (await this.query(`DELETE FROM events WHERE ${conditions.join(' AND ')}`, params)).rowCount ?? 0;
  }

  async userEvents(userId: string, options: { readonly limit?: number } = {}): Promise<readonly EventRecord[]> {
    if (options.limit === undefined) {
      const { rows } = await this.query<EventRow>('SELECT * FROM events WHERE user_id = $1 ORDER BY timestamp_ms, sequence', [userId]);
      return rows.map(toEvent);
    }
    checkLimit(options.limit);
    const { rows } = await this.query<EventRow>(
      'SELECT * FROM (SELECT * FROM events WHERE user_id = $1 ORDER BY timestamp_ms DESC, sequence DESC LIMIT $2) AS newest ORDER BY timestamp_ms, sequence',
      [userId, options.limit],
    );
    return rows.map(toEvent);
  }

  async *exportEvents(batchSize = 50_000): AsyncIterable<readonly EventRecord[]> {
    let after = 0;
    for (;;) {
      const { rows } = await this.query<EventRow>('SELECT * FROM events WHERE sequence > $1 ORDER BY sequence LIMIT $2', [after, batchSize]);
      if (rows.length === 0) return;
      after = rows[rows.length - 1]!.sequence;
      yield rows.map(toEvent);
    }
  }

  async popularItems(query: PopularItemsQuery): Promise<readonly { itemId: string; users: number }[]> {
    checkLimit(query.limit);
    const conditions: string[] = [];
    const params: unknown[] = [];
    let join = '';
    if (query.category !== undefined) {
      params.push(query.category);
      join = `JOIN item_categories c ON c.item_id = e.item_id AND c.category = $${params.length}`;
    }
    if (query.sinceMs !== undefined) {
      params.push(query.sinceMs);
      conditions.push(`e.timestamp_ms >= $${params.length}`);
    }
    if (query.excludeItemIds && query.excludeItemIds.length > 0) {
      params.push([...query.excludeItemIds]);
      conditions.push(`NOT (e.item_id = ANY($${params.length}::text[]))`);
    }
    params.push(query.limit);
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const { rows } = await this.query<{ itemId: string; users: number }>(
      `SELECT e.item_id AS "itemId", COUNT(DISTINCT e.user_id) AS users FROM events e ${join} ${where}
       GROUP BY e.item_id ORDER BY users DESC, e.item_id LIMIT $${params.length}`,
      params,
    );
    return rows;
  }

  async counts(): Promise<StoreCounts> {
    const { rows } = await this.query<StoreCounts>(
      'SELECT (SELECT COUNT(*) FROM users) AS users, (SELECT COUNT(*) FROM items) AS items, (SELECT COUNT(*) FROM events) AS events',
    );
    return rows[0]!;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** The connection string without its password, for messages. */
function redact(connectionString: string): string {
  return connectionString.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
