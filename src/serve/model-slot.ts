/**
 * The model the server answers with, and the swap to a new version.
 *
 * A ServedModel is immutable once loaded. A request takes `slot.current` once
 * at its start and uses that object to the end, so replacing the reference
 * (one assignment, atomic in JavaScript's single-threaded event loop) lets
 * in-flight requests finish on the old version while new ones get the new
 * version: no request fails or mixes two versions. A new version is loaded
 * completely (files read and checked, id maps built) before the swap; the
 * previous one stays in memory for an instant rollback.
 */
import { join } from 'node:path';
import type { UserSequences } from '../data/sequences.js';
import type { CsrMatrix } from '../data/csr.js';
import { loadModel, type ModelManifest } from '../models/model-file.js';
import type { Recommender } from '../models/model.js';
import type { InteractionRule } from './event-filter.js';
import { DEFAULT_RULE, listVersions, readServingInfo, resolveServingVersion, writeCurrentPointer, type ServingInfo } from './model-versions.js';

export interface ServedModel {
  readonly version: string;
  readonly dir: string;
  /** True when the model directory is one saved model rather than versions (no CURRENT to follow). */
  readonly single: boolean;
  readonly model: Recommender;
  readonly manifest: ModelManifest;
  /** Training rows, users × items, in manifest.userIds order. */
  readonly history: CsrMatrix;
  /** The training events in order, when the version saved them. */
  readonly historySequences?: UserSequences;
  readonly itemAttributes?: ReadonlyArray<Readonly<Record<string, unknown>> | null>;
  /** Item id → model column. */
  readonly itemIndex: ReadonlyMap<string, number>;
  /** User id → training row. */
  readonly userIndex: ReadonlyMap<string, number>;
  /** How events become row entries for this version. */
  readonly rule: InteractionRule;
  readonly serving: ServingInfo | null;
  readonly loadedAtMs: number;
}

export async function loadServedModel(location: { version: string; dir: string; single: boolean }): Promise<ServedModel> {
  const loaded = await loadModel(location.dir);
  const serving = await readServingInfo(location.dir);
  const indexOf = (ids: readonly string[]) => new Map(ids.map((id, index) => [id, index]));
  return {
    version: location.version,
    dir: location.dir,
    single: location.single,
    model: loaded.model,
    manifest: loaded.manifest,
    history: loaded.history,
    ...(loaded.historySequences !== undefined ? { historySequences: loaded.historySequences } : {}),
    ...(loaded.itemAttributes !== undefined ? { itemAttributes: loaded.itemAttributes } : {}),
    itemIndex: indexOf(loaded.manifest.itemIds),
    userIndex: indexOf(loaded.manifest.userIds),
    rule: serving?.rule ?? DEFAULT_RULE,
    serving,
    loadedAtMs: Date.now(),
  };
}

export interface ReloadResult {
  readonly changed: boolean;
  readonly version: string | null;
  readonly previousVersion: string | null;
}

export interface ModelSlotEvents {
  /** Called after every change of the current version. */
  readonly onSwap?: (current: ServedModel | null, reason: 'reload' | 'rollback') => void;
  /** Called when a background reload fails; the current version keeps serving. */
  readonly onError?: (error: Error) => void;
}

export class ModelSlot {
  private currentModel: ServedModel | null = null;
  private previousModel: ServedModel | null = null;
  /** Reloads and rollbacks run one at a time, in call order. */
  private queue: Promise<unknown> = Promise.resolve();
  private watchTimer: NodeJS.Timeout | undefined;
  /** A version that failed to load is not retried by the watcher until another one is published. */
  private failedVersion: string | undefined;

  constructor(readonly modelDir: string, private readonly events: ModelSlotEvents = {}) {}

  get current(): ServedModel | null {
    return this.currentModel;
  }

  get previous(): ServedModel | null {
    return this.previousModel;
  }

  private serialized<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Loads the version the model directory points at (CURRENT, or the newest)
   * if it is not the one being served, and swaps to it.
   */
  reload(): Promise<ReloadResult> {
    return this.serialized(async () => {
      const location = await resolveServingVersion(this.modelDir);
      const current = this.currentModel;
      if (location === null || location.version === current?.version) {
        return { changed: false, version: current?.version ?? null, previousVersion: this.previousModel?.version ?? null };
      }
      let next: ServedModel;
      if (location.version === this.previousModel?.version) next = this.previousModel;
      else {
        try {
          next = await loadServedModel(location);
        } catch (e) {
          this.failedVersion = location.version;
          throw e;
        }
      }
      this.failedVersion = undefined;
      this.previousModel = current;
      this.currentModel = next;
      this.events.onSwap?.(next, 'reload');
      return { changed: true, version: next.version, previousVersion: current?.version ?? null };
    });
  }

  /**
   * Serves the previous version again and points CURRENT at it, so the choice
   * survives a restart and the watcher does not undo it. Rolling back twice
   * returns to where it started. Throws when there is no previous version.
   */
  rollback(): Promise<ReloadResult> {
    return this.serialized(async () => {
      const current = this.currentModel;
      const target = this.previousModel ?? (await this.olderVersionOnDisk(current));
      if (target === null) throw new NoPreviousVersionError(current?.version ?? null);
      if (!target.single) await writeCurrentPointer(this.modelDir, target.version);
      this.previousModel = current;
      this.currentModel = target;
      this.events.onSwap?.(target, 'rollback');
      return { changed: true, version: target.version, previousVersion: current?.version ?? null };
    });
  }

  /** After a restart nothing is in memory: the version published before the current one, if still on disk. */
  private async olderVersionOnDisk(current: ServedModel | null): Promise<ServedModel | null> {
    if (current === null || current.single) return null;
    const versions = await listVersions(this.modelDir);
    const older = versions[versions.indexOf(current.version) - 1];
    if (older === undefined || versions.indexOf(current.version) < 0) return null;
    return loadServedModel({ version: older, dir: join(this.modelDir, older), single: false });
  }

  /** Polls the model directory every `intervalMs` and reloads when it points at another version. */
  startWatching(intervalMs: number): void {
    this.stopWatching();
    this.watchTimer = setInterval(() => {
      void this.pollOnce();
    }, intervalMs);
    this.watchTimer.unref();
  }

  private async pollOnce(): Promise<void> {
    try {
      const location = await resolveServingVersion(this.modelDir);
      if (location === null || location.version === this.failedVersion) return;
      await this.reload();
    } catch (e) {
      this.events.onError?.(e as Error);
    }
  }

  stopWatching(): void {
    if (this.watchTimer !== undefined) clearInterval(this.watchTimer);
    this.watchTimer = undefined;
  }
}

export class NoPreviousVersionError extends Error {
  constructor(readonly currentVersion: string | null) {
    super(
      currentVersion === null
        ? 'no model version has been served yet, so there is nothing to roll back to'
        : `there is no version before ${currentVersion}, in memory or on disk, to roll back to`,
    );
    this.name = 'NoPreviousVersionError';
  }
}
