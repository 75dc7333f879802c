/**
 * Training inside the service: on request (POST /v1/admin/models/train) or on
 * a schedule (--train-every). The store is read on the event loop in batches
 * that yield to requests; the fit and the writing of the version directory
 * happen in a worker thread; when the worker has published the version, the
 * server swaps to it (model-slot.ts). One run at a time.
 */
import { Worker } from 'node:worker_threads';
import { getBackend } from '../engine/index.js';
import type { EventStore } from '../store/event-store.js';
import { checkTrainingConfig, interactionRuleOf, NothingToTrainError, type TrainingConfig, type TrainingResult } from './training.js';
import { readTrainingData } from './training-data.js';
import type { TrainingJob, TrainingReply } from './training-worker.js';

export type TrainingTrigger = 'request' | 'schedule' | 'startup';

export interface TrainingRun {
  readonly trigger: TrainingTrigger;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly seconds: number;
  readonly outcome: 'published' | 'failed';
  readonly version?: string;
  readonly error?: string;
}

export interface TrainingStatus {
  readonly model: string;
  readonly hyperParameters: Readonly<Record<string, unknown>>;
  readonly running: boolean;
  readonly runningSince: string | null;
  readonly everyMs: number | null;
  readonly nextRunAt: string | null;
  readonly lastRun: TrainingRun | null;
}

export class TrainingBusyError extends Error {
  constructor(since: string) {
    super(`a training run started at ${since} is still running; wait for it to finish (GET /v1/admin/models shows its state)`);
    this.name = 'TrainingBusyError';
  }
}

export interface TrainingRunnerOptions {
  readonly store: EventStore;
  readonly modelDir: string;
  readonly config: TrainingConfig;
  /** Called with each published version, to swap to it. */
  readonly onPublished: (result: TrainingResult) => Promise<void>;
  readonly onFinished?: (run: TrainingRun) => void;
}

export class TrainingRunner {
  private runningSince: Date | null = null;
  private lastRun: TrainingRun | null = null;
  private worker: Worker | null = null;
  private timer: NodeJS.Timeout | undefined;
  private everyMs: number | null = null;
  private nextRunAt: Date | null = null;
  private closed = false;

  constructor(private readonly options: TrainingRunnerOptions) {
    checkTrainingConfig(options.config);
  }

  get running(): boolean {
    return this.runningSince !== null;
  }

  status(): TrainingStatus {
    return {
      model: this.options.config.model,
      hyperParameters: this.options.config.hyperParameters,
      running: this.running,
      runningSince: this.runningSince?.toISOString() ?? null,
      everyMs: this.everyMs,
      nextRunAt: this.nextRunAt?.toISOString() ?? null,
      lastRun: this.lastRun,
    };
  }

  /** Trains now; rejects with TrainingBusyError when a run is in progress. */
  async run(trigger: TrainingTrigger): Promise<TrainingResult> {
    if (this.runningSince !== null) throw new TrainingBusyError(this.runningSince.toISOString());
    if (this.closed) throw new Error('the training runner is closed');
    const started = new Date();
    this.runningSince = started;
    const finish = (outcome: 'published' | 'failed', detail: { version?: string; error?: string }) => {
      const finished = new Date();
      this.lastRun = { trigger, startedAt: started.toISOString(), finishedAt: finished.toISOString(), seconds: (finished.getTime() - started.getTime()) / 1000, outcome, ...detail };
      this.runningSince = null;
      this.options.onFinished?.(this.lastRun);
    };
    try {
      const { config } = this.options;
      const data = await readTrainingData(this.options.store, interactionRuleOf(config));
      if (data.rows.length === 0) throw new NothingToTrainError(data.eventsRead);
      const result = await this.fitInWorker({ data, config, modelDir: this.options.modelDir });
      await this.options.onPublished(result);
      finish('published', { version: result.version });
      return result;
    } catch (e) {
      finish('failed', { error: (e as Error).message });
      throw e;
    }
  }

  private fitInWorker(job: TrainingJob): Promise<TrainingResult> {
    // The native engine sets OpenBLAS's kernel choice in the environment before loading it; a
    // worker's environment is its own copy, so load it here first and the worker shares it.
    getBackend();
    return new Promise((resolve, reject) => {
      const worker = new Worker(new URL('./training-worker.js', import.meta.url), {
        workerData: job,
        transferList: [job.data.rows.buffer, job.data.cols.buffer, job.data.values.buffer] as ArrayBuffer[],
      });
      this.worker = worker;
      let replied = false;
      worker.once('message', (reply: TrainingReply) => {
        replied = true;
        if (reply.ok) resolve(reply.result);
        else reject(reply.nothingToTrain ? new NothingToTrainError(reply.eventsRead) : new Error(reply.message));
      });
      worker.once('error', (error) => {
        replied = true;
        reject(error);
      });
      worker.once('exit', (code) => {
        this.worker = null;
        if (!replied) reject(new Error(this.closed ? 'training stopped: the server is shutting down' : `the training worker exited with code ${code} before finishing`));
      });
    });
  }

  /** Trains every `everyMs` (counted from the end of the previous run); with `now`, starts with a run right away. */
  scheduleEvery(everyMs: number, now: boolean, onError: (error: Error) => void): void {
    if (!Number.isFinite(everyMs) || everyMs < 1000) throw new Error(`the training interval must be at least 1 s, got ${everyMs} ms`);
    this.everyMs = everyMs;
    const plan = (delayMs: number, trigger: TrainingTrigger) => {
      if (this.closed) return;
      this.nextRunAt = new Date(Date.now() + delayMs);
      this.timer = setTimeout(() => {
        this.nextRunAt = null;
        // A run asked for by an admin may be going on: then this turn is skipped.
        const run = this.running ? Promise.resolve() : this.run(trigger).then(() => undefined);
        run.catch(onError).finally(() => plan(everyMs, 'schedule'));
      }, delayMs);
      this.timer.unref();
    };
    plan(now ? 0 : everyMs, now ? 'startup' : 'schedule');
  }

  /** Stops the schedule and any worker in progress (its temporary directory is cleaned up by a later publish). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.nextRunAt = null;
    await this.worker?.terminate();
  }
}
