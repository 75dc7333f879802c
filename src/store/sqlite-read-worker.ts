/**
 * The entry point of the SQLite store's read worker (sqlite-reader.ts): a thread
 * with its own read-only connection that answers `{ id, sql, params }` with
 * `{ id, rows }` or `{ id, error }`. better-sqlite3 runs a query synchronously
 * on the calling thread, so a scan that takes a second would otherwise stop
 * the service's event loop for that second; WAL mode lets this connection read
 * committed data while the main connection writes.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

interface ReadRequest {
  readonly id: number;
  readonly sql: string;
  readonly params: readonly (string | number)[];
}

const { path } = workerData as { path: string };
const db = new Database(path, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
const statements = new Map<string, Database.Statement<unknown[]>>();

parentPort!.on('message', (request: ReadRequest) => {
  try {
    let statement = statements.get(request.sql);
    if (statement === undefined) {
      statement = db.prepare(request.sql);
      statements.set(request.sql, statement);
    }
    parentPort!.postMessage({ id: request.id, rows: statement.all(...request.params) });
  } catch (error) {
    parentPort!.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) });
  }
});
