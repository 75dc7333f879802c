/**
 * A controlled background load for benchmark scripts: `--background-load N`
 * runs N CPU-bound processes (a busy loop each, the stand-in for another
 * program on a laptop, CI runner or shared server) for the whole run, so that
 * both sides of a comparison — recoder and its peer — run under the same
 * contention, and quiet and busy figures come from one command.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface BackgroundLoad {
  readonly processes: number;
  stop(): void;
}

/** Parses the option's value: a whole number of processes, 0 for none. */
export function backgroundLoadCount(value: string | undefined): number {
  if (value === undefined) return 0;
  const count = Number(value);
  if (!(Number.isInteger(count) && count >= 0 && count <= 64)) throw new RangeError(`--background-load must be a whole number of processes from 0 to 64, got ${JSON.stringify(value)}`);
  return count;
}

/** Starts `processes` busy loops; they end with stop(), with this process, or on Ctrl-C. */
export function startBackgroundLoad(processes: number): BackgroundLoad {
  const children: ChildProcess[] = [];
  for (let k = 0; k < processes; k++) {
    children.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  }
  const stop = () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', stop);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      stop();
      process.exit(130);
    });
  }
  return { processes, stop };
}
