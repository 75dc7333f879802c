/**
 * Learned absolute positional embeddings (SASRec, Kang & McAuley 2018, §III-A:
 * Ê = E + P, P learned) over packed windows: a window's i-th event (0 = the
 * oldest in the window, as in SASRec+'s right-padded batches) gets row i of P.
 * The forward adds each window's first `filled` rows of P with the engine's
 * addBias (P's rows flattened as one bias), the backward sums them back with
 * biasGradient: ∂L/∂P[i] = Σ over windows of ∂L/∂x at their i-th event.
 */
import type { Backend } from '../engine/backend.js';
import type { PackedWindows } from './packed-windows.js';
import { Parameter } from './parameter.js';

export class PositionalEmbedding {
  /** [maxLength × width]. */
  readonly weight: Parameter;

  constructor(
    private readonly backend: Backend,
    name: string,
    readonly maxLength: number,
    readonly width: number,
  ) {
    this.weight = new Parameter(`${name}.weight`, [maxLength, width]);
  }

  get parameters(): Parameter[] {
    return [this.weight];
  }

  /** x (windows.rows × width) += each event's positional row, in place. */
  forward(x: Float32Array, windows: PackedWindows): void {
    this.check(x, windows);
    const d = this.width;
    for (let w = 0; w < windows.count; w++) {
      const n = windows.filled[w]!;
      if (n === 0) continue;
      const first = windows.firstRow[w]!;
      this.backend.addBias(x.subarray(first * d, (first + n) * d), 1, n * d, this.weight.value.subarray(0, n * d));
    }
  }

  /** Adds ∂L/∂P for ∂L/∂x = gradOutput (windows.rows × width) to weight.grad. */
  backward(gradOutput: Float32Array, windows: PackedWindows): void {
    this.check(gradOutput, windows);
    const d = this.width;
    for (let w = 0; w < windows.count; w++) {
      const n = windows.filled[w]!;
      if (n === 0) continue;
      const first = windows.firstRow[w]!;
      this.backend.biasGradient(gradOutput.subarray(first * d, (first + n) * d), 1, n * d, 1, this.weight.grad.subarray(0, n * d));
    }
  }

  private check(x: Float32Array, windows: PackedWindows): void {
    if (windows.longest > this.maxLength) throw new RangeError(`${this.weight.name}: a window of ${windows.longest} events exceeds the ${this.maxLength} positions`);
    if (x.length !== windows.rows * this.width) throw new RangeError(`${this.weight.name}: input has ${x.length} values, expected ${windows.rows} rows × ${this.width}`);
  }
}
