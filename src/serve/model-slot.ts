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
  readonly onSwap?: (current: ServedModel | null, reason: 'reload' | 'rollback' | 'fallback') => void;
  /** Called when a background reload fails; the current version keeps serving. Called once per distinct failure, not every poll. */
  readonly onError?: (error: Error) => void;
  /** Called when the start serves an older intact version because the one the directory points at could not be loaded. */
  readonly onFallback?: (problem: LoadProblem, served: ServedModel) => void;
}

/** Why the model directory's choice (CURRENT, else the newest) is not what is served. */
export interface LoadProblem {
  /** The version that failed, or null when CURRENT itself could not be read. */
  readonly version: string | null;
  /** What went wrong, with the model directory's path replaced by '<model-dir>' (it goes into public health replies). */
  readonly reason: string;
}

export class ModelSlot {
  private currentModel: ServedModel | null = null;
  private previousModel: ServedModel | null = null;
  /** Reloads and rollbacks run one at a time, in call order. */
  private queue: Promise<unknown> = Promise.resolve();
  private watchTimer: NodeJS.Timeout | undefined;
  /** A version that failed to load is not retried by the watcher until another one is published. */
  private failedVersion: string | undefined;
  private problem: LoadProblem | null = null;
  /** The message of the watcher's last failure, so that a lasting one is reported once, not every interval. */
  private lastPollError: string | undefined;

  constructor(readonly modelDir: string, private readonly events: ModelSlotEvents = {}) {}

  get current(): ServedModel | null {
    return this.currentModel;
  }

  get previous(): ServedModel | null {
    return this.previousModel;
  }

  /** Why the version the directory points at is not served; null when it is (or there is none yet). */
  get loadProblem(): LoadProblem | null {
    return this.problem;
  }

  private describe(error: unknown): string {
    return String((error as Error)?.message ?? error).split(this.modelDir).join('<model-dir>');
  }

  /**
   * The load at start-up: reload(), and when the version the directory points
   * at cannot be loaded (corrupt files, a garbage CURRENT), the newest intact
   * older version instead, so that one bad publish does not leave the server
   * without a model. `loadProblem` then says what failed. Throws only when no
   * version at all can be served.
   */
  async start(): Promise<ReloadResult> {
    try {
      return await this.reload();
    } catch (error) {
      this.problem = { version: this.failedVersion ?? null, reason: this.describe(error) };
      const fallback = await this.serialized(() => this.loadNewestIntact(this.failedVersion));
      if (fallback === null) throw error;
      this.events.onFallback?.(this.problem, fallback);
      return { changed: true, version: fallback.version, previousVersion: null };
    }
  }

  private async loadNewestIntact(except: string | undefined): Promise<ServedModel | null> {
    for (const version of (await listVersions(this.modelDir)).reverse()) {
      if (version === except) continue;
      try {
        const served = await loadServedModel({ version, dir: join(this.modelDir, version), single: false });
        this.currentModel = served;
        this.events.onSwap?.(served, 'fallback');
        return served;
      } catch (e) {
        this.events.onError?.(e as Error);
      }
    }
    return null;
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
      this.problem = null;
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
      this.lastPollError = undefined;
    } catch (e) {
      // A lasting problem (a garbage CURRENT) is reported when it appears, not at every interval.
      const message = (e as Error).message;
      if (message === this.lastPollError) return;
      this.lastPollError = message;
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
