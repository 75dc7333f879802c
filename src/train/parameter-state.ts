/**
 * The training state of a network trained by one optimiser — its parameters, the
 * optimiser's moments and step count — which most models checkpoint and restore alike.
 */
import type { Optimizer } from '../nn/optimizers.js';
import { exportParameters, importParameters, type Parameter } from '../nn/parameter.js';
import type { TrainingState } from './trainable.js';

export function parameterTrainingState(parameters: readonly Parameter[], optimizer: Optimizer): TrainingState {
  const optimizerState = optimizer.exportState();
  return { tensors: { ...exportParameters([...parameters]), ...optimizerState.tensors }, scalars: { ...optimizerState.scalars } };
}

/** Restores what parameterTrainingState saved; `source` names the state in errors. */
export function restoreParameterTrainingState(parameters: readonly Parameter[], optimizer: Optimizer, state: TrainingState, source: string): void {
  importParameters([...parameters], state.tensors, source);
  optimizer.importState(state, source);
}
