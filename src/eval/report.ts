import type { MetricSummary, RankingEvaluation, RatingEvaluation } from './evaluate.js';
import { describeMetric, parseMetricName } from './metrics.js';

/** A JSON-able evaluation: flat metric means, their standard errors, and what each metric means. */
export interface EvaluationReport {
  readonly kind: 'ranking' | 'ratings';
  readonly users: number;
  readonly skippedUsers: number;
  /** Target ratings predicted (rating evaluations only). */
  readonly ratings?: number;
  readonly seconds: number;
  /** Metric mean by canonical name, e.g. { 'ndcg@100': 0.42, 'recall@20': 0.39 }; null where undefined. */
  readonly metrics: Record<string, number | null>;
  /** Standard error by the same keys; null where there is none (coverage, a single user). */
  readonly stderr: Record<string, number | null>;
  /** The formula behind each key, so a recall@k can never be mistaken for recall_capped@k. */
  readonly definitions: Record<string, string>;
}

/** Flattens an evaluation into a report that survives JSON.stringify (NaN becomes null, not a string). */
export function evaluationToJSON(evaluation: RankingEvaluation | RatingEvaluation): EvaluationReport {
  const metrics: Record<string, number | null> = {};
  const stderr: Record<string, number | null> = {};
  const definitions: Record<string, string> = {};
  for (const [name, summary] of Object.entries(evaluation.metrics as Record<string, MetricSummary>)) {
    metrics[name] = finiteOrNull(summary.mean);
    stderr[name] = finiteOrNull(summary.stderr);
    definitions[name] = describeMetric(parseMetricName(name));
  }
  return {
    kind: evaluation.kind,
    users: evaluation.users,
    skippedUsers: evaluation.skippedUsers,
    ...(evaluation.kind === 'ratings' ? { ratings: evaluation.ratings } : {}),
    seconds: evaluation.seconds,
    metrics,
    stderr,
    definitions,
  };
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

export interface MetricTableRow {
  readonly label: string;
  readonly metrics: Readonly<Record<string, MetricSummary>>;
}

export interface MetricTableOptions {
  /** Metric columns in order; by default every metric of any row, in order of first appearance. */
  readonly columns?: readonly string[];
  /** Append '± stderr' to each value (default true); rows without a stderr show the mean alone. */
  readonly showStderr?: boolean;
  readonly decimals?: number;
  /** Characters per line available (a terminal's width): a wider table is printed with one metric per line instead. */
  readonly maxWidth?: number;
}

/**
 * A plain-text table, one row per model and one column per metric, aligned
 * for a terminal or a log file:
 *
 *     model   recall@20        ndcg@100
 *     ------  ---------------  ---------------
 *     ease    0.3912 ± 0.0031  0.4201 ± 0.0027
 *
 * A metric a row lacks shows as '-'.
 */
export function formatMetricTable(rows: readonly MetricTableRow[], options: MetricTableOptions = {}): string {
  const { showStderr = true, decimals = 4 } = options;
  const columns = options.columns ?? metricsInOrderOfAppearance(rows);
  const header = ['model', ...columns];
  const body = rows.map((row) => [row.label, ...columns.map((name) => formatCell(row.metrics[name], decimals, showStderr))]);
  const wide = grid(header, body);
  if (options.maxWidth === undefined || wide.width <= options.maxWidth) return wide.text;
  // Too wide for the terminal: one metric per line, one column per model.
  return grid(['metric', ...rows.map((row) => row.label)], columns.map((name, c) => [name, ...body.map((cells) => cells[c + 1]!)])).text;
}

/** Aligned columns: the first reads left to right, numbers line up on the right. */
function grid(header: readonly string[], body: readonly (readonly string[])[]): { text: string; width: number } {
  const widths = header.map((title, c) => Math.max(title.length, ...body.map((cells) => cells[c]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return { text: [line(header), rule, ...body.map(line)].join('\n'), width: widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1) };
}

function metricsInOrderOfAppearance(rows: readonly MetricTableRow[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const name of Object.keys(row.metrics)) seen.add(name);
  return [...seen];
}

function formatCell(summary: MetricSummary | undefined, decimals: number, showStderr: boolean): string {
  if (!summary || !Number.isFinite(summary.mean)) return '-';
  const mean = summary.mean.toFixed(decimals);
  return showStderr && Number.isFinite(summary.stderr) ? `${mean} ± ${summary.stderr.toFixed(decimals)}` : mean;
}
