/** The shared training loop for iterative models, its checkpoints, and the contract models implement. */
export type { EpochResult, TrainableModel, TrainingState, ValidationResult } from './trainable.js';
export { trainIteratively, type EpochRecord, type TrainLoopOptions, type TrainReport } from './loop.js';
export { CHECKPOINT_FORMAT, modelSignature, readCheckpoint, writeCheckpoint, type Checkpoint } from './checkpoint.js';
