/**
 * One typed declaration of a model's settings (hyper-parameters): name, type, default,
 * range and a one-line meaning. CLI parsing, validation, `recoder models`, the search
 * space of `recoder tune` and the manifest all come from it, so no model has to be
 * constructed to ask what it accepts.
 */
import { parseHyperParameterStrings } from './hyper-parameters.js';

interface SettingBase {
  readonly name: string;
  /** One line: what the setting does (and where its default comes from). */
  readonly description: string;
  /**
   * Where `recoder tune` searches it by default: a range (log-uniform with scale 'log'; the
   * setting's own scale otherwise) or a list of choices. Settings without one stay fixed.
   */
  readonly search?: { readonly min: number; readonly max: number; readonly scale?: 'linear' | 'log' } | { readonly choices: readonly (string | number | boolean)[] };
}

export interface NumberSetting extends SettingBase {
  readonly type: 'number' | 'integer';
  readonly default: number;
  /** Smallest allowed value (inclusive unless `exclusiveMin`). */
  readonly min?: number;
  readonly exclusiveMin?: boolean;
  readonly max?: number;
  readonly exclusiveMax?: boolean;
  /** How a search samples it: 'log' for rates and regularisation strengths. */
  readonly scale?: 'linear' | 'log';
}

export interface BooleanSetting extends SettingBase {
  readonly type: 'boolean';
  readonly default: boolean;
}

export interface ChoiceSetting extends SettingBase {
  readonly type: 'choice';
  readonly default: string;
  readonly choices: readonly string[];
}

export interface ListSetting extends SettingBase {
  /** A list of numbers (layer widths as integers, mixture weights as numbers). */
  readonly type: 'integer[]' | 'number[]';
  readonly default: readonly number[];
  /** Smallest allowed element. */
  readonly min?: number;
}

export type SettingSpec = NumberSetting | BooleanSetting | ChoiceSetting | ListSetting;

/** A model's settings: the declarations, their defaults, and checking of given values. */
export interface ModelSettings {
  readonly model: string;
  readonly specs: readonly SettingSpec[];
  /** Each setting's default, by name. */
  readonly defaults: Readonly<Record<string, unknown>>;
  /** `given` over the defaults, each value checked against its declaration; throws naming the setting. */
  resolve(given: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>>;
  /** Command-line strings (`lambda=500`) typed by the declarations; returns only the given names. */
  parse(strings: Readonly<Record<string, string>>): Record<string, unknown>;
}

export function defineSettings(model: string, specs: readonly SettingSpec[]): ModelSettings {
  const names = new Set<string>();
  for (const spec of specs) {
    if (names.has(spec.name)) throw new Error(`model '${model}' declares setting '${spec.name}' twice`);
    names.add(spec.name);
    checkSetting(model, spec, spec.default);
    if (spec.search && 'choices' in spec.search) for (const choice of spec.search.choices) checkSetting(model, spec, choice);
    else if (spec.search && (spec.type === 'number' || spec.type === 'integer')) {
      checkSetting(model, spec, spec.search.min);
      checkSetting(model, spec, spec.search.max);
    }
  }
  const defaults = Object.freeze(Object.fromEntries(specs.map((spec) => [spec.name, Array.isArray(spec.default) ? Object.freeze([...spec.default]) : spec.default])));
  return {
    model,
    specs,
    defaults,
    resolve(given) {
      const resolved: Record<string, unknown> = { ...defaults };
      for (const [name, value] of Object.entries(given)) {
        if (value === undefined) continue;
        const spec = specs.find((s) => s.name === name);
        if (spec === undefined) throw new Error(`unknown hyper-parameter '${name}' for model '${model}'; known: ${knownNames(specs)}`);
        checkSetting(model, spec, value);
        resolved[name] = Array.isArray(value) ? [...value] : value;
      }
      return Object.freeze(resolved);
    },
    parse(strings) {
      const parsed = parseHyperParameterStrings(model, defaults, strings);
      for (const [name, value] of Object.entries(parsed)) checkSetting(model, specs.find((s) => s.name === name)!, value);
      return parsed;
    },
  };
}

function knownNames(specs: readonly SettingSpec[]): string {
  return specs.length > 0 ? specs.map((s) => s.name).sort().join(', ') : '(none)';
}

/** What a value of the setting must be, for error messages. */
export function describeSetting(spec: SettingSpec): string {
  switch (spec.type) {
    case 'number':
    case 'integer': {
      const what = spec.type === 'integer' ? 'an integer' : 'a finite number';
      const low = spec.min !== undefined ? `${spec.exclusiveMin ? '>' : '≥'} ${spec.min}` : '';
      const high = spec.max !== undefined ? `${spec.exclusiveMax ? '<' : '≤'} ${spec.max}` : '';
      return [what, [low, high].filter(Boolean).join(' and ')].filter(Boolean).join(' ');
    }
    case 'boolean':
      return 'true or false';
    case 'choice':
      return `one of ${spec.choices.map((c) => `'${c}'`).join(', ')}`;
    case 'integer[]':
    case 'number[]':
      return `a list of ${spec.type === 'integer[]' ? 'integers' : 'finite numbers'}${spec.min !== undefined ? ` ≥ ${spec.min}` : ''}`;
  }
}

function inNumberRange(spec: NumberSetting | ListSetting, value: unknown, integer: boolean): boolean {
  if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) return false;
  if (spec.min !== undefined && (value < spec.min || ('exclusiveMin' in spec && spec.exclusiveMin && value === spec.min))) return false;
  if ('max' in spec && spec.max !== undefined && (value > spec.max || (spec.exclusiveMax && value === spec.max))) return false;
  return true;
}

function checkSetting(model: string, spec: SettingSpec, value: unknown): void {
  let ok: boolean;
  switch (spec.type) {
    case 'number':
    case 'integer':
      ok = inNumberRange(spec, value, spec.type === 'integer');
      break;
    case 'boolean':
      ok = typeof value === 'boolean';
      break;
    case 'choice':
      ok = typeof value === 'string' && spec.choices.includes(value);
      break;
    case 'integer[]':
    case 'number[]':
      ok = Array.isArray(value) && value.every((v) => inNumberRange(spec, v, spec.type === 'integer[]'));
      break;
  }
  if (!ok) throw new RangeError(`hyper-parameter '${spec.name}' of model '${model}' must be ${describeSetting(spec)}, got ${JSON.stringify(value)}`);
}
