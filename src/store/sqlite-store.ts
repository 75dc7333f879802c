/**
 * The embedded event store: one SQLite file in WAL mode (readers never block
 * the writer), every batch in one transaction, synchronous=FULL so an
 * acknowledged write survives a crash or SIGKILL (`synchronous: 'normal'` trades
 * the power-loss half of that for not waiting on the disk at every commit).
 *
 * Reads on the recommendation path are answered from memory when they can: the
 * newest events of recently asked-for users (recent-events-cache.ts) and item
 * records (item-record-cache.ts). This store updates both on its own writes, and
 * `PRAGMA data_version` tells it when another connection (a `recoder import`, a
 * second process) committed, which clears them: answers never differ from the
 * database's.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { checkEvent, checkId, eventKey } from './event-key.js';
import { ItemRecordCache } from './item-record-cache.js';
import { RecentEventsCache, type RecentEventsCacheOptions } from './recent-events-cache.js';
import { checkLimit, eventCursor, pageOf, toEvent, type EventRow } from './rows.js';
import { SqliteReadWorker } from './sqlite-reader.js';
import {
  StoreInputError,
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

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY,
  attributes TEXT NOT NULL DEFAULT '{}',
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
  id TEXT PRIMARY KEY,
  categories TEXT NOT NULL DEFAULT '[]',
  attributes TEXT NOT NULL DEFAULT '{}',
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS item_categories (
  item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
  category TEXT NOT NULL,
  PRIMARY KEY (category, item_id)
);
CREATE TABLE IF NOT EXISTS events (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  event_key TEXT NOT NULL UNIQUE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  item_id TEXT NOT NULL REFERENCES items(id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  value REAL,
  timestamp_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_user ON events(user_id, timestamp_ms);
-- (item_id, user_id) covers popularity counts (distinct users per item) without touching rows.
CREATE INDEX IF NOT EXISTS events_by_item_user ON events(item_id, user_id);
CREATE INDEX IF NOT EXISTS events_by_time ON events(timestamp_ms);
-- Upserting an item replaces its categories: find them by item, not by scanning.
CREATE INDEX IF NOT EXISTS item_categories_by_item ON item_categories(item_id);
`;

interface UserRow { id: string; attributes: string; created_at_ms: number; updated_at_ms: number }
interface ItemRow { id: string; categories: string; attributes: string; created_at_ms: number; updated_at_ms: number }

const toUser = (row: UserRow): UserRecord => ({
  id: row.id,
  attributes: JSON.parse(row.attributes) as Record<string, unknown>,
  createdAtMs: row.created_at_ms,
  updatedAtMs: row.updated_at_ms,
});
const toItem = (row: ItemRow): ItemRecord => ({
  id: row.id,
  categories: JSON.parse(row.categories) as string[],
  attributes: JSON.parse(row.attributes) as Record<string, unknown>,
  createdAtMs: row.created_at_ms,
  updatedAtMs: row.updated_at_ms,
});



export interface SqliteStoreOptions {
  /** False runs the event scans on the caller's thread (for comparison in bench/store-popular.ts). */
  readonly readOnWorker?: boolean;
  /** The newest events of recently asked-for users, in memory; false reads the database every time. */
  readonly recentEvents?: RecentEventsCacheOptions | false;
  /** Item records held in memory; 0 holds none. Default 100,000. */
  readonly cachedItems?: number;
  /** Commit the event batches that arrive in one event-loop turn together (flushInserts); default true. */
  readonly groupCommit?: boolean;
  /**
   * 'full' (default): every commit waits for the disk, so an acknowledged write survives a power
   * loss or OS crash as well as a killed process. 'normal': commits do not wait (the WAL reaches
   * the disk at checkpoints), so an acknowledged write survives a killed process but the last ones
   * may be lost with the machine; the disk wait (about 4 ms a commit here, the event loop stopped
   * meanwhile) was a fifth of the server's time with one request in ten an event batch.
   */
  readonly synchronous?: 'full' | 'normal';
}

/** 1,000 per user is the service's default --max-user-events; 2,000,000 events (all of ml-1m twice over) take about 400 MB. */
export const DEFAULT_RECENT_EVENTS_CACHE: RecentEventsCacheOptions = { eventsPerUser: 1000, maxEvents: 2_000_000 };
export const DEFAULT_CACHED_ITEMS = 100_000;

export class SqliteEventStore implements EventStore {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  /** Where the event scans run for a file store (sqlite-reader.ts); in-thread for ':memory:', which no other connection can see. */
  private readonly reader: SqliteReadWorker | undefined;
  private readonly recentEvents: RecentEventsCache | undefined;
  private readonly items: ItemRecordCache;
  /** Prepared once: preparing a statement per call was 5 % of the server's time. */
  private readonly statements = new Map<string, Database.Statement<unknown[]>>();
  /** The last `PRAGMA data_version` seen: it changes when another connection commits. */
  private dataVersion: number;
  private readonly groupCommit: boolean;
  /** Event batches waiting for this turn's commit, in call order. */
  private pendingInserts: { readonly events: readonly EventInput[]; readonly resolve: (result: { inserted: number; duplicates: number }) => void; readonly reject: (error: unknown) => void }[] = [];

  /** Opens (creating if needed) the store in `path`; ':memory:' for a throwaway one. */
  constructor(readonly path: string, now: () => number = Date.now, options: SqliteStoreOptions = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.now = now;
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    this.reader = path === ':memory:' || options.readOnWorker === false ? undefined : new SqliteReadWorker(path);
    const recentEvents = options.recentEvents ?? DEFAULT_RECENT_EVENTS_CACHE;
    this.recentEvents = recentEvents === false ? undefined : new RecentEventsCache(recentEvents);
    this.items = new ItemRecordCache(options.cachedItems ?? DEFAULT_CACHED_ITEMS);
    this.dataVersion = this.readDataVersion();
    this.groupCommit = options.groupCommit ?? true;
  }

  private readonly now: () => number;

  /** Users and events the recent-events cache holds (null when it is off), and item records held. */
  cacheStats(): { readonly recentEvents: { users: number; events: number; heldFor: (userId: string) => number | undefined } | null; readonly items: number } {
    const cache = this.recentEvents;
    return { recentEvents: cache === undefined ? null : { ...cache.stats, heldFor: (userId) => cache.heldFor(userId) }, items: this.items.size };
  }

  private statement<Params extends unknown[], Row>(sql: string): Database.Statement<Params, Row> {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement as unknown as Database.Statement<Params, Row>;
  }

  private readDataVersion(): number {
    return this.statement<[], number>('PRAGMA data_version').pluck().get() as number;
  }

  /** Clears what memory holds when another connection has committed since the last look (a cheap pragma). */
  private syncWithOtherWriters(): void {
    const version = this.readDataVersion();
    if (version === this.dataVersion) return;
    this.dataVersion = version;
    this.recentEvents?.clear();
    this.items.clear();
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(`${this.path}: store schema version ${version} is newer than this recoder's (${SCHEMA_VERSION})`);
    }
    this.db.transaction(() => {
      this.db.exec(SCHEMA);
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    })();
  }

  async upsertUsers(users: readonly UserInput[]): Promise<{ inserted: number; updated: number }> {
    // Event batches waiting for their commit go first: writes take effect in call order.
    this.flushInserts();
    users.forEach((u, i) => checkId('user', u.id, i));
    const now = this.now();
    const exists = this.db.prepare<[string], { one: number }>('SELECT 1 AS one FROM users WHERE id = ?');
    const upsert = this.db.prepare(
      `INSERT INTO users (id, attributes, created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET attributes = excluded.attributes, updated_at_ms = excluded.updated_at_ms`,
    );
    return this.db.transaction(() => {
      let inserted = 0;
      for (const user of users) {
        if (!exists.get(user.id)) inserted++;
        upsert.run(user.id, JSON.stringify(user.attributes ?? {}), now, now);
      }
      return { inserted, updated: users.length - inserted };
    })();
  }

  async getUser(id: string): Promise<UserRecord | null> {
    const row = this.db.prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?').get(id);
    return row ? toUser(row) : null;
  }

  async listUsers(options: ListOptions): Promise<Page<UserRecord>> {
    checkLimit(options.limit);
    const rows = this.db
      .prepare<[string, number], UserRow>('SELECT * FROM users WHERE id > ? ORDER BY id LIMIT ?')
      .all(options.after ?? '', options.limit + 1);
    return pageOf(rows, options.limit, toUser, (r) => r.id);
  }

  async deleteUser(id: string): Promise<boolean> {
    // Event batches waiting for their commit go first: writes take effect in call order.
    this.flushInserts();
    const deleted = this.db.prepare('DELETE FROM users WHERE id = ?').run(id).changes > 0;
    this.recentEvents?.drop(id);
    return deleted;
  }

  async upsertItems(items: readonly ItemInput[]): Promise<{ inserted: number; updated: number }> {
    // Event batches waiting for their commit go first: writes take effect in call order.
    this.flushInserts();
    items.forEach((item, i) => {
      checkId('item', item.id, i);
      if (item.categories && !item.categories.every((c) => typeof c === 'string' && c !== '')) {
        throw new StoreInputError(`item ${i}: categories must be non-empty strings`);
      }
    });
    const now = this.now();
    const exists = this.db.prepare<[string], { one: number }>('SELECT 1 AS one FROM items WHERE id = ?');
    const upsert = this.db.prepare(
      `INSERT INTO items (id, categories, attributes, created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET categories = excluded.categories, attributes = excluded.attributes,
         updated_at_ms = excluded.updated_at_ms`,
    );
    const clearCategories = this.db.prepare('DELETE FROM item_categories WHERE item_id = ?');
    const addCategory = this.db.prepare('INSERT OR IGNORE INTO item_categories (item_id, category) VALUES (?, ?)');
    const result = this.db.transaction(() => {
      let inserted = 0;
      for (const item of items) {
        if (!exists.get(item.id)) inserted++;
        const categories = [...new Set(item.categories ?? [])];
        upsert.run(item.id, JSON.stringify(categories), JSON.stringify(item.attributes ?? {}), now, now);
        clearCategories.run(item.id);
        for (const category of categories) addCategory.run(item.id, category);
      }
      return { inserted, updated: items.length - inserted };
    })();
    for (const item of items) this.items.drop(item.id);
    return result;
  }

  async getItem(id: string): Promise<ItemRecord | null> {
    this.syncWithOtherWriters();
    return this.itemRecord(id);
  }

  async getItems(ids: readonly string[]): Promise<Map<string, ItemRecord>> {
    this.syncWithOtherWriters();
    const result = new Map<string, ItemRecord>();
    for (const id of new Set(ids)) {
      const record = this.itemRecord(id);
      if (record !== null) result.set(id, record);
    }
    return result;
  }

  /** An item's record from memory, else the database (callers check for other writers first, once per call). */
  private itemRecord(id: string): ItemRecord | null {
    const cached = this.items.get(id);
    if (cached !== undefined) return cached;
    const row = this.statement<[string], ItemRow>('SELECT * FROM items WHERE id = ?').get(id);
    if (!row) return null;
    const record = toItem(row);
    this.items.set(record);
    return record;
  }

  async listItems(options: ListOptions & { readonly category?: string }): Promise<Page<ItemRecord>> {
    checkLimit(options.limit);
    const after = options.after ?? '';
    const rows =
      options.category === undefined
        ? this.db.prepare<[string, number], ItemRow>('SELECT * FROM items WHERE id > ? ORDER BY id LIMIT ?').all(after, options.limit + 1)
        : this.db
            .prepare<[string, string, number], ItemRow>(
              `SELECT items.* FROM items JOIN item_categories c ON c.item_id = items.id
               WHERE c.category = ? AND items.id > ? ORDER BY items.id LIMIT ?`,
            )
            .all(options.category, after, options.limit + 1);
    return pageOf(rows, options.limit, toItem, (r) => r.id);
  }

  async deleteItem(id: string): Promise<boolean> {
    // Event batches waiting for their commit go first: writes take effect in call order.
    this.flushInserts();
    const deleted = this.db.prepare('DELETE FROM items WHERE id = ?').run(id).changes > 0;
    // Its events went with it (ON DELETE CASCADE).
    this.items.drop(id);
    this.recentEvents?.dropItem(id);
    return deleted;
  }

  async itemCategories(ids: readonly string[]): Promise<Map<string, readonly string[]>> {
    this.syncWithOtherWriters();
    const result = new Map<string, readonly string[]>();
    for (const id of new Set(ids)) {
      const record = this.itemRecord(id);
      if (record !== null) result.set(id, record.categories);
    }
    return result;
  }

  async insertEvents(events: readonly EventInput[]): Promise<{ inserted: number; duplicates: number }> {
    events.forEach(checkEvent);
    if (!this.groupCommit) return this.commitInserts([events])[0]!;
    return new Promise((resolve, reject) => {
      if (this.pendingInserts.length === 0) setImmediate(() => this.flushInserts());
      this.pendingInserts.push({ events, resolve, reject });
    });
  }

  /**
   * Commits the batches waiting since this event-loop turn began in one transaction: with
   * synchronous=FULL every commit waits for the disk (about 4 ms here, the event loop stopped
   * meanwhile), so one commit for all the batches that arrived together instead of one each.
   * Each batch is still whole or absent, and acknowledged only once committed; should the
   * shared transaction fail, each batch is committed alone, so one bad batch fails only itself.
   */
  private flushInserts(): void {
    const waiting = this.pendingInserts;
    if (waiting.length === 0) return;
    this.pendingInserts = [];
    try {
      const results = this.commitInserts(waiting.map((w) => w.events));
      waiting.forEach((w, i) => w.resolve(results[i]!));
    } catch (error) {
      if (waiting.length === 1) {
        waiting[0]!.reject(error);
        return;
      }
      for (const w of waiting) {
        try {
          w.resolve(this.commitInserts([w.events])[0]!);
        } catch (alone) {
          w.reject(alone);
        }
      }
    }
  }

  /** Stores the batches in one transaction; each batch's count of new events and duplicates. */
  private commitInserts(batches: readonly (readonly EventInput[])[]): { inserted: number; duplicates: number }[] {
    const now = this.now();
    const ensureUser = this.statement('INSERT OR IGNORE INTO users (id, created_at_ms, updated_at_ms) VALUES (?, ?, ?)');
    const ensureItem = this.statement('INSERT OR IGNORE INTO items (id, created_at_ms, updated_at_ms) VALUES (?, ?, ?)');
    const insert = this.statement('INSERT OR IGNORE INTO events (event_key, user_id, item_id, type, value, timestamp_ms) VALUES (?, ?, ?, ?, ?, ?)');
    const stored: EventRecord[] = [];
    const results = this.db.transaction(() => {
      stored.length = 0;
      return batches.map((events) => {
        let inserted = 0;
        for (const event of events) {
          ensureUser.run(event.userId, now, now);
          ensureItem.run(event.itemId, now, now);
          const key = eventKey(event);
          const run = insert.run(key, event.userId, event.itemId, event.type, event.value ?? null, event.timestampMs);
          inserted += run.changes;
          if (run.changes > 0 && this.recentEvents !== undefined) {
            stored.push(toEvent({ sequence: Number(run.lastInsertRowid), event_key: key, user_id: event.userId, item_id: event.itemId, type: event.type, value: event.value ?? null, timestamp_ms: event.timestampMs }));
          }
        }
        return { inserted, duplicates: events.length - inserted };
      });
    })();
    // Committed: the held users' newest events now include these, exactly as a read would return them.
    for (const record of stored) this.recentEvents?.append(record);
    return results;
  }

  async listEvents(query: EventQuery): Promise<Page<EventRecord>> {
    checkLimit(query.limit);
    const after = eventCursor(query.after);
    const conditions = ['sequence > ?'];
    const params: (string | number)[] = [after];
    if (query.userId !== undefined) {
      conditions.push('user_id = ?');
      params.push(query.userId);
    }
    if (query.itemId !== undefined) {
      conditions.push('item_id = ?');
      params.push(query.itemId);
    }
    const rows = this.db
      .prepare<(string | number)[], EventRow>(`SELECT * FROM events WHERE ${conditions.join(' AND ')} ORDER BY sequence LIMIT ?`)
      .all(...params, query.limit + 1);
    return pageOf(rows, query.limit, toEvent, (r) => String(r.sequence));
  }

  async deleteEvents(query: { readonly userId?: string; readonly itemId?: string }): Promise<number> {
    // Event batches waiting for their commit go first: writes take effect in call order.
    this.flushInserts();
    if (query.userId === undefined && query.itemId === undefined) throw new StoreInputError('deleteEvents needs a userId or an itemId');
    const conditions: string[] = [];
    const params: string[] = [];
    if (query.userId !== undefined) {
      conditions.push('user_id = ?');
      params.push(query.userId);
    }
    if (query.itemId !== undefined) {
      conditions.push('item_id = ?');
      params.push(query.itemId);
    }
    const deleted = this.db.prepare(`DELETE FROM events WHERE ${conditions.join(' AND ')}`).run(...params).changes;
    if (query.userId !== undefined) this.recentEvents?.drop(query.userId);
    else this.recentEvents?.dropItem(query.itemId!);
    return deleted;
  }

  async userEvents(userId: string, options: { readonly limit?: number } = {}): Promise<readonly EventRecord[]> {
    if (options.limit === undefined) {
      return this.statement<[string], EventRow>('SELECT * FROM events WHERE user_id = ? ORDER BY timestamp_ms, sequence').all(userId).map(toEvent);
    }
    checkLimit(options.limit);
    const cache = this.recentEvents;
    if (cache === undefined || options.limit > cache.options.eventsPerUser) return this.newestEvents(userId, options.limit);
    this.syncWithOtherWriters();
    const held = cache.get(userId, options.limit);
    if (held !== undefined) return held;
    // One bounded read fills the entry, whatever limit this call asked for.
    const newest = this.newestEvents(userId, cache.options.eventsPerUser);
    cache.fill(userId, newest);
    return newest.slice(Math.max(0, newest.length - options.limit));
  }

  /** The newest `limit` events through the (user_id, timestamp_ms) index, then back to oldest first. */
  private newestEvents(userId: string, limit: number): EventRecord[] {
    return this.statement<[string, number], EventRow>(
      'SELECT * FROM (SELECT * FROM events WHERE user_id = ? ORDER BY timestamp_ms DESC, sequence DESC LIMIT ?) ORDER BY timestamp_ms, sequence',
    )
      .all(userId, limit)
      .map(toEvent);
  }

  async *exportEvents(batchSize = 50_000): AsyncIterable<readonly EventRecord[]> {
    const select = this.db.prepare<[number, number], EventRow>('SELECT * FROM events WHERE sequence > ? ORDER BY sequence LIMIT ?');
    let after = 0;
    for (;;) {
      const rows = select.all(after, batchSize);
      if (rows.length === 0) return;
      after = rows[rows.length - 1]!.sequence;
      yield rows.map(toEvent);
    }
  }

  async popularItems(query: PopularItemsQuery): Promise<readonly { itemId: string; users: number }[]> {
    checkLimit(query.limit);
    const conditions: string[] = [];
    const params: (string | number)[] = [];
    let join = '';
    if (query.sinceMs !== undefined) {
      conditions.push('e.timestamp_ms >= ?');
      params.push(query.sinceMs);
    }
    if (query.category !== undefined) {
      join = 'JOIN item_categories c ON c.item_id = e.item_id AND c.category = ?';
      params.unshift(query.category);
    }
    const exclude = query.excludeItemIds ?? [];
    if (exclude.length > 0) {
      // One JSON array parameter, not one parameter per item: a user may have seen more items than
      // SQLite allows parameters in a statement (32,766).
      conditions.push('e.item_id NOT IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(exclude));
    }
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const sql = `SELECT e.item_id AS itemId, COUNT(DISTINCT e.user_id) AS users FROM events e ${join} ${where}
         GROUP BY e.item_id ORDER BY users DESC, e.item_id LIMIT ?`;
    if (!this.db.open) throw new Error(`${this.path}: the store is closed`);
    if (this.reader !== undefined) return this.reader.all<{ itemId: string; users: number }>(sql, [...params, query.limit]);
    return this.db.prepare<(string | number)[], { itemId: string; users: number }>(sql).all(...params, query.limit);
  }

  async counts(): Promise<StoreCounts> {
    const count = (table: string) => (this.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { users: count('users'), items: count('items'), events: count('events') };
  }

  async close(): Promise<void> {
    this.flushInserts();
    await this.reader?.close();
    if (this.db.open) this.db.close();
  }
}
