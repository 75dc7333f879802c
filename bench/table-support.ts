/**
 * What the model-comparison tables (bench/session-table.ts, bench/sequential-table.ts) share:
 * which models to run (the sequence models only when some engineer has registered them),
 * `--param model.name=value` settings, and a plain-text table.
 */
import { getModelFactory, listModelFactories } from '../src/models/registry.js';
import type { MeanWithStderr } from '../src/eval/metrics.js';

/** The optional sequence models, run when registered under these names. */
export const SEQUENCE_MODELS = ['gru4rec', 'sasrec', 'svae'];

/** `wanted` minus the names no factory holds; says on stderr which were skipped. */
export function registeredModels(wanted: readonly string[]): string[] {
  const known = new Set(listModelFactories().map((f) => f.name));
  const missing = wanted.filter((name) => !known.has(name));
  if (missing.length > 0) process.stderr.write(`not registered, skipped: ${missing.join(', ')}\n`);
  return wanted.filter((name) => known.has(name));
}

/** `["mult-dae.epochs=20", ...]` → { 'mult-dae': { epochs: 20 } }, typed by each model's declarations. */
export function parseModelParams(params: readonly string[]): Record<string, Record<string, unknown>> {
  const strings: Record<string, Record<string, string>> = {};
  for (const text of params) {
    const match = /^([a-z][a-z0-9_-]*)\.([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(text);
    if (!match) throw new Error(`--param '${text}': expected model.setting=value, e.g. mult-dae.epochs=20`);
    (strings[match[1]!] ??= {})[match[2]!] = match[3]!;
  }
  return Object.fromEntries(Object.entries(strings).map(([model, values]) => [model, getModelFactory(model).settings.parse(values)]));
}

export const meanAndError = (m: MeanWithStderr | undefined): string => (m ? `${m.mean.toFixed(4)} ± ${m.stderr.toFixed(4)}` : '—');

/** Columns padded to their widest cell; the first column left-aligned, the rest right-aligned. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, c) => (c <= 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
