/** How commands talk: results on stdout (a table, or JSON with --json), logs and progress on stderr. */
import { createProgressReporter, type ProgressReporter } from './progress.js';
import type { FitProgress } from '../models/model.js';

export interface Output {
  readonly json: boolean;
  log(line: string): void;
  result(text: string): void;
  resultJSON(value: unknown): void;
  progress: ProgressReporter;
  onFitProgress: (p: FitProgress) => void;
}

export function createOutput(options: { json?: boolean; quiet?: boolean }): Output {
  const json = options.json ?? false;
  const quiet = options.quiet ?? false;
  const progress = createProgressReporter({ quiet });
  return {
    json,
    log: (line) => {
      if (!quiet) process.stderr.write(line + '\n');
    },
    result: (text) => process.stdout.write(text.endsWith('\n') ? text : text + '\n'),
    resultJSON: (value) => process.stdout.write(JSON.stringify(value, null, 2) + '\n'),
    progress,
    onFitProgress: (p) => progress.update(p.phase, p.done, p.total, p.values),
  };
}

/**
 * Text safe to print on a terminal: control characters (which a crafted input
 * file could use to move the cursor, recolour or clear the screen when an
 * error message quotes it) are shown escaped, as \x1b or \u009b.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
