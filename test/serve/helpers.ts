/**
 * Shared pieces of the service tests. Not a test file itself: the test runner
 * also runs this module, so it only exports.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp, type ServiceOptions } from '../../src/serve/app.js';
import { trainFromStore, type TrainingConfig, type TrainingResult } from '../../src/serve/training.js';
import type { EventInput, EventStore, ItemInput } from '../../src/store/event-store.js';
import { SqliteEventStore } from '../../src/store/sqlite-store.js';

export const READ_KEY = 'read-key-for-tests-0001';
export const ADMIN_KEY = 'admin-key-for-tests-0001';
export const asReader = { 'x-api-key': READ_KEY } as const;
export const asAdmin = { 'x-api-key': ADMIN_KEY } as const;

const madeDirs: string[] = [];

/** A fresh temporary directory, removed when the test process exits. */
export function tempDir(prefix = 'recoder-serve-'): string {
  if (madeDirs.length === 0) process.once('exit', () => madeDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const dir = mkdtempSync(join(tmpdir(), prefix));
  madeDirs.push(dir);
  return dir;
}

export const EASE_TRAINING: TrainingConfig = { model: 'ease', hyperParameters: { lambda: 1 }, filter: {}, minItemUsers: 1, keepVersions: 5 };

export interface TestService {
  readonly app: FastifyInstance;
  readonly store: EventStore;
  readonly modelDir: string;
  close(): Promise<void>;
}

/** An app on a fresh SQLite file (or the given store), no rate limit, no watcher, no popular cache, unless options say otherwise. */
export async function openTestService(options: Partial<ServiceOptions> = {}): Promise<TestService> {
  const dir = tempDir();
  const store = options.store ?? new SqliteEventStore(join(dir, 'events.sqlite'));
  const modelDir = options.modelDir ?? join(dir, 'models');
  const app = await buildApp({
    store,
    modelDir,
    apiKeys: { read: [READ_KEY], admin: [ADMIN_KEY] },
    rateLimit: false,
    watchIntervalMs: 0,
    popularCacheMs: 0,
    training: EASE_TRAINING,
    ...options,
  });
  return {
    app,
    store,
    modelDir,
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

/** Sends a request and parses the JSON reply. */
export async function call(app: FastifyInstance, options: InjectOptions): Promise<{ status: number; body: any; response: LightMyRequestResponse }> {
  const response = await app.inject(options);
  const type = String(response.headers['content-type'] ?? '');
  return { status: response.statusCode, body: type.includes('json') ? response.json() : response.body, response };
}

/**
 * A small catalogue with two clear tastes: users u0..u23 alternate between
 * books (i0..i5) and music (i6..i11), four items each; five more users add
 * i3, making it the most popular item. Timestamps are in 1970, outside any
 * recency window.
 */
export const CATALOGUE: ItemInput[] = Array.from({ length: 12 }, (_, i) => ({
  id: `i${i}`,
  categories: i < 6 ? ['books'] : ['music'],
  attributes: { title: `Item ${i}` },
}));

export function tasteEvents(): EventInput[] {
  const events: EventInput[] = [];
  for (let u = 0; u < 24; u++) {
    const cluster = u % 2;
    for (let k = 0; k < 4; k++) events.push({ userId: `u${u}`, itemId: `i${cluster * 6 + ((u + k) % 6)}`, type: 'view', timestampMs: 1_000_000 + u * 10 + k });
  }
  for (let p = 0; p < 5; p++) events.push({ userId: `p${p}`, itemId: 'i3', type: 'view', timestampMs: 2_000_000 + p });
  return events;
}

export async function fillStore(store: EventStore): Promise<void> {
  await store.upsertItems(CATALOGUE);
  await store.insertEvents(tasteEvents());
}

/** Trains EASE on the store in this thread and publishes a version (the worker path has its own tests). */
export function publishModel(store: EventStore, modelDir: string, config: TrainingConfig = EASE_TRAINING): Promise<TrainingResult> {
  return trainFromStore(store, config, modelDir);
}

/** A filled store with a published version, served. */
export async function openTrainedService(options: Partial<ServiceOptions> = {}): Promise<TestService & { version: string }> {
  const dir = tempDir();
  const store = options.store ?? new SqliteEventStore(join(dir, 'events.sqlite'));
  await fillStore(store);
  const modelDir = join(dir, 'models');
  const { version } = await publishModel(store, modelDir);
  const service = await openTestService({ ...options, store, modelDir });
  return { ...service, version };
}
