/** Layer normalisation, forward and backward side by side (the kernels are the engine's layerNormRows pair). */
import type { Backend } from '../engine/backend.js';
import { Parameter } from './parameter.js';
import { ScratchBuffer } from './scratch.js';

/** Layer normalisation over each row with a learned scale and shift (backend.layerNormRows documents the formulas). */
export class LayerNorm {
  readonly scale: Parameter;
  readonly shift: Parameter;
  private readonly output = new ScratchBuffer();
  private readonly normalised = new ScratchBuffer();
  private readonly inputGrad = new ScratchBuffer();
  private readonly inverseDeviations = new ScratchBuffer();
  private lastRows = 0;

  constructor(
    private readonly backend: Backend,
    /** Added to the variance before the square root (RecVAE's authors use 0.1, PyTorch's default is 1e-5). */
    readonly epsilon: number,
    name: string,
    readonly width: number,
  ) {
    this.scale = new Parameter(`${name}.weight`, [width]);
    this.shift = new Parameter(`${name}.bias`, [width]);
    this.scale.value.fill(1);
  }

  get parameters(): Parameter[] {
    return [this.scale, this.shift];
  }

  forward(x: Float32Array, rows: number): Float32Array {
    const n = this.width;
    const y = this.output.view(rows * n);
    this.backend.layerNormRows(x, rows, n, this.scale.value, this.shift.value, this.epsilon, y, this.normalised.view(rows * n), this.inverseDeviations.view(rows));
    this.lastRows = rows;
    return y;
  }

  backward(gradOutput: Float32Array): Float32Array {
    const [rows, n] = [this.lastRows, this.width];
    const gradInput = this.inputGrad.view(rows * n);
    this.backend.layerNormRowsBackward(
      gradOutput,
      this.normalised.view(rows * n),
      this.inverseDeviations.view(rows),
      rows,
      n,
      this.scale.value,
      this.scale.grad,
      this.shift.grad,
      gradInput,
    );
    return gradInput;
  }
}

