/** Layers, initialisers, optimisers and batching written against the numeric engine. */
export { Parameter, exportParameters, importParameters, float32Tensor } from './parameter.js';
export { zeros, uniform, normal, truncatedNormal, xavierUniform, xavierNormal } from './init.js';
export { Optimizer, Sgd, Adam, AdamW, type OptimizerOptions, type AdamOptions, type SavedState } from './optimizers.js';
export { DenseLayer, type DenseLayerOptions } from './dense.js';
export { SparseInputLayer, type SparseInputLayerOptions } from './sparse-input.js';
export { RowBatches, rowBatches, batchCount, type RowBatch } from './batches.js';
export { ScratchBuffer } from './scratch.js';
export { PAD, historyWindows, trainingWindows, oneHotRows, type SequenceWindows, type TrainingWindows } from './sequence-windows.js';
// Sequence models: GRU
export { GruLayer, gru4recUniform, type GruLayerOptions } from './gru.js';
