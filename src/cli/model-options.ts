/** `--model a,b` and `--param [model.]name=value` into typed model choices. */
import { InvalidArgumentError } from 'commander';
import type { ModelChoice } from '../experiment/run.js';
import { getModelFactory, parseHyperParameters } from '../models/registry.js';

export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function modelChoicesFrom(modelList: string, params: readonly string[]): ModelChoice[] {
  const names = modelList.split(',').map((n) => n.trim()).filter((n) => n !== '');
  if (names.length === 0) throw new InvalidArgumentError('--model needs at least one model name');
  const given = new Map<string, Record<string, string>>(names.map((n) => [n, {}]));
  for (const param of params) {
    const eq = param.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`--param '${param}' is not name=value`);
    const key = param.slice(0, eq).trim();
    const value = param.slice(eq + 1);
    const dot = key.indexOf('.');
    if (dot > 0) {
      const model = key.slice(0, dot);
      const target = given.get(model);
      if (!target) throw new InvalidArgumentError(`--param '${param}' names model '${model}', which is not in --model ${modelList}`);
      target[key.slice(dot + 1)] = value;
    } else if (names.length === 1) {
      given.get(names[0]!)![key] = value;
    } else {
      throw new InvalidArgumentError(`--param '${param}': with several models, write model.${key}=${value}`);
    }
  }
  return names.map((name) => ({ name, hyperParameters: parseHyperParameters(getModelFactory(name), given.get(name)!) }));
}

/** Whether a model predicts ratings (which decides whether rating values are kept). */
export function predictsRatings(choice: ModelChoice): boolean {
  return getModelFactory(choice.name).predictsRatings;
}
