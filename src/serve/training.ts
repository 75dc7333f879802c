/**
 * Training a new model version on the stored events: the one path shared by
 * `recoder train-store` (in its own process) and the server's scheduled and
 * on-demand training (in a worker thread, training-runner.ts).
 */
import { join } from 'node:path';
import { matrixFingerprint } from '../data/fingerprint.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { saveModel } from '../models/model-file.js';
import type { FitContext } from '../models/model.js';
import { getModelFactory } from '../models/registry.js';
import type { EventStore } from '../store/event-store.js';
import { checkEventFilter, type EventFilter, type InteractionRule } from './event-filter.js';
import { publishVersion, SERVING_FILE, type ServingInfo } from './model-versions.js';
import { buildTrainingMatrix, readTrainingData, type StoredEvents } from './training-data.js';

export interface TrainingConfig {
  /** Registry name, e.g. 'ease'. */
  readonly model: string;
  /** Typed hyper-parameters (see parseHyperParameters); the factory's defaults fill the rest. */
  readonly hyperParameters: Readonly<Record<string, unknown>>;
  readonly filter: EventFilter;
  /** Leave out items with fewer distinct users (keeps EASE's item × item matrix small); 1 keeps every item. */
  readonly minItemUsers: number;
  /** Versions kept on disk, the new one included. */
  readonly keepVersions: number;
  readonly seed?: number;
}

export interface TrainingResult {
  readonly version: string;
  readonly model: string;
  readonly users: number;
  readonly items: number;
  readonly interactions: number;
  readonly eventsRead: number;
  readonly fitSeconds: number;
}

export function checkTrainingConfig(config: TrainingConfig): TrainingConfig {
  getModelFactory(config.model).settings.resolve(config.hyperParameters);
  checkEventFilter(config.filter, 'training event filter');
  if (!Number.isInteger(config.minItemUsers) || config.minItemUsers < 1) throw new Error(`minimum users per item must be a positive integer, got ${config.minItemUsers}`);
  if (!Number.isInteger(config.keepVersions) || config.keepVersions < 2) throw new Error(`versions to keep must be an integer of at least 2, got ${config.keepVersions}`);
  return config;
}

/** The row rule a configuration trains with: rating models take event values, the rest 1s. */
export function interactionRuleOf(config: TrainingConfig): InteractionRule {
  return { filter: config.filter, useValues: getModelFactory(config.model).predictsRatings };
}

export class NothingToTrainError extends Error {
  constructor(eventsRead: number) {
    super(
      eventsRead === 0
        ? 'the store holds no events to train on: POST some to /v1/events first'
        : `none of the ${eventsRead} stored events passes the training filter (event types, minimum value, minimum users per item)`,
    );
    this.name = 'NothingToTrainError';
  }
}

/** Fits the configured model on the data and publishes it as a new version of `modelDir`. */
export async function fitAndPublish(data: StoredEvents, config: TrainingConfig, modelDir: string, context: FitContext = {}): Promise<TrainingResult> {
  const rule = interactionRuleOf(config);
  const { training, matrix, userIds, itemIds, itemAttributes } = buildTrainingMatrix(data, rule, config.minItemUsers);
  if (matrix.nnz === 0) throw new NothingToTrainError(data.eventsRead);
  const model = getModelFactory(config.model).create({ ...config.hyperParameters });
  const started = performance.now();
  await model.fit(training, { ...context, ...(config.seed !== undefined ? { seed: config.seed } : {}) });
  const fitSeconds = (performance.now() - started) / 1000;
  const trainedAt = new Date();
  const serving: ServingInfo = {
    format: 'recoder-serving',
    rule,
    minItemUsers: config.minItemUsers,
    trainedAt: trainedAt.toISOString(),
    eventsRead: data.eventsRead,
    store: data.store,
  };
  const version = await publishVersion(
    modelDir,
    async (dir) => {
      await saveModel(dir, model, {
        data: {
          name: `${data.store} event store`,
          fingerprint: matrixFingerprint(matrix, userIds, itemIds),
          nUsers: userIds.length,
          nItems: itemIds.length,
          nInteractions: matrix.nnz,
        },
        userIds,
        itemIds,
        history: matrix,
        ...(training.sequences ? { historySequences: training.sequences } : {}),
        fitSeconds,
        createdAt: trainedAt,
        itemAttributes,
      });
      await writeFileAtomic(join(dir, SERVING_FILE), JSON.stringify(serving, null, 2) + '\n');
    },
    { keep: config.keepVersions, now: trainedAt },
  );
  return { version, model: config.model, users: userIds.length, items: itemIds.length, interactions: matrix.nnz, eventsRead: data.eventsRead, fitSeconds };
}

/** Reads the store and trains in this thread: for the command line, where nothing else is waiting. */
export async function trainFromStore(store: EventStore, config: TrainingConfig, modelDir: string, context: FitContext = {}): Promise<TrainingResult> {
  checkTrainingConfig(config);
  const data = await readTrainingData(store, interactionRuleOf(config));
  return fitAndPublish(data, config, modelDir, context);
}
