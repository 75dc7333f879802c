/**
 * A tiny TrainableModel for the loop tests: linear regression y = x·w + b on
 * sparse feature rows, trained with Adam on shuffled mini-batches of a squared
 * error, built from the shared nn pieces. Small enough that an epoch takes
 * microseconds, real enough that its weights depend on every random draw.
 */
import { csrFromCoo, type CsrMatrix } from '../../src/data/csr.js';
import { Rng } from '../../src/data/random.js';
import { rowBatches } from '../../src/nn/batches.js';
import { Adam } from '../../src/nn/optimizers.js';
import { exportParameters, importParameters } from '../../src/nn/parameter.js';
import { SparseInputLayer } from '../../src/nn/sparse-input.js';
import type { EpochResult, TrainableModel, TrainingState, ValidationResult } from '../../src/train/trainable.js';

export interface RegressionData {
  readonly features: CsrMatrix;
  readonly targets: Float32Array;
}

/** `rows` examples over `nFeatures` sparse features, targets = x·w* + 0.5 + noise. */
export function regressionData(seed: number, rows: number, nFeatures: number): RegressionData {
  const rng = new Rng(seed);
  const trueWeights = Array.from({ length: nFeatures }, () => 2 * rng.nextFloat() - 1);
  const [r, c, v] = [[] as number[], [] as number[], [] as number[]];
  const targets = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    let y = 0.5 + 0.05 * rng.nextNormal();
    for (let f = 0; f < nFeatures; f++) {
      if (rng.nextFloat() < 0.5) {
        const x = rng.nextFloat();
        r.push(i);
        c.push(f);
        v.push(x);
        y += x * trueWeights[f]!;
      }
    }
    targets[i] = y;
  }
  return { features: csrFromCoo(rows, nFeatures, r, c, v), targets };
}

export class LinearRegression implements TrainableModel {
  readonly layer: SparseInputLayer;
  readonly optimizer: Adam;
  /** Epochs for which trainEpoch was called, in order (to see what a resumed run skipped). */
  readonly epochsTrained: number[] = [];

  constructor(
    readonly data: RegressionData,
    initSeed: number,
    readonly batchSize = 8,
  ) {
    this.layer = new SparseInputLayer({ name: 'regression', inputSize: data.features.nCols, outputSize: 1, rng: new Rng(initSeed) });
    this.optimizer = new Adam(this.layer.parameters, { learningRate: 0.05, weightDecay: 1e-3 });
  }

  trainEpoch(epoch: number, rng: Rng, signal?: AbortSignal, onBatch?: (done: number, total: number) => void): EpochResult {
    this.epochsTrained.push(epoch);
    const batches = rowBatches(this.data.features, this.batchSize, rng);
    let lossSum = 0;
    let done = 0;
    for (const { rows, input } of batches) {
      signal?.throwIfAborted();
      const predicted = this.layer.forward(input);
      const grad = new Float32Array(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const error = predicted[i]! - this.data.targets[rows[i]!]!;
        lossSum += error * error;
        grad[i] = (2 * error) / rows.length;
      }
      this.optimizer.zeroGrad();
      this.layer.backward(grad);
      this.optimizer.step();
      onBatch?.(++done, batches.count);
    }
    return { loss: lossSum / this.data.features.nRows, values: { steps: this.optimizer.stepCount } };
  }

  /** Root mean squared error on other data (lower is better). */
  rmse(data: RegressionData): ValidationResult {
    const predicted = this.layer.forward(data.features);
    let sum = 0;
    for (let i = 0; i < data.targets.length; i++) sum += (predicted[i]! - data.targets[i]!) ** 2;
    return { score: Math.sqrt(sum / data.targets.length) };
  }

  trainingState(): TrainingState {
    const optimizer = this.optimizer.exportState();
    return { tensors: { ...exportParameters(this.layer.parameters), ...optimizer.tensors }, scalars: { ...optimizer.scalars } };
  }

  restoreTrainingState(state: TrainingState): void {
    importParameters(this.layer.parameters, state.tensors, 'linear regression state');
    this.optimizer.importState(state, 'linear regression state');
  }
}
