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

const formatValues = (values?: Readonly<Record<string, number>>) =>
  values ? Object.entries(values).map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(4)}`).join(' ') : '';

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
      { format: '{phase} [{bar}] {value}/{total} {extra}', stream, hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    let currentPhase = '';
    const reporter: ProgressReporter = {
      update(phase, done, total, values) {
        if (phase !== currentPhase) {
          if (currentPhase) bar.stop();
          bar.start(total, done, { phase, extra: formatValues(values) });
          liveBars.add(reporter);
          currentPhase = phase;
        } else {
          bar.setTotal(total);
          bar.update(done, { phase, extra: formatValues(values) });
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
        stream.write(`${phase}: ${done}/${total} ${formatValues(values)}`.trimEnd() + '\n');
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
