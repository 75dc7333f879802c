/**
 * Typing of command-line hyper-parameter strings after a model's defaults (a default of
 * 250 makes `lambda` a number, `[600, 200]` a list of numbers), used by the typed setting
 * declarations (settings.ts), and the numeric checks the models' own parsers share.
 */

type ValueKind = 'number' | 'boolean' | 'string' | 'number[]' | 'string[]' | 'json';

function kindOf(value: unknown): ValueKind {
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'string') return 'string';
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return 'number[]';
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return 'string[]';
  return 'json';
}

function knownNames(defaults: Readonly<Record<string, unknown>>): string {
  const names = Object.keys(defaults).sort();
  return names.length > 0 ? names.join(', ') : '(none)';
}

function checkKnownName(modelName: string, defaults: Readonly<Record<string, unknown>>, name: string): void {
  if (!Object.prototype.hasOwnProperty.call(defaults, name)) {
    throw new Error(`unknown hyper-parameter '${name}' for model '${modelName}'; known: ${knownNames(defaults)}`);
  }
}

function parseNumber(text: string, fail: () => never): number {
  const trimmed = text.trim();
  const value = trimmed === '' ? Number.NaN : Number(trimmed);
  if (!Number.isFinite(value)) fail();
  return value;
}

function parseList(text: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    const parsed: unknown = JSON.parse(trimmed);
    if (!Array.isArray(parsed)) throw new Error('not a list');
    return parsed;
  }
  return trimmed === '' ? [] : trimmed.split(',').map((part) => part.trim());
}

/**
 * Converts command-line strings (`--hp lambda=500`) to the types of the
 * defaults: numbers, booleans (true/false/1/0/yes/no), strings, lists
 * ("600,200" or JSON "[600, 200]"), or JSON for anything else. Returns only
 * the given names, typed; defaults are merged later by the factory.
 */
export function parseHyperParameterStrings(
  modelName: string,
  defaults: Readonly<Record<string, unknown>>,
  strings: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const parsed: Record<string, unknown> = {};
  for (const [name, text] of Object.entries(strings)) {
    checkKnownName(modelName, defaults, name);
    const kind = kindOf(defaults[name]);
    const fail = (): never => {
      throw new TypeError(`hyper-parameter '${name}' of model '${modelName}' expects a ${kind}, got '${text}'`);
    };
    switch (kind) {
      case 'number':
        parsed[name] = parseNumber(text, fail);
        break;
      case 'boolean': {
        const lower = text.trim().toLowerCase();
        if (['true', '1', 'yes'].includes(lower)) parsed[name] = true;
        else if (['false', '0', 'no'].includes(lower)) parsed[name] = false;
        else fail();
        break;
      }
      case 'string':
        parsed[name] = text;
        break;
      case 'number[]':
      case 'string[]': {
        let items: unknown[];
        try {
          items = parseList(text);
        } catch {
          return fail();
        }
        parsed[name] =
          kind === 'number[]' ? items.map((item) => (typeof item === 'number' ? item : parseNumber(String(item), fail))) : items.map(String);
        break;
      }
      case 'json':
        try {
          parsed[name] = JSON.parse(text) as unknown;
        } catch {
          fail();
        }
        break;
    }
  }
  return parsed;
}

/** Throws unless `value` is a finite number ≥ min (and an integer when asked). */
export function checkNumber(
  modelName: string,
  name: string,
  value: unknown,
  constraint: { readonly min: number; readonly integer?: boolean },
): number {
  const ok =
    typeof value === 'number' && Number.isFinite(value) && value >= constraint.min && (!constraint.integer || Number.isInteger(value));
  if (!ok) {
    const what = constraint.integer ? 'an integer' : 'a finite number';
    throw new RangeError(`hyper-parameter '${name}' of model '${modelName}' must be ${what} ≥ ${constraint.min}, got ${JSON.stringify(value)}`);
  }
  return value as number;
}
