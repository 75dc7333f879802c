import cliProgress from 'cli-progress';

/** Reports the progress of long work: a live bar on a terminal, occasional plain lines otherwise. */
export interface ProgressReporter {
  update(phase: string, done: number, total: number, values?: Readonly<Record<string, number>>): void;
  stop(): void;
}

/** Live bars not yet stopped: their redraw timer keeps the process alive, so a failing command must stop them (stopAllProgress). */
const liveBars = new Set<{ stop(): void }>();

/** Stops every live bar: main.ts calls it when a command ends, however it ended (an error, a Ctrl-C). */
export function stopAllProgress(): void {
  for (const bar of [...liveBars]) bar.stop();
}

const number = (v: number) => (Number.isInteger(v) ? String(v) : Math.abs(v) >= 1000 ? v.toFixed(0) : v.toPrecision(4));

/**
 * The numbers of a progress line, the ones a person watches first (a
 * terminal line is cut at its width): the validation score with a marker on
 * the best epoch so far, the loss, the other values, the seconds last.
 */
export function formatValues(values?: Readonly<Record<string, number>>, done?: number): string {
  if (values === undefined) return '';
  const { validation, bestEpoch, resumedFromEpoch, loss, seconds, ...rest } = values;
  const parts: string[] = [];
  if (validation !== undefined) parts.push(`val=${number(validation)}${bestEpoch !== undefined && bestEpoch === done ? ' *best*' : bestEpoch !== undefined ? ` (best ep ${bestEpoch})` : ''}`);
  if (loss !== undefined) parts.push(`loss=${number(loss)}`);
  for (const [key, value] of Object.entries(rest)) parts.push(`${key}=${number(value)}`);
  if (seconds !== undefined) parts.push(`${number(seconds)}s`);
  if (resumedFromEpoch !== undefined) parts.push(`(resumed from epoch ${resumedFromEpoch})`);
  return parts.join(' ');
}

/**
 * A bar on stderr when it is a terminal; otherwise one line per phase and per
 * 10 % step, so CI logs show progress without carriage-return noise.
 * `quiet` silences it (e.g. for --json output that a script parses).
 */
export function createProgressReporter(options: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  if (options.quiet) return { update: () => undefined, stop: () => undefined };
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      // A short bar and the counts before the values, so that the validation score fits an 80-column line.
      { format: '{phase} {value}/{total} [{bar}] {extra}', barsize: 12, stream, hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    let currentPhase = '';
    const reporter: ProgressReporter = {
      update(phase, done, total, values) {
        if (phase !== currentPhase) {
          if (currentPhase) bar.stop();
          bar.start(total, done, { phase, extra: formatValues(values, done) });
          liveBars.add(reporter);
          currentPhase = phase;
        } else {
          bar.setTotal(total);
          bar.update(done, { phase, extra: formatValues(values, done) });
        }
      },
      stop() {
        if (currentPhase) bar.stop();
        currentPhase = '';
        liveBars.delete(reporter);
      },
    };
    return reporter;
  }
  let currentPhase = '';
  let lastDecile = -1;
  return {
    update(phase, done, total, values) {
      const decile = total > 0 ? Math.floor((10 * done) / total) : 10;
      if (phase !== currentPhase || decile !== lastDecile) {
        stream.write(`${phase}: ${done}/${total} ${formatValues(values, done)}`.trimEnd() + '\n');
        currentPhase = phase;
        lastDecile = decile;
      }
    },
    stop() {
      currentPhase = '';
      lastDecile = -1;
    },
  };
}
