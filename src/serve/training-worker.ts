/**
 * Worker-thread entry: fits a model on data read by the server and publishes
 * it as a new version. The fit is long synchronous CPU work in places (a
 * Gram matrix, an inverse), which would stall every request if it ran on the
 * server's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { fitAndPublish, NothingToTrainError, type TrainingConfig, type TrainingResult } from './training.js';
import type { StoredEvents } from './training-data.js';

export interface TrainingJob {
  readonly data: StoredEvents;
  readonly config: TrainingConfig;
  readonly modelDir: string;
}

export type TrainingReply =
  | { readonly ok: true; readonly result: TrainingResult }
  | { readonly ok: false; readonly message: string; readonly nothingToTrain: boolean; readonly eventsRead: number };

if (parentPort !== null) {
  const job = workerData as TrainingJob;
  let reply: TrainingReply;
  try {
    reply = { ok: true, result: await fitAndPublish(job.data, job.config, job.modelDir) };
  } catch (e) {
    reply = { ok: false, message: e instanceof Error ? e.message : String(e), nothingToTrain: e instanceof NothingToTrainError, eventsRead: job.data.eventsRead };
  }
  parentPort.postMessage(reply);
}
