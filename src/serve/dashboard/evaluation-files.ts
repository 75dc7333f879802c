/**
 * Saved evaluation results: the JSON that `recoder evaluate --json` and
 * `recoder tune --json` print (one run, or a list of runs), one file per
 * invocation in the evaluations directory (by default DATA-DIR/evaluations):
 *
 *   recoder evaluate -d ml-1m -m ease,mult-vae --json > recoder-data/evaluations/ml-1m.json
 *
 * or uploaded through POST /v1/evaluations. A file that cannot be read is
 * reported by name with the reason, never an error of the whole listing.
 */
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../io/atomic-write.js';

export const EVALUATION_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export interface EvaluationRun {
  /** `file#index`: stable while the file is not rewritten. */
  readonly id: string;
  readonly file: string;
  readonly index: number;
  readonly modifiedAt: string;
  /** 'tune' for tune output (a grid or random-search trials, with the best setting's test metrics), else 'evaluate'. */
  readonly command: 'evaluate' | 'tune';
  readonly model: string;
  readonly dataset?: string;
  readonly protocol?: Readonly<Record<string, unknown>>;
  readonly seed?: number;
  readonly hyperParameters?: Readonly<Record<string, unknown>>;
  readonly fitSeconds?: number;
  readonly users?: number;
  readonly recoderVersion?: string;
  readonly selectBy?: string;
  readonly metrics: Readonly<Record<string, number | null>>;
  readonly stderr: Readonly<Record<string, number | null>>;
  readonly definitions: Readonly<Record<string, string>>;
}

export interface EvaluationListing {
  readonly directory: string | null;
  /** Newest file first, runs in file order. */
  readonly runs: readonly EvaluationRun[];
  readonly unreadable: ReadonlyArray<{ readonly file: string; readonly reason: string }>;
}

export class EvaluationFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvaluationFileError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function numberMap(value: unknown): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  if (!isObject(value)) return out;
  for (const [name, x] of Object.entries(value)) out[name] = typeof x === 'number' && Number.isFinite(x) ? x : null;
  return out;
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(value)) return out;
  for (const [name, x] of Object.entries(value)) if (typeof x === 'string') out[name] = x;
  return out;
}

/** Checks the runs of one file; throws naming the first run at fault. */
export function parseEvaluationRuns(parsed: unknown, file: string, modifiedAt: string): EvaluationRun[] {
  const list = Array.isArray(parsed) ? parsed : [parsed];
  if (list.length === 0) throw new EvaluationFileError('holds an empty list of runs');
  return list.map((run, index) => {
    const where = Array.isArray(parsed) ? `run ${index}` : 'the run';
    if (!isObject(run)) throw new EvaluationFileError(`${where} is not an object`);
    if (typeof run['model'] !== 'string') throw new EvaluationFileError(`${where} has no 'model' name`);
    if (!isObject(run['metrics'])) throw new EvaluationFileError(`${where} has no 'metrics' object (the output of recoder evaluate --json)`);
    const optional = <T>(key: string, check: (v: unknown) => v is T): { [k: string]: T } => (check(run[key]) ? { [key]: run[key] as T } : {});
    const isString = (v: unknown): v is string => typeof v === 'string';
    const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
    return {
      id: `${file}#${index}`,
      file,
      index,
      modifiedAt,
      // tune prints its grid, or its random-search trials, beside the best setting's test metrics.
      command: Array.isArray(run['grid']) || Array.isArray(run['trials']) ? 'tune' : 'evaluate',
      model: run['model'],
      ...optional('dataset', isString),
      ...optional('protocol', isObject),
      ...optional('seed', isNumber),
      ...optional('hyperParameters', isObject),
      ...optional('fitSeconds', isNumber),
      ...optional('users', isNumber),
      ...optional('recoderVersion', isString),
      ...optional('selectBy', isString),
      metrics: numberMap(run['metrics']),
      stderr: numberMap(run['stderr']),
      definitions: stringMap(run['definitions']),
    } as EvaluationRun;
  });
}

export class EvaluationFiles {
  constructor(readonly directory: string | null) {}

  async list(): Promise<EvaluationListing> {
    if (this.directory === null) return { directory: null, runs: [], unreadable: [] };
    let names: string[];
    try {
      names = (await readdir(this.directory)).filter((name) => name.endsWith('.json') && !name.startsWith('.'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { directory: this.directory, runs: [], unreadable: [] };
      // Not a directory, or not readable: say so in the listing rather than fail it.
      return { directory: this.directory, runs: [], unreadable: [{ file: '.', reason: `cannot list ${this.directory}: ${(e as Error).message}` }] };
    }
    const files: Array<{ name: string; mtimeMs: number; runs?: EvaluationRun[]; reason?: string }> = [];
    for (const name of names) {
      const path = join(this.directory, name);
      try {
        const info = await stat(path);
        if (!info.isFile()) continue;
        let parsed: unknown;
        try {
          parsed = JSON.parse(await readFile(path, 'utf8'));
        } catch (e) {
          throw new EvaluationFileError(`not valid JSON (${(e as Error).message})`);
        }
        files.push({ name, mtimeMs: info.mtimeMs, runs: parseEvaluationRuns(parsed, name, new Date(info.mtimeMs).toISOString()) });
      } catch (e) {
        files.push({ name, mtimeMs: 0, reason: (e as Error).message });
      }
    }
    files.sort((a, b) => b.mtimeMs - a.mtimeMs || a.name.localeCompare(b.name));
    return {
      directory: this.directory,
      runs: files.flatMap((f) => f.runs ?? []),
      unreadable: files.filter((f) => f.reason !== undefined).map((f) => ({ file: f.name, reason: f.reason! })),
    };
  }

  /** Writes `name`.json; throws EvaluationExistsError when a file of that name exists and `replace` is not set. */
  async save(name: string, runs: readonly unknown[], replace: boolean): Promise<{ file: string; runs: number; replaced: boolean }> {
    if (this.directory === null) throw new EvaluationFileError('this server has no evaluations directory');
    if (!EVALUATION_FILE_NAME.test(name)) throw new EvaluationFileError(`name '${name}' should be letters, digits, '.', '_' or '-'`);
    const file = `${name}.json`;
    parseEvaluationRuns(runs, file, new Date().toISOString());
    await mkdir(this.directory, { recursive: true });
    const path = join(this.directory, file);
    const exists = await stat(path).then(() => true, () => false);
    if (exists && !replace) throw new EvaluationExistsError(file);
    await writeFileAtomic(path, JSON.stringify(runs.length === 1 ? runs[0] : runs, null, 2) + '\n');
    return { file, runs: runs.length, replaced: exists };
  }
}

export class EvaluationExistsError extends Error {
  constructor(readonly file: string) {
    super(`an evaluation file '${file}' exists already: pass replace=true to overwrite it`);
    this.name = 'EvaluationExistsError';
  }
}
