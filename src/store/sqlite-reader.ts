/**
 * Read-only queries of a file-backed SQLite store run on a worker thread
 * (sqlite-read-worker.ts) instead of the caller's. Used for the scans that grow
 * with the number of events (popular items over a window): measured on a store
 * holding ml-1m's 1,000,209 events, counting distinct users per item over a
 * window that covers them all took 1.1–1.2 s, all of it a stall of the
 * service's event loop when run in-thread.
 *
 * The worker starts on the first query and holds the process open only while a
 * query is pending, so a store that is never closed does not keep a CLI alive.
 */
import { Worker } from 'node:worker_threads';

type SqlParameter = string | number;

interface Pending {
  readonly resolve: (rows: unknown[]) => void;
  readonly reject: (error: Error) => void;
}

interface ReadReply {
  readonly id: number;
  readonly rows?: unknown[];
  readonly error?: string;
}

export class SqliteReadWorker {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly path: string) {}

  /** The rows of `sql` with `params`, read on the worker's connection. */
  all<Row>(sql: string, params: readonly SqlParameter[]): Promise<Row[]> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<Row[]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (rows: unknown[]) => void, reject });
      worker.ref();
      worker.postMessage({ id, sql, params });
    });
  }

  /** Stops the worker; queries still pending are rejected. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker !== undefined) await worker.terminate();
  }

  private start(): Worker {
    const worker = new Worker(new URL('./sqlite-read-worker.js', import.meta.url), { workerData: { path: this.path } });
    worker.unref();
    worker.on('message', (reply: ReadReply) => {
      const pending = this.pending.get(reply.id);
      if (pending === undefined) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (reply.error !== undefined) pending.reject(new Error(`${this.path}: ${reply.error}`));
      else pending.resolve(reply.rows ?? []);
    });
    // A worker that fails (it could not open the file) or is stopped fails what it had; the next query starts a new one.
    const failAll = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const pending of this.pending.values()) pending.reject(error);
      this.pending.clear();
    };
    worker.on('error', (error) => failAll(new Error(`${this.path}: SQLite read worker failed: ${error.message}`)));
    worker.on('exit', (code) => failAll(new Error(`${this.path}: SQLite read worker stopped (exit code ${code}) before answering`)));
    this.worker = worker;
    return worker;
  }
}
