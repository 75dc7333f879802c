/**
 * A service for the dashboard tests: a store of 48 titled items in four genres
 * and 96 users over the last ten days, an EASE version trained on the store,
 * then a small Mult-DAE version trained with validation users (so it has a
 * training curve with a best epoch), served; and a saved evaluation file.
 * Not a test file itself: the test runner also runs this module, so it only exports.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { csrFromCoo, type CsrMatrix } from '../../../src/data/csr.js';
import { matrixFingerprint } from '../../../src/data/fingerprint.js';
import type { EvalSet } from '../../../src/data/split-types.js';
import { interactionsOnly } from '../../../src/data/training-data.js';
import { writeFileAtomic } from '../../../src/io/atomic-write.js';
import { saveModel } from '../../../src/models/model-file.js';
import { getModelFactory } from '../../../src/models/registry.js';
import type { ServiceOptions } from '../../../src/serve/app.js';
import { publishVersion, SERVING_FILE, type ServingInfo } from '../../../src/serve/model-versions.js';
import type { EventInput, ItemInput } from '../../../src/store/event-store.js';
import { SqliteEventStore } from '../../../src/store/sqlite-store.js';
import { openTestService, publishModel, tempDir, type TestService } from '../helpers.js';

export const GENRES = ['Drama', 'Comedy', 'Horror', 'Western'] as const;
const PER_GENRE = 12;
const USERS = 96;
const DAY_MS = 24 * 3600 * 1000;

export const ITEMS: ItemInput[] = GENRES.flatMap((genre, g) =>
  Array.from({ length: PER_GENRE }, (_, k) => ({
    id: `m${g * PER_GENRE + k}`,
    categories: [genre],
    attributes: { title: `${genre} Story ${k + 1} (${1990 + g * PER_GENRE + k})` },
  })),
);

/** Items of user u: six of the genre u mod 4, chosen by a fixed rule. */
function itemsOf(u: number): number[] {
  const g = u % GENRES.length;
  return Array.from({ length: 6 }, (_, k) => g * PER_GENRE + ((u * 5 + k * 7) % PER_GENRE)).filter((v, i, a) => a.indexOf(v) === i);
}

export function dashboardEvents(nowMs: number): EventInput[] {
  const events: EventInput[] = [];
  for (let u = 0; u < USERS; u++) {
    itemsOf(u).forEach((item, k) => {
      events.push({ userId: `user${u}`, itemId: `m${item}`, type: k % 3 === 0 ? 'purchase' : 'view', timestampMs: nowMs - ((u + k) % 10) * DAY_MS - 1000 * u });
    });
  }
  return events;
}

function matrixOf(rows: readonly number[][], nCols: number): CsrMatrix {
  const r = rows.flatMap((items, i) => items.map(() => i));
  const c = rows.flat();
  return csrFromCoo(rows.length, nCols, r, c, new Array(c.length).fill(1));
}

/** Trains Mult-DAE on the stored users with 24 validation users, and publishes it as the newest version. */
async function publishMultDae(modelDir: string, eventsRead: number): Promise<string> {
  const itemIds = ITEMS.map((i) => i.id);
  const userIds = Array.from({ length: USERS }, (_, u) => `user${u}`);
  const train = matrixOf(userIds.map((_, u) => itemsOf(u).sort((a, b) => a - b)), itemIds.length);
  const heldOut = Array.from({ length: 24 }, (_, v) => itemsOf(USERS + v).sort((a, b) => a - b));
  const input = matrixOf(heldOut.map((items) => items.slice(0, 3)), itemIds.length);
  const validation: EvalSet = { users: Int32Array.from(heldOut, (_, v) => USERS + v), input, exclude: input, targets: matrixOf(heldOut.map((items) => items.slice(3)), itemIds.length) };
  const model = getModelFactory('mult-dae').create({ latent: 8, batchSize: 32, epochs: 12, patience: 0, learningRate: 0.01 });
  const started = performance.now();
  await model.fit(interactionsOnly(train), { validation, seed: 3 });
  const fitSeconds = (performance.now() - started) / 1000;
  const serving: ServingInfo = {
    format: 'recoder-serving',
    rule: { filter: {}, useValues: false },
    minItemUsers: 1,
    trainedAt: new Date().toISOString(),
    eventsRead,
    store: 'sqlite',
  };
  return publishVersion(
    modelDir,
    async (dir) => {
      await saveModel(dir, model, {
        data: { name: 'sqlite event store', fingerprint: matrixFingerprint(train, userIds, itemIds), nUsers: USERS, nItems: itemIds.length, nInteractions: train.nnz },
        userIds,
        itemIds,
        history: train,
        fitSeconds,
        itemAttributes: ITEMS.map((i) => i.attributes ?? null),
      });
      await writeFileAtomic(join(dir, SERVING_FILE), JSON.stringify(serving) + '\n');
    },
    { keep: 5 },
  );
}

/** Two runs of `recoder evaluate --json` as it prints them (abridged: the fields the dashboard reads). */
export function evaluationRuns(): object[] {
  const run = (model: string, ndcg: number, recall: number) => ({
    recoderVersion: '0.1.0',
    model,
    hyperParameters: model === 'ease' ? { lambda: 200 } : {},
    dataset: 'ml-latest-small',
    protocol: { kind: 'held-out-users', validationUsers: 60, testUsers: 60, foldInFraction: 0.8, seed: 1 },
    seed: 1,
    fitSeconds: model === 'ease' ? 1.5 : 0.01,
    kind: 'ranking',
    users: 60,
    skippedUsers: 0,
    seconds: 0.2,
    metrics: { 'ndcg@100': ndcg, 'recall@20': recall },
    stderr: { 'ndcg@100': 0.012, 'recall@20': 0.02 },
    definitions: { 'ndcg@100': 'NDCG over the top 100', 'recall@20': 'hits in the top 20 / |targets|' },
  });
  return [run('popularity', 0.21, 0.18), run('ease', 0.39, 0.33)];
}

export interface DashboardService extends TestService {
  readonly easeVersion: string;
  readonly daeVersion: string;
  readonly evaluationsDir: string;
}

export async function openDashboardService(options: Partial<ServiceOptions> = {}): Promise<DashboardService> {
  const dir = tempDir('recoder-dashboard-');
  const store = new SqliteEventStore(join(dir, 'events.sqlite'));
  await store.upsertItems(ITEMS);
  const events = dashboardEvents(Date.now());
  await store.insertEvents(events);
  const modelDir = join(dir, 'models');
  const { version: easeVersion } = await publishModel(store, modelDir, { model: 'ease', hyperParameters: { lambda: 5 }, filter: {}, minItemUsers: 1, keepVersions: 5 });
  const daeVersion = await publishMultDae(modelDir, events.length);
  const evaluationsDir = join(dir, 'evaluations');
  mkdirSync(evaluationsDir);
  writeFileSync(join(evaluationsDir, 'baselines.json'), JSON.stringify(evaluationRuns(), null, 2));
  const service = await openTestService({ store, modelDir, evaluationsDir, ...options });
  return { ...service, easeVersion, daeVersion, evaluationsDir };
}
