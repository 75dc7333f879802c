/**
 * Hyper-parameter search on a split's validation users: random search over a model's
 * declared search space (each setting's `search` range, log scales, choices), with
 * successive halving for the iteratively trained models (ASHA-style rungs, synchronous:
 * every configuration trains a few epochs, the best 1/η go on for η times as many, …),
 * a budget in trials or minutes, seeded, and resumable after a kill: every finished trial
 * is appended to a JSON-lines log, which a re-run with the same log reads back and skips;
 * a promoted trial continues from its per-trial checkpoint instead of training again.
 * The best configuration is then evaluated once on test.
 */
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Rng } from '../data/random.js';
import type { Split } from '../data/split-types.js';
import { DEFAULT_RANKING_METRICS, type RankingEvaluation, type RatingEvaluation } from '../eval/evaluate.js';
import { parseMetricName } from '../eval/metrics.js';
import type { ModelFactory, Recommender } from '../models/model.js';
import { getModelFactory } from '../models/registry.js';
import type { SettingSpec } from '../models/settings.js';
import { evaluateOnSplit, fitOnSplit, type ModelChoice, type RunOptions } from './run.js';

/** Where one setting is searched: a numeric range (log-uniform when `scale` is 'log'), or choices. */
export type SearchRange =
  | { readonly kind: 'number' | 'integer'; readonly min: number; readonly max: number; readonly scale: 'linear' | 'log' }
  | { readonly kind: 'choice'; readonly choices: readonly unknown[] };

export type SearchSpace = Readonly<Record<string, SearchRange>>;

/** The declared search space of a model: every setting with a `search` range, minus the fixed ones. */
export function declaredSearchSpace(factory: ModelFactory, fixed: Readonly<Record<string, unknown>> = {}): SearchSpace {
  const space: Record<string, SearchRange> = {};
  for (const spec of factory.settings.specs) {
    if (spec.search === undefined || spec.name in fixed) continue;
    space[spec.name] = rangeOf(spec);
  }
  return space;
}

function rangeOf(spec: SettingSpec): SearchRange {
  const search = spec.search!;
  if ('choices' in search) return { kind: 'choice', choices: search.choices };
  const kind = spec.type === 'integer' ? 'integer' : 'number';
  return { kind, min: search.min, max: search.max, scale: search.scale ?? ('scale' in spec && spec.scale === 'log' ? 'log' : 'linear') };
}

/**
 * `name=lo..hi`, `name=lo..hi:log` or `name=a|b|c` (choices, typed by the model's settings)
 * into a search range, for `--space` on the command line.
 */
export function parseSearchRange(factory: ModelFactory, entry: string): [string, SearchRange] {
  const eq = entry.indexOf('=');
  if (eq <= 0) throw new Error(`--space '${entry}' is not name=lo..hi[:log] or name=a|b|c`);
  const name = entry.slice(0, eq).trim();
  const spec = factory.settings.specs.find((s) => s.name === name);
  if (spec === undefined) throw new Error(`--space: model '${factory.name}' has no setting '${name}'; known: ${factory.settings.specs.map((s) => s.name).join(', ')}`);
  const text = entry.slice(eq + 1).trim();
  const range = /^([^.]+)\.\.([^:]+)(?::(log|linear))?$/.exec(text);
  if (range && (spec.type === 'number' || spec.type === 'integer')) {
    const [min, max] = [Number(range[1]), Number(range[2])];
    if (!(Number.isFinite(min) && Number.isFinite(max) && min <= max)) throw new Error(`--space ${name}: '${text}' needs finite lo ≤ hi`);
    if (range[3] === 'log' && !(min > 0)) throw new Error(`--space ${name}: a log range needs lo > 0, got ${min}`);
    factory.settings.resolve({ [name]: spec.type === 'integer' ? Math.round(min) : min });
    factory.settings.resolve({ [name]: spec.type === 'integer' ? Math.round(max) : max });
    return [name, { kind: spec.type, min, max, scale: (range[3] as 'log' | 'linear' | undefined) ?? 'linear' }];
  }
  const choices = text.split('|').map((value) => factory.settings.parse({ [name]: value.trim() })[name]);
  return [name, { kind: 'choice', choices }];
}

/** One configuration drawn from the space, over the fixed settings. */
export function sampleConfiguration(space: SearchSpace, fixed: Readonly<Record<string, unknown>>, rng: Rng): Record<string, unknown> {
  const configuration: Record<string, unknown> = { ...fixed };
  for (const name of Object.keys(space).sort()) {
    const range = space[name]!;
    if (range.kind === 'choice') {
      configuration[name] = range.choices[rng.nextInt(range.choices.length)];
      continue;
    }
    const u = rng.nextFloat();
    let value = range.scale === 'log' ? Math.exp(Math.log(range.min) + u * (Math.log(range.max) - Math.log(range.min))) : range.min + u * (range.max - range.min);
    if (range.kind === 'integer') value = Math.round(value);
    else value = Number(value.toPrecision(4));
    configuration[name] = value;
  }
  return configuration;
}

export interface SearchOptions extends RunOptions {
  readonly selectBy: string;
  /** Configurations to try. */
  readonly trials: number;
  /** Stop starting new trials after this many minutes (those running finish); unbounded when absent. */
  readonly minutes?: number;
  /** Successive halving: keep the best 1/eta at each rung (default 3); 1 turns halving off. */
  readonly eta?: number;
  /** Epochs of the first rung for models with an `epochs` setting (default: max epochs / eta² rounded up, at least 1). */
  readonly minEpochs?: number;
  /** JSON lines of finished trials; a re-run with the same file continues from it. */
  readonly logFile: string;
  readonly onTrial?: (trial: TrialRecord, resumed: boolean) => void;
}

export interface TrialRecord {
  readonly trial: number;
  readonly rung: number;
  readonly epochs: number | null;
  readonly hyperParameters: Readonly<Record<string, unknown>>;
  readonly score: number;
  readonly fitSeconds: number;
  readonly metrics: Readonly<Record<string, number>>;
}

export interface SearchResult {
  readonly selectBy: string;
  readonly trials: readonly TrialRecord[];
  readonly best: TrialRecord;
  readonly test: RankingEvaluation | RatingEvaluation;
}

const lowerIsBetter = (metric: string): boolean => {
  const kind = parseMetricName(metric).kind;
  return kind === 'rmse' || kind === 'mae';
};

function readLog(logFile: string, signature: string): Map<string, TrialRecord> {
  const done = new Map<string, TrialRecord>();
  if (!existsSync(logFile)) return done;
  const lines = readFileSync(logFile, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let entry: { signature?: unknown; record?: TrialRecord };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      // A kill can cut the last line short; anything before it must be whole.
      if (i === lines.length - 1 || lines.slice(i + 1).every((rest) => rest.trim() === '')) return;
      throw new Error(`${logFile}:${i + 1}: not a JSON trial record`);
    }
    if (entry.signature !== signature) {
      throw new Error(`${logFile}:${i + 1}: written by another search (model, space, seed or split differ); use a new --log file`);
    }
    done.set(`${entry.record!.trial}/${entry.record!.rung}`, entry.record!);
  });
  return done;
}

/**
 * Random search with successive halving. Configuration t is drawn from stream t of the
 * seed's Rng, so the same seed gives the same configurations however far a run got.
 */
export async function randomSearch(choice: ModelChoice, space: SearchSpace, split: Split, options: SearchOptions): Promise<SearchResult> {
  if (!split.validation) throw new Error(`tuning needs a validation set; the ${split.protocol.kind} split has none`);
  if (!Number.isInteger(options.trials) || options.trials < 1) throw new RangeError(`--trials must be a positive integer, got ${options.trials}`);
  if (Object.keys(space).length === 0) throw new Error(`model '${choice.name}' has nothing to search: give --space name=lo..hi or --grid`);
  const factory = getModelFactory(choice.name);
  const eta = options.eta ?? 3;
  if (!Number.isInteger(eta) || eta < 1) throw new RangeError(`--eta must be a positive integer, got ${eta}`);
  const iterative = factory.settings.specs.some((s) => s.name === 'epochs') && !('epochs' in space);
  const maxEpochs = iterative ? ((choice.hyperParameters['epochs'] as number | undefined) ?? (factory.settings.defaults['epochs'] as number)) : null;
  const rungEpochs: (number | null)[] = [];
  if (maxEpochs !== null && eta > 1) {
    let epochs = options.minEpochs ?? Math.max(1, Math.ceil(maxEpochs / eta ** 2));
    while (epochs < maxEpochs) {
      rungEpochs.push(epochs);
      epochs *= eta;
    }
  }
  rungEpochs.push(maxEpochs);
  const signature = JSON.stringify({ model: choice.name, fixed: choice.hyperParameters, space, seed: options.seed, selectBy: options.selectBy, eta, rungEpochs, split: split.dataFingerprint, protocol: split.protocol });
  const done = readLog(options.logFile, signature);
  await mkdir(dirname(options.logFile), { recursive: true });
  const checkpointDir = `${options.logFile}.checkpoints`;
  const descending = !lowerIsBetter(options.selectBy);
  const startedAt = Date.now();
  const metrics = [...new Set([options.selectBy, ...(options.metrics ?? DEFAULT_RANKING_METRICS)])];
  const configurations = Array.from({ length: options.trials }, (_, t) => sampleConfiguration(space, choice.hyperParameters, new Rng(options.seed).fork(t + 1)));
  const records: TrialRecord[] = [];
  const models = new Map<number, Recommender>();

  let alive = configurations.map((_, t) => t);
  for (const [rung, epochs] of rungEpochs.entries()) {
    const results: TrialRecord[] = [];
    for (const t of alive) {
      const key = `${t}/${rung}`;
      const previous = done.get(key);
      if (previous) {
        results.push(previous);
        options.onTrial?.(previous, true);
        continue;
      }
      // A budget in minutes stops new trials; promoted ones (rung > 0) still finish their rung.
      if (rung === 0 && options.minutes !== undefined && Date.now() - startedAt > options.minutes * 60_000) break;
      options.signal?.throwIfAborted();
      const hyperParameters = epochs === null ? configurations[t]! : { ...configurations[t]!, epochs };
      const fitted = await fitOnSplit({ name: choice.name, hyperParameters }, split, {
        ...options,
        ...(epochs !== null ? { checkpoint: { path: join(checkpointDir, `trial-${t}.ckpt`), resume: true } } : {}),
      });
      const validation = evaluateOnSplit(fitted.model, split, 'validation', { ...options, metrics });
      const means = Object.fromEntries(Object.entries(validation.metrics as Record<string, { mean: number }>).map(([name, value]) => [name, value.mean]));
      const record: TrialRecord = { trial: t, rung, epochs, hyperParameters: fitted.model.hyperParameters, score: means[options.selectBy]!, fitSeconds: fitted.fitSeconds, metrics: means };
      await appendFile(options.logFile, JSON.stringify({ signature, record }) + '\n');
      models.set(t, fitted.model);
      results.push(record);
      options.onTrial?.(record, false);
    }
    records.push(...results);
    const ranked = [...results].sort((a, b) => (descending ? b.score - a.score : a.score - b.score) || a.trial - b.trial);
    alive = rung === rungEpochs.length - 1 ? [] : ranked.slice(0, Math.max(1, Math.floor(ranked.length / eta))).map((r) => r.trial);
  }
  const finalRung = rungEpochs.length - 1;
  const finals = records.filter((r) => r.rung === finalRung);
  const best = [...finals].sort((a, b) => (descending ? b.score - a.score : a.score - b.score) || a.trial - b.trial)[0]!;
  // The best model of a resumed run may not be in memory: fit it again (its checkpoint makes that cheap).
  let model = models.get(best.trial);
  if (model === undefined || model.hyperParameters['epochs'] !== (best.epochs ?? model.hyperParameters['epochs'])) {
    model = (
      await fitOnSplit({ name: choice.name, hyperParameters: best.hyperParameters }, split, {
        ...options,
        ...(best.epochs !== null ? { checkpoint: { path: join(checkpointDir, `trial-${best.trial}.ckpt`), resume: true } } : {}),
      })
    ).model;
  }
  const test = evaluateOnSplit(model, split, 'test', options);
  return { selectBy: options.selectBy, trials: records, best, test };
}
