/**
 * Optimisers over a list of parameters: SGD, Adam (L2 penalty added to the
 * gradient, as torch.optim.Adam's weight_decay) and AdamW (decoupled decay,
 * torch.optim.AdamW). The update arithmetic is the backend's (sgdUpdate,
 * adamUpdate, adamwUpdate); this module keeps the moments and the step count
 * and saves them so that a resumed run continues exactly.
 *
 * Saved names: `<name>.step` (scalar), `<name>.m.<parameter>` and
 * `<name>.v.<parameter>` (Adam moments, shaped like the parameter), where
 * <name> is the optimiser's name ('adam', 'adamw', 'sgd' unless given), so
 * two optimisers in one model (RecVAE's encoder and decoder) save apart.
 */
import type { Backend } from '../engine/backend.js';
import { getBackend } from '../engine/index.js';
import type { Tensor } from '../io/safetensors.js';
import { float32Tensor, type Parameter } from './parameter.js';

/** Tensors and scalars, structurally the same as the training loop's TrainingState. */
export interface SavedState {
  readonly tensors: Record<string, Tensor>;
  readonly scalars: Record<string, number>;
}

export interface OptimizerOptions {
  readonly learningRate: number;
  /** Weight decay (L2 for SGD and Adam, decoupled for AdamW); default 0. */
  readonly weightDecay?: number;
  /** Which parameters are decayed; default all. E.g. `(p) => !p.name.endsWith('.bias')`. */
  readonly appliesWeightDecay?: (parameter: Parameter) => boolean;
  /** Prefix of the saved state's names; default the optimiser kind. */
  readonly name?: string;
  readonly backend?: Backend;
}

export interface AdamOptions extends OptimizerOptions {
  /** Default 0.9. */
  readonly beta1?: number;
  /** Default 0.999. */
  readonly beta2?: number;
  /** Default 1e-8. */
  readonly epsilon?: number;
}

function checkUniqueNames(kind: string, parameters: readonly Parameter[]): void {
  const seen = new Set<string>();
  for (const p of parameters) {
    if (seen.has(p.name)) throw new RangeError(`${kind}: two parameters are named '${p.name}'; names key the saved state and must be unique`);
    seen.add(p.name);
  }
}

function checkRange(kind: string, option: string, value: number, ok: boolean, expected: string): void {
  if (!ok) throw new RangeError(`${kind}: ${option} must be ${expected}, got ${value}`);
}

export abstract class Optimizer {
  readonly parameters: readonly Parameter[];
  readonly name: string;
  /** Mutable so that a schedule can change it between steps. */
  learningRate: number;
  readonly weightDecay: number;
  protected readonly backend: Backend;
  /** The weight decay each parameter gets: `weightDecay`, or 0 where appliesWeightDecay says no. */
  protected readonly decayOf: readonly number[];
  private steps = 0;

  constructor(kind: string, parameters: readonly Parameter[], options: OptimizerOptions) {
    checkUniqueNames(kind, parameters);
    const weightDecay = options.weightDecay ?? 0;
    checkRange(kind, 'learningRate', options.learningRate, Number.isFinite(options.learningRate) && options.learningRate > 0, 'a positive number');
    checkRange(kind, 'weightDecay', weightDecay, Number.isFinite(weightDecay) && weightDecay >= 0, 'a non-negative number');
    this.parameters = parameters.slice();
    this.name = options.name ?? kind;
    this.learningRate = options.learningRate;
    this.weightDecay = weightDecay;
    this.backend = options.backend ?? getBackend();
    const applies = options.appliesWeightDecay ?? (() => true);
    this.decayOf = this.parameters.map((p) => (applies(p) ? weightDecay : 0));
  }

  /** Number of steps taken so far (the next step is stepCount + 1, Adam's t). */
  get stepCount(): number {
    return this.steps;
  }

  zeroGrad(): void {
    for (const p of this.parameters) p.zeroGrad();
  }

  /** Updates every parameter from its accumulated gradient (gradients are not cleared). */
  step(): void {
    this.steps += 1;
    for (let i = 0; i < this.parameters.length; i++) this.update(i, this.parameters[i]!, this.steps);
  }

  protected abstract update(index: number, parameter: Parameter, step: number): void;

  /** Copies of the step count and any per-parameter moments. */
  exportState(): SavedState {
    return { tensors: this.exportMoments(), scalars: { [`${this.name}.step`]: this.steps } };
  }

  /**
   * Restores what exportState saved (other names in `state` are ignored, so a
   * whole TrainingState can be passed). `source` starts every error message.
   */
  importState(state: SavedState, source = 'optimizer state'): void {
    const key = `${this.name}.step`;
    const steps = state.scalars[key];
    if (steps === undefined || !Number.isInteger(steps) || steps < 0) {
      throw new RangeError(`${source}: scalar '${key}' must be a non-negative integer, got ${steps === undefined ? 'nothing' : steps}`);
    }
    this.importMoments(state.tensors, source);
    this.steps = steps;
  }

  protected exportMoments(): Record<string, Tensor> {
    return {};
  }

  protected importMoments(_tensors: Readonly<Record<string, Tensor>>, _source: string): void {}
}

/** θ ← θ − lr·(g + weightDecay·θ). */
export class Sgd extends Optimizer {
  constructor(parameters: readonly Parameter[], options: OptimizerOptions) {
    super('sgd', parameters, options);
  }

  protected update(index: number, parameter: Parameter): void {
    this.backend.sgdUpdate(parameter.value, parameter.grad, this.learningRate, this.decayOf[index]!);
  }
}

/** Shared by Adam and AdamW: the moments, their hyper-parameters, and saving them. */
abstract class AdamFamily extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** First and second moment estimates, one pair per parameter, starting at zero. */
  protected readonly m: Float32Array[];
  protected readonly v: Float32Array[];

  constructor(kind: string, parameters: readonly Parameter[], options: AdamOptions) {
    super(kind, parameters, options);
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    checkRange(kind, 'beta1', this.beta1, this.beta1 >= 0 && this.beta1 < 1, 'in [0, 1)');
    checkRange(kind, 'beta2', this.beta2, this.beta2 >= 0 && this.beta2 < 1, 'in [0, 1)');
    checkRange(kind, 'epsilon', this.epsilon, this.epsilon > 0 && Number.isFinite(this.epsilon), 'a positive number');
    this.m = this.parameters.map((p) => new Float32Array(p.size));
    this.v = this.parameters.map((p) => new Float32Array(p.size));
  }

  protected stepSettings(index: number, step: number) {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, weightDecay: this.decayOf[index]!, step };
  }

  protected override exportMoments(): Record<string, Tensor> {
    const tensors: Record<string, Tensor> = {};
    this.parameters.forEach((p, i) => {
      tensors[`${this.name}.m.${p.name}`] = { shape: p.shape.slice(), data: this.m[i]!.slice() };
      tensors[`${this.name}.v.${p.name}`] = { shape: p.shape.slice(), data: this.v[i]!.slice() };
    });
    return tensors;
  }

  protected override importMoments(tensors: Readonly<Record<string, Tensor>>, source: string): void {
    // Check every tensor before copying any, so a bad state leaves the optimiser untouched.
    const saved = this.parameters.map((p) => [
      float32Tensor(source, tensors, `${this.name}.m.${p.name}`, p.shape),
      float32Tensor(source, tensors, `${this.name}.v.${p.name}`, p.shape),
    ]);
    saved.forEach(([m, v], i) => {
      this.m[i]!.set(m!);
      this.v[i]!.set(v!);
    });
  }
}

/** Kingma & Ba (2015), Algorithm 1, with the L2 penalty weightDecay·θ added to the gradient. */
export class Adam extends AdamFamily {
  constructor(parameters: readonly Parameter[], options: AdamOptions) {
    super('adam', parameters, options);
  }

  protected update(index: number, parameter: Parameter, step: number): void {
    this.backend.adamUpdate(parameter.value, parameter.grad, this.m[index]!, this.v[index]!, this.stepSettings(index, step));
  }
}

/** Loshchilov & Hutter (2019): θ ← θ·(1 − lr·weightDecay), then the Adam step on the plain gradient. */
export class AdamW extends AdamFamily {
  constructor(parameters: readonly Parameter[], options: AdamOptions) {
    super('adamw', parameters, options);
  }

  protected update(index: number, parameter: Parameter, step: number): void {
    this.backend.adamwUpdate(parameter.value, parameter.grad, this.m[index]!, this.v[index]!, this.stepSettings(index, step));
  }
}
